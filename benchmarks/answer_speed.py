"""Speed of ``bot.nlp.answers.answer`` in a chat holding many stories.

Usage::

    python -m benchmarks.answer_speed --data ../shared/eval [--stories 10000] [--questions 200]
    python -m benchmarks.answer_speed --data ../shared/eval --db postgresql://user@host/db

The chat is filled from the BBC News Summary articles (``PATH/bbc-news-summary``), cycled with
a numbered title suffix and a varied first sentence until ``--stories`` are stored. Stories go
in through the store API with their sentences and named entities, as ingest stores them, both
computed once per distinct article (``bot.nlp.language.find_entities``) so setup stays bearable:
the answerer reads entities from the store, so the benchmark must hold them to measure the real
path. ``--no-entities`` stores none (the answerer then runs NER on the sentences it parses).
Questions are built from random stored sentences (who/what/when/where forms) plus some that
no story answers. Reported: p50/p95/max milliseconds per question, after one warm-up question
(loading spaCy and dateparser is not counted).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.percentiles import percentile

SEED = 7
WH = ("Who", "What", "When", "Where")


def load_articles(folder: Path) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of each BBC article: the first line is the title."""
    articles = []
    for path in sorted((folder / "News Articles").glob("*/*.txt")):
        lines = path.read_text(encoding="latin-1").strip().split("\n")
        paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
        if lines and paragraphs:
            articles.append((lines[0].strip(), paragraphs))
    return articles


def fill_chat(
    chat, articles: list[tuple[str, list[str]]], count: int, *, entities: bool = True
) -> None:
    """Store ``count`` stories by cycling the articles, each copy slightly varied."""
    from bot.nlp.language import find_entities
    from bot.nlp.near_duplicates import content_hash
    from bot.nlp.tokenizer import split_paragraph_sentences
    from db.store import NewStory, StoredEntity, StoryAnalysis

    analysed = [split_paragraph_sentences(paragraphs) for _, paragraphs in articles]
    used = analysed[: min(count, len(analysed))]
    found = find_entities([[s for _, s in sentences] for sentences in used]) if entities else []
    stored = [
        [StoredEntity(e.sentence, e.text, e.label, e.start, e.end) for e in story]
        for story in found
    ]
    for n in range(count):
        index = n % len(articles)
        title, paragraphs = articles[index]
        copy = n // len(articles)
        sentences = list(analysed[index])
        if copy:
            # Vary the copies so BM25 sees distinct documents, as in a long-lived chat.
            sentences[0] = (sentences[0][0], f"{sentences[0][1]} (Update {copy}.)")
        text = "\n\n".join(paragraphs) + (f"\n\nUpdate {copy}." if copy else "")
        new = NewStory(
            title=f"{title} ({copy})" if copy else title,
            text=text,
            source_kind="bulk",
            content_hash=content_hash(text + str(n)),
            word_count=len(text.split()),
            published=f"2005-0{1 + n % 9}-1{n % 9}T12:00:00",
        )
        # The "(Update n.)" suffix goes after the first sentence's text: offsets stay valid.
        story_entities = stored[index] if entities else ()
        chat.add_story(new, StoryAnalysis(sentences=sentences, entities=story_entities))


def make_questions(articles: list[tuple[str, list[str]]], count: int) -> list[str]:
    """Questions from random sentences, and one in ten about nothing stored."""
    from bot.nlp.tokenizer import split_sentences

    rng = random.Random(SEED)
    questions: list[str] = []
    unrelated = [
        "Who won the Tour de France?",
        "When did the Berlin Wall fall?",
        "Where did the Olympic torch relay start?",
        "What did the Pope say about climate change?",
    ]
    while len(questions) < count:
        if len(questions) % 10 == 9:
            questions.append(rng.choice(unrelated))
            continue
        _, paragraphs = rng.choice(articles)
        sentence = rng.choice(split_sentences(rng.choice(paragraphs)))
        words = [w.strip(",.\"'") for w in sentence.split()][1:9]
        if len(words) < 4:
            continue
        wh = rng.choice(WH)
        verb = "did" if wh != "Who" else ""
        questions.append(f"{wh} {verb} {' '.join(words)}?".replace("  ", " "))
    return questions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.answer_speed", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--no-entities", action="store_true", help="store no entities (the answerer runs NER)"
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="keep the filled store in this file and reuse it when it exists (repeat runs)",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="the database to fill and ask in: a file or a postgresql:// URL (a chat 1 that "
        "already holds stories is reused)",
    )
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats here")
    args = parser.parse_args(list(argv) if argv is not None else None)
    folder = args.data / "bbc-news-summary"
    if not (folder / "News Articles").exists():
        print(f"No BBC News Summary data at {folder}; skipping the answer speed benchmark.")
        return 0
    from bot.nlp.answers import answer, warm_up
    from db.store import Store

    articles = load_articles(folder)
    questions = make_questions(articles, args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or args.store or Path(tmp) / "speed.db"
        reuse = args.store is not None and args.store.exists()
        store = Store(path)
        chat = store.chat(1)
        reuse = reuse or (args.db is not None and chat.count() > 0)
        started = time.perf_counter()
        if reuse:
            print(f"Reusing the {chat.count()} stories in {path}.")
        else:
            fill_chat(chat, articles, args.stories, entities=not args.no_entities)
        setup = time.perf_counter() - started
        warm_up()  # loads spaCy and dateparser; not timed
        answer(chat, "Who warmed up the model?")
        timings: list[float] = []
        answered = 0
        profiler = None
        if args.profile is not None:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for question in questions:
            began = time.perf_counter()
            result = answer(chat, question)
            timings.append((time.perf_counter() - began) * 1000)
            answered += result.answer is not None
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        store.close()
    timings.sort()
    p95 = percentile(timings, 0.95)
    kind = "without entities" if args.no_entities else "with stored entities"
    backend = "PostgreSQL" if type(store).__name__ == "PostgresStore" else "SQLite"
    print(f"\n### Answer speed: {args.stories} stories in one chat ({kind}, {backend})\n")
    print("| questions | answered | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(timings)} | {answered} | {statistics.median(timings):.0f} | {p95:.0f} | "
        f"{timings[-1]:.0f} | {statistics.fmean(timings):.0f} |"
    )
    print(f"\nSetup (storing the stories): {setup:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
