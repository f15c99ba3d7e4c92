"""Who a message is for, and whether it asks a question: the bot's @mention, a reply to the
bot, and the filter that routes typed questions to the question handler (bot/telegram/routes.py)
before anything else reads the text as a story."""

from __future__ import annotations

import re

from telegram import Bot, Message
from telegram.ext import filters

from bot.services.stories import looks_like_question


def is_addressed_to_bot(message: Message, bot: Bot) -> bool:
    """In a group: the message mentions the bot or replies to one of its messages."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    username = bot.username
    text = message.text or message.caption or ""
    return bool(username) and f"@{username}".lower() in text.lower()


def strip_mention(text: str, username: str | None) -> str:
    """The text without the bot's @username mention (any case), trimmed."""
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def message_text(message: Message, bot: Bot) -> str:
    """The message's text or caption, without the bot's @mention."""
    return strip_mention(message.text or message.caption or "", bot.username)


class _TypedQuestion(filters.MessageFilter):
    """A message of the user's own (not forwarded) whose text reads as a question."""

    def filter(self, message: Message) -> bool:
        if message.forward_origin is not None:
            return False  # a forwarded text is news passed on, even when it ends in '?'
        return looks_like_question(message_text(message, message.get_bot()))


TYPED_QUESTION = _TypedQuestion(name="TYPED_QUESTION")
