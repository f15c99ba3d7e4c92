"""The one error handler: log the failure, tell the user briefly, never show a traceback.

A database that can't be written (the disk is full, or the file or its folder is read-only)
gets its own log line and its own short reply, since retrying won't help until the admin
acts. Nothing half-written remains: every story is saved in one transaction, which SQLite
rolls back when a write fails. A database already unwritable at start-up makes ``storybot run``
run read-only (bot/cli/run.py), so users get the same reply instead of a bot in a crash loop.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot.messages import SORRY, STORAGE_TROUBLE
from bot.services.stories import storage_trouble
from handlers.bot_data import Context
from handlers.replying import send_message_reliably

log = logging.getLogger(__name__)


async def report_error(update: object, context: Context) -> None:
    """Log the error with the update's ids and answer the chat briefly."""
    state = storage_trouble(context.error)
    if state is not None:
        service = context.application.bot_data.service
        path = getattr(getattr(service, "store", None), "path", "?")
        log.error(
            "STORAGE %s: can't write to the database %s (%s); stories are not being saved "
            "until the admin frees space or makes it writable",
            state.upper(),
            path,
            context.error,
        )
    elif update is None:  # python-telegram-bot reports failed polls (and jobs) this way
        log.error(
            "error outside any update (polling for updates, or a job)", exc_info=context.error
        )
    else:
        log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = STORAGE_TROUBLE.format(state=state) if state else SORRY
    try:
        if update.callback_query is not None and await _alert(update, text):
            return
        source = update.effective_message
        await send_message_reliably(
            context.bot,
            update.effective_chat.id,
            text,
            # A reply, so in a busy group the user sees which message it is about.
            reply_to_message_id=source.message_id if source and not update.callback_query else None,
            allow_sending_without_reply=True,
        )
    except Exception:  # the chat may be gone or Telegram unreachable; the log has the error
        log.warning("could not tell the chat about the error", exc_info=True)


async def _alert(update: Update, text: str) -> bool:
    """Tell the user who pressed a button, in an alert; False if that can't be done (the
    handler had already answered the query, as most do before their work), so the caller
    sends a message instead."""
    try:
        return await update.callback_query.answer(text[:200], show_alert=True) is not False
    except BadRequest:
        return False
