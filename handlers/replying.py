"""Sending a core Reply through Telegram, and running core work off the event loop.

Delivery when Telegram or the network fails (``send_message_reliably``):

* 429 Too Many Requests: python-telegram-bot's AIORateLimiter waits ``retry_after`` and
  retries (up to its ``max_retries``) before the error ever reaches us.
* Not delivered for sure (a 5xx answer such as 500 or 502, a connection that could not be
  made, a pool timeout, a connection closed without any answer): retried, a few times with a
  short growing pause. A closed connection is counted here: it is nearly always a kept-alive
  connection the other side had already closed, so the request never got in. (If Telegram did
  take it and only the answer was lost, the user sees the message twice: the rarer harm.)
* Maybe delivered (the request went out and no answer came in time: a read or write
  timeout): not resent, because Telegram usually did post it and a resend would show it
  twice. It is logged as a warning, so a lost reply is never silent: at most once.
* Refused (400, 403, …) or still failing after the retries: the error is logged and raised,
  so the error handler tells the chat.

Edits and callback answers (``ReliableBot``, so every ``query.answer()`` and
``query.edit_message_text()`` in the handlers gets it) follow the same rules with one
difference: they are safe to repeat, so a timeout is retried too. If the first attempt did
arrive, Telegram refuses the repeat ("message is not modified", "query is too old … or query
ID is invalid"), and that refusal counts as done (True). The same refusal at the first attempt
means there is nothing to do (False, not an error): the message already reads so, or the query
was answered or has expired (a button press replayed after a restart, see bot/telegram/app.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.services.stories import StoryService
from handlers.bot_data import Context
from handlers.render import Reply

T = TypeVar("T")

log = logging.getLogger(__name__)

# Pauses before the 2nd, 3rd and 4th attempt at a message that surely did not arrive.
RETRY_PAUSES = (0.5, 1.0, 2.0)
# Failures after which Telegram cannot have posted the message (httpx exceptions behind
# python-telegram-bot's NetworkError / TimedOut).
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,  # "Server disconnected without sending a response"
    httpx.ReadError,  # the connection reset before any answer
)


def surely_not_sent(error: TelegramError) -> bool:
    """Whether Telegram cannot have carried the call out, so trying again is safe."""
    if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        return False  # refused (or 403, 409, a 429 the rate limiter gave up on): don't repeat
    cause = error.__cause__
    if cause is None or isinstance(cause, TelegramError):
        # An HTTP error answer (500, 502, 503 …), in JSON or (a proxy's) unparsable HTML.
        return not isinstance(error, TimedOut)
    return isinstance(cause, _NOT_SENT)


def maybe_sent(error: TelegramError) -> bool:
    """A timeout after the request went out: Telegram may well have posted the message."""
    return isinstance(error, TimedOut) and not surely_not_sent(error)


async def send_message_reliably(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """``bot.send_message``, retried while it surely did not arrive; None when it timed out and
    may or may not have arrived (not resent: see the module notes). Raises what it can't fix."""
    return await with_retries(
        lambda: bot.send_message(chat_id, text, **kwargs),
        doing=f"sending to chat {chat_id}",
        do=f"send to chat {chat_id}",
        detail=text,
    )


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    doing: str,
    do: str,
    detail: str = "",
    nothing_to_do: Callable[[TelegramError], bool] | None = None,
) -> T | bool | None:
    """The call, tried again while it surely did not arrive (see the module notes).

    ``nothing_to_do`` marks a call that is safe to repeat: it is then repeated after a timeout
    too, and it tells which refusal means the call has no effect left to have: True after a
    repeat (an earlier attempt got through), False at the first attempt. Without it, a timeout
    returns None: the call may have been carried out.
    """
    for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
        try:
            return await call()
        except TelegramError as error:
            if nothing_to_do is not None and nothing_to_do(error):
                if attempt > 1:
                    log.info("%s: already done by an earlier attempt (%s)", doing, error)
                    return True
                log.info("%s: nothing to do (%s)", doing, error)
                return False
            if maybe_sent(error) and nothing_to_do is None:
                log.warning(
                    "%s timed out (%s); Telegram may have delivered it, so it is not resent: %.60r",
                    doing,
                    error,
                    detail,
                )
                return None
            repeat = surely_not_sent(error) or (nothing_to_do is not None and maybe_sent(error))
            if pause is None or not repeat:
                log.error("could not %s (attempt %d): %s: %.60r", do, attempt, error, detail)
                raise
            log.warning("%s failed (%s); trying again in %.1f s", doing, error, pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


def not_modified(error: TelegramError) -> bool:
    """Telegram's refusal of an edit that changes nothing: the edit is already there."""
    return isinstance(error, BadRequest) and "message is not modified" in str(error).lower()


def query_answered(error: TelegramError) -> bool:
    """Telegram's refusal of a second answer to a callback query (or of a stale one)."""
    text = str(error).lower()
    return isinstance(error, BadRequest) and (
        "query is too old" in text or "query id is invalid" in text
    )


class ReliableBot(ExtBot):
    """The bot, with edits and callback answers retried like replies (module notes).

    Overriding the Bot methods reaches every caller: ``CallbackQuery.answer`` and
    ``edit_message_text`` call these.
    """

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        """The edited message (or True); False if the message already read so."""
        edit = super().edit_message_text
        where = f"message {kwargs.get('message_id')} in chat {kwargs.get('chat_id')}"
        # With nothing_to_do, a timeout is repeated, never returned as None.
        return await with_retries(
            lambda: edit(*args, **kwargs),
            doing=f"editing {where}",
            do=f"edit {where}",
            detail=str(kwargs.get("text", args[0] if args else "")),
            nothing_to_do=not_modified,
        )

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """True once answered; False if the query was answered before or has expired."""
        answer = super().answer_callback_query
        query_id = kwargs.get("callback_query_id", args[0] if args else "?")
        return await with_retries(
            lambda: answer(*args, **kwargs),
            doing=f"answering callback query {query_id}",
            do=f"answer callback query {query_id}",
            detail=str(kwargs.get("text") or ""),
            nothing_to_do=query_answered,
        )


def service(context: Context) -> StoryService:
    return context.application.bot_data.stories


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def send(
    update: Update,
    context: Context,
    reply: Reply,
    *,
    undo: Callable[[], object] | None = None,
) -> Message | None:
    """Send every message of the reply; the buttons go on the last one. When the reply shows
    one story, its messages' ids are recorded, so a reply to any of them is about that story.

    Each message is retried while it surely did not arrive (see the module notes). ``undo``
    runs when the reply's first message surely did not arrive, before the error is raised:
    for work that only counts if the chat saw the reply (a digest marked as sent).
    """
    chat = update.effective_chat
    if chat is None:
        return None
    source = update.effective_message
    sent: list[Message] = []
    try:
        for index, text in enumerate(reply.messages):
            last = index == len(reply.messages) - 1
            try:
                message = await send_message_reliably(
                    context.bot,
                    chat.id,
                    text,
                    reply_markup=keyboard(reply) if last else None,
                    reply_to_message_id=source.message_id if source and index == 0 else None,
                    allow_sending_without_reply=True,
                    disable_web_page_preview=True,
                )
            except TelegramError:
                if index == 0 and undo is not None:
                    undo()
                raise
            if message is not None:
                sent.append(message)
    finally:
        # The messages that did go out are linked even when a later one failed.
        if reply.about is not None and sent:
            ids = [message.message_id for message in sent]
            await in_thread(service(context).remember_messages, chat.id, ids, reply.about)
    return sent[-1] if sent else None


async def edit(update: Update, context: Context, reply: Reply) -> None:
    """Replace the pressed message's text with the reply's first message (retried like a
    reply: ReliableBot). The message is about the story it shows now, or none."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.message is None:
        return
    await query.edit_message_text(
        reply.messages[0], reply_markup=keyboard(reply), disable_web_page_preview=True
    )
    if chat is not None:
        await in_thread(
            service(context).remember_messages, chat.id, [query.message.message_id], reply.about
        )


# Saving may fetch a link (a slow site holds a thread up to the fetch deadline, 20 s) or
# parse a big page, so it runs on threads of its own: reads and answers, on asyncio's default
# pool, never queue behind it. Each chat's updates run one at a time (PerChatUpdateProcessor),
# so one chat holds at most one of these threads, and a few chats' slow links leave the
# rest to everyone else.
SAVE_THREADS = 8
_SAVES = ThreadPoolExecutor(max_workers=SAVE_THREADS, thread_name_prefix="save")


async def in_worker(update: Update, context: Context, work: Callable[..., T], *args, **kwargs) -> T:
    """Run blocking core work (reads, answers, quick writes) in a thread while the chat shows
    'typing…'."""
    await show_typing(update, context)
    return await asyncio.to_thread(work, *args, **kwargs)


async def in_thread(work: Callable[..., T], *args, **kwargs) -> T:
    """Run a quick store read or write in a thread, so SQLite never blocks the event loop
    (no 'typing…': the answer comes at once)."""
    return await asyncio.to_thread(work, *args, **kwargs)


async def in_save_worker(
    update: Update, context: Context, work: Callable[..., T], *args, **kwargs
) -> T:
    """Run saving work that may fetch a link or parse a page on the saving threads."""
    await show_typing(update, context)
    return await in_save_pool(work, *args, **kwargs)


async def in_save_pool(work: Callable[..., T], *args, **kwargs) -> T:
    """Fetching or heavy parsing on the saving threads (feed polls use it too)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_SAVES, functools.partial(work, *args, **kwargs))


async def show_typing(update: Update, context: Context) -> None:
    """'typing…' in the chat while blocking work runs."""
    chat = update.effective_chat
    if chat is not None:
        # The typing hint is a courtesy: never fail the reply over it.
        with contextlib.suppress(Exception):
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
