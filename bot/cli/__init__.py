"""The ``storybot`` command: one sub-command module per idea, all calling the same core.

May import: ``bot``, ``handlers``, ``db``, ``telegram``, ``benchmarks`` (bench and eval).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import (
    bench,
    chat,
    digests,
    migrate_store,
    questions,
    run,
    stories,
    summaries,
)

COMMAND_MODULES = (stories, summaries, questions, digests, chat, run, bench, migrate_store)


def build_parser() -> argparse.ArgumentParser:
    """The ``storybot`` argument parser, with every command module's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="storybot",
        description="Keep news stories, summarize them and answer questions about them.",
    )
    parser.add_argument(
        "--db", help="SQLite file or postgresql:// URL (default: $STORYBOT_DB or ./storybot.db)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run one ``storybot`` command and exit with its code; with none, print the help."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        sys.exit(2)
    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    sys.exit(code or 0)
