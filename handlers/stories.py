"""Stories arriving: pasted or forwarded text, links, files and channel posts."""

from __future__ import annotations

from telegram import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ChatType

from bot.messages import SAVED, file_too_big
from bot.rate_limits import RateLimiter
from bot.services.stories import MAX_DOCUMENT_BYTES
from handlers.bot_data import Context
from handlers.mentions import is_addressed_to_bot, message_text
from handlers.render import file_report, saved_reply, text_reply, updated_reply
from handlers.replying import in_save_worker, in_thread, send, service


def origin_of(message: Message) -> dict[str, object]:
    """Who the story came from: the forward origin, the channel, or the sender."""
    origin = message.forward_origin
    sender = message.from_user
    added_by = str(sender.id) if sender else None
    if isinstance(origin, MessageOriginChannel):
        source = origin.chat.title or origin.chat.username
        return {"source": source, "source_kind": "forward", "added_by": added_by}
    if isinstance(origin, MessageOriginChat):
        return {"source": origin.sender_chat.title, "source_kind": "forward", "added_by": added_by}
    if isinstance(origin, MessageOriginUser):
        return {
            "source": origin.sender_user.full_name,
            "source_kind": "forward",
            "added_by": added_by,
        }
    if isinstance(origin, MessageOriginHiddenUser):
        return {"source": origin.sender_user_name, "source_kind": "forward", "added_by": added_by}
    return {"source_kind": "text", "added_by": added_by}


async def receive_text(update: Update, context: Context) -> None:
    """A text message, or a photo or video with a caption (how channels post news), kept as a
    story (a question went to questions.typed_question first: bot/telegram/routes.py)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not (message.text or message.caption):
        return
    private = chat.type == ChatType.PRIVATE
    addressed = private or is_addressed_to_bot(message, context.bot)
    text = message_text(message, context.bot)
    saved = await in_save_worker(
        update,
        context,
        service(context).save_text,
        chat.id,
        text,
        message_id=message.message_id,
        **origin_of(message),
    )
    if private or addressed:
        await send(update, context, saved_reply(saved))
    elif saved.outcome.added and await in_thread(service(context).says_saved_in_groups, chat.id):
        story = saved.outcome.story
        await send(update, context, text_reply(SAVED, "i", story.id if story else None))


async def receive_document(update: Update, context: Context) -> None:
    """A file: .txt, .md, .html, .json or .jsonl."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.document is None:
        return
    document = message.document
    if document.file_size and document.file_size > MAX_DOCUMENT_BYTES:
        await send(
            update,
            context,
            text_reply(file_too_big(document.file_size, MAX_DOCUMENT_BYTES)),
        )
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    origin = origin_of(message)
    if origin["source_kind"] == "text":  # a file the user sent, not a forwarded one
        origin["source_kind"] = "document"
    # Each record costs the sender what a message would; this message has paid for one.
    limiter: RateLimiter | None = context.application.bot_data.rate_limiter
    sender = update.effective_user
    key = (chat.id, sender.id) if sender is not None else None
    allowance = 1 + limiter.available(key) if limiter is not None and key else None
    results = await in_save_worker(
        update,
        context,
        service(context).save_document,
        chat.id,
        document.file_name or "",
        data,
        max_records=allowance,
        message_id=message.message_id,
        **origin,
    )
    if limiter is not None and key:
        limiter.spend(key, sum(1 for s in results if s.outcome.limit != "rate") - 1)
    for saved in [s for s in results if s.outcome.limit is None][:5]:
        await send(update, context, saved_reply(saved))
    if len(results) > 1:
        await send(update, context, file_report(results))


async def edited_message(update: Update, context: Context) -> None:
    """An edited story message updates its story (edits of anything else are let be)."""
    message = update.edited_message
    chat = update.effective_chat
    if message is None or chat is None or not (message.text or message.caption):
        return
    text = message_text(message, context.bot)
    origin = origin_of(message)
    saved = await in_save_worker(
        update,
        context,
        service(context).update_story_message,
        chat.id,
        message.message_id,
        text,
        **origin,
    )
    if saved is None:
        return
    if saved.outcome.status == "rejected" or chat.type == ChatType.PRIVATE:
        await send(update, context, updated_reply(saved))


async def channel_post(update: Update, context: Context) -> None:
    """A post in a channel the bot administers becomes one of the channel's stories."""
    post = update.channel_post
    if post is None or not (post.text or post.caption):
        return
    await in_save_worker(
        update,
        context,
        service(context).save_text,
        post.chat.id,
        post.text or post.caption or "",
        message_id=post.message_id,
        source=post.chat.title,
        source_kind="channel",
    )


async def edited_channel_post(update: Update, context: Context) -> None:
    """An edited channel post updates the story saved from it."""
    post = update.edited_channel_post
    if post is None or not (post.text or post.caption):
        return
    await in_save_worker(
        update,
        context,
        service(context).update_post,
        post.chat.id,
        post.message_id,
        post.text or post.caption or "",
        source=post.chat.title,
    )
