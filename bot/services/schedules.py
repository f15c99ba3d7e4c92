"""Digest schedules: parsing ``/digest daily|weekly|off|status`` and working out when to send.

Every time is computed from the schedule's local wall time in its IANA zone and converted to
UTC afresh for each run, so a daily 09:00 in Europe/Berlin stays 09:00 in Berlin across DST
changes (07:00 UTC in summer, 08:00 UTC in winter). Nothing here reads the real clock: callers
pass ``now``, so tests drive a fake one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.messages import DIGEST_USAGE, Problem, Refused
from db.schedules import Schedule as Schedule  # for the handlers
from db.schedules import parse_iso as parse_utc  # the store's one time parser

DEFAULT_ZONE = "UTC"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

USAGE = DIGEST_USAGE

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class ScheduleError(Refused, ValueError):
    """A /digest argument that can't be understood; ``error.refusal`` says why
    (bot/messages.py words it)."""


@dataclass(frozen=True)
class DigestCommand:
    """What ``/digest …`` asked for."""

    action: str  # "now", "set", "off", "status", "from"
    schedule: Schedule | None = None  # for "set"
    source: str | None = None  # for "from": "@channel", a numeric id, or "here"
    zone_defaulted: bool = False  # the zone came from the chat's setting (or UTC), not the user


def parse_digest_args(args: list[str], chat_id: int, default_zone: str | None) -> DigestCommand:
    """Parse the words after /digest; ScheduleError (with the usage) when they make no sense."""
    words = [a.strip() for a in args if a.strip()]
    if not words:
        return DigestCommand("now")
    head = words[0].lower()
    if head in ("off", "stop") and len(words) == 1:
        return DigestCommand("off")
    if head == "status" and len(words) == 1:
        return DigestCommand("status")
    if head == "from" and len(words) == 2:
        return DigestCommand("from", source=words[1])
    if head == "daily" and len(words) in (2, 3):
        return _schedule_command(chat_id, "daily", None, words[1], words[2:], default_zone)
    if head == "weekly" and len(words) in (3, 4):
        weekday = parse_weekday(words[1])
        return _schedule_command(chat_id, "weekly", weekday, words[2], words[3:], default_zone)
    raise ScheduleError(Problem.DIGEST_USAGE)


def _schedule_command(
    chat_id: int,
    frequency: str,
    weekday: int | None,
    clock: str,
    zone_words: list[str],
    default_zone: str | None,
) -> DigestCommand:
    """A "set" command with its time and zone checked."""
    time_of_day = parse_time(clock)
    # No zone given: the chat's setting, else UTC; the reply names the zone either way.
    zone = parse_zone(zone_words[0]) if zone_words else default_zone_of(default_zone)
    schedule = Schedule(chat_id, frequency, time_of_day, zone, weekday)
    return DigestCommand("set", schedule, zone_defaulted=not zone_words)


def parse_time(text: str) -> str:
    """'9:05', '09:05', '09.05' or '9h05' → '09:05'; ScheduleError otherwise."""
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError(Problem.NOT_A_TIME, typed=text)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_weekday(text: str) -> int:
    """'mon', 'Monday', 'tue' … → 0 … 6; ScheduleError otherwise."""
    word = text.strip().lower().rstrip(".")
    matches = [index for index, name in enumerate(WEEKDAYS) if name.startswith(word)]
    if len(word) >= 2 and len(matches) == 1:
        return matches[0]
    raise ScheduleError(Problem.NOT_A_WEEKDAY, typed=text)


def parse_zone(text: str) -> str:
    """A valid IANA zone name (as written in the tz database); ScheduleError otherwise."""
    name = text.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        ZoneInfo(name)
    # A directory ("Europe") or an over-long name fails as an OSError, not as "not found".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(Problem.NOT_A_ZONE, typed=text) from None
    return name


def default_zone_of(setting: str | None) -> str:
    """The chat's zone setting if it names a real zone, else UTC."""
    if setting:
        try:
            return parse_zone(setting)
        except ScheduleError:
            pass
    return DEFAULT_ZONE


# -- when to send ------------------------------------------------------------------------


def _slot(schedule: Schedule, day: date) -> datetime | None:
    """The UTC instant of the schedule's run on a local calendar day (None if it has none)."""
    if schedule.frequency == "weekly" and day.weekday() != schedule.weekday:
        return None
    hour, minute = (int(part) for part in schedule.time_of_day.split(":"))
    # fold=0: in a repeated hour (autumn) the first occurrence is used; a skipped time (spring)
    # maps to the instant one offset-change later, e.g. 02:30 → 03:30 local. Either way the run
    # happens exactly once that day.
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(schedule.timezone))
    return local.astimezone(UTC)


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first run strictly after ``after`` (aware), as an aware UTC datetime."""
    _require_aware(after)
    local_day = after.astimezone(ZoneInfo(schedule.timezone)).date()
    for offset in range(-1, 9):
        slot = _slot(schedule, local_day + timedelta(days=offset))
        if slot is not None and slot > after:
            return slot
    raise AssertionError("a daily or weekly schedule always runs within eight days")


def previous_run(schedule: Schedule, at: datetime) -> datetime:
    """The last run at or before ``at`` (aware), as an aware UTC datetime."""
    _require_aware(at)
    local_day = at.astimezone(ZoneInfo(schedule.timezone)).date()
    for offset in range(1, -9, -1):
        slot = _slot(schedule, local_day + timedelta(days=offset))
        if slot is not None and slot <= at:
            return slot
    raise AssertionError("a daily or weekly schedule always ran within eight days")


def missed_run(schedule: Schedule, now: datetime) -> bool:
    """Whether a run fell due since the last digest (or since the schedule was set) unsent.

    However many runs were missed while the bot was down, this is one yes: the digest that is
    sent at start-up covers everything since the last one, so it is sent once.
    """
    reference = schedule.last_sent_at or schedule.created_at
    if reference is None:
        return False
    return previous_run(schedule, now) > parse_utc(reference)


def first_period_start(schedule: Schedule, now: datetime) -> datetime:
    """Where a schedule's first digest starts: one period back (a day or a week), or when the
    schedule was set if that is earlier, so stories collected while it waited are not skipped."""
    period = timedelta(days=7 if schedule.frequency == "weekly" else 1)
    start = now - period
    if schedule.created_at:
        start = min(start, parse_utc(schedule.created_at))
    return start


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("schedule times must be timezone-aware")


# -- what to tell the chat --------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleStatus:
    """The chat's schedule and its next run (UTC), or none (what /digest status shows)."""

    schedule: Schedule | None
    upcoming: datetime | None = None

    @property
    def source_elsewhere(self) -> int | None:
        """The chat the stories come from, when it is another chat."""
        source = self.schedule.source_chat_id if self.schedule else None
        return source if self.schedule and source != self.schedule.chat_id else None


@dataclass(frozen=True)
class ScheduleSet:
    """A schedule just stored, its first run (UTC), and whether its zone was the default."""

    schedule: Schedule
    first_run: datetime
    zone_defaulted: bool


def weekday_name(schedule: Schedule) -> str | None:
    """'Monday' for a weekly schedule; None for a daily one."""
    weekday = schedule.weekday if schedule.frequency == "weekly" else None
    return None if weekday is None else WEEKDAYS[weekday].capitalize()


def local_time_text(moment: datetime, zone: str) -> str:
    """'Mon 6 May, 09:00 CEST': a time as the chat's members read it."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"


def schedule_status(schedule: Schedule | None, now: datetime) -> ScheduleStatus:
    """What /digest status shows: the schedule and its next run, if there is one."""
    if schedule is None:
        return ScheduleStatus(None)
    return ScheduleStatus(schedule, next_run(schedule, now))


def schedule_set(schedule: Schedule, now: datetime, zone_defaulted: bool) -> ScheduleSet:
    """What /digest daily|weekly … confirms: the schedule and its first run."""
    return ScheduleSet(schedule, next_run(schedule, now), zone_defaulted)
