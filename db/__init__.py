"""The storage: the store (SQLite through sqlite-utils, or PostgreSQL through psycopg when the
location is a ``postgresql://`` URL), the versioned schemas, digest schedules, feeds and the
update journal.

May import: the standard library, sqlite-utils and psycopg. Never ``bot``, ``handlers`` or
``telegram``.
"""
