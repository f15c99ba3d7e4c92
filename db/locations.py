"""Where the store lives: a file path (SQLite) or a PostgreSQL URL.

``STORYBOT_DB`` and ``--db`` take either; this is the one place that tells them apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: str) -> bool:
    """Whether the location names a PostgreSQL database (postgresql://… or postgres://…)."""
    return "://" in location and urlsplit(location).scheme.lower() in POSTGRES_SCHEMES


def printable(location: str) -> str:
    """The location with any password hidden, for logs and messages."""
    if not is_postgres_url(location):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
