"""ROUGE evaluation of the summarizers on the shared evaluation sets.

Usage::

    python -m benchmarks.summaries --data ../shared/eval [--sets cnndm,summeval] [--limit N]

Sets (``--data`` holds one folder per set):

* ``bbc-news-summary`` (**dev**: the news summarizer's weights were tuned on it) - BBC articles
  with extractive reference summaries; as many sentences as the reference has. A seeded sample
  of ``BBC_SAMPLE`` (300) articles keeps a full run short; ``--limit`` overrides it.
* ``xsum-test-251`` (**dev**, tuned on) - BBC articles with a one-sentence abstractive summary
  (lower-cased and tokenized, so both sides are compared lower-cased); 1 sentence.
* ``writer-summaries-109`` (**dev**, tuned on) - DailyMail/CNN and BBC articles with 1-4
  summaries each written by freelance writers (the score is the best over them); 3 sentences.
  Articles that also occur in ``cnndm-test-250`` or ``summeval-100`` (3 of the 109, found by
  shared 8-word shingles) are dropped, so nothing tuned on is reported as held out.
* ``cnndm-test-250`` (**held-out test**) - CNN/DailyMail, highlights as reference; 3 sentences.
* ``summeval-100`` (**held-out test**) - CNN/DailyMail with 11 references each; the score per
  metric is the maximum over the references; 3 sentences.

Scores are ROUGE-1/2/Lsum F1 x 100 (rouge-score, Porter stemming, sentences split by newlines for
Lsum). The timing is the median CPU time per article of the whole path - cleaning (when
``bot.nlp.cleaning`` exists), sentence splitting and summarizing. It is process CPU time, not wall
time, so other jobs sharing the cores do not inflate it; the path runs on one thread (NumPy's
BLAS threads, if any, are counted too).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from benchmarks.news_corpora import detokenize_ptb
from bot.nlp.summaries import (
    METHODS,
    StoryText,
    SummaryLength,
    TextTooShort,
    UnsupportedLanguage,
    summarize,
)

BBC_SAMPLE = 300
SEED = 13
SETS: tuple[str, ...] = ("cnndm", "summeval", "xsum", "bbc", "writers")
DEV_SETS = frozenset({"xsum", "bbc", "writers"})
TEST_SETS = ("cnndm", "summeval")
METRICS = ("rouge1", "rouge2", "rougeLsum")
# Column names in the report: the project's summarizer is "storybot", the lead baseline "lead".
LABELS = {"auto": "storybot", "lead": "lead"}


@dataclass
class Example:
    """One article with its reference summaries and how many sentences to extract."""

    document: StoryText
    references: list[str]
    sentences: int
    lowercase: bool = False


# --------------------------------------------------------------------------------------------
# Loading


def _jsonl(path: Path) -> Iterable[dict]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_cnndm(root: Path) -> list[Example]:
    """CNN/DM test articles; highlights joined by newlines are the reference."""
    path = root / "cnndm-test-250" / "cnndm_test_frank250.jsonl"
    return [
        Example(StoryText(None, [row["article"]]), ["\n".join(row["highlights"])], 3)
        for row in _jsonl(path)
    ]


def load_summeval(root: Path) -> list[Example]:
    """SummEval articles (PTB-tokenized, lightly detokenized) with their 11 references."""
    path = root / "summeval-100" / "summeval100.jsonl"
    examples = []
    for row in _jsonl(path):
        references = [_sentences_on_lines(detokenize_ptb(r)) for r in row["references_ptb"]]
        article = detokenize_ptb(row["article_ptb"])
        examples.append(Example(StoryText(None, [article]), references, 3))
    return examples


def load_xsum(root: Path) -> list[Example]:
    """XSum test articles; the one-sentence reference is lower-cased, so compare lower-cased."""
    path = root / "xsum-test-251" / "xsum_test_frank251.jsonl"
    examples = []
    for row in _jsonl(path):
        paragraphs = [p for p in row["article"].split("\n") if p.strip()]
        examples.append(
            Example(StoryText(None, paragraphs), [row["summary_lower_tok"]], 1, lowercase=True)
        )
    return examples


_RUN_TOGETHER = re.compile(r"([.!?][\"'’”]?)(?=[A-Z])")


def _read_text(path: Path) -> str:
    """A BBC file's text; one of them is latin-1, not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def load_bbc(root: Path, limit: int | None = None) -> list[Example]:
    """BBC News Summary articles (title line, blank, paragraphs) and their extractive summaries.

    A seeded sample of ``BBC_SAMPLE`` articles unless ``limit`` says otherwise.
    """
    base = root / "bbc-news-summary"
    articles = sorted((base / "News Articles").glob("*/*.txt"))
    sample = limit if limit is not None else BBC_SAMPLE
    if sample < len(articles):
        articles = sorted(random.Random(SEED).sample(articles, sample))
    examples = []
    for path in articles:
        summary_path = base / "Summaries" / path.parent.name / path.name
        if not summary_path.exists():
            continue
        lines = _read_text(path).strip().split("\n")
        title, body = lines[0].strip(), [line.strip() for line in lines[1:] if line.strip()]
        # Summary sentences are run together ("$10.9bn.For the ..."): put the space back.
        summary = _RUN_TOGETHER.sub(r"\1 ", _read_text(summary_path).strip())
        reference = _sentences_on_lines(summary)
        count = max(1, reference.count("\n") + 1)
        examples.append(Example(StoryText(title, body), [reference], count))
    return examples


def load_writers(root: Path) -> list[Example]:
    """Writer-summary articles not shared with a held-out set; all their summaries are references."""
    rows = json.loads((root / "writer-summaries-109" / "writer_summaries.json").read_text("utf-8"))
    held_out = _held_out_shingles(root)
    articles: dict[str, str] = {}
    references: dict[str, list[str]] = {}
    for row in rows:
        articles[row["article_id"]] = row["article"]
        references.setdefault(row["article_id"], []).append(_sentences_on_lines(row["summary"]))
    examples = []
    for article_id, article in articles.items():
        if len(_shingles(article) & held_out) > _SHARED_SHINGLES:
            continue
        paragraphs = [p.strip() for p in article.split("\n") if p.strip()]
        examples.append(Example(StoryText(None, paragraphs), references[article_id], 3))
    return examples


# More shared 8-word shingles than this means the same article (boilerplate shares a few).
_SHARED_SHINGLES = 5


def _shingles(text: str, size: int = 8, first_words: int = 300) -> set[str]:
    """Lower-cased word 8-grams of the start of a text, to recognise the same article."""
    tokens = re.findall(r"[a-z0-9]+", text.lower())[:first_words]
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _held_out_shingles(root: Path) -> set[str]:
    """Shingles of every held-out article present under ``root``."""
    shingles: set[str] = set()
    cnndm = root / "cnndm-test-250" / "cnndm_test_frank250.jsonl"
    if cnndm.exists():
        for row in _jsonl(cnndm):
            shingles |= _shingles(row["article"])
    summeval = root / "summeval-100" / "summeval100.jsonl"
    if summeval.exists():
        for row in _jsonl(summeval):
            shingles |= _shingles(detokenize_ptb(row["article_ptb"]))
    return shingles


def _sentences_on_lines(text: str) -> str:
    """Text with one sentence per line, as rougeLsum expects."""
    from bot.nlp.tokenizer import split_sentences

    return "\n".join(split_sentences(text))


LOADERS: dict[str, Callable[[Path], list[Example]]] = {
    "cnndm": load_cnndm,
    "summeval": load_summeval,
    "xsum": load_xsum,
    "bbc": load_bbc,
    "writers": load_writers,
}
FOLDERS = {
    "cnndm": "cnndm-test-250",
    "summeval": "summeval-100",
    "xsum": "xsum-test-251",
    "bbc": "bbc-news-summary",
    "writers": "writer-summaries-109",
}


# --------------------------------------------------------------------------------------------
# Cleaning hook


def _cleaner() -> Callable[[str], object] | None:
    """``bot.nlp.cleaning.clean_text`` when that module exists (it is written alongside), else None."""
    try:
        from bot.nlp.cleaning import clean_text
    except Exception:  # noqa: BLE001 - any import failure means "no cleaning step"
        return None
    return clean_text


def _clean_document(document: StoryText, clean: Callable[[str], object] | None) -> StoryText:
    """Clean the story's text as the store does before summarizing; keep a given headline."""
    if clean is None:
        return document
    cleaned = clean("\n\n".join(document.paragraphs))
    paragraphs = list(getattr(cleaned, "paragraphs", None) or [])
    found_title = getattr(cleaned, "title", None)
    if not paragraphs:
        return document
    if document.title is None:
        return StoryText(found_title, paragraphs)
    # The headline is known already, so a "title" the cleaner found is body text: keep it.
    return StoryText(document.title, [found_title, *paragraphs] if found_title else paragraphs)


# --------------------------------------------------------------------------------------------
# Scoring


def _scorer():
    """rouge-score's scorer with stemming."""
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def _score(scorer, references: Sequence[str], prediction: str, lowercase: bool) -> dict:
    """F1 per metric, the best over references."""
    if lowercase:
        prediction = prediction.lower()
    best = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        if lowercase:
            reference = reference.lower()
        scores = scorer.score(reference, prediction)
        for metric in METRICS:
            best[metric] = max(best[metric], scores[metric].fmeasure)
    return best


def evaluate(examples: Sequence[Example], method: str, scorer) -> dict:
    """Mean ROUGE F1 x 100 and median ms per article for one method on one set."""
    clean = _cleaner()
    totals = dict.fromkeys(METRICS, 0.0)
    timings = []
    failures = 0
    for example in examples:
        start = time.process_time()
        try:
            document = _clean_document(example.document, clean)
            summary = summarize(document, SummaryLength(sentences=example.sentences), method)
            sentences = summary.sentences
        except (TextTooShort, UnsupportedLanguage):
            sentences, failures = [], failures + 1
        timings.append(time.process_time() - start)
        scores = _score(scorer, example.references, "\n".join(sentences), example.lowercase)
        for metric in METRICS:
            totals[metric] += scores[metric]
    count = max(1, len(examples))
    result = {metric: 100 * totals[metric] / count for metric in METRICS}
    result["ms"] = 1000 * statistics.median(timings) if timings else 0.0
    result["failures"] = failures
    return result


def run(
    data_dir: Path,
    *,
    limit: int | None = None,
    methods: Sequence[str] = METHODS,
    sets: Sequence[str] = SETS,
    out: TextIO | None = None,
) -> dict:
    """Evaluate every method on every present set and print a markdown table; returns scores."""
    out = out or sys.stdout
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        print(f"No evaluation data at {data_dir}; skipping the summary benchmark.", file=out)
        return {}
    scorer = _scorer()
    results: dict[str, dict[str, dict]] = {}
    for name in sets:
        if not (data_dir / FOLDERS[name]).exists():
            print(f"({FOLDERS[name]} not found under {data_dir}; skipped)", file=out)
            continue
        if name == "bbc":
            examples = load_bbc(data_dir, limit)
        else:
            examples = LOADERS[name](data_dir)
            examples = examples[:limit] if limit is not None else examples
        results[name] = {m: evaluate(examples, m, scorer) for m in methods}
        results[name]["_count"] = {"articles": len(examples)}
    print(format_table(results, methods), file=out)
    return results


def format_table(results: dict, methods: Sequence[str]) -> str:
    """Markdown table: one row per set and method."""
    lines = [
        "| set | role | n | method | R1 | R2 | RLsum | CPU ms/article |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, per_method in results.items():
        role = "dev (tuned on)" if name in DEV_SETS else "test (held out)"
        count = per_method["_count"]["articles"]
        for method in methods:
            r = per_method[method]
            label = LABELS.get(method, method)
            lines.append(
                f"| {FOLDERS[name]} | {role} | {count} | {label} | {r['rouge1']:.1f} | "
                f"{r['rouge2']:.1f} | {r['rougeLsum']:.1f} | {r['ms']:.1f} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the eval sets")
    parser.add_argument("--limit", type=int, default=None, help="articles per set (bbc: sample)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ",".join(SETS))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [s for s in sets if s not in SETS] + [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown set or method: {', '.join(unknown)}")
    run(args.data, limit=args.limit, methods=methods, sets=sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
