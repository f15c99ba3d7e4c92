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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.replies import Reply
from bot.services import StoryService

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
    for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
        try:
            return await bot.send_message(chat_id, text, **kwargs)
        except TelegramError as error:
            if maybe_sent(error):
                log.warning(
                    "sending to chat %s timed out (%s); Telegram may have delivered it, so it "
                    "is not resent: %.60r",
                    chat_id,
                    error,
                    text,
                )
                return None
            if pause is None or not surely_not_sent(error):
                log.error(
                    "could not send to chat %s (attempt %d): %s: %.60r",
                    chat_id,
                    attempt,
                    error,
                    text,
                )
                raise
            log.warning(
                "sending to chat %s failed (%s); trying again in %.1f s", chat_id, error, pause
            )
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


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


async def send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    reply: Reply,
    *,
    undo: Callable[[], object] | None = None,
) -> Message | None:
    """Send every message of the reply; the buttons go on the last one.

    Each message is retried while it surely did not arrive (see the module notes). ``undo``
    runs when the reply's first message surely did not arrive, before the error is raised:
    for work that only counts if the chat saw the reply (a digest marked as sent).
    """
    chat = update.effective_chat
    if chat is None:
        return None
    source = update.effective_message
    sent: Message | None = None
    for index, text in enumerate(reply.messages):
        last = index == len(reply.messages) - 1
        try:
            sent = await send_message_reliably(
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
