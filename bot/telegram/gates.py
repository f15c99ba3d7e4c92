"""The gates every update passes first: the chat allow-list and the per-user rate limit."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
)

from bot.rate_limits import LIGHT_COST, TOO_FAST, RateLimiter
from bot.services.stories import looks_like_question
from handlers.bot_data import Context
from handlers.replying import send_message_reliably


async def only_allowed_chats(update: Update, context: Context) -> None:
    """With STORYBOT_ALLOWED_CHATS set, updates from other chats go no further."""
    settings = context.application.bot_data.settings
    assert settings is not None
    chat = update.effective_chat
    if chat is not None and not settings.chat_allowed(chat.id):
        raise ApplicationHandlerStop


async def rate_limit(update: Update, context: Context) -> None:
    """A user sending too fast is told once, and the rest of the flood is dropped unread."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:  # channel posts: only the channel's admins can post
        return
    limiter: RateLimiter | None = context.application.bot_data.rate_limiter
    cost = update_cost(update)
    verdict = limiter.check((chat.id, user.id), cost) if limiter is not None else "allow"
    if verdict == "allow":
        return
    if verdict == "warn":
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                await update.callback_query.answer(TOO_FAST, show_alert=True)
            else:
                await send_message_reliably(context.bot, chat.id, TOO_FAST)
    raise ApplicationHandlerStop


def update_cost(update: Update) -> float:
    """What an update spends of its sender's rate limit: a story costs one token; a command,
    a question or a button press (quick to answer, and what a person tries the bot with)
    costs LIGHT_COST."""
    if update.callback_query is not None:
        return LIGHT_COST
    message = update.message
    if message is None or message.document is not None or message.forward_origin is not None:
        return 1.0  # an edit, a file, a forward: a story to clean and keep
    text = (message.text or message.caption or "").strip()
    return LIGHT_COST if text.startswith("/") or looks_like_question(text) else 1.0
