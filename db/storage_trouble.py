"""Telling SQLite's "can't write" apart from other failures: the disk is full, or the database
(its file or its folder) is read-only. Retrying won't help until the admin acts, so the bot
and the command line say so in their own words (handlers/errors.py, bot/cli/run.py).
"""

from __future__ import annotations

import sqlite3

import psycopg

# What a failing database raises, whichever the backend: for code that must carry on without
# a write (the update journal) and name the trouble, not crash.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)


def storage_trouble(error: BaseException | None) -> str | None:
    """ "full" or "read-only" when the error (or one behind it) is the database unable to
    write: SQLite's, or PostgreSQL's disk full (53100) and read-only transaction (25006)."""
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
        if isinstance(error, psycopg.errors.DiskFull):
            return "full"
        if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            return "read-only"
        error = error.__cause__ or error.__context__
    return None
