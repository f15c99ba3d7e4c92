"""A large store: /search and question latency in a chat of 10,000 among 1,000,000 stories.

    storybot bench large-store --data ../shared/eval [--stories 1000000] [--keep PATH]
    storybot bench large-store --data ../shared/eval --db postgresql://… [--stories 100000]

Builds a database of ``--stories`` stories spread over ``--chats`` chats, of which one chat
holds ``--big-chat`` (so with the defaults 10,000 of the 1,000,000; the others about 991 each),
then times ``ChatStories.search`` (what /search runs) and ``bot.nlp.answers.answer`` (what a
question runs) in that chat and in one ordinary chat, ``--queries`` of each, after a warm-up.

The database is made by the bot's own migrations (``db.store.Store``), then filled directly
with ``executemany`` in large transactions (journal off while building, WAL after, as the bot
runs it): no spaCy at build time, so a million stories take minutes, not days. Each story is a
window of 6–20 consecutive sentences of one BBC News Summary article (sentences split once
per article with the bot's splitter), its title the article's, so texts vary in length and
overlap as follow-ups do; its ``sentences`` rows are written beside it, and its ``entities``
rows come from a cheap pattern tagger (capitalised names, numbers, money, dates: up to three
a sentence, at their real character offsets), not from spaCy, so answers find entities stored
as ingest would leave them but of rougher quality; speed, not answer quality, is measured
here. FTS rows come through the schema's triggers. The database lives in a temporary folder
and is deleted afterwards unless ``--keep PATH`` names where to leave it. Queries run with the
file in the OS page cache (it was just written): warm, not cold, figures.

With ``--db URL`` the store is a PostgreSQL database instead (it must be empty; it is left
filled): the same rows, made by the bot's PostgreSQL migrations and loaded with ``COPY``, the
vocabulary table counted once at the end and the tables analysed, as a bot's store would be
after autovacuum.
"""

from __future__ import annotations

import argparse
import hashlib
import queue
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks.percentiles import percentile

SEED = 5
BATCH = 5_000  # stories per executemany
COMMIT_EVERY = 100_000  # stories per transaction
BYTES_PER_STORY = 7_000  # a generous estimate of the file's growth, for the space check
BIG_CHAT = 1

Sentence = tuple[int, str, tuple[tuple[str, str, int, int], ...]]  # paragraph, text, entities

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE = re.compile(rf"\b(?:(?:\d{{1,2}} )?(?:{MONTHS})(?: \d{{4}})?|(?:{DAYS})|(?:19|20)\d\d)\b")
_MONEY = re.compile(r"[£$€]\d[\d,.]*(?:\s?(?:m|bn|million|billion)\b)?")
_PERCENT = re.compile(r"\b\d[\d.]*\s?(?:%|per cent)")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|of|de|van))*(?<=[a-z])\b")
_PLACES = (
    "UK Britain England Scotland Wales Ireland London US America Washington France Paris "
    "Germany Berlin China Japan India Russia Moscow Italy Spain Europe Iraq Iran Brussels"
)
PLACES = frozenset(_PLACES.split())
# Words of four letters or more that a /search would not be typed with.
_STOP = "that these those they their will would could should said says also more than after "
_STOP += "before about over into were been have from with this what when where which while"
STOP = frozenset(_STOP.split())


def tag_entities(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """Rough named entities by pattern: (text, label, start, end), at most three, no overlaps."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, label: str) -> None:
        if all(end <= a or start >= b for a, b in taken):
            taken.append((start, end))
            found.append((start, end, label))

    for pattern, label in ((_DATE, "DATE"), (_MONEY, "MONEY"), (_PERCENT, "PERCENT")):
        for match in pattern.finditer(text):
            add(match.start(), match.end(), label)
    for match in _NAME.finditer(text):
        name = match.group()
        if match.start() == 0 and " " not in name:
            continue  # a capitalised first word is rarely a name
        if name in PLACES:
            label = "GPE"
        elif " " in name:
            label = "PERSON" if len(name.split()) == 2 else "ORG"
        else:
            label = "ORG" if name.isupper() else "NORP" if name.endswith("ish") else "PERSON"
        add(match.start(), match.end(), label)
    for match in _NUMBER.finditer(text):
        add(match.start(), match.end(), "CARDINAL")
    found.sort()
    return tuple((text[s:e], label, s, e) for s, e, label in found[:3])


def analyse(articles: Sequence[tuple[str, list[str]]]) -> list[tuple[str, list[Sentence]]]:
    """Each article's title and its sentences (paragraph index, text, entities)."""
    from bot.nlp.tokenizer import split_paragraph_sentences

    analysed = []
    for title, paragraphs in articles:
        sentences = [(p, s, tag_entities(s)) for p, s in split_paragraph_sentences(paragraphs)]
        if len(sentences) >= 3:
            analysed.append((title, sentences))
    return analysed


def chat_of(n: int, total: int, chats: int, big: int) -> int:
    """Every (total // big)-th story goes to the big chat, the rest round robin to the others."""
    step = max(1, total // big)
    if n % step == 0 and n // step < big:
        return BIG_CHAT
    return BIG_CHAT + 1 + n % max(1, chats - 1)


def batches(
    analysed: Sequence[tuple[str, list[Sentence]]], total: int, chats: int, big: int, tag
) -> Iterator[tuple[list, list, list]]:
    """Rows for the stories, sentences and entities tables, BATCH stories at a time; ``tag``
    gives a chat's FTS token (schema v4 and later) or is None."""
    rng = random.Random(SEED)
    stories: list[tuple] = []
    sentences: list[tuple] = []
    entities: list[tuple] = []
    for n in range(total):
        story_id = n + 1
        title, article = analysed[rng.randrange(len(analysed))]
        length = rng.randint(6, 20)
        start = rng.randrange(max(1, len(article) - length + 1))
        window = article[start : start + length]
        paragraphs: list[list[str]] = []
        last = None
        chat_id = chat_of(n, total, chats, big)
        for position, (paragraph, text, found) in enumerate(window):
            if paragraph != last:
                paragraphs.append([])
                last = paragraph
            paragraphs[-1].append(text)
            sentence = (story_id, position, len(paragraphs) - 1, text)
            sentences.append((*sentence, tag(chat_id)) if tag else sentence)
            entities += [(story_id, position, *entity) for entity in found]
        body = "\n\n".join(" ".join(p) for p in paragraphs)
        day = 1 + n % 28
        stories.append(
            (
                story_id,
                chat_id,
                *((tag(chat_id),) if tag else ()),
                title,
                body,
                "bulk",
                f"2005-{1 + n % 12:02d}-{day:02d}T12:00:00",
                f"2025-{1 + n % 12:02d}-{day:02d}T08:00:00+00:00",
                hashlib.sha1(f"{n}:{body}".encode()).hexdigest(),
                len(body.split()),
            )
        )
        if len(stories) == BATCH:
            yield stories, sentences, entities
            stories, sentences, entities = [], [], []
    if stories:
        yield stories, sentences, entities


def build(path: Path, analysed, total: int, chats: int, big: int) -> None:
    """The bot's schema, then every row inserted in large transactions (triggers fill FTS)."""
    from db.store import Store

    Store(path).close()  # migrations: the schema exactly as the bot makes it
    db = sqlite3.connect(path, isolation_level=None)
    columns = {row[1] for row in db.execute("PRAGMA table_info(stories)")}
    tag = None
    if "chat_tag" in columns:  # schema v4: the chat as a token in the FTS index
        from db.migrations import chat_tag as tag
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")  # 1 GB
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO chats (id, kind, title, created_at) VALUES (?, 'private', ?, ?)",
        [(BIG_CHAT + i, f"Chat {i}", "2025-01-01T00:00:00+00:00") for i in range(chats)],
    )
    # Rows are made in a second thread while SQLite (which lets go of the GIL) writes.
    made: queue.Queue = queue.Queue(maxsize=3)

    def produce() -> None:
        for rows in batches(analysed, total, chats, big, tag):
            made.put(rows)
        made.put(None)

    threading.Thread(target=produce, daemon=True).start()
    done = 0
    started = time.perf_counter()
    while (rows := made.get()) is not None:
        stories, sentences, entities = rows
        db.executemany(
            f"INSERT INTO stories (id, chat_id, {'chat_tag, ' if tag else ''}title, text, "
            "source_kind, published, added_at, content_hash, word_count) "
            f"VALUES ({', '.join('?' * len(stories[0]))})",
            stories,
        )
        db.executemany(
            "INSERT INTO sentences (story_id, position, paragraph, text"
            f"{', chat_tag' if tag else ''}) VALUES (?, ?, ?, ?{', ?' if tag else ''})",
            sentences,
        )
        db.executemany(
            "INSERT INTO entities (story_id, sentence, text, label, start, end) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            entities,
        )
        done += len(stories)
        if done % COMMIT_EVERY == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} stories ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")  # as the bot runs it
    db.close()


def build_postgres(url: str, analysed, total: int, chats: int, big: int) -> None:
    """The bot's PostgreSQL schema, then every row copied in; the sentences' chat comes from
    the schema's trigger, and the vocabulary is counted once at the end."""
    import psycopg

    from db.store import Store

    Store(url).close()  # migrations: the schema exactly as the bot makes it
    with psycopg.connect(url, autocommit=True) as db:
        if db.execute("SELECT count(*) FROM stories").fetchone()[0]:
            raise SystemExit(f"{url} already holds stories; give --db an empty database")
        with db.cursor().copy("COPY chats (id, kind, title, created_at) FROM STDIN") as copy:
            for i in range(chats):
                copy.write_row((BIG_CHAT + i, "private", f"Chat {i}", "2025-01-01T00:00:00+00:00"))
        started = time.perf_counter()
        done = 0
        for stories, sentences, entities in batches(analysed, total, chats, big, None):
            with db.transaction():
                cursor = db.cursor()
                for table, columns, rows in (
                    (
                        "stories",
                        "id, chat_id, title, text, source_kind, published, added_at, "
                        "content_hash, word_count",
                        stories,
                    ),
                    ("sentences", "story_id, position, paragraph, text", sentences),
                    ("entities", 'story_id, sentence, text, label, start, "end"', entities),
                ):
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            done += len(stories)
            if done % COMMIT_EVERY == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:,} stories ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        # The ids were given, so the identity must start after them, as after real adds.
        db.execute("SELECT setval(pg_get_serial_sequence('stories', 'id'), max(id)) FROM stories")
        db.execute(
            "INSERT INTO sentence_terms (term, doc) "
            "SELECT lexeme, count(*) FROM sentences, unnest(tsv) GROUP BY lexeme"
        )
        db.execute("VACUUM ANALYZE")


def postgres_stories(url: str) -> int:
    """How many stories the database holds (0 before the bot's schema is there)."""
    import psycopg

    with psycopg.connect(url) as db:
        if not db.execute("SELECT to_regclass('stories') IS NOT NULL").fetchone()[0]:
            return 0
        return db.execute("SELECT count(*) FROM stories").fetchone()[0]


def postgres_size(url: str) -> int:
    """Bytes the database takes on the server's disk."""
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def search_words(rng: random.Random, analysed, count: int) -> list[str]:
    """/search queries: one to three content words of a stored sentence, as people type them."""
    queries: list[str] = []
    while len(queries) < count:
        _, article = rng.choice(analysed)
        words = [w for w in re.findall(r"[A-Za-z]{4,}", rng.choice(article)[1])]
        words = [w for w in words if w.lower() not in STOP]
        size = rng.choice((1, 2, 2, 3))
        if len(words) >= size:
            start = rng.randrange(len(words) - size + 1)
            queries.append(" ".join(words[start : start + size]).lower())
    return queries


def timed(function, inputs: Sequence[str]) -> tuple[list[float], int]:
    """Milliseconds per call, and how many calls returned something."""
    timings = []
    hits = 0
    for value in inputs:
        began = time.perf_counter()
        result = function(value)
        timings.append((time.perf_counter() - began) * 1000)
        hits += bool(result) if isinstance(result, list) else result.answer is not None
    return timings, hits


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storybot bench large-store", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--stories", type=int, default=1_000_000, help="stories in all")
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--big-chat", type=int, default=10_000, help="stories in the timed chat")
    parser.add_argument("--queries", type=int, default=200, help="searches and questions each")
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    parser.add_argument(
        "--db", metavar="URL", help="build in this empty PostgreSQL database instead of a file"
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="with --db: the database already holds the store an earlier run built (with the "
        "same --stories and --chats); time the queries again without building",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.measure_only and not args.db:
        parser.error("--measure-only goes with --db")
    folder = args.data / "bbc-news-summary"
    if not (folder / "News Articles").is_dir():
        print(f"skipped: no BBC News Summary data at {folder}")
        return 0
    if args.keep and args.keep.exists():
        print(f"{args.keep} exists; give --keep a new file")
        return 2
    big = min(args.big_chat, args.stories)
    chats = max(2, args.chats)

    from benchmarks.answer_speed import load_articles, make_questions

    with tempfile.TemporaryDirectory(prefix="storybot-large-") as scratch:
        path = args.keep or Path(scratch) / "large.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(path.parent).free
        needed = args.stories * BYTES_PER_STORY
        if args.db is None and free < needed * 1.2:
            print(f"not enough disk: about {needed / 1e9:.1f} GB needed, {free / 1e9:.1f} free")
            return 2
        began = time.perf_counter()
        articles = load_articles(folder)
        analysed = analyse(articles)
        prepared = time.perf_counter() - began
        began = time.perf_counter()
        if args.db and args.measure_only:
            held = postgres_stories(args.db)
            if held != args.stories:
                print(f"{args.db} holds {held:,} stories, not {args.stories:,}; build it first")
                return 2
        elif args.db:
            build_postgres(args.db, analysed, args.stories, chats, big)
        else:
            build(path, analysed, args.stories, chats, big)
        built = time.perf_counter() - began
        if args.db:
            size = postgres_size(args.db)
        else:
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        rows = measure(args.db or path, args, analysed, articles, make_questions)
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"\n### Large store ({backend}): {args.stories:,} stories over {chats:,} chats\n")
    print("| stories | chats | build s | stories/s | DB on disk |")
    print("|---|---|---|---|---|")
    if args.measure_only:
        print(f"| {args.stories:,} | {chats:,} | (built before) | | {size / 1e9:.2f} GB |")
    else:
        print(
            f"| {args.stories:,} | {chats:,} | {built:.0f} | {args.stories / built:,.0f} | "
            f"{size / 1e9:.2f} GB |"
        )
    print(f"\n(Before building: {prepared:.0f} s reading and splitting the BBC articles.)\n")
    print("| what | stories in the chat | queries | with a result | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for what, count, timings, hits in rows:
        print(
            f"| {what} | {count:,} | {len(timings)} | {hits} | {statistics.median(timings):.0f} "
            f"| {percentile(timings, 0.95):.0f} | {max(timings):.0f} |"
        )
    if args.keep:
        print(f"\nKept the database at {args.keep}.")
    return 0


def measure(location: Path | str, args, analysed, articles, make_questions) -> list[tuple]:
    from bot.nlp.answers import answer, warm_up
    from db.store import Store

    store = Store(location)
    rng = random.Random(SEED + 1)
    searches = search_words(rng, analysed, args.queries)
    questions = make_questions(articles, args.queries)
    warm_up()  # spaCy, stemmer tables, dateparser: a one-off start-up cost, not timed
    rows = []
    try:
        for chat_id in (BIG_CHAT, BIG_CHAT + 1):
            chat = store.chat(chat_id)
            count = chat.count()
            if count == 0:
                continue
            chat.search("warm up")
            answer(chat, "Who warmed up the model?")
            for what, function, inputs in (
                ("/search", chat.search, searches),
                ("question", lambda q, chat=chat: answer(chat, q), questions),
            ):
                timings, hits = timed(function, inputs)
                rows.append((what, count, timings, hits))
    finally:
        store.close()
    return rows


if __name__ == "__main__":
    sys.exit(main())
