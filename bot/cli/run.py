"""``storybot run``: the Telegram bot, polling or behind a webhook."""

from __future__ import annotations

import argparse
import logging
import sys

from telegram import Update

from bot.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument("--webhook", metavar="URL", help="receive updates at this public URL")
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    run.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    from bot.telegram_app import build_application

    settings = Settings.from_env(args.db)
    if not settings.token:
        print(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather (see the README), "
            "or try the bot locally with: storybot chat",
            file=sys.stderr,
        )
        return 2
    logging.getLogger().setLevel(logging.INFO)
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(settings)
    from bot.answers import warm_up

    # Load the language models before the first update, so no user waits for them.
    warm_up()
    if args.webhook:
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            webhook_url=args.webhook,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
