"""The routing table: the single place where updates meet handlers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.telegram import gates
from handlers import browsing, digests, errors, help, questions, settings, stories, summaries
from handlers.mentions import TYPED_QUESTION
from handlers.private_commands import PrivateChatCommandHandler


def add_handlers(application: Application) -> None:
    """The single place where updates meet handlers."""
    # Group -2 turns away chats off the allow-list before they count against any limit; group
    # -1 then drops a user's flood. (Only one handler runs per group, so they can't share one.)
    application.add_handler(TypeHandler(Update, gates.only_allowed_chats), group=-2)
    application.add_handler(TypeHandler(Update, gates.rate_limit), group=-1)
    commands = {
        "summary": summaries.summary_command,
        "facts": summaries.facts_command,
        "ask": questions.ask_command,
        "list": browsing.list_command,
        "search": browsing.search_command,
        "forget": browsing.forget_command,
        "settings": settings.settings_command,
    }
    application.add_handler(PrivateChatCommandHandler(["start", "help"], help.help_command))
    for name, callback in commands.items():
        application.add_handler(PrivateChatCommandHandler(name, callback))
    # Digest commands also work when posted in a channel the bot administers.
    in_chats_and_channels = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POST
    channel_commands = {
        "digest": digests.digest_command,
        "follow": digests.follow_command,
        "unfollow": digests.unfollow_command,
        "feeds": digests.feeds_command,
    }
    for name, callback in channel_commands.items():
        application.add_handler(
            PrivateChatCommandHandler(name, callback, filters=in_chats_and_channels)
        )
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
    typed = messages & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    # A question is answered (or, in a group, left be when it isn't for the bot); only the
    # first handler that matches runs, so it is never also kept as a story.
    application.add_handler(MessageHandler(typed & TYPED_QUESTION, questions.typed_question))
    application.add_handler(MessageHandler(typed, stories.receive_text))
    application.add_handler(MessageHandler(messages & filters.COMMAND, help.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, stories.edited_message)
    )
    # Media without text and nothing else: service messages (members joining…) need no answer.
    application.add_handler(
        MessageHandler(
            messages & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL,
            help.unusable_message,
        )
    )
    application.add_error_handler(errors.report_error)
