"""The bot token kept out of every log line."""

from __future__ import annotations

import logging


class TokenFilter(logging.Filter):
    """Replaces the bot token in every log record (message, arguments and traceback): httpx
    and some Telegram errors put request URLs, which hold the token, into their messages."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = "<token>"
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, hidden), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, hidden)
        if record.stack_info and self.token in record.stack_info:
            record.stack_info = record.stack_info.replace(self.token, hidden)
        return True


def install_token_filter(token: str | None) -> None:
    """Redact the token in everything the root logger's handlers write (records from every
    logger reach them; a logger's own filters would miss its children's records)."""
    if not token:
        return
    root = logging.getLogger()
    for target in (root, *root.handlers):
        for old in [f for f in target.filters if isinstance(f, TokenFilter)]:
            target.removeFilter(old)
        target.addFilter(TokenFilter(token))
