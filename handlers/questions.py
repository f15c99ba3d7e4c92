"""Questions: plain questions in private chats, addressed questions in groups, and /ask."""

from __future__ import annotations

import re

from telegram import Bot, Message, Update

from handlers.bot_data import Context
from handlers.render import answer_reply, text_reply
from handlers.replied_story import replied_story_id
from handlers.replying import in_worker, send, service

ASK_USAGE = "Usage: /ask question — for example: /ask Who signed the joint statement?"


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


async def answer_question(update: Update, context: Context, question: str) -> None:
    """Answer from this chat's stories; a reply to a story covers that story only."""
    chat = update.effective_chat
    if chat is None:
        return
    story_id = await replied_story_id(update, context)
    result = await in_worker(update, context, service(context).answer, chat.id, question, story_id)
    await send(update, context, answer_reply(result))


async def ask_command(update: Update, context: Context) -> None:
    """/ask question: answer a question about the stories kept here."""
    question = " ".join(context.args or []).strip()
    if not question:
        await send(update, context, text_reply(ASK_USAGE))
        return
    await answer_question(update, context, question)
