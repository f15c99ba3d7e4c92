"""Publication dates: from ISO strings, page timestamps and scraped header lines, via dateparser."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

# Scraped headers glue fields together ("13:34 GMT16 May 2021"); a space between a zone
# abbreviation and the day lets dateparser read them.
_GLUED = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z]{3,})")


def parse_published(value: str | None) -> str | None:
    """An ISO 8601 timestamp (UTC when the zone is known) for a date string, or None."""
    if not value or not value.strip():
        return None
    text = value.strip()[:200]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _dateparser_parse(_GLUED.sub(" ", text))
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(microsecond=0).isoformat()


@lru_cache(maxsize=1024)
def _dateparser_parse(text: str) -> datetime | None:
    import dateparser  # imported late: it takes a while to load and many runs never need it

    try:
        return dateparser.parse(
            text,
            languages=["en"],
            settings={"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"]},
        )
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
