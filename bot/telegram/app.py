"""The Telegram application: built from its parts (journal, ordering, gates, token filter,
routes) in one place.
"""

from __future__ import annotations

from telegram import BotCommand
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.messages import COMMANDS
from bot.rate_limits import RateLimiter
from bot.services.stories import StoryService
from bot.telegram.journal import JournaledQueue, JournaledUpdates
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.routes import add_handlers
from bot.telegram.token_filter import install_token_filter
from db.update_journal import UpdateJournal
from handlers import digests
from handlers.bot_data import BotData
from handlers.replying import ReliableBot


def build_application(
    settings: Settings,
    service: StoryService | None = None,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    journal: UpdateJournal | None = None,
) -> Application:
    """An Application with rate limiting, HTML defaults and concurrent updates (in order
    within each chat); with ``journal``, every update received is journaled until handled."""
    journaled = (
        JournaledUpdates(journal, admits=settings.chat_allowed) if journal is not None else None
    )
    builder = (
        ApplicationBuilder()
        .bot(_bot(settings, token, request))
        .concurrent_updates(PerChatUpdateProcessor(journal=journaled))
        .context_types(ContextTypes(bot_data=BotData))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if journaled is not None:
        builder = builder.update_queue(JournaledQueue(journaled))
    application = builder.build()
    shared = application.bot_data
    shared.service = service or StoryService.from_settings(settings)
    shared.settings = settings
    shared.rate_limiter = RateLimiter()
    shared.journal = journaled
    install_token_filter(token or settings.token)
    add_handlers(application)
    return application


def _bot(settings: Settings, token: str | None, request: BaseRequest | None) -> ReliableBot:
    """The bot as ApplicationBuilder would make it (same pools and timeouts), as a
    ReliableBot: edits and callback answers retried (handlers/replying.py)."""
    base = (settings.api_base_url or "https://api.telegram.org/bot").rstrip("/")
    return ReliableBot(
        token=token or settings.token or "",
        base_url=base,
        base_file_url=_file_url(base),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=AIORateLimiter(max_retries=5),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
    )


def _file_url(base_url: str) -> str:
    """``http://host/bot`` → ``http://host/file/bot``, as the Bot API lays out file downloads."""
    head, _, tail = base_url.rpartition("/")
    return f"{head}/file/{tail}"


async def _post_init(application: Application) -> None:
    """Before the first poll: queue the unfinished updates of the last run, then commands
    and digest schedules."""
    journaled: JournaledUpdates | None = application.bot_data.journal
    if journaled is not None:
        await journaled.replay(application)
    await _register_commands(application)


async def _post_shutdown(application: Application) -> None:
    journaled: JournaledUpdates | None = application.bot_data.journal
    if journaled is not None:
        await journaled.close()


async def _register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    # Schedules live in the database; JobQueue does not persist them, so register them anew.
    digests.register_jobs(application)
