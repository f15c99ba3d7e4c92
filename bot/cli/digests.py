"""``storybot digest``: a chat's digest from the command line, as the chat would get it."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from bot.cli.plain import complain, digest_text
from bot.config import Settings
from bot.messages import Problem
from bot.services.digest_service import DigestService
from bot.services.digests import digest_json
from db.schedules import iso_utc
from db.store import Store


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``digest`` command."""
    parser = commands.add_parser("digest", help="a chat's digest of recent stories")
    parser.add_argument("--chat", type=int, required=True, help="the chat id")
    parser.add_argument(
        "--since",
        metavar="ISO8601",
        help="start of the period (default: the chat's last digest, else 24 hours ago)",
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"items": [...], "since", "until"}'
    )
    parser.set_defaults(handler=digest_command)


def digest_command(args: argparse.Namespace) -> int:
    """Print the digest (the text Telegram would get, as plain text) without marking it sent."""
    since = None
    if args.since:
        try:
            since = iso_utc(_aware(datetime.fromisoformat(args.since)))
        except ValueError:
            complain(Problem.NOT_AN_ISO_TIME, typed=args.since)
            return 2
    store = Store(Settings.from_env(args.db).db_path)
    try:
        digest, zone = DigestService(store).preview(args.chat, since)
        if args.json:
            print(json.dumps(digest_json(digest), ensure_ascii=False))
        else:
            print(digest_text(digest, zone))
    finally:
        store.close()
    return 0


def _aware(moment: datetime) -> datetime:
    """A time without an offset is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
