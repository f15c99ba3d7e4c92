"""The update journal: each Telegram update the bot received, kept until its handlers finished.

Telegram counts an update as delivered as soon as the bot asks for the next batch (getUpdates
with a higher offset) or its webhook answers, which is long before the update's handlers have
run. So the bot writes every update here first, and marks it finished when its handlers are
done; a bot killed in between finds the update at start-up and handles it then. Together with
handlers that are idempotent (ingest stores a message once per chat), that makes processing
at-least-once: a kill can repeat the last steps of an update, never skip one.

    journal = UpdateJournal(db)                # a sqlite_utils.Database at schema v5 or later
    seq = journal.record(update_id, payload, chat_id=42)   # None: that update came before
    journal.start(seq)                         # a handler began (counted, to stop a crash loop)
    journal.finish(seq)                        # done: never replayed
    for entry in journal.unfinished():         # at start-up, in order of arrival
        ...
    journal.give_up(seq)                       # an update that keeps killing the bot
    journal.prune()                            # forget finished updates after a day

Finished entries are kept for a day so that an update Telegram offers again (its confirmation
was lost) is recognised and not handled twice. That needs only the update's id and digest, so
an entry's payload (the user's message, perhaps a story since deleted) is cleared as soon as
it is finished. An update is known by its ``update_id`` and a
digest of its content, because Telegram numbers updates afresh after a week without any.

Durability is the store's: WAL with ``synchronous = NORMAL``, so an entry survives the process
being killed at any point; an OS crash or power cut can lose the last entries written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from db.locations import is_postgres_url

TABLE = "update_journal"
KEEP_FINISHED = timedelta(days=1)
DONE, ABANDONED = "done", "abandoned"


@dataclass(frozen=True)
class JournalEntry:
    """An update received and not finished yet."""

    seq: int  # order of arrival
    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int  # how many times a handler began on it
    received_at: str


def canonical(payload: dict[str, Any]) -> str:
    """The payload as JSON with sorted keys: one text (and one digest) per content."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class JournalBookkeeping:
    """What both backends' journals do alike: mark an update begun, finished or given up,
    forget old finished entries and count states.
    A subclass sets ``db`` (anything with ``execute(sql, params)``; ``?`` placeholders) and
    ``lock``."""

    db: Any
    lock: threading.Lock

    def start(self, seq: int) -> None:
        """A handler began on the update: one more attempt."""
        with self.lock:
            self.db.execute(f"UPDATE {TABLE} SET attempts = attempts + 1 WHERE seq = ?", [seq])

    def finish(self, seq: int, outcome: str = DONE) -> None:
        """The update's handlers finished (or it was given up): it is never replayed, and
        its payload is cleared (the id and digest still recognise it if offered again)."""
        with self.lock:
            self.db.execute(
                f"UPDATE {TABLE} SET finished_at = ?, outcome = ?, payload = '' "
                "WHERE seq = ? AND finished_at IS NULL",
                [_now(), outcome, seq],
            )

    def give_up(self, seq: int) -> None:
        """Stop replaying an update (it began too many times without finishing)."""
        self.finish(seq, ABANDONED)

    @staticmethod
    def _entries(rows: list) -> list[JournalEntry]:
        """Rows of (seq, update_id, chat_id, payload, attempts, received_at) as entries."""
        return [
            JournalEntry(seq, update_id, chat_id, json.loads(payload), attempts, received)
            for seq, update_id, chat_id, payload, attempts, received in rows
        ]

    @staticmethod
    def _cutoff(keep: timedelta, now: datetime | None) -> str:
        return ((now or datetime.now(UTC)) - keep).isoformat(timespec="milliseconds")

    def _forget_finished_before(self, cutoff: str) -> int:
        cursor = self.db.execute(
            f"DELETE FROM {TABLE} WHERE finished_at IS NOT NULL AND finished_at < ?", [cutoff]
        )
        return cursor.rowcount

    def counts(self) -> dict[str, int]:
        """Entries by state: 'unfinished', 'done', 'abandoned' (for logs and tests)."""
        with self.lock:
            rows = self.db.execute(
                f"SELECT coalesce(outcome, 'unfinished'), count(*) FROM {TABLE} GROUP BY 1"
            ).fetchall()
        return {"unfinished": 0, DONE: 0, ABANDONED: 0, **dict(rows)}


class UpdateJournal(JournalBookkeeping):
    """The ``update_journal`` table of the bot's database (created by schema version 5)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        # One connection, possibly reached from several threads: one statement at a time.
        self.lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> UpdateJournal:
        """The journal on its own connection to the bot's database file (already migrated).

        Its own connection, so that journal writes never wait behind the store's reads (WAL
        lets them run side by side); SQLite serialises the writes. A PostgreSQL URL opens
        the journal there (db/postgres_journal.py), with the same API.
        """
        if is_postgres_url(str(path)):
            from db.postgres_journal import PostgresUpdateJournal

            return PostgresUpdateJournal.open(str(path))  # type: ignore[return-value]
        connection = sqlite3.connect(
            str(path), check_same_thread=False, timeout=30, isolation_level=None
        )
        connection.execute("PRAGMA synchronous = NORMAL")
        return cls(sqlite_utils.Database(connection))

    def close(self) -> None:
        with self.lock:
            self.db.conn.close()

    def record(
        self, update_id: int, payload: dict[str, Any], *, chat_id: int | None = None
    ) -> int | None:
        """Write a received update; its seq, or None if this very update was recorded before
        (finished or not), so it must not be handled again."""
        text = canonical(payload)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        with self.lock:
            cursor = self.db.execute(
                f"INSERT OR IGNORE INTO {TABLE} "
                "(update_id, digest, chat_id, payload, received_at) VALUES (?, ?, ?, ?, ?)",
                [update_id, digest, chat_id, text, _now()],
            )
            return cursor.lastrowid if cursor.rowcount == 1 else None

    def unfinished(self) -> list[JournalEntry]:
        """Updates received but not finished, oldest first."""
        with self.lock:
            rows = self.db.execute(
                "SELECT seq, update_id, chat_id, payload, attempts, received_at "
                f"FROM {TABLE} WHERE finished_at IS NULL ORDER BY seq"
            ).fetchall()
        return self._entries(rows)

    def prune(self, keep: timedelta = KEEP_FINISHED, *, now: datetime | None = None) -> int:
        """Forget updates finished more than ``keep`` ago; how many were forgotten."""
        cutoff = self._cutoff(keep, now)
        with self.lock:
            # Entries finished by an older bot still hold their payloads: cleared here too.
            self.db.execute(
                f"UPDATE {TABLE} SET payload = '' WHERE finished_at IS NOT NULL AND payload != ''"
            )
            return self._forget_finished_before(cutoff)
