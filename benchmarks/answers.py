"""Evaluation of question answering (bot/answers.py) on the shared 5W gold standard and on
hand-written natural questions.

Usage::

    python -m benchmarks.answers --data ../shared/eval [--split test|train|all] [--only 5w|qa]

Two parts:

* **5W main event** - ``PATH/giveme5w1h/gold_standard_flat.jsonl``: for each article,
  ``main_event`` extracts who/what/when/where; the top answer is a hit when its token F1 with
  ANY annotated phrase (of any coder) is >= 0.5. Articles with no annotated phrase for a
  question type are left out of that type. Giveme5W1H's own stored outputs
  (``system_output/``) are scored the same way, which validates the scorer against the issue's
  figures. The *training* split is for development, *test* is for reporting.
* **Natural questions** - ``tests/data/questions/natural_questions.jsonl``: questions written by
  reading the articles. Every giveme5w1h article and the Sputnik sample are ingested into ONE
  chat of a temporary store (so retrieval has to find the right story), each question is
  asked, and an answer counts as correct when its token F1 with an expected answer is >= 0.5
  or it contains one. Unanswerable questions (expected null) must be abstained on. The *dev*
  split calibrates the abstention threshold; *test* is for reporting.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.percentiles import percentile

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions" / "natural_questions.jsonl"
SPUTNIK = ROOT / "tests" / "data" / "cleaning" / "sputnik-asat-2019.txt"
TYPES = ("who", "what", "when", "where")
HIT_F1 = 0.5
CHAT_ID = 1
SPLITS = {"train": "training", "test": "test"}


# -- scoring ----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Lower-case word tokens for F1."""
    return re.findall(r"\w+", (text or "").lower())


def token_f1(predicted: str, gold: str) -> float:
    """Token-overlap F1 (SQuAD style, without article stripping)."""
    a, b = tokens(predicted), tokens(gold)
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def is_hit(predicted: str | None, golds: Iterable[str]) -> bool:
    """A hit when F1 >= 0.5 with any gold phrase."""
    return bool(predicted) and any(token_f1(predicted, g) >= HIT_F1 for g in golds)


def is_correct(predicted: str | None, expected: Iterable[str]) -> bool:
    """A natural-question answer is correct by F1 >= 0.5 or by containing an expected answer."""
    if not predicted:
        return False
    lower = " ".join(tokens(predicted))
    return any(
        token_f1(predicted, e) >= HIT_F1 or (tokens(e) and " ".join(tokens(e)) in lower)
        for e in expected
    )


# -- loading ----------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_phrases(article: dict, kind: str) -> list[str]:
    """Annotated phrases of one type (entries without text mean "no candidate")."""
    return [a["text"] for a in article["answers"].get(kind, []) if a.get("text")]


def in_split(article: dict, split: str) -> bool:
    return split == "all" or article.get("split") == SPLITS.get(split, split)


# -- part 1: the 5W main event ----------------------------------------------------------------


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += int(hit)
        self.total += 1

    def rate(self) -> str:
        return f"{self.hits / self.total:.2f} ({self.hits}/{self.total})" if self.total else "–"


def evaluate_5w(data: Path, split: str, out=sys.stdout, verbose: bool = False) -> dict:
    """Hit rates of ours and Giveme5W1H's stored outputs, per question type."""
    from bot.answers import main_event
    from bot.tokenizer import split_sentences

    folder = data / "giveme5w1h"
    articles = [a for a in _jsonl(folder / "gold_standard_flat.jsonl") if in_split(a, split)]
    ours = {k: Tally() for k in TYPES}
    theirs = {k: Tally() for k in TYPES}
    started = time.perf_counter()
    compared = 0
    for article in articles:
        stored = folder / "system_output" / f"{article['id']}.json"
        system = json.loads(stored.read_text()) if stored.exists() else None
        if system is None:
            continue  # compare on the 96 articles both systems cover
        compared += 1
        facts = main_event(
            article["title"], split_sentences(article["text"]), None, article.get("date_publish")
        )
        for kind in TYPES:
            golds = gold_phrases(article, kind)
            if not golds:
                continue
            mine = getattr(facts, kind)
            ours[kind].add(is_hit(mine, golds))
            extracted = system["fiveWoneH"][kind].get("extracted") or []
            theirs[kind].add(is_hit(extracted[0]["text"] if extracted else None, golds))
            if verbose and not is_hit(mine, golds):
                print(f"  miss {kind}: {mine!r} vs {golds}", file=out)
    elapsed = time.perf_counter() - started
    print(f"\n### 5W main event, split: {split} ({compared} articles)\n", file=out)
    print("| system | who | what | when | where |", file=out)
    print("|---|---|---|---|---|", file=out)
    for name, tallies in (("storybot main_event", ours), ("Giveme5W1H (stored)", theirs)):
        print(f"| {name} | " + " | ".join(tallies[k].rate() for k in TYPES) + " |", file=out)
    print(f"\n{elapsed:.1f} s for {compared} articles.", file=out)
    return {"ours": ours, "theirs": theirs}


# -- part 2: natural questions ----------------------------------------------------------------


def build_chat(data: Path, store_path: Path):
    """Every giveme5w1h article and the Sputnik sample, ingested into one chat."""
    from bot.documents import RawStory
    from bot.ingest import Ingestor
    from db.store import Store

    store = Store(store_path)
    raws = []
    ids: list[str] = []
    for article in _jsonl(data / "giveme5w1h" / "gold_standard_flat.jsonl"):
        raws.append(
            RawStory(
                text=article["text"],
                title=article["title"],
                published=article.get("date_publish"),
                source_id=article["id"],
            )
        )
        ids.append(article["id"])
    if SPUTNIK.exists():
        # Untitled, with a scraped header: it goes through the cleaning path for its title/date.
        raws.append(RawStory(text=SPUTNIK.read_text(encoding="utf-8"), source_id="sputnik"))
    outcomes = Ingestor(store).ingest(CHAT_ID, raws)
    story_of: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.story is not None and outcome.source_id:
            story_of.setdefault(outcome.source_id, outcome.story.id)
    return store, story_of


def evaluate_questions(
    data: Path, split: str, out=sys.stdout, verbose: bool = False
) -> dict[str, Tally]:
    """Accuracy per question type and the abstention rate, on one split of the questions."""
    from bot.answers import answer

    questions = [q for q in _jsonl(QUESTIONS) if split == "all" or q["split"] == split]
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = build_chat(data, Path(tmp) / "eval.db")
        chat = store.chat(CHAT_ID)
        stories = chat.count()
        by_type: dict[str, Tally] = defaultdict(Tally)
        abstained = Tally()
        timings: list[float] = []
        for item in questions:
            started = time.perf_counter()
            result = answer(chat, item["question"])
            timings.append(time.perf_counter() - started)
            expected = item["expected"]
            if expected is None:
                abstained.add(result.answer is None)
                ok = result.answer is None
            else:
                ok = is_correct(result.answer, expected)
                by_type[item["type"]].add(ok)
                by_type["all answerable"].add(ok)
            if verbose and not ok:
                print(
                    f"  MISS [{item['id']}] {item['question']} -> {result.answer!r} "
                    f"(expected {expected}) score={result.score} note={result.note}\n"
                    f"       {(result.sentence or '')[:160]}",
                    file=out,
                )
        store.close()
    order = ["who", "what", "when", "where", "why", "how", "how_many", "which", "all answerable"]
    print(f"\n### Natural questions, split: {split} ({len(questions)} questions)\n", file=out)
    print("| type | correct |", file=out)
    print("|---|---|", file=out)
    for kind in order:
        if kind in by_type:
            print(f"| {kind} | {by_type[kind].rate()} |", file=out)
    print(f"| unanswerable: abstained | {abstained.rate()} |", file=out)
    timings.sort()
    if timings:
        p50 = timings[len(timings) // 2] * 1000
        p95 = percentile(timings, 0.95) * 1000
        print(
            f"\nTime per question ({stories}-story chat): p50 {p50:.0f} ms, p95 {p95:.0f} ms.",
            file=out,
        )
    by_type["abstained"] = abstained
    return by_type


# -- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.answers", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--split", default="test", help="test (report), train/dev, or all")
    parser.add_argument("--only", choices=("5w", "qa"), default=None)
    parser.add_argument("--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(list(argv) if argv is not None else None)
    gold = args.data / "giveme5w1h" / "gold_standard_flat.jsonl"
    if not gold.exists():
        print(f"No giveme5w1h data at {gold}; skipping the answers evaluation.")
        return 0
    if args.only in (None, "5w"):
        split_5w = {"dev": "train"}.get(args.split, args.split)
        evaluate_5w(args.data, split_5w, verbose=args.verbose)
        if args.split == "test":
            evaluate_5w(args.data, "all")
    if args.only in (None, "qa"):
        if not QUESTIONS.exists():
            print(f"No questions at {QUESTIONS}; skipping the natural questions.")
            return 0
        split_qa = {"train": "dev"}.get(args.split, args.split)
        evaluate_questions(args.data, split_qa, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
