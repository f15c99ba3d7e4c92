"""Versioned schema: each migration moves the database up one version, in order.

The version lives in SQLite's ``PRAGMA user_version``, so an upgraded bot finds the version
of an old file without any table of its own and keeps every row it had.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _create_stories(db: sqlite_utils.Database) -> None:
    """Version 1: chats, stories with their sentences, entities and near-duplicate buckets."""
    db.execute(
        """
        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'private',
            title TEXT,
            created_at TEXT NOT NULL
        )"""
    )
    # AUTOINCREMENT: a deleted story's id is never reused, so an old button cannot
    # silently point at a newer story.
    db.execute(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            url TEXT,
            source TEXT,
            source_kind TEXT NOT NULL,
            published TEXT,
            added_by TEXT,
            added_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            message_id INTEGER,
            language TEXT,
            word_count INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX stories_by_chat ON stories (chat_id, id)")
    db.execute("CREATE INDEX stories_by_url ON stories (chat_id, url)")
    db.execute("CREATE INDEX stories_by_hash ON stories (chat_id, content_hash)")
    # A redelivered Telegram update must not store its story twice.
    db.execute(
        "CREATE UNIQUE INDEX stories_by_message ON stories (chat_id, message_id) "
        "WHERE message_id IS NOT NULL"
    )
    db["sentences"].create(
        {"story_id": int, "position": int, "paragraph": int, "text": str},
        pk=("story_id", "position"),
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["entities"].create(
        {
            "story_id": int,
            "sentence": int,
            "text": str,
            "label": str,
            "start": int,
            "end": int,
        },
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["entities"].create_index(["story_id"])
    db["entities"].create_index(["label", "text"])
    db["story_buckets"].create(
        {"story_id": int, "chat_id": int, "band": int, "bucket": int},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["story_buckets"].create_index(["chat_id", "band", "bucket"])
    db["story_buckets"].create_index(["story_id"])
    db["stories"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


def _create_settings_and_schedules(db: sqlite_utils.Database) -> None:
    """Version 2: per-chat settings and digest schedules, which must survive restarts."""
    db["chat_settings"].create(
        {"chat_id": int, "name": str, "value": str},
        pk=("chat_id", "name"),
        foreign_keys=[("chat_id", "chats", "id")],
    )
    db["digest_schedules"].create(
        {
            "chat_id": int,
            "source_chat_id": int,
            "frequency": str,
            "weekday": int,
            "time_of_day": str,
            "timezone": str,
            "last_sent_at": str,
        },
        pk="chat_id",
        foreign_keys=[("chat_id", "chats", "id")],
    )


def _create_feeds(db: sqlite_utils.Database) -> None:
    """Version 3: followed RSS/Atom feeds, the items already seen, and when a schedule began."""
    # AUTOINCREMENT for the same reason as stories: an old /unfollow ID never hits a new feed.
    db.execute(
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            url TEXT NOT NULL,
            title TEXT,
            etag TEXT,
            modified TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll_at TEXT,
            reported_failure INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX feeds_by_chat_url ON feeds (chat_id, url)")
    db.execute("CREATE INDEX feeds_by_next_poll ON feeds (next_poll_at)")
    db.execute(
        """
        CREATE TABLE feed_items (
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            item_key TEXT NOT NULL,
            PRIMARY KEY (feed_id, item_key)
        )"""
    )
    # A schedule that never sent needs its start time to tell whether a slot was missed.
    db.execute("ALTER TABLE digest_schedules ADD COLUMN created_at TEXT")


def chat_tag(chat_id: int) -> str:
    """The token that marks a chat's stories in the full-text index ('chat42', 'chatn100')."""
    return f"chat{'n' if chat_id < 0 else ''}{abs(chat_id)}"


def _index_chats_in_fts(db: sqlite_utils.Database) -> None:
    """Version 4: each story's chat as a token in the full-text index.

    A search then intersects the chat's postings with the words' postings inside FTS5, so a
    chat of ten thousand stories in a store of a million is searched at the cost of its own
    matches, not everyone's.
    """
    db.execute("ALTER TABLE stories ADD COLUMN chat_tag TEXT")
    db.execute(
        "UPDATE stories SET chat_tag = CASE WHEN chat_id < 0 THEN 'chatn' || (-chat_id) "
        "ELSE 'chat' || chat_id END"
    )
    db["stories"].disable_fts()
    db["stories"].enable_fts(["title", "text", "chat_tag"], create_triggers=True, tokenize="porter")


def _create_update_journal(db: sqlite_utils.Database) -> None:
    """Version 5: every Telegram update received, kept until its handlers finished.

    Telegram counts an update as delivered long before the bot has handled it, so a bot that
    dies in between must find it here at start-up (db/update_journal.py).
    """
    # seq is the order of arrival (rowid: never lower than a row still in the table). An
    # update is known by its update_id and a digest of its content: Telegram picks update_ids
    # afresh after a week without updates, so the id alone could name two updates.
    db.execute(
        """
        CREATE TABLE update_journal (
            seq INTEGER PRIMARY KEY,
            update_id INTEGER NOT NULL,
            digest TEXT NOT NULL,
            chat_id INTEGER,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT,
            outcome TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX update_journal_by_update ON update_journal (update_id, digest)")
    db.execute(
        "CREATE INDEX update_journal_unfinished ON update_journal (seq) WHERE finished_at IS NULL"
    )
    db.execute("CREATE INDEX update_journal_by_finish ON update_journal (finished_at)")


def _index_sentences(db: sqlite_utils.Database) -> None:
    """Version 6: a full-text index over sentences, for answers, and its vocabulary.

    Answers rank single sentences, not whole stories, so they need BM25 over sentences. Each
    sentence carries its chat's token (as stories do since version 4), so a small chat in a
    big store is searched at the cost of its own matches. The vocabulary table gives each
    term's sentence count (for IDF weights) and lets a misspelt word find the indexed terms
    that start like it.
    """
    db.execute("ALTER TABLE sentences ADD COLUMN chat_tag TEXT")
    db.execute(
        "UPDATE sentences SET chat_tag = (SELECT CASE WHEN chat_id < 0 THEN 'chatn' || (-chat_id) "
        "ELSE 'chat' || chat_id END FROM stories WHERE stories.id = sentences.story_id)"
    )
    db.execute("CREATE VIRTUAL TABLE sentences_fts_vocab USING fts5vocab(sentences_fts, 'row')")
    db["sentences"].enable_fts(["text", "chat_tag"], create_triggers=True, tokenize="porter")


def _create_bot_messages(db: sqlite_utils.Database) -> None:
    """Version 7: which story each of the bot's messages is about, so a reply to a summary, an
    answer or "Saved." names its story by the message's id, not by words in its text.

    No foreign key to stories: a row outlives its story, so a reply to a message about a
    deleted story is told the story is gone instead of falling back to the latest one. Story
    ids are never reused (AUTOINCREMENT), so such a row never names a newer story.
    """
    db.execute(
        """
        CREATE TABLE bot_messages (
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            message_id INTEGER NOT NULL,
            story_id INTEGER NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        )"""
    )


MIGRATIONS: list[Migration] = [
    _create_stories,
    _create_settings_and_schedules,
    _create_feeds,
    _index_chats_in_fts,
    _create_update_journal,
    _index_sentences,
    _create_bot_messages,
]
LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """The version recorded in the file (0 for a new database)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int = LATEST_VERSION) -> int:
    """Apply every migration above the file's version, each in its own transaction."""
    current = schema_version(db)
    if current > LATEST_VERSION:
        raise RuntimeError(
            f"The database is at schema version {current}, newer than this storybot "
            f"understands ({LATEST_VERSION}). Upgrade storybot."
        )
    for version in range(current + 1, target + 1):
        # One transaction per version, so a failed upgrade leaves the previous version intact.
        # (sqlite-utils' enable_fts uses executescript, which commits what came before it:
        # that is why FTS is the last step of the version that creates it.)
        db.execute("BEGIN")
        try:
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.rollback()
            raise
        if db.conn.in_transaction:
            db.conn.commit()
    return schema_version(db)
