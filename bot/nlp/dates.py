"""Dates, through one dateparser wrapper: a story's publication date (from ISO strings, page
timestamps and scraped header lines), and the calendar day a date in a story stands for.

    parse_published("13:34 GMT16 May 2021")            # "2021-05-16T13:34:00"
    resolve_date("on Wednesday", "2019-05-16T10:00")   # ("2019-05-15", None)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# Scraped headers glue fields together ("13:34 GMT16 May 2021"); a space between a zone
# abbreviation and the day lets dateparser read them.
_GLUED = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z]{3,})")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_FULL_DATE = re.compile(
    rf"\b(\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+\d{{4}}|({_MONTHS})\.?\s+\d{{1,2}}"
    rf"(st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\b\.?|({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_RELATIVE_DAY = re.compile(r"\b(today|yesterday|tomorrow|tonight|\d+\s+days?\s+ago)\b", re.I)
_RELATIVE_COARSE = re.compile(
    r"\b((last|next|this|past)\s+(week|month|year)|\d+\s+(weeks|months|years)\s+ago)\b", re.I
)


def parse_published(value: str | None) -> str | None:
    """An ISO 8601 timestamp (UTC when the zone is known) for a date string, or None."""
    if not value or not value.strip():
        return None
    text = value.strip()[:200]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = dateparse(_GLUED.sub(" ", text), require_day=True)
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(microsecond=0).isoformat()


def resolve_date(expression: str, published: str | None) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD or None, note): absolute dates as they are, relative ones from ``published``."""
    text = expression.strip()
    if match := _FULL_DATE.search(text):
        day = dateparse(match.group(0))
        return (day.date().isoformat() if day else None), None
    base = published_datetime(published)
    relative = _DAY_MONTH.search(text) or _WEEKDAY.search(text) or _RELATIVE_DAY.search(text)
    coarse = _RELATIVE_COARSE.search(text)
    if not relative and not coarse:
        return None, None
    if base is None:
        return None, (
            f"The story's publication date is unknown, so I can't tell which date "
            f"“{expression}” is."
        )
    if relative is not None:
        day = _resolve_day(relative.group(0), base)
        return (day.isoformat() if day else None), None
    month = dateparse(coarse.group(0), base)
    if month is None:
        return None, None
    return None, f"“{expression}” is around {month:%B %Y}, counting from the story's date."


def _resolve_day(expression: str, base: datetime):
    """A day-level relative expression as a date: weekdays count back from the base day."""
    lower = expression.lower()
    if lower in WEEKDAYS:
        back = (base.weekday() - WEEKDAYS.index(lower)) % 7
        return (base - timedelta(days=back)).date()
    parsed = dateparse(expression, base)
    return parsed.date() if parsed else None


def published_datetime(published: str | None) -> datetime | None:
    """A story's publication time as a naive datetime, or None."""
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


@lru_cache(maxsize=2048)
def dateparse(
    text: str, base: datetime | None = None, *, require_day: bool = False
) -> datetime | None:
    """dateparser in English, preferring the past, relative to ``base``; None on failure.

    ``require_day`` refuses a bare month or year (a page header must name the day).
    """
    import dateparser  # imported late: it takes a while to load and many runs never need it

    settings: dict = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if require_day:
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
        settings.pop("RETURN_AS_TIMEZONE_AWARE")
    if base is not None:
        settings["RELATIVE_BASE"] = base
    try:
        return dateparser.parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
