"""Evaluation of answers (``bot.nlp.answers``) on blind question sets, beside the naive baseline.

Usage::

    python -m benchmarks.answers --data ../shared/eval --set dev [--work DIR] [--verbose]
    python -m benchmarks.answers --data ../shared/eval --set test-bbc --test-run
    python -m benchmarks.answers --data ../shared/eval --set 5w --split test

Question sets (``tests/data/questions``), each asked in one chat holding many stories, so
retrieval has to find the right one:

* ``dev``: blind questions over training-corpus articles by writers whose questions are never
  trained on; the chat holds all 699 training-corpus articles. The answer thresholds are
  chosen on it (``bot/nlp/answers/training.py``), so it is not a clean held-out figure.
* ``train``: the training questions themselves, in the same chat (in-sample: for diagnosis).
* ``test-bbc``: blind questions over 50 BBC News Summary articles, in a chat of 400 BBC articles.
* ``test-bbc2``: a second blind set, written after ``test-bbc`` had been run once: 200 questions
  over the next 50 articles of the same 400-article BBC chat (``question_batches``).
* ``test-bbc3``: a third, written after ``test-bbc2`` had been run once: 200 questions over the
  50 articles after those, in the same chat.
* ``test-bbc4``: a fourth, written after ``test-bbc3`` had been run once: 200 questions over the
  next 50 articles, in the same chat.
* ``test-bbc5``: a fifth, written after ``test-bbc4`` had been run once: 200 questions over the
  next 50 articles, in the same chat.
* ``test-bbc6``: a sixth, written after ``test-bbc5`` had been run once: 200 questions over the
  next 50 articles, in the same chat.
* ``test-bbc7``: a seventh, written before ``test-bbc6`` was run, for the model after it: 200
  questions over the last 50 question articles of the same chat.
* ``test-bbc8`` and ``test-bbc9``: written in the eleventh session, before any model ran on
  them, for the models after the one test-bbc7 judges: 200 questions each over 50 articles of
  a second seeded chat of 400 other BBC stories (``bbc_second_chat``).
* ``test-giveme5w1h``: blind questions over the Giveme5W1H articles and the scraped sample page,
  all in one chat.
* ``natural``: the older hand-written questions over the same Giveme5W1H chat (written by the
  hands that tuned the old rules; kept for comparison only).
* ``5w``: the main event (``facts``) against the Giveme5W1H annotations, ``--split`` train/test.

The test sets are held out: they run only with ``--test-run``, and every such run is appended
to ``benchmarks/test_set_runs.jsonl`` (set, time, commit), which the README quotes.

Scoring (``bot.nlp.answers.scoring``): a short answer is right when it is short enough for its
kind and contains an accepted answer or overlaps one with token F1 ≥ 0.5 (a when-answer also
when it resolves to the expected date); a yes/no question is answered right by quoting its
deciding sentence. Columns: answerable questions answered right; of the short answers given
(to any question), the share that were wrong; of the answerable questions, how often the quoted
sentence holds the answer; unanswerable questions with no short answer given.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from benchmarks.percentiles import percentile

ROOT = Path(__file__).resolve().parent.parent
RUN_LOG = ROOT / "benchmarks" / "test_set_runs.jsonl"
CHAT_ID = 1
TEST_SETS = (
    "test-bbc",
    "test-bbc2",
    "test-bbc3",
    "test-bbc4",
    "test-bbc5",
    "test-bbc6",
    "test-bbc7",
    "test-bbc8",
    "test-bbc9",
    "test-giveme5w1h",
)
QA_SETS = ("dev", "train", *TEST_SETS, "natural")
TYPES_5W = ("who", "what", "when", "where")
RECALL_AT = (1, 4, 10)


# -- the chats ----------------------------------------------------------------------------------


def chat_articles(data: Path, name: str) -> list:
    """The articles the chat of a question set holds."""
    from benchmarks.news_corpora import load_articles, training_articles
    from benchmarks.question_batches import (
        SECOND_CHAT_SETS,
        bbc_second_chat,
        bbc_test_articles,
        sample_article,
    )

    if name in ("dev", "train"):
        return training_articles(data)
    if name in SECOND_CHAT_SETS:
        return bbc_second_chat(data)
    if name.startswith("test-bbc"):  # test-bbc to test-bbc7 ask about articles of one chat
        return bbc_test_articles(data)[1]
    return load_articles(data, "giveme5w1h") + [sample_article()]


def chat_name(name: str) -> str:
    """The chat a question set is asked in: dev and train share the training chat, and the
    older natural questions are asked in the Giveme5W1H test chat; test-bbc to test-bbc7 share
    one BBC chat, test-bbc8 and test-bbc9 a second."""
    if name in ("dev", "train"):
        return "training"
    from benchmarks.question_batches import SECOND_CHAT_SETS

    if name in SECOND_CHAT_SETS:
        return "test-bbc-second"
    if name.startswith("test-bbc"):  # later BBC sets ask about other articles of that chat
        return "test-bbc"
    return name.replace("natural", "test-giveme5w1h")


def build_chat(data: Path, name: str, work: Path):
    """The set's chat, ingested once into ``work`` (reused when it is there)."""
    from bot.nlp.answers.training import ingest_articles
    from db.store import Store

    kind = chat_name(name)
    path = work / f"{kind}.db"
    index = work / f"{kind}-stories.json"
    store = Store(path)
    if index.exists():
        return store, json.loads(index.read_text())
    story_of = ingest_articles(store, CHAT_ID, chat_articles(data, name))
    index.write_text(json.dumps(story_of))
    return store, story_of


SMALL_CHAT_SEED = 2026


def build_small_chats(
    data: Path, name: str, work: Path, size: int
) -> tuple[object, dict[str, int], dict[str, int]]:
    """The set's articles spread over chats of ``size`` stories each (seeded), as people keep
    a few stories in a chat: (store, article → story id, article → chat id)."""
    from bot.nlp.answers.training import ingest_articles
    from db.store import Store

    kind = f"{chat_name(name)}-chats-of-{size}"
    store = Store(work / f"{kind}.db")
    index = work / f"{kind}-stories.json"
    if index.exists():
        saved = json.loads(index.read_text())
        return store, saved["story_of"], saved["chat_of"]
    articles = list(chat_articles(data, name))
    random.Random(SMALL_CHAT_SEED).shuffle(articles)
    story_of: dict[str, int] = {}
    chat_of: dict[str, int] = {}
    for number, start in enumerate(range(0, len(articles), size), start=CHAT_ID):
        group = articles[start : start + size]
        story_of.update(ingest_articles(store, number, group))
        chat_of.update({article.id: number for article in group})
    index.write_text(json.dumps({"story_of": story_of, "chat_of": chat_of}))
    return store, story_of, chat_of


def load_set(name: str) -> list[dict]:
    """A question set in one shape: id, article, question, type, answers, evidence,
    answerable (the older natural questions are mapped onto it)."""
    from bot.nlp.answers.training import load_questions

    if name != "natural":
        return load_questions(name)
    items = []
    for row in load_questions("natural_questions"):
        expected = row["expected"]
        items.append(
            {
                "id": row["id"],
                "article": f"giveme5w1h:{row['article']}"
                if row["article"] != "sputnik"
                else "sample:sputnik-asat-2019",
                "question": row["question"],
                "type": row["type"],
                "answers": expected or [],
                "evidence": None,
                "answerable": expected is not None,
            }
        )
    return items


# -- scoring ------------------------------------------------------------------------------------


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    def share(self) -> str:
        if not self.total:
            return "–"
        return f"{self.right / self.total:.0%} ({self.right}/{self.total})"


@dataclass
class Report:
    """One system's results on one set."""

    right: Tally = field(default_factory=Tally)
    wrong_given: Tally = field(default_factory=Tally)  # right = wrong ones, total = given
    holds: Tally = field(default_factory=Tally)
    abstained: Tally = field(default_factory=Tally)
    closest_offered: int = 0
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    timings: list[float] = field(default_factory=list)


def judge(report: Report, item: dict, answer: str | None, date: str | None, sentence: str | None):
    """Add one question's outcome to the report; returns whether it was right."""
    from bot.nlp.answers.scoring import holds, is_right

    accepted = item["answers"]
    kind = item["type"]
    if not item["answerable"]:
        report.abstained.add(answer is None)
        if answer is not None:
            report.wrong_given.add(True)
        elif sentence:
            report.closest_offered += 1
        return answer is None
    sentence_holds = holds(sentence, accepted, item.get("evidence"))
    if kind == "yesno":
        ok = sentence_holds
    else:
        ok = is_right(answer, accepted, kind, date=date, expected_date=item.get("date"))
        if answer is not None:
            report.wrong_given.add(not ok)
    report.right.add(ok)
    report.by_type[kind].add(ok)
    report.holds.add(sentence_holds)
    return ok


def run_set(
    data: Path,
    name: str,
    work: Path,
    out: TextIO = sys.stdout,
    verbose: bool = False,
    batches: Sequence[str] = (),
    chat_size: int | None = None,
) -> dict[str, Report]:
    """Both systems on one question set (only the given batches of it, when some are given);
    prints the tables and returns the reports. With ``chat_size``, each question is asked in a
    chat of that many stories holding its article, not in one chat of them all."""
    from benchmarks.answer_baseline import baseline_answer
    from bot.nlp.answers import answer, warm_up

    items = load_set(name)
    if batches:
        items = [item for item in items if item.get("batch") in batches]
        if not items:
            raise SystemExit(f"{name} has no questions of the batches {', '.join(batches)}")
    title = f"{name} ({', '.join(batches)})" if batches else name
    if chat_size:
        store, story_of, chat_of = build_small_chats(data, name, work, chat_size)
        title += f", asked in chats of {chat_size} stories"
    else:
        store, story_of = build_chat(data, name, work)
        chat_of = {}
    warm_up()
    systems: dict[str, Callable] = {
        "storybot": lambda chat, q: answer(chat, q),
        "baseline (BM25 + first entity of the type)": baseline_answer,
    }
    reports = {system: Report() for system in systems}
    for item in items:
        chat = store.chat(chat_of.get(item["article"], CHAT_ID))
        for system, ask in systems.items():
            began = time.perf_counter()
            result = ask(chat, item["question"])
            reports[system].timings.append((time.perf_counter() - began) * 1000)
            date = getattr(result, "date", None)
            ok = judge(reports[system], item, result.answer, date, result.sentence)
            if verbose and system == "storybot" and not ok:
                print(
                    f"  MISS {item['id']} [{item['type']}] {item['question']}\n"
                    f"       got {result.answer!r} want {item['answers'][:2]} "
                    f"conf={getattr(result, 'confidence', 0):.2f}\n"
                    f"       said: {(result.sentence or '')[:150]}",
                    file=out,
                )
    recall = retrieval_recall(store, items, story_of, chat_of)
    store.close()
    answerable = sum(1 for i in items if i["answerable"])
    print(
        f"\n### {title}: {len(items)} questions ({answerable} answerable), "
        f"{chat_size or stories_in_chat(work, name)} stories in the chat\n",
        file=out,
    )
    print(
        "| system | answerable right | given answers wrong | quoted sentence holds the answer "
        "| unanswerable abstained | p50 ms | p95 ms |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|", file=out)
    for system, report in reports.items():
        t = sorted(report.timings)
        print(
            f"| {system} | {report.right.share()} | {report.wrong_given.share()} | "
            f"{report.holds.share()} | {report.abstained.share()} | "
            f"{statistics.median(t):.0f} | {percentile(t, 0.95):.0f} |",
            file=out,
        )
    ours = reports["storybot"]
    base = reports["baseline (BM25 + first entity of the type)"]
    print(
        f"\nstorybot offered the closest sentence (no short answer) for "
        f"{ours.closest_offered} unanswerable questions.\n",
        file=out,
    )
    print("| type | storybot | baseline |", file=out)
    print("|---|---|---|", file=out)
    for kind in sorted(ours.by_type, key=lambda k: -ours.by_type[k].total):
        print(f"| {kind} | {ours.by_type[kind].share()} | {base.by_type[kind].share()} |", file=out)
    print(
        "\nRetrieval recall (answerable questions whose answer sentence, in the right story, "
        "is among the first k candidates):\n",
        file=out,
    )
    print("| order | " + " | ".join(f"@{k}" for k in RECALL_AT) + " | among all |", file=out)
    print("|---|" + "---|" * (len(RECALL_AT) + 1), file=out)
    for order, hits in recall.items():
        total = hits["total"] or 1
        cells = [f"{hits[k] / total:.0%}" for k in (*RECALL_AT, "any")]
        print(f"| {order} | " + " | ".join(cells) + " |", file=out)
    return reports


def stories_in_chat(work: Path, name: str) -> int:
    kind = chat_name(name)
    index = work / f"{kind}-stories.json"
    return len(set(json.loads(index.read_text()).values())) if index.exists() else 0


def retrieval_recall(
    store, items: Sequence[dict], story_of: dict[str, int], chat_of: dict[str, int]
) -> dict[str, dict]:
    """Recall@k of the answer sentence: in BM25 order and in the learned model's order."""
    from bot.nlp.answers.answering import rank_sentences
    from bot.nlp.answers.model import load_model
    from bot.nlp.answers.question import read_question
    from bot.nlp.answers.retrieval import retrieve
    from bot.nlp.answers.scoring import holds

    model = load_model()
    counts = {
        order: {"total": 0, "any": 0, **dict.fromkeys(RECALL_AT, 0)}
        for order in ("BM25 over sentences", "learned sentence model")
    }
    for item in items:
        question = read_question(item["question"])
        if not item["answerable"] or not question.ok:
            continue
        story = story_of.get(item["article"])
        retrieval = retrieve(store.chat(chat_of.get(item["article"], CHAT_ID)), question)
        orders = {
            "BM25 over sentences": sorted(retrieval.candidates, key=lambda c: c.search_rank),
            "learned sentence model": [c for c, _ in rank_sentences(retrieval, model.sentence)],
        }
        for order, ranked in orders.items():
            good = [
                i
                for i, c in enumerate(ranked)
                if c.story.id == story and holds(c.text, item["answers"], item.get("evidence"))
            ]
            tally = counts[order]
            tally["total"] += 1
            tally["any"] += bool(good)
            for k in RECALL_AT:
                tally[k] += bool(good) and good[0] < k
    return counts


# -- the main event -----------------------------------------------------------------------------


def evaluate_5w(data: Path, split: str, out: TextIO = sys.stdout) -> dict:
    """Facts (who/what/when/where) against the Giveme5W1H annotations, ours and theirs."""
    from bot.nlp.answers.facts import main_event
    from bot.nlp.answers.scoring import token_f1
    from bot.nlp.tokenizer import split_sentences

    folder = data / "giveme5w1h"
    rows = [json.loads(line) for line in (folder / "gold_standard_flat.jsonl").open()]
    wanted = {"train": "training", "test": "test"}.get(split)
    ours = {k: Tally() for k in TYPES_5W}
    theirs = {k: Tally() for k in TYPES_5W}
    compared = 0
    for row in rows:
        if wanted and row.get("split") != wanted:
            continue
        stored = folder / "system_output" / f"{row['id']}.json"
        if not stored.exists():
            continue  # compare on the 96 articles both systems cover
        system = json.loads(stored.read_text())
        compared += 1
        facts = main_event(row["title"], split_sentences(row["text"]), row.get("date_publish"))
        for kind in TYPES_5W:
            golds = [a["text"] for a in row["answers"].get(kind, []) if a.get("text")]
            if not golds:
                continue
            mine = getattr(facts, kind)
            ours[kind].add(bool(mine) and any(token_f1(mine, g) >= 0.5 for g in golds))
            extracted = system["fiveWoneH"][kind].get("extracted") or []
            text = extracted[0]["text"] if extracted else None
            theirs[kind].add(bool(text) and any(token_f1(text, g) >= 0.5 for g in golds))
    print(f"\n### Main event (facts), Giveme5W1H split {split} ({compared} articles)\n", file=out)
    print("| system | who | what | when | where |", file=out)
    print("|---|---|---|---|---|", file=out)
    for name, tallies in (("storybot facts", ours), ("Giveme5W1H (its stored outputs)", theirs)):
        print(f"| {name} | " + " | ".join(tallies[k].share() for k in TYPES_5W) + " |", file=out)
    return {"ours": ours, "theirs": theirs}


# -- main ---------------------------------------------------------------------------------------


def log_test_run(name: str) -> None:
    """Append this run of a held-out set to the run log the README quotes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    entry = {"set": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit}
    with RUN_LOG.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.answers", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--set", choices=(*QA_SETS, "5w"), default="dev")
    parser.add_argument("--split", choices=("train", "test", "all"), default="train")
    parser.add_argument("--work", type=Path, help="keep the ingested chats here between runs")
    parser.add_argument("--test-run", action="store_true", help="allow a held-out set (logged)")
    parser.add_argument("--verbose", action="store_true", help="list storybot's misses")
    parser.add_argument(
        "--chat-size",
        type=int,
        metavar="N",
        help="ask each question in a chat of N stories holding its article (seeded), as people "
        "keep a few stories in a chat, not in one chat of the whole set",
    )
    parser.add_argument(
        "--batch",
        action="append",
        default=[],
        help="only this batch's questions (repeatable): e.g. a later round's, never looked at",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not (args.data / "giveme5w1h").exists():
        print(f"No evaluation data under {args.data}; skipping the answers evaluation.")
        return 0
    if args.set == "5w":
        if args.split == "test" and not args.test_run:
            parser.error("the 5W test split is held out: add --test-run (the run is logged)")
        if args.split == "test":
            log_test_run("5w-test")
        evaluate_5w(args.data, args.split)
        return 0
    if args.set in TEST_SETS and not args.test_run:
        parser.error(f"{args.set} is a held-out test set: add --test-run (the run is logged)")
    if args.set in TEST_SETS:
        log_test_run(args.set)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        run_set(
            args.data,
            args.set,
            args.work,
            verbose=args.verbose,
            batches=args.batch,
            chat_size=args.chat_size,
        )
        return 0
    with tempfile.TemporaryDirectory() as folder:
        run_set(
            args.data,
            args.set,
            Path(folder),
            verbose=args.verbose,
            batches=args.batch,
            chat_size=args.chat_size,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
