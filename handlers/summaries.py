"""/summary and /facts, and the Shorter, Longer and Facts buttons under a story."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.replies import facts_reply, summary_reply, text_reply
from bot.services import parse_length, parse_story_id
from bot.summaries import longer, shorter
from handlers.questions import replied_story_id
from handlers.replying import edit, in_worker, send, service

SUMMARY_USAGE = (
    "Usage: /summary [N | Nw] — N sentences (1–50) or N words (5–1000), for the latest story "
    "or the story you reply to. Example: /summary 2 or /summary 60w"
)
NO_STORY = "There are no stories here yet. Send me an article, a link or a file first."
NOT_HERE = "That story isn't in this chat (it may have been deleted)."


async def summary_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/summary [N | Nw]: summarize the latest story, or the one replied to."""
    chat = update.effective_chat
    if chat is None:
        return
    length = None
    if context.args:
        length = parse_length(" ".join(context.args))
        if length is None:
            await send(update, context, text_reply(SUMMARY_USAGE))
            return
    story_id = replied_story_id(update, context)
    result = await in_worker(update, context, service(context).summary, chat.id, story_id, length)
    await send(update, context, summary_reply(result) if result else text_reply(NO_STORY))


async def facts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/facts: who, what, when and where of the latest story, or the one replied to."""
    chat = update.effective_chat
    if chat is None:
        return
    story_id = replied_story_id(update, context)
    result = await in_worker(update, context, service(context).facts, chat.id, story_id)
    await send(update, context, facts_reply(result) if result else text_reply(NO_STORY))


async def resize_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shorter / Longer: the same story's summary one step shorter or longer."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    action, _, raw_id = query.data.partition(":")
    current = context.chat_data.get(("length", raw_id)) or service(context).default_length(chat.id)
    length = shorter(current) if action == "short" else longer(current)
    result = await in_worker(
        update, context, service(context).summary, chat.id, parse_story_id(raw_id) or 0, length
    )
    if result is None:
        await query.answer(NOT_HERE, show_alert=True)
        return
    context.chat_data[("length", raw_id)] = length
    await query.answer()
    await edit(update, summary_reply(result))


async def facts_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Facts: who, what, when and where of the story under the button."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    story_id = parse_story_id(query.data.partition(":")[2]) or 0  # 0 names no story
    result = await in_worker(update, context, service(context).facts, chat.id, story_id)
    if result is None:
        await query.answer(NOT_HERE, show_alert=True)
        return
    await query.answer()
    await send(update, context, facts_reply(result))
