"""The one error handler: log the failure, tell the user briefly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with the update's ids and answer the chat briefly."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, SORRY)
    except Exception:  # the chat may be gone or Telegram unreachable; the log has the error
        log.warning("could not tell the chat about the error", exc_info=True)
