"""The story store on PostgreSQL: the same API as db/store.py, for deployments that outgrow a
file (several bot processes, a database on its own server, a host with an ephemeral disk).

Most of the store's SQL runs unchanged (db/postgres.py translates the parameters). What
differs is the full-text search: each story and sentence has a ``tsvector`` column under a
GIN index, queried with ``websearch_to_tsquery`` (which never fails on user input) one word at
a time, and ranked with ``ts_rank``; the sentence index's vocabulary, which FTS5 gives SQLite
for free, is the table ``sentence_terms``, kept in step with the sentences here.

    store = Store("postgresql://storybot@db.example/storybot")   # a PostgresStore
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from db.postgres import PostgresDatabase
from db.postgres_migrations import migrate, schema_version
from db.store import (
    _STORY_COLUMNS,
    ChatStories,
    SentenceHit,
    Store,
    Story,
    StoryAnalysis,
)

_S_COLUMNS = ", ".join("s." + c.strip() for c in _STORY_COLUMNS.split(","))
# ts_rank's weights for D, C, B, A (each at most 1): a title (A) counts twice the text (B),
# as in SQLite.
_WEIGHTS = "'{0, 0, 0.5, 1.0}'"
# Below this many sentences the planner's estimate (missing until the table is first
# analysed) is not worth trusting: count them, which costs little. Above, counting costs a
# scan per question (12 ms a question at 60,000 sentences in a profile of bench answers).
_EXACT_COUNT_BELOW = 5_000


def _words(text: str) -> list[str]:
    """The words of free text (at most 64), each searched as a word, never as syntax."""
    return re.findall(r"\w+", text)[:64]


def _tsquery(words: list[str], *, any_word: bool) -> str:
    """SQL for a tsquery over the words: websearch_to_tsquery of each word alone (so no
    user text is query syntax), joined by OR or AND."""
    joiner = " || " if any_word else " && "
    parts = joiner.join("websearch_to_tsquery('english', ?)" for _ in words)
    return f"(SELECT {parts} AS q) AS query"


def _sequence(table: str) -> str:
    """The sequence behind a table's identity column, by name ("stories_id_seq")."""
    return f"{table}_id_seq"


class PostgresStore(Store):
    """The PostgreSQL database at a ``postgresql://`` URL, migrated to the latest schema."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.db = PostgresDatabase(self.path)
        # One connection shared by the bot's worker threads: one statement at a time on it.
        self.lock = threading.RLock()
        if not read_only:
            with self.lock:
                migrate(self.db)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def schema_version(self) -> int:
        with self.lock:
            return schema_version(self.db)

    def probe_write(self) -> None:
        with self.lock:
            self.db.execute("UPDATE storybot_schema SET version = version")

    def executemany(self, db: PostgresDatabase, sql: str, rows: Sequence[Sequence]) -> None:
        db.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        with self.lock, self.db.transaction() as db:
            yield db

    def highest_id(self, table: str) -> int:
        with self.lock:
            row = self.db.execute(
                f"SELECT last_value, is_called FROM {_sequence(table)}"
            ).fetchone()
            biggest = self.db.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        return max(row[0] if row[1] else 0, biggest or 0)

    def continue_ids_after(self, db: PostgresDatabase, table: str, value: int) -> None:
        if value > 0:
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ?)", [value])

    def after_bulk_copy(self) -> None:
        """The vocabulary rebuilt from the copied sentences, and fresh planner statistics."""
        with self.transaction() as db:
            db.execute("DELETE FROM sentence_terms")
            db.execute(
                "INSERT INTO sentence_terms (term, doc) SELECT lexeme, count(*) "
                "FROM sentences, unnest(tsv) GROUP BY lexeme"
            )
            db.execute("ANALYZE")

    def chat(self, chat_id: int) -> PostgresChatStories:
        return PostgresChatStories(self, int(chat_id))

    def sentence_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many sentences hold each term, as the index stems it (the terms come Porter
        stemmed; PostgreSQL's english stemmer is Snowball's, so each is looked up as the
        index would store it)."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        with self.lock:
            rows = self.db.execute(
                "SELECT w.term, v.doc FROM unnest(?::text[]) AS w(term) "
                "CROSS JOIN LATERAL unnest(to_tsvector('english', w.term)) AS l "
                "JOIN sentence_terms v ON v.term = l.lexeme AND v.doc > 0",
                [unique],
            ).fetchall()
        return dict(rows)

    def sentence_total(self) -> int:
        """About how many sentences the store holds: the planner's estimate for a big table,
        an exact count for a small one (whose estimate may be missing)."""
        with self.lock:
            estimate = self.db.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = 'sentences'::regclass"
            ).fetchone()[0]
            if estimate is not None and estimate >= _EXACT_COUNT_BELOW:
                return int(estimate)
            return self.db.execute("SELECT count(*) FROM sentences").fetchone()[0]

    def terms_between(self, low: str, high: str, limit: int = 50_000) -> list[tuple[str, int]]:
        with self.lock:
            return self.db.execute(
                "SELECT term, doc FROM sentence_terms WHERE term >= ? AND term < ? AND doc > 0 "
                "ORDER BY term LIMIT ?",
                [low, high, limit],
            ).fetchall()


class PostgresChatStories(ChatStories):
    """One chat's view of a PostgreSQL store: full-text search through ``tsvector``.

    The searches write ``chat_id = ?::bigint``: psycopg sends a small Python int as smallint,
    and btree_gin's bigint operators take no smallint, so without the cast the chat is only a
    filter after the index (a 1,000,000-story store: 2.2 s against 40 ms per sentence search).
    """

    store: PostgresStore

    def _is_minority(self) -> bool:
        return False  # no chat token to narrow by: the chat is in the GIN index itself

    def search(self, words: str, limit: int = 10, *, any_word: bool = False) -> list[Story]:
        terms = _words(words)
        if not terms:
            return []
        with self.store.lock:
            rows = self.db.execute(
                f"SELECT {_S_COLUMNS} FROM stories s, {_tsquery(terms, any_word=any_word)} "
                f"WHERE s.tsv @@ q AND s.chat_id = ?::bigint "
                f"ORDER BY ts_rank({_WEIGHTS}, s.tsv, q) DESC, s.id DESC LIMIT ?",
                [*terms, self.chat_id, limit],
            ).fetchall()
        return [Story(*row) for row in rows]

    def search_scored(self, words: str, limit: int = 10) -> list[tuple[Story, float]]:
        terms = _words(words)
        if not terms:
            return []
        with self.store.lock:
            rows = self.db.execute(
                f"SELECT {_S_COLUMNS}, ts_rank({_WEIGHTS}, s.tsv, q) AS score "
                f"FROM stories s, {_tsquery(terms, any_word=True)} "
                "WHERE s.tsv @@ q AND s.chat_id = ?::bigint ORDER BY score DESC, s.id DESC LIMIT ?",
                [*terms, self.chat_id, limit],
            ).fetchall()
        return [(Story(*row[:-1]), row[-1]) for row in rows]

    def search_sentences(
        self, words: str, limit: int = 40, story_id: int | None = None
    ) -> list[SentenceHit]:
        terms = _words(words)
        if not terms:
            return []
        story_clause = "" if story_id is None else " AND s.story_id = ?"
        params: list = [*terms, self.chat_id]
        params += [] if story_id is None else [story_id]
        with self.store.lock:
            rows = self.db.execute(
                "SELECT s.story_id, s.position, s.text, ts_rank(s.tsv, q) AS score "
                f"FROM sentences s, {_tsquery(terms, any_word=True)} "
                f"WHERE s.tsv @@ q AND s.chat_id = ?::bigint{story_clause} "
                "ORDER BY score DESC, s.story_id DESC, s.position LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [SentenceHit(*row) for row in rows]

    def _write_analysis(self, db: PostgresDatabase, story_id: int, analysis: StoryAnalysis) -> None:
        super()._write_analysis(db, story_id, analysis)
        # The vocabulary grows by the story's terms, in term order: two writers lock the
        # rows they share in the same order, so they wait for each other but never deadlock.
        db.execute(
            "INSERT INTO sentence_terms (term, doc) "
            "SELECT lexeme, count(*) FROM sentences, unnest(tsv) "
            "WHERE story_id = ? GROUP BY lexeme ORDER BY lexeme "
            "ON CONFLICT (term) DO UPDATE SET doc = sentence_terms.doc + excluded.doc",
            [story_id],
        )

    def _clear_analysis(self, db: PostgresDatabase, story_ids: list[int]) -> None:
        marks = ",".join("?" * len(story_ids))
        # The same statement as the growth, with negative counts: rows locked in term order.
        db.execute(
            "INSERT INTO sentence_terms (term, doc) "
            "SELECT lexeme, -count(*) FROM sentences, unnest(tsv) "
            f"WHERE story_id IN ({marks}) GROUP BY lexeme ORDER BY lexeme "
            "ON CONFLICT (term) DO UPDATE SET doc = sentence_terms.doc + excluded.doc",
            story_ids,
        )
        super()._clear_analysis(db, story_ids)
