"""``storybot chat``: the local terminal chat, through the same handlers as Telegram."""

from __future__ import annotations

import argparse
import logging
import os

from bot.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``chat`` command."""
    chat = commands.add_parser("chat", help="talk to the bot in this terminal (no Telegram needed)")
    chat.set_defaults(handler=chat_command)


def chat_command(args: argparse.Namespace) -> int:
    """Open the local chat."""
    from bot.telegram.local_chat import run_local_chat

    # The terminal is the conversation: errors go to a log file, not between the messages.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    # In the current folder unless $STORYBOT_CHAT_LOG names another file.
    log_file = os.environ.get("STORYBOT_CHAT_LOG") or "storybot-chat.log"
    logging.basicConfig(filename=log_file, level=logging.WARNING)
    run_local_chat(Settings.from_env(args.db))
    return 0
