"""/start, /help, and what to say to messages the bot can't use."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.messages import HELP, NO_TEXT
from bot.messages import unknown_command as unknown_words
from handlers.bot_data import Context
from handlers.render import Block, render, text_reply
from handlers.replying import send


async def help_command(update: Update, context: Context) -> None:
    """/start and /help: what to send, and the commands, with examples."""
    await send(update, context, render([Block(text, style) for text, style in HELP]))


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown command gets a pointer to /help (in groups only when it names this bot)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split()[0]
    name, _, addressee = command.partition("@")
    ours = addressee.lower() == (context.bot.username or "").lower()
    if (addressee and not ours) or (chat.type != ChatType.PRIVATE and not ours):
        return  # another bot's command; in a group, a bare /command may be one too
    await send(update, context, text_reply(unknown_words(name)))


async def unusable_message(update: Update, context: Context) -> None:
    """A photo, sticker, voice message or the like without text: say what the bot can take."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await send(update, context, text_reply(NO_TEXT))
