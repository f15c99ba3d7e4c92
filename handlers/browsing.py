"""/list, /search and /forget, with their buttons."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot.messages import (
    ADMINS_ONLY,
    CANCEL,
    CANCELLED,
    DELETE,
    DELETED,
    FORGET_USAGE,
    LIST_USAGE,
    NOT_IN_THIS_CHAT,
    NOT_YOURS,
    NOTHING_DELETED,
    SEARCH_USAGE,
    STALE_BUTTON,
    delete_all_button,
    delete_all_question,
    delete_story_question,
    deleted_stories,
    matching_stories,
    no_match,
)
from bot.services.stories import Story, parse_story_id
from handlers.bot_data import Context
from handlers.permissions import is_admin
from handlers.render import Block, Button, render, story_page_reply, text_reply
from handlers.replied_story import replied_story_id
from handlers.replying import edit, in_thread, in_worker, send, service
from handlers.story_args import parse_page


async def may_delete(update: Update, context: Context, story: Story) -> bool:
    """Private chats: yes. Groups and channels: the chat's admins, and the story's own sender
    (a group is shared, so one member must not wipe what others saved)."""
    chat = update.effective_chat
    user = update.effective_user
    message = update.message or update.channel_post
    if chat is not None and chat.type != ChatType.PRIVATE:
        if update.callback_query is None and message is not None and message.sender_chat:
            # Posted as the chat itself: a channel's post, or a group's anonymous admin.
            return message.sender_chat.id == chat.id
        if user is not None and story.added_by == str(user.id):
            return True
    return await is_admin(update, context)  # no chat: no; a private chat: its one user


def button_was_offered(update: Update) -> bool:
    """Whether the pressed button is one the bot shows under that message now. Telegram
    passes on any callback data a client sends, so a forged delok:ID (or a press of a
    confirmation that was since answered and edited away) must not act."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return False
    return any(
        button.callback_data == query.data
        for row in message.reply_markup.inline_keyboard
        for button in row
    )


async def list_command(update: Update, context: Context) -> None:
    """/list [page]: the stories kept here, newest first, a page at a time."""
    chat = update.effective_chat
    if chat is None:
        return
    page_index = parse_page(context.args or [])
    if page_index is None:
        await send(update, context, text_reply(LIST_USAGE))
        return
    page = await in_worker(update, context, service(context).page_of_stories, chat.id, page_index)
    await send(update, context, story_page_reply(page, asked=page_index))


async def list_button(update: Update, context: Context) -> None:
    """‹ Newer / Older ›: another page of /list."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    page = await in_worker(
        update,
        context,
        service(context).page_of_stories,
        chat.id,
        int(query.data.partition(":")[2]),
    )
    await query.answer()
    await edit(update, context, story_page_reply(page))


async def search_command(update: Update, context: Context) -> None:
    """/search words: stories that match, best first."""
    chat = update.effective_chat
    words = " ".join(context.args or []).strip()
    if chat is None:
        return
    if not words:
        await send(update, context, text_reply(SEARCH_USAGE))
        return
    found = await in_worker(update, context, service(context).search, chat.id, words)
    if not found:
        await send(update, context, text_reply(no_match(words)))
        return
    blocks = [Block(matching_stories(len(found)), "b")]
    blocks += [Block(f"#{s.id} {s.title}") for s in found]
    await send(update, context, render(blocks))


async def forget_command(update: Update, context: Context) -> None:
    """/forget [ID | all]: delete a story, or all of them, after a confirmation button."""
    chat = update.effective_chat
    if chat is None:
        return
    argument = " ".join(context.args or []).strip().lower()
    if argument == "all":
        if not await is_admin(update, context):
            await send(update, context, text_reply(ADMINS_ONLY))
            return
        count = await in_thread(service(context).count, chat.id)
        confirm = [[Button(delete_all_button(count), "delall:yes"), Button(CANCEL, "cancel:0")]]
        await send(
            update,
            context,
            render([Block(delete_all_question(count))], confirm),
        )
        return
    # Not int(): '²' passes isdigit() and a 30-digit id overflows SQLite; 0 is no story.
    story_id = parse_story_id(argument) or await replied_story_id(update, context)
    if story_id is None:
        await send(update, context, text_reply(FORGET_USAGE))
        return
    await ask_to_delete(update, context, story_id)


async def ask_to_delete(update: Update, context: Context, story_id: int) -> None:
    """Ask whether to delete the story (Delete / Cancel buttons), or say it isn't here."""
    chat = update.effective_chat
    assert chat is not None
    story = await in_thread(service(context).story, chat.id, story_id)
    if story is None:
        await send(update, context, text_reply(NOT_IN_THIS_CHAT))
        return
    if not await may_delete(update, context, story):
        await send(update, context, text_reply(NOT_YOURS))
        return
    confirm = [[Button(DELETE, f"delok:{story.id}"), Button(CANCEL, "cancel:0")]]
    await send(
        update,
        context,
        render([Block(delete_story_question(story.id, story.title))], confirm, story.id),
    )


async def delete_button(update: Update, context: Context) -> None:
    """Delete (under a story): ask for confirmation first."""
    query = update.callback_query
    if query is None or not query.data:
        return
    await query.answer()
    await ask_to_delete(update, context, parse_story_id(query.data.partition(":")[2]) or 0)


async def confirm_delete_button(update: Update, context: Context) -> None:
    """The confirmation: delete one story (delok:ID) or all (delall:yes), then cancel buttons."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    action, _, value = query.data.partition(":")
    if not button_was_offered(update):
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    if action == "cancel":
        await query.answer(CANCELLED)
        await edit(update, context, text_reply(NOTHING_DELETED))
        return
    if action == "delall":
        if not await is_admin(update, context):
            await query.answer(ADMINS_ONLY, show_alert=True)
            return
        count = await in_worker(update, context, service(context).forget_all, chat.id)
        await query.answer()
        await edit(update, context, text_reply(deleted_stories(count)))
        return
    story_id = parse_story_id(value) or 0  # 0 names no story: NOT_IN_THIS_CHAT
    story = await in_thread(service(context).story, chat.id, story_id)
    # Asked again on the press: whoever confirms may not be who asked.
    if story is not None and not await may_delete(update, context, story):
        await query.answer(NOT_YOURS, show_alert=True)
        return
    deleted = await in_worker(update, context, service(context).forget, chat.id, story_id)
    await query.answer()
    await edit(update, context, text_reply(DELETED if deleted else NOT_IN_THIS_CHAT))
