"""The Telegram application: every handler wired in one place."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
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
from bot.services import StoryService
from handlers import browsing, errors, help, questions, stories, summaries


def build_application(
    settings: Settings,
    service: StoryService | None = None,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
) -> Application:
    """An Application with rate limiting, HTML defaults and concurrent updates."""
    builder = (
        ApplicationBuilder()
        .token(token or settings.token or "")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=5))
        .concurrent_updates(True)
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
    add_handlers(application)
    return application


def _file_url(base_url: str) -> str:
    """``http://host/bot`` → ``http://host/file/bot``, as the Bot API lays out file downloads."""
    head, _, tail = base_url.rpartition("/")
    return f"{head}/file/{tail}"


async def _register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in help.COMMANDS])


async def _only_allowed_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With STORYBOT_ALLOWED_CHATS set, updates from other chats go no further."""
    settings: Settings = context.application.bot_data["settings"]
    chat = update.effective_chat
    if chat is not None and not settings.chat_allowed(chat.id):
        raise ApplicationHandlerStop


def add_handlers(application: Application) -> None:
    """The single place where updates meet handlers."""
    application.add_handler(TypeHandler(Update, _only_allowed_chats), group=-1)
    commands = {
        "start": help.start,
        "help": help.help_command,
        "summary": summaries.summary_command,
        "facts": summaries.facts_command,
        "ask": questions.ask_command,
        "list": browsing.list_command,
        "search": browsing.search_command,
        "forget": browsing.forget_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
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
