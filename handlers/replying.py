"""Sending a core Reply through Telegram, and running core work off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.replies import Reply
from bot.services import StoryService

T = TypeVar("T")


def service(context: ContextTypes.DEFAULT_TYPE) -> StoryService:
    return context.application.bot_data["service"]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> Message | None:
    """Send every message of the reply; the buttons go on the last one."""
    chat = update.effective_chat
    if chat is None:
        return None
    source = update.effective_message
    sent: Message | None = None
    for index, text in enumerate(reply.messages):
        last = index == len(reply.messages) - 1
        sent = await context.bot.send_message(
            chat.id,
            text,
            reply_markup=keyboard(reply) if last else None,
            reply_to_message_id=source.message_id if source and index == 0 else None,
            allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )
    return sent


async def edit(update: Update, reply: Reply) -> None:
    """Replace the pressed message's text with the reply's first message."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.edit_message_text(
        reply.messages[0], reply_markup=keyboard(reply), disable_web_page_preview=True
    )


async def in_worker(
    update: Update, context: ContextTypes.DEFAULT_TYPE, work: Callable[..., T], *args, **kwargs
) -> T:
    """Run blocking core work in a thread while the chat shows 'typing…'."""
    chat = update.effective_chat
    if chat is not None:
        # The typing hint is a courtesy: never fail the reply over it.
        with contextlib.suppress(Exception):
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    return await asyncio.to_thread(work, *args, **kwargs)
