"""/settings: default summary length, time zone and the group 'saved' reaction."""

from __future__ import annotations

from telegram import Update

from bot.messages import ADMINS_ONLY, SETTINGS_HEADING
from bot.services.settings import SETTINGS_USAGE
from handlers.bot_data import Context
from handlers.permissions import is_admin
from handlers.render import Block, render, text_reply
from handlers.replying import in_worker, send


async def settings_command(update: Update, context: Context) -> None:
    """/settings [name value]: show the chat's settings, or change one (admins in groups)."""
    chat = update.effective_chat
    if chat is None:
        return
    chat_settings = context.application.bot_data.chat_settings
    args = context.args or []
    if not args:
        current = await in_worker(update, context, chat_settings.describe, chat.id)
        await send(
            update,
            context,
            render([Block(SETTINGS_HEADING, "b"), Block(current), Block(SETTINGS_USAGE, "i")]),
        )
        return
    if len(args) < 2:
        await send(update, context, text_reply(SETTINGS_USAGE))
        return
    if not await is_admin(update, context):
        await send(update, context, text_reply(ADMINS_ONLY))
        return
    value = " ".join(args[1:])
    result = await in_worker(update, context, chat_settings.change, chat.id, args[0], value)
    await send(update, context, text_reply(result.message))
