"""Language detection and non-English summary speed (the README's Languages table).

    python -m benchmarks.languages [--data ../shared/eval]

Detects each test story in tests/data/languages (and each of its paragraphs on its own), times
detection and a three-sentence summary of each (median of 50 runs, CPU time), and, with
``--data``, counts the English evaluation articles the summarizer would not take as English.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "languages"
STORIES = {"ru": "ru-tram.txt", "es": "es-incendio.txt", "de": "de-bahn.txt", "fr": "fr-greve.txt"}
RUNS = 50


def _median_ms(call, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times)


def test_stories() -> None:
    """Detection and summary time of each test story."""
    from bot.nlp.cleaning import clean_text
    from bot.nlp.languages import _identifier, detect
    from bot.nlp.summaries import StoryText, SummaryLength, summarize

    start = time.perf_counter()
    _identifier()
    print(f"detector load: {1000 * (time.perf_counter() - start):.0f} ms")
    right = paragraphs_right = paragraphs = 0
    for code, name in STORIES.items():
        text = (DATA / name).read_text(encoding="utf-8")
        found = detect(text)
        right += found.code == code
        for paragraph in text.split("\n\n"):
            paragraphs += 1
            paragraphs_right += detect(paragraph).code == code
        cleaned = clean_text(text)
        document = StoryText(cleaned.title, cleaned.paragraphs)
        summarize(document)
        summary_ms = _median_ms(lambda d=document: summarize(d, SummaryLength(sentences=3)))
        detect_ms = _median_ms(lambda t=text: detect(t))
        print(
            f"{code}: detected {found.code} (p={found.probability:.3f}), {len(text.split())} "
            f"words; summary {summary_ms:.1f} ms, detection {detect_ms:.2f} ms (medians)"
        )
    print(f"stories detected right: {right} of {len(STORIES)}")
    print(f"paragraphs and headlines detected right: {paragraphs_right} of {paragraphs}")


def english_sets(root: Path) -> None:
    """How many English evaluation articles the summarizer would not take as English."""
    from benchmarks import summaries as harness
    from bot.nlp.summaries import TextTooShort, UnsupportedLanguage, _prepare

    clean = harness._cleaner()
    sets = {
        "cnndm": harness.load_cnndm(root),
        "summeval": harness.load_summeval(root),
        "xsum": harness.load_xsum(root),
        "bbc": harness.load_bbc(root),
        "writers": harness.load_writers(root),
    }
    for name, examples in sets.items():
        others: list[str] = []
        for example in examples:
            document = harness._clean_document(example.document, clean)
            try:
                language = _prepare(document).language
            except TextTooShort:
                continue
            except UnsupportedLanguage as error:
                language = str(error)
            if language != "english":
                others.append(language)
        print(f"{name}: {len(examples)} articles, not English: {len(others)} {others}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="the shared eval folder (optional)")
    args = parser.parse_args(argv)
    test_stories()
    if args.data is not None:
        if not args.data.is_dir():
            print(f"No data at {args.data}: English sets skipped.")
        else:
            english_sets(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
