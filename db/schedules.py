"""Digest schedules in the ``digest_schedules`` table: one schedule per chat, kept across restarts.

    save_schedule(store, Schedule(chat_id=-100, frequency="daily", time_of_day="09:00",
                                  timezone="Europe/Berlin"))
    schedule_for(store, -100)
    mark_sent(store, -100, datetime.now(UTC))

Times are stored as ISO 8601 UTC text, like every other time in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from db.store import Store, utc_now

# The chat setting that remembers when the chat last got a digest, scheduled or asked for.
LAST_DIGEST_SETTING = "last_digest_at"
# Where the next on-demand /digest starts. Kept apart from the schedule's mark: anyone in a
# group may ask for a digest, and that must not take stories out of the scheduled one.
ON_DEMAND_DIGEST_SETTING = "last_on_demand_digest_at"

_COLUMNS = (
    "chat_id, source_chat_id, frequency, weekday, time_of_day, timezone, last_sent_at, created_at"
)


@dataclass(frozen=True)
class Schedule:
    """When a chat gets its digest: daily or weekly, at a local wall time in an IANA zone."""

    chat_id: int
    frequency: str  # "daily" or "weekly"
    time_of_day: str  # "HH:MM", local wall time in ``timezone``
    timezone: str  # an IANA name such as "Europe/Berlin"
    weekday: int | None = None  # 0 = Monday … 6 = Sunday; weekly only
    source_chat_id: int | None = None  # whose stories; None means the chat's own
    last_sent_at: str | None = None
    created_at: str | None = None

    @property
    def source(self) -> int:
        """The chat whose stories the digest covers."""
        return self.source_chat_id if self.source_chat_id is not None else self.chat_id


def save_schedule(store: Store, schedule: Schedule, now: datetime | None = None) -> Schedule:
    """Create or replace the chat's schedule; a new schedule starts counting from ``now``."""
    store.chat(schedule.chat_id).ensure_exists()
    created = schedule.created_at or (iso_utc(now) if now is not None else utc_now())
    saved = replace(schedule, created_at=created)
    with store.lock:
        store.db.execute(
            f"INSERT INTO digest_schedules ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET source_chat_id = excluded.source_chat_id, "
            "frequency = excluded.frequency, weekday = excluded.weekday, "
            "time_of_day = excluded.time_of_day, timezone = excluded.timezone, "
            "last_sent_at = excluded.last_sent_at, created_at = excluded.created_at",
            [
                saved.chat_id,
                saved.source_chat_id,
                saved.frequency,
                saved.weekday,
                saved.time_of_day,
                saved.timezone,
                saved.last_sent_at,
                saved.created_at,
            ],
        )
    return saved


def schedule_for(store: Store, chat_id: int) -> Schedule | None:
    """The chat's schedule, or None."""
    with store.lock:
        row = store.db.execute(
            f"SELECT {_COLUMNS} FROM digest_schedules WHERE chat_id = ?", [chat_id]
        ).fetchone()
    return Schedule(*_reorder(row)) if row else None


def all_schedules(store: Store) -> list[Schedule]:
    """Every chat's schedule, by chat id."""
    with store.lock:
        rows = store.db.execute(
            f"SELECT {_COLUMNS} FROM digest_schedules ORDER BY chat_id"
        ).fetchall()
    return [Schedule(*_reorder(row)) for row in rows]


def clear_schedule(store: Store, chat_id: int) -> bool:
    """Remove the chat's schedule; False when it had none."""
    with store.lock:
        cursor = store.db.execute("DELETE FROM digest_schedules WHERE chat_id = ?", [chat_id])
    return cursor.rowcount > 0


def mark_sent(store: Store, chat_id: int, when: datetime) -> None:
    """Record a digest sent to the chat at ``when``: the next one starts from there.

    Both marks (the chat's last digest and its schedule's last run) change in one
    transaction, so a crash can't leave one without the other.
    """
    store.chat(chat_id).ensure_exists()
    _write_marks(store, chat_id, iso_utc(when), iso_utc(when))


def sent_marks(store: Store, chat_id: int) -> tuple[str | None, str | None]:
    """(when the chat last got a digest, when its schedule last ran): to undo a mark_sent."""
    schedule = schedule_for(store, chat_id)
    return last_digest_at(store, chat_id), schedule.last_sent_at if schedule else None


def restore_marks(store: Store, chat_id: int, marks: tuple[str | None, str | None]) -> None:
    """Put back what ``sent_marks`` read: a digest marked as sent that surely never arrived."""
    _write_marks(store, chat_id, *marks)


def _write_marks(store: Store, chat_id: int, last_digest: str | None, last_run: str | None) -> None:
    # Plain SQL: sqlite-utils' upsert would commit inside the transaction.
    with store.transaction() as db:
        _put_setting(db, chat_id, LAST_DIGEST_SETTING, last_digest)
        db.execute(
            "UPDATE digest_schedules SET last_sent_at = ? WHERE chat_id = ?", [last_run, chat_id]
        )


def _put_setting(db, chat_id: int, name: str, value: str | None) -> None:
    """Set (or, with None, delete) one chat setting inside an open transaction: plain SQL,
    because sqlite-utils' upsert would commit inside the transaction."""
    if value is None:
        db.execute("DELETE FROM chat_settings WHERE chat_id = ? AND name = ?", [chat_id, name])
    else:
        db.execute(
            "INSERT INTO chat_settings (chat_id, name, value) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id, name) DO UPDATE SET value = excluded.value",
            [chat_id, name, value],
        )


def on_demand_mark(store: Store, chat_id: int) -> str | None:
    """When an on-demand /digest last showed news here (ISO 8601 UTC), or None."""
    return store.chat(chat_id).setting(ON_DEMAND_DIGEST_SETTING)


def on_demand_start(store: Store, chat_id: int) -> str | None:
    """Where an on-demand digest starts: after whichever digest, scheduled or asked for, the
    chat saw last (None: the default period)."""
    marks = [m for m in (last_digest_at(store, chat_id), on_demand_mark(store, chat_id)) if m]
    return max(marks, key=parse_iso) if marks else None


def set_on_demand_mark(store: Store, chat_id: int, when: str | None) -> None:
    """Record (or, with None, forget) an on-demand digest; the schedule's marks stay."""
    store.chat(chat_id).ensure_exists()
    with store.transaction() as db:
        _put_setting(db, chat_id, ON_DEMAND_DIGEST_SETTING, when)


def parse_iso(text: str) -> datetime:
    """A stored ISO 8601 time, for comparing marks written in different offsets."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def record_run(store: Store, chat_id: int, when: datetime) -> None:
    """Record a scheduled run that had nothing to send: the slot is done, the digest period
    (which only a sent digest ends) goes on."""
    with store.lock:
        store.db.execute(
            "UPDATE digest_schedules SET last_sent_at = ? WHERE chat_id = ?",
            [iso_utc(when), chat_id],
        )


def set_source(store: Store, chat_id: int, source_chat_id: int | None) -> None:
    """Point an existing schedule at another chat's stories (None: the chat's own)."""
    with store.lock:
        store.db.execute(
            "UPDATE digest_schedules SET source_chat_id = ? WHERE chat_id = ?",
            [source_chat_id, chat_id],
        )


def last_digest_at(store: Store, chat_id: int) -> str | None:
    """When the chat last got a digest (ISO 8601 UTC), or None."""
    return store.chat(chat_id).setting(LAST_DIGEST_SETTING)


def iso_utc(when: datetime) -> str:
    """An aware datetime as ISO 8601 UTC to the second, the store's time format."""
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def _reorder(row: tuple) -> tuple:
    """Table column order → Schedule field order."""
    chat_id, source, frequency, weekday, time_of_day, zone, last_sent, created = row
    return (chat_id, frequency, time_of_day, zone, weekday, source, last_sent, created)
