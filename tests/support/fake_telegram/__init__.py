"""A fake Telegram Bot API server on 127.0.0.1, for driving the real bot process end to end.

It answers the way https://core.telegram.org/bots/api documents: every reply is
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": …}``; dates
are Unix seconds; methods that "return True on success" return ``true``; edit methods return
the edited Message. Requests may be JSON, form-encoded or multipart (python-telegram-bot sends
form-encoded fields whose nested values are JSON strings), by GET or POST, to
``/bot<TOKEN>/<method>``; files download from ``/file/bot<TOKEN>/<file_path>``.

Usage::

    with FakeTelegram() as server:        # then point the bot at server.base_url
        alice = server.user(1, "Alice")
        chat = server.private_chat(alice)
        sent = server.user_sends_text(chat, alice, "/start")
        [reply] = server.wait_for_messages(chat["id"], 1, timeout=10)

Every bot call is recorded (``server.calls``) with its parameters, status and answer, so tests
assert on what the bot did. The server is strict where Telegram is: sendMessage text must be
1–4096 characters after entity parsing, HTML may only use Telegram's tags, balanced, callback
data must be 1–64 bytes, an edit that changes nothing is refused, a callback query can be
answered once.

The package is split at its seams, and everything is importable from here as before:
``protocol`` (Bot API JSON, limits, error answers, a recorded call), ``html_rules`` (Telegram's
HTML), ``request_parsing`` (request bodies and parameters), ``world`` (simulated users and
chats, what the bot did), ``methods`` (the Bot API methods), ``faults`` (fault injection) and
``server`` (the HTTP server and ``FakeTelegram``, which joins them). ``in_process`` answers an
in-process ``Application`` from the same fake without HTTP (imported from there, as it needs
``telegram``).
"""

from .faults import (
    RETRY_AFTER,
    Fault,
    FaultRule,
    Faults,
    FiredFault,
    dropped,
    server_error,
    stall,
    timeout,
    too_many_requests,
)
from .html_rules import parse_html, utf16_len
from .protocol import (
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    GET_FILE_LIMIT,
    JSON,
    MESSAGE_LIMIT,
    ApiError,
    Call,
    bad_request,
)
from .request_parsing import Params, parse_body
from .server import FakeTelegram
from .world import text_entities

__all__ = [
    "CALLBACK_ANSWER_LIMIT",
    "CAPTION_LIMIT",
    "GET_FILE_LIMIT",
    "JSON",
    "MESSAGE_LIMIT",
    "RETRY_AFTER",
    "ApiError",
    "Call",
    "FakeTelegram",
    "Fault",
    "FaultRule",
    "Faults",
    "FiredFault",
    "Params",
    "bad_request",
    "dropped",
    "parse_body",
    "parse_html",
    "server_error",
    "stall",
    "text_entities",
    "timeout",
    "too_many_requests",
    "utf16_len",
]
