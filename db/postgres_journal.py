"""The update journal on PostgreSQL, where several bot processes may share one database.

Same API and the same at-least-once rule as db/update_journal.py, plus ownership, so that two
processes never handle one update:

* An update is recorded once: ``INSERT … ON CONFLICT DO NOTHING`` on (update_id, digest), so
  when Telegram offers an update again, to whichever process, only the first records it.
* Each journal has an owner number and holds a session advisory lock on it for as long as its
  connection lives; every update it records is marked with that owner. PostgreSQL releases
  the lock when the process dies, however it dies.
* At start-up, ``unfinished`` claims what a dead owner left (its lock is free) with
  ``SELECT … FOR UPDATE SKIP LOCKED``: two processes starting together split those updates
  and never take the same one, and a live process's updates are never taken from it.
* Claimed updates come back in order of arrival and are handled before new ones, so a chat's
  updates keep their order, as with SQLite.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from db.postgres import PostgresDatabase
from db.update_journal import (
    KEEP_FINISHED,
    TABLE,
    JournalBookkeeping,
    JournalEntry,
    _now,
    canonical,
)

# The first key of the owners' advisory locks (the second is the owner number).
OWNER_LOCKS = 0x5700_0002


class PostgresUpdateJournal(JournalBookkeeping):
    """The ``update_journal`` table of a PostgreSQL store, owned by this process."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.lock = threading.Lock()
        self.owner = self._take_owner_number()

    @classmethod
    def open(cls, url: str) -> PostgresUpdateJournal:
        """The journal on its own connection to the (already migrated) database."""
        return cls(PostgresDatabase(url))

    def _take_owner_number(self) -> int:
        while True:
            number = secrets.randbelow(2**31 - 2) + 1
            taken = self.db.execute(
                "SELECT pg_try_advisory_lock(?, ?)", [OWNER_LOCKS, number]
            ).fetchone()[0]
            if taken:
                return number

    def close(self) -> None:
        with self.lock:
            self.db.close()  # ends the session: the owner lock goes with it

    def record(
        self, update_id: int, payload: dict[str, Any], *, chat_id: int | None = None
    ) -> int | None:
        text = canonical(payload)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        with self.lock:
            row = self.db.execute(
                f"INSERT INTO {TABLE} (update_id, digest, chat_id, payload, received_at, owner) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (update_id, digest) DO NOTHING "
                "RETURNING seq",
                [update_id, digest, chat_id, text, _now(), self.owner],
            ).fetchone()
        return row[0] if row else None

    def unfinished(self) -> list[JournalEntry]:
        """This process's unfinished updates, after claiming those of owners that are gone
        (no live session holds their lock), oldest first."""
        with self.lock:
            self.db.execute(
                f"UPDATE {TABLE} SET owner = ? WHERE seq IN ("
                f"SELECT seq FROM {TABLE} j WHERE finished_at IS NULL "
                "AND j.owner IS DISTINCT FROM ? AND NOT EXISTS ("
                "SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid::bigint = ? AND l.objid::bigint = j.owner AND l.objsubid = 2) "
                "ORDER BY seq FOR UPDATE SKIP LOCKED)",
                [self.owner, self.owner, OWNER_LOCKS],
            )
            rows = self.db.execute(
                "SELECT seq, update_id, chat_id, payload, attempts, received_at "
                f"FROM {TABLE} WHERE finished_at IS NULL AND owner = ? ORDER BY seq",
                [self.owner],
            ).fetchall()
        return self._entries(rows)

    def prune(self, keep: timedelta = KEEP_FINISHED, *, now: datetime | None = None) -> int:
        with self.lock:
            return self._forget_finished_before(self._cutoff(keep, now))
