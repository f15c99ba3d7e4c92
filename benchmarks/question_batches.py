"""The article batches that question writers get, and the articles of each evaluation chat.

Question sets are written blind: a writer (a helper who never sees the code or the bot's
answers) gets one batch folder holding only article texts, the writing rules
(``benchmarks/question_rules.md``) and a format checker, and writes ``questions.jsonl`` there.

    python -m benchmarks.question_batches --data ../shared/eval --out /tmp/question-batches
    python -m benchmarks.question_batches --collect /tmp/question-batches   # the written sets

Training and dev batches hold the training corpora's articles (``news_corpora``), shuffled with
a fixed seed and cut into batches of ``BATCH_ARTICLES``; whole batches (so whole writers) are
dev, the rest training. The test batches hold held-out articles only: a seeded sample of BBC
News Summary articles, and the Giveme5W1H articles with the scraped sample page.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.news_corpora import Article, load_articles, training_articles

SEED = 2026
BATCH_ARTICLES = 50
DEV_BATCHES = 2  # the last batches: dev, written by writers whose questions are never trained on
BBC_QUESTION_ARTICLES = 50
# Later blind BBC sets, each written after the one before had been spent: test-bbc2 to
# test-bbc7 ask about the next 50 articles of the same seeded 400-article chat each, so all
# the sets are asked in one chat. Each is written in two batches.
LATER_BBC_SETS = 6
LATER_BBC_BATCHES = 2
BBC_CHAT_ARTICLES = 400  # the test chat: the question articles among other BBC stories
# test-bbc7 asked about the first chat's last question articles. The sets after it ask about
# a second seeded chat of other BBC articles (none of the first chat's), 50 articles each.
SECOND_CHAT_SETS = ("test-bbc8", "test-bbc9")
GIVEME5W1H_BATCHES = 2
HERE = Path(__file__).resolve().parent
RULES = HERE / "question_rules.md"
CHECKER = HERE / "question_check.py"
SAMPLE = HERE.parent / "bot" / "samples" / "sputnik-asat-2019.txt"
SAMPLE_ID = "sample:sputnik-asat-2019"


def _unique_texts(articles: Sequence[Article]) -> list[Article]:
    """The articles whose text occurs once (the BBC set repeats some articles)."""
    counts: dict[str, int] = {}
    for article in articles:
        counts[article.text] = counts.get(article.text, 0) + 1
    return [a for a in articles if counts[a.text] == 1]


def bbc_test_articles(root: Path) -> tuple[list[Article], list[Article]]:
    """The BBC articles questions are written over, and the whole test chat (they and others)."""
    pool = _unique_texts(load_articles(root, "bbc"))
    chat = random.Random(SEED).sample(pool, min(BBC_CHAT_ARTICLES, len(pool)))
    return chat[:BBC_QUESTION_ARTICLES], chat


def bbc_later_articles(root: Path, number: int) -> list[Article]:
    """test-bbc{number}'s articles (number 2 and up): the chat's next ``BBC_QUESTION_ARTICLES``
    after those of the set before."""
    chat = bbc_test_articles(root)[1]
    return chat[(number - 1) * BBC_QUESTION_ARTICLES : number * BBC_QUESTION_ARTICLES]


def bbc_second_chat(root: Path) -> list[Article]:
    """A second BBC test chat: ``BBC_CHAT_ARTICLES`` seeded articles, none in the first."""
    first = {a.id for a in bbc_test_articles(root)[1]}
    pool = [a for a in _unique_texts(load_articles(root, "bbc")) if a.id not in first]
    return random.Random(SEED + 1).sample(pool, min(BBC_CHAT_ARTICLES, len(pool)))


def bbc_second_chat_articles(root: Path, name: str) -> list[Article]:
    """The articles one of ``SECOND_CHAT_SETS`` asks about: the second chat's next
    ``BBC_QUESTION_ARTICLES`` after those of the set before."""
    index = SECOND_CHAT_SETS.index(name)
    chat = bbc_second_chat(root)
    return chat[index * BBC_QUESTION_ARTICLES : (index + 1) * BBC_QUESTION_ARTICLES]


def sample_article() -> Article:
    """The scraped sample page, junk and all, as users send it."""
    return Article(SAMPLE_ID, None, SAMPLE.read_text(encoding="utf-8"))


def training_batches(root: Path) -> list[list[Article]]:
    """The training corpora's articles in seeded batches; the last DEV_BATCHES are dev."""
    articles = training_articles(root)
    random.Random(SEED).shuffle(articles)
    return [articles[i : i + BATCH_ARTICLES] for i in range(0, len(articles), BATCH_ARTICLES)]


def batch_names(count: int) -> list[str]:
    """train-01, train-02, …, then dev-01, dev-02 for the last DEV_BATCHES."""
    names = [f"train-{i + 1:02d}" for i in range(count - DEV_BATCHES)]
    return names + [f"dev-{i + 1:02d}" for i in range(DEV_BATCHES)]


def _write_batch(
    folder: Path, articles: Sequence[Article], per_article: str, asked: Sequence[dict] = ()
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as handle:
        for article in articles:
            row = {"id": article.id, "title": article.title, "text": article.text}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (folder / "articles.txt").open("w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(f"=== ARTICLE {article.id} ===\n")
            if article.title:
                handle.write(f"TITLE: {article.title}\n\n")
            handle.write(article.text.strip() + "\n\n")
    shutil.copy(RULES, folder / "RULES.md")
    shutil.copy(CHECKER, folder / "check.py")
    task = (
        f"{len(articles)} articles. Questions per article: {per_article}.\n"
        "Write questions.jsonl in this folder, following RULES.md; check it with\n"
        "    python3 check.py\n"
    )
    if asked:
        # A later round over the same articles: the writer sees the questions already written
        # (by other writers, never the bot's answers) and asks about other facts, so the
        # rounds add facts rather than rewordings of the same ones.
        with (folder / "asked.txt").open("w", encoding="utf-8") as handle:
            for article in articles:
                handle.write(f"=== ARTICLE {article.id} ===\n")
                handle.writelines(
                    f"- {row['question']}\n" for row in asked if row["article"] == article.id
                )
                handle.write("\n")
        task += (
            "asked.txt lists, per article, the questions other writers already wrote. Ask about\n"
            "other facts of the article: not the same question in other words. Unanswerable\n"
            "questions and typos as RULES.md says.\n"
        )
    (folder / "TASK.txt").write_text(task, encoding="utf-8")


QUESTIONS = HERE.parent / "tests" / "data" / "questions"


def load_rows(path: Path) -> list[dict]:
    """A collected set's rows (none when it is not there)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# Collected set → the batch folders it is made of (test sets were collected once, at writing).
COLLECTED = {
    "train": "train-*",
    "dev": "dev-*",
    "test-bbc2": "test-bbc2-*",
    "test-bbc3": "test-bbc3-*",
    "test-bbc4": "test-bbc4-*",
    "test-bbc5": "test-bbc5-*",
    "test-bbc6": "test-bbc6-*",
    "test-bbc7": "test-bbc7-*",
    **{name: f"{name}-*" for name in SECOND_CHAT_SETS},
}


def collect(folder: Path, out: Path = QUESTIONS) -> dict[str, int]:
    """The written batches gathered into one file per set, each question with a stable id.

    Batches already in a set's file and not in ``folder`` are kept, so the rounds of writing
    done in different folders add up (a batch collected again replaces its old rows).
    """
    counts: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for name, pattern in COLLECTED.items():
        rows = []
        for batch in sorted(folder.glob(pattern)):
            path = batch / "questions.jsonl"
            if not path.exists():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for index, line in enumerate(filter(str.strip, lines)):
                item = json.loads(line)
                rows.append({"id": f"{batch.name}-{index + 1:03d}", "batch": batch.name, **item})
        target = out / f"{name}.jsonl"
        if target.exists():
            new = {row["batch"] for row in rows}
            text = target.read_text(encoding="utf-8")
            kept = [json.loads(line) for line in text.splitlines() if line.strip()]
            rows = [row for row in kept if row.get("batch") not in new] + rows
        rows.sort(key=lambda row: row["batch"])  # stable: each batch keeps its own order
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        counts[name] = len(rows)
    return counts


def _write_set_batches(out: Path, name: str, articles: Sequence[Article]) -> None:
    """A later BBC set's batch folders: its articles split in ``LATER_BBC_BATCHES``."""
    size = (len(articles) + 1) // LATER_BBC_BATCHES
    for index in range(LATER_BBC_BATCHES):
        part = articles[index * size : (index + 1) * size]
        _write_batch(out / f"{name}-{index + 1}", part, "4")


def _write_second_chat_sets(data: Path, out: Path) -> int:
    """The batch folders of the sets over the second BBC chat."""
    for name in SECOND_CHAT_SETS:
        articles = bbc_second_chat_articles(data, name)
        if not articles:
            print(f"No BBC articles under {data}.", file=sys.stderr)
            return 1
        _write_set_batches(out, name, articles)
        print(f"{name}: {len(articles)} articles in {LATER_BBC_BATCHES} batches")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.question_batches")
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--round",
        metavar="SUFFIX",
        help="only the training batches, for a later round over the same articles "
        "(train-01SUFFIX, …), each with the questions already written",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="with --round: the dev batches (dev-01SUFFIX, …), for a larger dev set",
    )
    parser.add_argument("--collect", type=Path, metavar="FOLDER", help="gather written batches")
    parser.add_argument(
        "--second-bbc-chat",
        action="store_true",
        help="only the test sets over the second BBC chat (" + ", ".join(SECOND_CHAT_SETS) + ")",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.collect:
        for name, count in collect(args.collect).items():
            print(f"{name}: {count} questions")
        return 0
    if args.out is None:
        parser.error("--out or --collect is needed")
    if args.second_bbc_chat:
        return _write_second_chat_sets(args.data, args.out)
    batches = training_batches(args.data)
    if not batches:
        print(f"No training corpora under {args.data}.", file=sys.stderr)
        return 1
    if args.round:
        names = batch_names(len(batches))
        kind = "dev" if args.dev else "train"
        asked = load_rows(QUESTIONS / f"{kind}.jsonl")
        for name, batch in zip(names, batches, strict=True):
            if name.startswith(f"{kind}-"):
                _write_batch(args.out / f"{name}{args.round}", batch, "2 to 3", asked)
        return 0
    for name, batch in zip(batch_names(len(batches)), batches, strict=True):
        _write_batch(args.out / name, batch, "3 to 4")
    questions, _ = bbc_test_articles(args.data)
    _write_batch(args.out / "test-bbc", questions, "4")
    for number in range(2, 2 + LATER_BBC_SETS):
        _write_set_batches(args.out, f"test-bbc{number}", bbc_later_articles(args.data, number))
    giveme = load_articles(args.data, "giveme5w1h") + [sample_article()]
    half = (len(giveme) + 1) // GIVEME5W1H_BATCHES
    for index in range(GIVEME5W1H_BATCHES):
        part = giveme[index * half : (index + 1) * half]
        _write_batch(args.out / f"test-giveme5w1h-{index + 1}", part, "1 or 2")
    for folder in sorted(args.out.iterdir()):
        count = sum(1 for _ in (folder / "articles.jsonl").open())
        print(f"{folder.name}: {count} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
