"""The story store: SQLite through sqlite-utils, with every story read scoped to one chat.

Handlers and services never hold the whole database: they ask ``store.chat(chat_id)`` for a
:class:`ChatStories`, and every query it runs is filtered by that chat. That is where the rule
"a chat never sees another chat's stories" lives, so no handler has to remember it.

    store = Store("storybot.db")
    chat = store.chat(42)
    story = chat.add_story(new_story, sentences, entities)
    chat.latest_stories(limit=10)
    chat.search("missile test")
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from db.locations import is_postgres_url
from db.migrations import chat_tag, migrate, schema_version

DEFAULT_PATH = "storybot.db"
# How many of the index's best matches a chat search joins, per row it wants (``_best_matches``).
OVERFETCH = 4


@dataclass(frozen=True)
class NewStory:
    """What ingest hands the store: a cleaned story not yet saved."""

    title: str
    text: str
    source_kind: str  # text, forward, link, document, channel, bulk, feed
    content_hash: str
    word_count: int
    url: str | None = None
    source: str | None = None
    published: str | None = None
    added_by: str | None = None
    message_id: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class Story:
    """A stored story."""

    id: int
    chat_id: int
    title: str
    text: str
    source_kind: str
    content_hash: str
    word_count: int
    added_at: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    added_by: str | None = None
    message_id: int | None = None
    language: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        """The story's non-blank paragraphs (its text split at blank lines)."""
        return [p for p in self.text.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class StoredSentence:
    position: int
    paragraph: int
    text: str


@dataclass(frozen=True)
class SentenceHit:
    """A sentence found by a full-text search, with its BM25 score (higher is better)."""

    story_id: int
    position: int
    text: str
    score: float


@dataclass(frozen=True)
class StoredEntity:
    sentence: int
    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class StoryAnalysis:
    """Sentences and entities computed once at ingest and kept beside the story."""

    sentences: Sequence[tuple[int, str]]  # (paragraph index, sentence text)
    entities: Sequence[StoredEntity] = field(default_factory=tuple)
    buckets: Sequence[tuple[int, int]] = field(default_factory=tuple)  # (band, bucket)


_STORY_COLUMNS = (
    "id, chat_id, title, text, source_kind, content_hash, word_count, added_at, url, source, "
    "published, added_by, message_id, language"
)


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def fts_query(words: str, *, any_word: bool = False) -> str | None:
    """A safe FTS5 query from free text: each word quoted, so no user text is FTS5 syntax."""
    terms = re.findall(r"\w+", words)
    if not terms:
        return None
    quoted = [f'"{term}"' for term in terms[:64]]
    return (" OR " if any_word else " ").join(quoted)


def _connect_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro`` where SQLite can still keep its WAL index (the
    ``-shm`` file) beside the database; else ``immutable=1``, which reads the file as it is,
    with no locks and no ``-shm``. A WAL database needs one or the other, and a read-only
    mount or folder allows neither the index nor a change of journal mode. Immutable is
    right there: nobody can write the file while the folder or file stays read-only."""
    uri = Path(path).resolve().as_uri()
    connection = sqlite3.connect(
        f"{uri}?mode=ro", check_same_thread=False, timeout=30, isolation_level=None, uri=True
    )
    try:
        connection.execute("PRAGMA user_version").fetchone()  # the first read opens the WAL
        return connection
    except sqlite3.OperationalError:
        connection.close()
    return sqlite3.connect(
        f"{uri}?mode=ro&immutable=1",
        check_same_thread=False,
        timeout=30,
        isolation_level=None,
        uri=True,
    )


class Store:
    """The database file, migrated to the latest schema on open.

    ``read_only=True`` opens an existing file without writing to it (no migration): for a
    bot whose database can't be written, which still shows and searches stories; every write
    fails with SQLite's "attempt to write a readonly database".
    """

    def __new__(cls, path: str | Path = DEFAULT_PATH, *, read_only: bool = False) -> Store:
        # A PostgreSQL URL opens the PostgreSQL store behind the same API, so every caller
        # (services, CLI, benchmarks) takes $STORYBOT_DB or --db as it is.
        if cls is Store and is_postgres_url(str(path)):
            from db.postgres_store import PostgresStore

            return super().__new__(PostgresStore)
        return super().__new__(cls)

    def __init__(self, path: str | Path = DEFAULT_PATH, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

        # The bot runs language work in worker threads; one connection guarded by a lock keeps
        # SQLite's single-writer rule simple and every write atomic.
        if read_only:
            self._conn = _connect_read_only(self.path)
        else:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, timeout=30, isolation_level=None
            )
        self.db = sqlite_utils.Database(self._conn)
        self.lock = threading.RLock()
        if read_only:
            with self.lock:
                self.db.execute("PRAGMA foreign_keys = ON")
            return
        with self.lock:
            if self.path != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            # In WAL mode NORMAL survives a crash of the process (only an OS crash may lose the
            # last commits), and it spares an fsync per story.
            self.db.execute("PRAGMA synchronous = NORMAL")
            migrate(self.db)

    def close(self) -> None:
        """Close the database connection."""
        with self.lock:
            self._conn.close()

    def schema_version(self) -> int:
        """The schema version the database is at."""
        with self.lock:
            return schema_version(self.db)

    def probe_write(self) -> None:
        """Write the schema version back as it is: the smallest write, refused by a read-only
        file (opening one needs no write when there is nothing to migrate)."""
        with self.lock:
            self.db.execute(f"PRAGMA user_version = {schema_version(self.db)}")

    def executemany(self, db: sqlite_utils.Database, sql: str, rows: Sequence[Sequence]) -> None:
        """One statement over many rows, inside the caller's transaction (sqlite-utils'
        insert_all would commit on its own)."""
        db.conn.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All or nothing: a failure inside leaves no partial rows."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()

    def highest_id(self, table: str) -> int:
        """The highest id the table ever gave out (AUTOINCREMENT remembers deleted ones)."""
        with self.lock:
            row = self.db.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", [table]
            ).fetchone()
            biggest = self.db.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        return max(row[0] if row else 0, biggest or 0)

    def continue_ids_after(self, db: sqlite_utils.Database, table: str, value: int) -> None:
        """Make the table's next id come after ``value`` (a copied archive's ids)."""
        db.execute("DELETE FROM sqlite_sequence WHERE name = ?", [table])
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, value])

    def after_bulk_copy(self) -> None:
        """Bring derived data up to date after rows were copied in (FTS5's triggers did)."""

    def chat(self, chat_id: int) -> ChatStories:
        """The stories of one chat, and only those."""
        return ChatStories(self, int(chat_id))

    def story(self, story_id: int) -> Story | None:
        """Any chat's story by id: for the operator's CLI (``show``), never for handlers."""
        with self.lock:
            row = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ?", [story_id]
            ).fetchone()
        return Story(*row) if row else None

    def chats(self) -> list[dict]:
        """Every chat on record, as rows, by id."""
        with self.lock:
            rows = self.db.execute(
                "SELECT id, kind, title, created_at FROM chats ORDER BY id"
            ).fetchall()
        return [dict(zip(("id", "kind", "title", "created_at"), row, strict=True)) for row in rows]

    def sentence_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many sentences hold each index term (Porter stems, as the index has them), over
        the whole store: the document frequencies behind IDF weights."""
        found: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(terms))):
            marks = ",".join("?" * len(chunk))
            with self.lock:
                rows = self.db.execute(
                    f"SELECT term, doc FROM sentences_fts_vocab WHERE term IN ({marks})", chunk
                ).fetchall()
            found.update(rows)
        return found

    def sentence_total(self) -> int:
        """About how many sentences the store holds, over all chats: the highest rowid, which
        counting would cost a full scan to improve on (deleted sentences make it an overcount)."""
        with self.lock:
            return self.db.execute("SELECT max(rowid) FROM sentences").fetchone()[0] or 0

    def terms_between(self, low: str, high: str, limit: int = 50_000) -> list[tuple[str, int]]:
        """Index terms from low (inclusive) to high (exclusive) with their sentence counts: the
        candidates a misspelt word is matched against."""
        with self.lock:
            return self.db.execute(
                "SELECT term, doc FROM sentences_fts_vocab WHERE term >= ? AND term < ? LIMIT ?",
                [low, high, limit],
            ).fetchall()

    def story_count(self) -> int:
        """How many stories the store holds, over all chats."""
        with self.lock:
            return self.db.execute("SELECT count(*) FROM stories").fetchone()[0]


class ChatStories:
    """One chat's view of the store. Every method filters by this chat's id."""

    def __init__(self, store: Store, chat_id: int) -> None:
        self.store = store
        self.db = store.db
        self.chat_id = chat_id

    # -- the chat itself ---------------------------------------------------------------

    def ensure_exists(self, kind: str = "private", title: str | None = None) -> None:
        """Record the chat on first contact; keep its kind and title current."""
        with self.store.lock:
            existing = self.db.execute("SELECT kind, title FROM chats WHERE id = ?", [self.chat_id])
            row = existing.fetchone()
            if row is None:
                # ON CONFLICT: another process (PostgreSQL) may record the chat first.
                self.db.execute(
                    "INSERT INTO chats (id, kind, title, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    [self.chat_id, kind, title, utc_now()],
                )
            elif (row[0], row[1]) != (kind, title) and title is not None:
                self.db.execute(
                    "UPDATE chats SET kind = ?, title = ? WHERE id = ?",
                    [kind, title, self.chat_id],
                )

    def setting(self, name: str, default: str | None = None) -> str | None:
        """The chat's value for a setting, or default when it has none."""
        with self.store.lock:
            row = self.db.execute(
                "SELECT value FROM chat_settings WHERE chat_id = ? AND name = ?",
                [self.chat_id, name],
            ).fetchone()
        return row[0] if row else default

    def change_setting(self, name: str, value: str) -> None:
        """Set one of the chat's settings, recording the chat first if it is new."""
        self.ensure_exists()
        with self.store.lock:
            self.db.execute(
                "INSERT INTO chat_settings (chat_id, name, value) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id, name) DO UPDATE SET value = excluded.value",
                [self.chat_id, name, value],
            )

    # -- adding ---------------------------------------------------------------------------

    def add_story(self, story: NewStory, analysis: StoryAnalysis) -> Story:
        """Save a story with its sentences, entities and buckets in one transaction."""
        self.ensure_exists()
        added_at = utc_now()
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO stories (chat_id, chat_tag, title, text, url, source, source_kind, "
                "published, added_by, added_at, content_hash, message_id, language, word_count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    self.chat_id,
                    chat_tag(self.chat_id),
                    story.title,
                    story.text,
                    story.url,
                    story.source,
                    story.source_kind,
                    story.published,
                    story.added_by,
                    added_at,
                    story.content_hash,
                    story.message_id,
                    story.language,
                    story.word_count,
                ],
            )
            story_id = cursor.fetchone()[0]
            self._write_analysis(db, story_id, analysis)
        saved = self.story(story_id)
        assert saved is not None
        return saved

    def replace_story(
        self, story_id: int, story: NewStory, analysis: StoryAnalysis
    ) -> Story | None:
        """Update a story in place (an edited channel post), keeping its id."""
        with self.store.transaction() as db:
            if not self._owns(db, story_id):
                return None
            db.execute(
                "UPDATE stories SET title = ?, text = ?, url = ?, source = ?, published = ?, "
                "content_hash = ?, language = ?, word_count = ? WHERE id = ? AND chat_id = ?",
                [
                    story.title,
                    story.text,
                    story.url,
                    story.source,
                    story.published,
                    story.content_hash,
                    story.language,
                    story.word_count,
                    story_id,
                    self.chat_id,
                ],
            )
            self._clear_analysis(db, [story_id])
            self._write_analysis(db, story_id, analysis)
        return self.story(story_id)

    def _write_analysis(
        self, db: sqlite_utils.Database, story_id: int, analysis: StoryAnalysis
    ) -> None:
        tag = chat_tag(self.chat_id)
        self.store.executemany(
            db,
            "INSERT INTO sentences (story_id, position, paragraph, text, chat_tag) "
            "VALUES (?, ?, ?, ?, ?)",
            [(story_id, i, p, t, tag) for i, (p, t) in enumerate(analysis.sentences)],
        )
        self.store.executemany(
            db,
            'INSERT INTO entities (story_id, sentence, text, label, start, "end") '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(story_id, e.sentence, e.text, e.label, e.start, e.end) for e in analysis.entities],
        )
        self.store.executemany(
            db,
            "INSERT INTO story_buckets (story_id, chat_id, band, bucket) VALUES (?, ?, ?, ?)",
            [(story_id, self.chat_id, band, bucket) for band, bucket in analysis.buckets],
        )

    # -- reading ----------------------------------------------------------------------------

    def story(self, story_id: int) -> Story | None:
        """This chat's story with that id, or None (also when it belongs to another chat)."""
        with self.store.lock:
            row = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ? AND chat_id = ?",
                [story_id, self.chat_id],
            ).fetchone()
        return Story(*row) if row else None

    def story_for_message(self, message_id: int) -> Story | None:
        """The story saved from this chat's message (for replies and edited posts)."""
        with self.store.lock:
            row = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE chat_id = ? AND message_id = ?",
                [self.chat_id, message_id],
            ).fetchone()
        return Story(*row) if row else None

    # -- the bot's messages about stories -------------------------------------------------

    def remember_messages(self, message_ids: Sequence[int], story_id: int | None) -> None:
        """Note that the bot's messages in this chat show this chat's story, so a reply to one
        of them names it; None (an edit that now shows no one story) forgets them. A story of
        another chat is never noted: nothing is written."""
        with self.store.transaction() as db:
            if story_id is None:
                self.store.executemany(
                    db,
                    "DELETE FROM bot_messages WHERE chat_id = ? AND message_id = ?",
                    [(self.chat_id, message_id) for message_id in message_ids],
                )
                return
            self.store.executemany(
                db,
                "INSERT INTO bot_messages (chat_id, message_id, story_id) "
                "SELECT chat_id, ?, id FROM stories WHERE id = ? AND chat_id = ? "
                "ON CONFLICT (chat_id, message_id) DO UPDATE SET story_id = excluded.story_id",
                [(message_id, story_id, self.chat_id) for message_id in message_ids],
            )

    def story_id_for_bot_message(self, message_id: int) -> int | None:
        """The id of the story the bot's message in this chat was about (it may since have been
        deleted), or None when the message was about no one story."""
        with self.store.lock:
            row = self.db.execute(
                "SELECT story_id FROM bot_messages WHERE chat_id = ? AND message_id = ?",
                [self.chat_id, message_id],
            ).fetchone()
        return row[0] if row else None

    def latest_story(self) -> Story | None:
        """The chat's newest story, or None."""
        stories = self.latest_stories(limit=1)
        return stories[0] if stories else None

    def latest_stories(self, limit: int = 10, offset: int = 0) -> list[Story]:
        """Newest first."""
        with self.store.lock:
            rows = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE chat_id = ? "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                [self.chat_id, limit, offset],
            ).fetchall()
        return [Story(*row) for row in rows]

    def stories_added_since(self, since: str, limit: int = 1000) -> list[Story]:
        """Stories added at or after an ISO 8601 UTC time, oldest first."""
        with self.store.lock:
            rows = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE chat_id = ? AND added_at >= ? "
                "ORDER BY id LIMIT ?",
                [self.chat_id, since, limit],
            ).fetchall()
        return [Story(*row) for row in rows]

    def story_ids(self) -> list[int]:
        """Every story id of the chat, oldest first."""
        with self.store.lock:
            rows = self.db.execute(
                "SELECT id FROM stories WHERE chat_id = ? ORDER BY id", [self.chat_id]
            ).fetchall()
        return [row[0] for row in rows]

    def _is_minority(self) -> bool:
        """Whether this chat holds under half of all stories ever stored (ids never reused)."""
        highest = self.db.execute("SELECT max(id) FROM stories").fetchone()[0] or 0
        return self.count() * 2 < highest

    def count(self) -> int:
        """How many stories the chat keeps."""
        with self.store.lock:
            return self.db.execute(
                "SELECT count(*) FROM stories WHERE chat_id = ?", [self.chat_id]
            ).fetchone()[0]

    def sentences(self, story_id: int) -> list[StoredSentence]:
        """The story's sentences in order; none if the story is another chat's."""
        return self.sentences_of([story_id]).get(story_id, [])

    def entities(self, story_id: int) -> list[StoredEntity]:
        """The story's named entities by sentence and offset; none if it is another chat's."""
        return self.entities_of([story_id]).get(story_id, [])

    def search(self, words: str, limit: int = 10, *, any_word: bool = False) -> list[Story]:
        """Stories matching the words, best BM25 first, then newest. Never FTS5 syntax errors."""
        query = fts_query(words, any_word=any_word)
        if query is None:
            return []
        # The chat_id test below is the isolation rule. When the chat holds a small share of
        # the store, its token also narrows the match inside FTS5, so a chat of ten thousand
        # stories among a million costs its own matches; when it holds most of the store the
        # token only adds work, so it is left out.
        with self.store.lock:
            scoped = self._scoped(query)
            rows = self.db.execute(
                f"SELECT {', '.join('s.' + c.strip() for c in _STORY_COLUMNS.split(','))} "
                "FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
                "WHERE stories_fts MATCH ? AND s.chat_id = ? "
                "ORDER BY bm25(stories_fts, 2.0, 1.0, 0.0), s.id DESC LIMIT ?",
                [scoped, self.chat_id, limit],
            ).fetchall()
        return [Story(*row) for row in rows]

    def search_scored(self, words: str, limit: int = 10) -> list[tuple[Story, float]]:
        """Stories holding any of the words, with their BM25 score (higher is better)."""
        query = fts_query(words, any_word=True)
        if query is None:
            return []
        columns = ", ".join("s." + c.strip() for c in _STORY_COLUMNS.split(","))
        rows = self._best_matches(
            "SELECT rowid, -bm25(stories_fts, 2.0, 1.0, 0.0) AS score FROM stories_fts "
            "WHERE stories_fts MATCH ? ORDER BY score DESC, rowid DESC",
            f"SELECT {columns}, f.score FROM ({{best}}) f JOIN stories s ON s.id = f.rowid "
            "WHERE s.chat_id = ? ORDER BY f.score DESC, s.id DESC LIMIT ?",
            query,
            limit,
        )
        return [(Story(*row[:-1]), row[-1]) for row in rows]

    def search_sentences(
        self, words: str, limit: int = 40, story_id: int | None = None
    ) -> list[SentenceHit]:
        """Sentences holding any of the words (of one story, if given), best BM25 first.
        Never FTS5 syntax errors."""
        query = fts_query(words, any_word=True)
        if query is None:
            return []
        if story_id is None:
            rows = self._best_matches(
                "SELECT rowid, -bm25(sentences_fts, 1.0, 0.0) AS score FROM sentences_fts "
                "WHERE sentences_fts MATCH ? ORDER BY score DESC, rowid",
                "SELECT s.story_id, s.position, s.text, f.score FROM ({best}) f "
                "JOIN sentences s ON s.rowid = f.rowid JOIN stories t ON t.id = s.story_id "
                "WHERE t.chat_id = ? ORDER BY f.score DESC, f.rowid LIMIT ?",
                query,
                limit,
            )
            return [SentenceHit(*row) for row in rows]
        with self.store.lock:
            rows = self.db.execute(
                "SELECT s.story_id, s.position, s.text, -bm25(sentences_fts, 1.0, 0.0) AS score "
                "FROM sentences_fts JOIN sentences s ON s.rowid = sentences_fts.rowid "
                "JOIN stories t ON t.id = s.story_id "
                "WHERE sentences_fts MATCH ? AND t.chat_id = ? AND s.story_id = ? "
                "ORDER BY score DESC, sentences_fts.rowid LIMIT ?",
                [self._scoped(query), self.chat_id, story_id, limit],
            ).fetchall()
        return [SentenceHit(*row) for row in rows]

    def _best_matches(self, best: str, sql: str, query: str, limit: int) -> list[tuple]:
        """The chat's ``limit`` best full-text matches: ``sql`` (chat id, limit) over ``best``
        (match), the index's matches as (rowid, score), best first.

        Ranking inside FTS5 first and joining only its best rows is several times faster than
        joining every match to test its chat (30-50 ms against 15-20 ms per question in a
        10,000-story chat). When the chat holds at least ``limit`` of the index's best
        ``limit * OVERFETCH`` rows, those are exactly its ``limit`` best, since every other row
        of the chat ranks below them; otherwise (other chats crowd the top) the query is run
        again over every match."""
        scoped = self._scoped(query)
        with self.store.lock:
            rows = self.db.execute(
                sql.format(best=f"{best} LIMIT ?"), [scoped, limit * OVERFETCH, self.chat_id, limit]
            ).fetchall()
            if len(rows) < limit:
                rows = self.db.execute(
                    sql.format(best=best), [scoped, self.chat_id, limit]
                ).fetchall()
        return rows

    def _scoped(self, query: str) -> str:
        """The query narrowed to this chat's token when the chat holds a small share of the
        store (see ``search``); the chat_id test stays in the SQL either way."""
        if self._is_minority():
            return f'chat_tag : "{chat_tag(self.chat_id)}" AND ({query})'
        return query

    def stories_by_id(self, story_ids: Sequence[int]) -> dict[int, Story]:
        """This chat's stories with these ids (others' are left out), by id."""
        rows = self._rows_of_stories(
            f"SELECT {_STORY_COLUMNS} FROM stories WHERE chat_id = ? AND id IN ({{marks}})",
            story_ids,
        )
        return {row[0]: Story(*row) for row in rows}

    def sentences_of(self, story_ids: Sequence[int]) -> dict[int, list[StoredSentence]]:
        """The sentences of several of this chat's stories, in order, by story id."""
        rows = self._rows_of_stories(
            "SELECT s.story_id, s.position, s.paragraph, s.text FROM sentences s "
            "JOIN stories t ON t.id = s.story_id "
            "WHERE t.chat_id = ? AND s.story_id IN ({marks}) "
            "ORDER BY s.story_id, s.position",
            story_ids,
        )
        return _by_story(rows, StoredSentence)

    def entities_of(self, story_ids: Sequence[int]) -> dict[int, list[StoredEntity]]:
        """The named entities of several of this chat's stories, by story id."""
        rows = self._rows_of_stories(
            'SELECT e.story_id, e.sentence, e.text, e.label, e.start, e."end" '
            "FROM entities e JOIN stories t ON t.id = e.story_id "
            "WHERE t.chat_id = ? AND e.story_id IN ({marks}) "
            "ORDER BY e.story_id, e.sentence, e.start",
            story_ids,
        )
        return _by_story(rows, StoredEntity)

    def _rows_of_stories(self, sql: str, story_ids: Sequence[int]) -> list[tuple]:
        """The rows of ``sql`` (this chat's id, then the ids in ``{marks}``) for the given
        stories, a chunk of ids at a time; each story's rows come from one chunk, in order."""
        rows: list[tuple] = []
        for chunk in _chunks(list(dict.fromkeys(story_ids))):
            marks = ",".join("?" * len(chunk))
            with self.store.lock:
                rows += self.db.execute(sql.format(marks=marks), [self.chat_id, *chunk]).fetchall()
        return rows

    # -- duplicates ---------------------------------------------------------------------

    def story_with_url(self, url: str) -> Story | None:
        """The chat's first story with this URL, or None."""
        return self._first_where("url = ?", url)

    def story_with_hash(self, content_hash: str) -> Story | None:
        """The chat's first story with this content hash, or None."""
        return self._first_where("content_hash = ?", content_hash)

    def stories_sharing_buckets(
        self, buckets: Sequence[tuple[int, int]], limit: int = 20
    ) -> list[Story]:
        """Candidate near-duplicates: this chat's stories that share a MinHash band bucket."""
        if not buckets:
            return []
        clauses = " OR ".join("(band = ? AND bucket = ?)" for _ in buckets)
        params: list[int] = [self.chat_id]
        for band, bucket in buckets:
            params += [band, bucket]
        with self.store.lock:
            ids = [
                row[0]
                for row in self.db.execute(
                    f"SELECT story_id FROM story_buckets WHERE chat_id = ? AND ({clauses}) "
                    f"GROUP BY story_id ORDER BY count(*) DESC LIMIT {int(limit)}",
                    params,
                ).fetchall()
            ]
        return [s for s in (self.story(i) for i in ids) if s is not None]

    def _first_where(self, condition: str, value: object) -> Story | None:
        with self.store.lock:
            row = self.db.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE chat_id = ? AND {condition} "
                "ORDER BY id LIMIT 1",
                [self.chat_id, value],
            ).fetchone()
        return Story(*row) if row else None

    # -- forgetting -----------------------------------------------------------------------

    def forget(self, story_id: int) -> bool:
        """Delete one of this chat's stories; False when the chat has no such story."""
        with self.store.transaction() as db:
            if not self._owns(db, story_id):
                return False
            self._delete(db, [story_id])
        return True

    def forget_all(self) -> int:
        """Delete every story of this chat; returns how many."""
        with self.store.transaction() as db:
            ids = [
                r[0] for r in db.execute("SELECT id FROM stories WHERE chat_id = ?", [self.chat_id])
            ]
            self._delete(db, ids)
        return len(ids)

    def _owns(self, db: sqlite_utils.Database, story_id: int) -> bool:
        row = db.execute(
            "SELECT 1 FROM stories WHERE id = ? AND chat_id = ?", [story_id, self.chat_id]
        ).fetchone()
        return row is not None

    def _delete(self, db: sqlite_utils.Database, story_ids: list[int]) -> None:
        for start in range(0, len(story_ids), 500):
            chunk = story_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self._clear_analysis(db, chunk)
            db.execute(
                f"DELETE FROM stories WHERE chat_id = ? AND id IN ({marks})", [self.chat_id, *chunk]
            )

    def _clear_analysis(self, db: sqlite_utils.Database, story_ids: list[int]) -> None:
        """Delete the sentences, entities and buckets of at most 500 stories."""
        marks = ",".join("?" * len(story_ids))
        for table in ("sentences", "entities", "story_buckets"):
            db.execute(f"DELETE FROM {table} WHERE story_id IN ({marks})", story_ids)


T = TypeVar("T")


def _by_story(rows: list[tuple], make: Callable[..., T]) -> dict[int, list[T]]:
    """Rows of (story id, *fields), in order, as each story's list of ``make(*fields)``."""
    found: dict[int, list[T]] = {}
    for story_id, *rest in rows:
        found.setdefault(story_id, []).append(make(*rest))
    return found


def _chunks(values: list, size: int = 500) -> Iterator[list]:
    """Runs of at most ``size`` values: SQLite limits the parameters of one statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def story_to_json(story: Story) -> str:
    """A story as one JSON object with all its fields."""
    return json.dumps(story.__dict__, ensure_ascii=False)
