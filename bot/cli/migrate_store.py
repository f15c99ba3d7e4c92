"""``storybot migrate-store``: move a whole archive to another database, typically an SQLite
file to PostgreSQL, keeping every story's id (db/store_copy.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.plain import complain
from bot.messages import SAME_DATABASE, Problem
from db.locations import is_postgres_url, printable
from db.store import Store
from db.store_copy import CountMismatch, TargetNotEmpty, copy_store


def register(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser(
        "migrate-store",
        help="copy a whole store (an SQLite file) into an empty database, e.g. PostgreSQL",
        description=(
            "Copy every chat, story, setting, schedule and feed into an empty database, "
            "keeping their ids. Stop the bot first; the source is not changed."
        ),
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="DB", help="source")
    migrate.add_argument(
        "--to", dest="target", required=True, metavar="DB", help="target: postgresql://… or a file"
    )
    migrate.set_defaults(handler=migrate_store_command)


def migrate_store_command(args: argparse.Namespace) -> int:
    """Copy the store; 0 when every table's count matches, 1 with a message otherwise."""
    if args.source == args.target:
        print(SAME_DATABASE, file=sys.stderr)
        return 2
    if not is_postgres_url(args.source) and not Path(args.source).is_file():
        complain(Problem.NO_DATABASE_FILE, path=args.source)
        return 2
    try:
        source, target = Store(args.source), Store(args.target)
    except Exception as error:  # a bad URL, a server down, a wrong password: say which
        complain(Problem.CANT_OPEN_DATABASES, why=str(error))
        return 1
    try:
        counts = copy_store(source, target)
    except TargetNotEmpty as error:
        complain(Problem.TARGET_NOT_EMPTY, **error.held)
        return 1
    except CountMismatch as error:
        complain(
            Problem.COUNT_MISMATCH, table=error.table, expected=error.expected, found=error.found
        )
        return 1
    finally:
        source.close()
        target.close()
    print(f"Copied {printable(args.source)} to {printable(args.target)}:")
    for table, rows in counts.items():
        print(f"  {table}: {rows}")
    return 0
