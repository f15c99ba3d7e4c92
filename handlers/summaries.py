"""/summary and /facts, and the Shorter, Longer and Facts buttons under a story."""

from __future__ import annotations

from telegram import Update

from bot.messages import FACTS_USAGE, NO_STORIES_YET, NOT_IN_THIS_CHAT, SUMMARY_USAGE
from bot.messages import no_such_story as no_story_numbered
from bot.services.stories import longer, parse_story_id, shorter
from handlers.bot_data import Context
from handlers.render import facts_reply, summary_reply, text_reply
from handlers.replied_story import replied_story_id
from handlers.replying import edit, in_thread, in_worker, send, service
from handlers.story_args import parse_facts_args, parse_summary_args


def no_such_story(typed_id: int | None, replied_id: int | None) -> str:
    """Why nothing was found: no story with the number typed, the replied-to story is gone
    (its number is not repeated: it may be another chat's, quoted), or no stories at all."""
    if typed_id is not None:
        return no_story_numbered(typed_id)
    return NOT_IN_THIS_CHAT if replied_id is not None else NO_STORIES_YET


async def summary_command(update: Update, context: Context) -> None:
    """/summary [#ID] [N | Nw]: summarize story #ID, the one replied to, or the latest."""
    chat = update.effective_chat
    if chat is None:
        return
    args = parse_summary_args(context.args or [])
    if args is None:
        await send(update, context, text_reply(SUMMARY_USAGE))
        return
    replied = await replied_story_id(update, context)
    story_id = args.story_id or replied
    result = await in_worker(
        update, context, service(context).summary, chat.id, story_id, args.length
    )
    reply = summary_reply(result) if result else text_reply(no_such_story(args.story_id, replied))
    await send(update, context, reply)


async def facts_command(update: Update, context: Context) -> None:
    """/facts [ID]: who, what, when and where of story ID, the one replied to, or the latest."""
    chat = update.effective_chat
    if chat is None:
        return
    args = parse_facts_args(context.args or [])
    if args is None:
        await send(update, context, text_reply(FACTS_USAGE))
        return
    replied = await replied_story_id(update, context)
    story_id = args.story_id or replied
    result = await in_worker(update, context, service(context).facts, chat.id, story_id)
    await send(
        update,
        context,
        facts_reply(result) if result else text_reply(no_such_story(args.story_id, replied)),
    )


async def resize_button(update: Update, context: Context) -> None:
    """Shorter / Longer: the same story's summary one step shorter or longer."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    action, _, raw_id = query.data.partition(":")
    current = context.chat_data.get(("length", raw_id)) or await in_thread(
        service(context).default_length, chat.id
    )
    length = shorter(current) if action == "short" else longer(current)
    result = await in_worker(
        update, context, service(context).summary, chat.id, parse_story_id(raw_id) or 0, length
    )
    if result is None:
        await query.answer(NOT_IN_THIS_CHAT, show_alert=True)
        return
    context.chat_data[("length", raw_id)] = length
    await query.answer()
    await edit(update, context, summary_reply(result))


async def facts_button(update: Update, context: Context) -> None:
    """Facts: who, what, when and where of the story under the button."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    story_id = parse_story_id(query.data.partition(":")[2]) or 0  # 0 names no story
    result = await in_worker(update, context, service(context).facts, chat.id, story_id)
    if result is None:
        await query.answer(NOT_IN_THIS_CHAT, show_alert=True)
        return
    await query.answer()
    await send(update, context, facts_reply(result))
