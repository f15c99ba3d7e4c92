"""Telling SQLite's "can't write" apart from other failures: the disk is full, or the database
(its file or its folder) is read-only. Retrying won't help until the admin acts, so the bot
and the command line say so in their own words (handlers/errors.py, bot/cli/run.py).
"""

from __future__ import annotations

import sqlite3


def storage_trouble(error: BaseException | None) -> str | None:
    """ "full" or "read-only" when the error (or one behind it) is SQLite unable to write."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.OperationalError):
            name = getattr(error, "sqlite_errorname", "") or ""
            text = str(error).lower()
            if name == "SQLITE_FULL" or "database or disk is full" in text:
                return "full"
            if name.startswith("SQLITE_READONLY") or "readonly database" in text:
                return "read-only"
        error = error.__cause__ or error.__context__
    return None
