"""The story a message replies to: the story's own message, or the bot's message about it
(known by its message id, recorded when it was sent: handlers/replying.py)."""

from __future__ import annotations

from telegram import Update

from handlers.bot_data import Context
from handlers.replying import in_thread, service


async def replied_story_id(update: Update, context: Context) -> int | None:
    """The story a message replies to: the story's own message, or the bot's reply about it."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return None
    return await in_thread(
        service(context).replied_story, chat.id, message.reply_to_message.message_id
    )
