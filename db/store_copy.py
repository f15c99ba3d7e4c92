"""Copying a whole store to another, empty one: an SQLite archive moved to PostgreSQL (or back).

Every row keeps its id, so story numbers the chats know (buttons, /show 42, replies) still
point at the same stories. The copy is one transaction on the target: it lands whole or not
at all. The counts of both sides are compared at the end. A target that holds anything is
refused, so running the copy twice never mixes two archives or doubles one.

    counts = copy_store(Store("storybot.db"), Store("postgresql://…"))
"""

from __future__ import annotations

from collections.abc import Iterator

from db.store import Store

# Parents before children (the foreign keys), each with the columns both backends share. The
# full-text indexes are not copied: each backend builds its own from the text.
TABLES: tuple[tuple[str, str, str], ...] = (
    ("chats", "id, kind, title, created_at", "id"),
    (
        "stories",
        "id, chat_id, chat_tag, title, text, url, source, source_kind, published, added_by, "
        "added_at, content_hash, message_id, language, word_count",
        "id",
    ),
    ("sentences", "story_id, position, paragraph, text, chat_tag", "story_id, position"),
    ("entities", 'story_id, sentence, text, label, start, "end"', "story_id, sentence, start"),
    ("story_buckets", "story_id, chat_id, band, bucket", "story_id, band"),
    ("chat_settings", "chat_id, name, value", "chat_id, name"),
    (
        "digest_schedules",
        "chat_id, source_chat_id, frequency, weekday, time_of_day, timezone, last_sent_at, "
        "created_at",
        "chat_id",
    ),
    (
        "feeds",
        "id, chat_id, url, title, etag, modified, failures, next_poll_at, reported_failure, "
        "last_error",
        "id",
    ),
    ("feed_items", "feed_id, item_key", "feed_id, item_key"),
    ("bot_messages", "chat_id, message_id, story_id", "chat_id, message_id"),
    # Updates received and not yet handled (seq is the target's own, in the same order).
    (
        "update_journal",
        "update_id, digest, chat_id, payload, received_at, attempts, finished_at, outcome",
        "seq",
    ),
)
# Tables whose ids come from a counter that must go on past the copied ids (never reused).
COUNTED = ("stories", "feeds")
BATCH = 1_000


class TargetNotEmpty(Exception):
    """The target store already holds chats or stories: ``held`` counts its chats, stories
    and feeds (the command line words it; ``str()`` is for logs)."""

    def __init__(self, held: dict[str, int]) -> None:
        super().__init__(held)
        self.held = held

    def __str__(self) -> str:
        return "target not empty: " + ", ".join(f"{n} {table}" for table, n in self.held.items())


class CountMismatch(Exception):
    """A table's row count differs between source and target after the copy."""

    def __init__(self, table: str, expected: int, found: int) -> None:
        super().__init__(table, expected, found)
        self.table, self.expected, self.found = table, expected, found

    def __str__(self) -> str:
        return f"{self.table}: {self.expected} rows in the source, {self.found} copied"


def _rows(store: Store, table: str, columns: str, order: str) -> Iterator[list[tuple]]:
    with store.lock:
        cursor = store.db.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")
        while batch := cursor.fetchmany(BATCH):
            yield [tuple(row) for row in batch]


def count(store: Store, table: str) -> int:
    with store.lock:
        return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of source into the empty target; rows per table."""
    held = {table: count(target, table) for table in ("chats", "stories", "feeds")}
    if any(held.values()):
        # Only into an empty one, so an archive is never mixed with another or copied twice.
        raise TargetNotEmpty(held)
    highest = {table: source.highest_id(table) for table in COUNTED}
    with target.transaction() as db:
        for table, columns, order in TABLES:
            marks = ", ".join("?" * len(columns.split(",")))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            for batch in _rows(source, table, columns, order):
                target.executemany(db, sql, batch)
        for table, value in highest.items():
            target.continue_ids_after(db, table, value)
        target.after_bulk_copy()
        # Checked before the commit: a mismatch leaves the target as empty as it was.
        counts = {table: count(source, table) for table, _, _ in TABLES}
        for table, expected in counts.items():
            if (found := count(target, table)) != expected:
                raise CountMismatch(table, expected, found)
    return counts
