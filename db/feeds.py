"""Followed feeds: one row per (chat, feed) with its polling state, and the items seen.

The rules (when to poll, how to back off, what to tell the chat) are the feed service's
(bot/services/feeds.py); here is only the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.store import Store

_COLUMNS = (
    "id, chat_id, url, title, etag, modified, failures, next_poll_at, reported_failure, last_error"
)


@dataclass(frozen=True)
class Feed:
    """A followed feed and its polling state."""

    id: int
    chat_id: int
    url: str
    title: str | None
    etag: str | None
    modified: str | None
    failures: int
    next_poll_at: str | None
    reported_failure: bool
    # Why it last failed: the feed service's problem code and details as JSON (words, in rows
    # stored before reasons were); the service reads it back (bot/services/feeds.last_error).
    last_error: str | None

    @property
    def name(self) -> str:
        """The feed's title, or its URL."""
        return self.title or self.url


def feeds_of(store: Store, chat_id: int) -> list[Feed]:
    """The chat's followed feeds, oldest first."""
    return _feeds_where(store, "chat_id = ?", [chat_id])


def feed_by_id(store: Store, feed_id: int) -> Feed | None:
    """The feed with that id, or None."""
    found = _feeds_where(store, "id = ?", [feed_id])
    return found[0] if found else None


def due_feeds(store: Store, now: str) -> list[Feed]:
    """Every chat's feeds whose next poll time (ISO, UTC) has come."""
    return _feeds_where(store, "next_poll_at IS NULL OR next_poll_at <= ?", [now])


def add_feed(
    store: Store,
    chat_id: int,
    url: str,
    title: str | None,
    etag: str | None,
    modified: str | None,
    next_poll_at: str,
) -> Feed:
    """Follow a feed in the chat; the new row."""
    store.chat(chat_id).ensure_exists()
    with store.lock:
        cursor = store.db.execute(
            "INSERT INTO feeds (chat_id, url, title, etag, modified, failures, next_poll_at, "
            "reported_failure) VALUES (?, ?, ?, ?, ?, 0, ?, 0) RETURNING id",
            [chat_id, url, title, etag, modified, next_poll_at],
        )
        feed_id = cursor.fetchone()[0]
    feed = feed_by_id(store, feed_id)
    assert feed is not None
    return feed


def remove_feed(store: Store, feed_id: int) -> None:
    """Stop following a feed, and forget the items seen in it."""
    with store.transaction() as db:
        db.execute("DELETE FROM feed_items WHERE feed_id = ?", [feed_id])
        db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])


def update_feed(store: Store, feed_id: int, **values: object) -> None:
    """Set some of a feed's polling state (column = value)."""
    assignments = ", ".join(f"{name} = ?" for name in values)
    with store.lock:
        store.db.execute(
            f"UPDATE feeds SET {assignments} WHERE id = ?", [*values.values(), feed_id]
        )


def seen(store: Store, feed_id: int, key: str) -> bool:
    """Whether the feed's item was read before."""
    with store.lock:
        row = store.db.execute(
            "SELECT 1 FROM feed_items WHERE feed_id = ? AND item_key = ?", [feed_id, key]
        ).fetchone()
    return row is not None


def mark_seen(store: Store, feed_id: int, keys: Sequence[str]) -> None:
    """Remember the feed's items as read."""
    with store.lock:
        store.executemany(
            store.db,
            "INSERT INTO feed_items (feed_id, item_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(feed_id, key) for key in keys],
        )


def _feeds_where(store: Store, condition: str, params: list[object]) -> list[Feed]:
    with store.lock:
        rows = store.db.execute(
            f"SELECT {_COLUMNS} FROM feeds WHERE {condition} ORDER BY id", params
        ).fetchall()
    return [Feed(*row[:8], bool(row[8]), row[9]) for row in rows]
