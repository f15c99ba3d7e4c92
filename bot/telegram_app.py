"""The Telegram application: every handler wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.rate_limits import TOO_FAST, RateLimiter
from bot.services import StoryService
from handlers import browsing, digests, errors, help, questions, settings, stories, summaries


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are handled concurrently; one chat's updates one at a time, in order.

    ``concurrent_updates(True)`` runs every update at once, so a quick /list could be answered
    before the story sent just before it. Here each chat has a FIFO lock (updates reach it in
    the order they arrived, and asyncio.Lock wakes waiters in order), and only the update at
    the head of each chat's queue takes one of the ``max_running`` slots, so a chat sending a
    flood can't hold up the others. PTB's own limit is set high: waiting updates cost memory
    only.
    """

    def __init__(self, max_running: int = 256, max_waiting: int = 65_536) -> None:
        super().__init__(max_waiting)
        self._max_running = max_running
        self._running = asyncio.BoundedSemaphore(max_running)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_users[key] = self._chat_users.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._chat_users[key] -= 1
            if not self._chat_users[key]:
                del self._chat_users[key], self._chat_locks[key]

    async def initialize(self) -> None:
        # A fresh semaphore for this event loop (an application may be run more than once).
        self._running = asyncio.BoundedSemaphore(self._max_running)

    async def shutdown(self) -> None:
        return None


def _chat_key(update: object) -> int | None:
    """The chat an update belongs to (the user's id for chat-less updates), if any."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def build_application(
    settings: Settings,
    service: StoryService | None = None,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
) -> Application:
    """An Application with rate limiting, HTML defaults and concurrent updates (in order
    within each chat)."""
    builder = (
        ApplicationBuilder()
        .token(token or settings.token or "")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=5))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_register_commands)
    )
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(_file_url(base))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data["service"] = service or StoryService.from_settings(settings)
    application.bot_data["settings"] = settings
    application.bot_data["rate_limiter"] = RateLimiter()
    install_token_filter(token or settings.token)
    add_handlers(application)
    return application


def _file_url(base_url: str) -> str:
    """``http://host/bot`` → ``http://host/file/bot``, as the Bot API lays out file downloads."""
    head, _, tail = base_url.rpartition("/")
    return f"{head}/file/{tail}"


async def _register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in help.COMMANDS])
    # Schedules live in the database; JobQueue does not persist them, so register them anew.
    digests.register_jobs(application)


async def _only_allowed_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With STORYBOT_ALLOWED_CHATS set, updates from other chats go no further."""
    settings: Settings = context.application.bot_data["settings"]
    chat = update.effective_chat
    if chat is not None and not settings.chat_allowed(chat.id):
        raise ApplicationHandlerStop


async def _rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A user sending too fast is told once, and the rest of the flood is dropped unread."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:  # channel posts: only the channel's admins can post
        return
    limiter: RateLimiter | None = context.application.bot_data.get("rate_limiter")
    verdict = limiter.check((chat.id, user.id)) if limiter is not None else "allow"
    if verdict == "allow":
        return
    if verdict == "warn":
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                await update.callback_query.answer(TOO_FAST, show_alert=True)
            else:
                await context.bot.send_message(chat.id, TOO_FAST)
    raise ApplicationHandlerStop


class TokenFilter(logging.Filter):
    """Replaces the bot token in every log record (message, arguments and traceback): httpx
    and some Telegram errors put request URLs, which hold the token, into their messages."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = "<token>"
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, hidden), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, hidden)
        if record.stack_info and self.token in record.stack_info:
            record.stack_info = record.stack_info.replace(self.token, hidden)
        return True


def install_token_filter(token: str | None) -> None:
    """Redact the token in everything the root logger's handlers write (records from every
    logger reach them; a logger's own filters would miss its children's records)."""
    if not token:
        return
    root = logging.getLogger()
    for target in (root, *root.handlers):
        for old in [f for f in target.filters if isinstance(f, TokenFilter)]:
            target.removeFilter(old)
        target.addFilter(TokenFilter(token))


def add_handlers(application: Application) -> None:
    """The single place where updates meet handlers."""
    # Group -2 turns away chats off the allow-list before they count against any limit; group
    # -1 then drops a user's flood. (Only one handler runs per group, so they can't share one.)
    application.add_handler(TypeHandler(Update, _only_allowed_chats), group=-2)
    application.add_handler(TypeHandler(Update, _rate_limit), group=-1)
    commands = {
        "start": help.start,
        "help": help.help_command,
        "summary": summaries.summary_command,
        "facts": summaries.facts_command,
        "ask": questions.ask_command,
        "list": browsing.list_command,
        "search": browsing.search_command,
        "forget": browsing.forget_command,
        "settings": settings.settings_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    # Digest commands also work when posted in a channel the bot administers.
    in_chats_and_channels = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POST
    channel_commands = {
        "digest": digests.digest_command,
        "follow": digests.follow_command,
        "unfollow": digests.unfollow_command,
        "feeds": digests.feeds_command,
    }
    for name, callback in channel_commands.items():
        application.add_handler(CommandHandler(name, callback, filters=in_chats_and_channels))
    buttons = {
        r"^(short|long):\d+$": summaries.resize_button,
        r"^facts:\d+$": summaries.facts_button,
        r"^del:\d+$": browsing.delete_button,
        r"^(delok:\d+|delall:yes|cancel:0)$": browsing.confirm_delete_button,
        r"^list:\d+$": browsing.list_button,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, stories.channel_post))
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_CHANNEL_POST, stories.edited_channel_post)
    )
    messages = filters.UpdateType.MESSAGE
    application.add_handler(
        MessageHandler(messages & filters.Document.ALL, stories.receive_document)
    )
    application.add_handler(
        MessageHandler(messages & filters.TEXT & ~filters.COMMAND, stories.receive_text)
    )
    application.add_error_handler(errors.report_error)
