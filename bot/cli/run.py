"""``storybot run``: the Telegram bot, polling or behind a webhook."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import Update

from bot.cli.plain import complain
from bot.config import Settings
from bot.messages import Problem
from db.migrations import LATEST_VERSION
from db.store import Store
from db.update_journal import UpdateJournal

if TYPE_CHECKING:
    from bot.services.stories import StoryService

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument("--webhook", metavar="URL", help="receive updates at this public URL")
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    run.set_defaults(handler=run_command)


def open_service(settings: Settings) -> StoryService:
    """The service over the database; read-only, with a clear log line, when the file can't
    be written (a restart loop would not fix that: the admin has to)."""
    from bot.services.stories import StoryService
    from db.storage_trouble import storage_trouble

    service: StoryService | None = None
    try:
        service = StoryService.from_settings(settings)  # migrates: fails on a read-only file
        probe_write(service.store)  # one already at the latest version needs no migration
        return service
    except sqlite3.OperationalError as error:
        if storage_trouble(error) != "read-only" and not unwritable(settings.db_path):
            raise
        if service is not None:
            service.store.close()
        log.error(
            "STORAGE READ-ONLY: can't write to the database %s (%s); running read-only: "
            "stories can be listed, searched and asked about, but not saved, until the admin "
            "makes it writable and restarts the bot",
            settings.db_path,
            error,
        )
    store = Store(settings.db_path, read_only=True)
    version = store.schema_version()
    if version < LATEST_VERSION:
        log.warning(
            "the read-only database is at schema version %d, not %d: what needs the newer "
            "schema fails",
            version,
            LATEST_VERSION,
        )
    return StoryService(store, settings)


def unwritable(path: str) -> bool:
    """Whether an existing database can be read but not written here: the file, or the
    folder that must take its -wal and -shm files, is read-only (a read-only mount, modes,
    the immutable attribute). SQLite says only "unable to open database file" then."""
    file = Path(path)
    if not file.is_file() or not os.access(file, os.R_OK):
        return False
    return not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK)


def probe_write(store: Store) -> None:
    """Write the schema version back as it is: the smallest write, refused by a read-only
    file (opening one needs no write when there is nothing to migrate)."""
    store.probe_write()


def open_journal(store: Store) -> UpdateJournal | None:
    """The update journal on the bot's database, or None (with a log line) if it can't be
    written: updates are then handled as they come, and a crash loses those not handled."""
    if store.read_only or store.path == ":memory:":
        log.warning("update journal off: the database is not writable")
        return None
    return UpdateJournal.open(store.path)


def run_command(args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    from bot.telegram.app import build_application

    settings = Settings.from_env(args.db)
    if not settings.token:
        complain(Problem.NO_TOKEN)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    service = open_service(settings)
    application = build_application(settings, service, journal=open_journal(service.store))
    from bot.nlp.answers import warm_up
    from bot.nlp.languages import detect

    # Load the language models before the first update, so no user waits for them.
    warm_up()
    detect("The language detector loads its model on first use.")
    # The pool's workers (STORYBOT_NLP_WORKERS) start now and load spaCy and the answer model
    # each, so the first story or question does not wait for them (a pool that can't start
    # is logged, and the work runs in this process).
    service.pool.start()
    if args.webhook:
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            # Served at the public URL's path, so a proxy can pass requests through unchanged.
            url_path=urlsplit(args.webhook).path.strip("/"),
            webhook_url=args.webhook,
            allowed_updates=Update.ALL_TYPES,
            # Telegram sends it back in a header on every update; PTB turns away requests
            # without it, so nobody who merely finds the URL can feed the bot updates.
            secret_token=secrets.token_urlsafe(32),
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
