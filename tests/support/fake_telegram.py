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
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

JSON = dict[str, Any]

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
GET_FILE_LIMIT = 20 * 1024 * 1024
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": code, "description": description}``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Call:
    """One Bot API request the bot made, and what the server answered."""

    method: str
    params: JSON
    at: float  # time.monotonic() when it arrived
    status: int = 200
    response: JSON = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None


# -- Telegram HTML ----------------------------------------------------------------------------

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTE = re.compile(r"""([A-Za-z][\w-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_ENTITY_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets).

    Raises ApiError 400 "can't parse entities: …" for unsupported or unbalanced tags, as the
    Bot API does. Only <, >, & and " named references and numeric references are decoded.
    """
    text: list[str] = []
    length = 0  # of the plain text so far, in UTF-16 code units
    stack: list[tuple[str, int, JSON]] = []  # (tag, start offset, entity)
    entities: list[JSON] = []
    position = 0

    def fail(detail: str) -> ApiError:
        byte = len(source[:position].encode("utf-8"))
        return bad_request(f"can't parse entities: {detail} at byte offset {byte}")

    while position < len(source):
        char = source[position]
        if char == "<":
            end = source.find(">", position)
            if end < 0:
                raise fail("Unclosed start tag")
            inside = source[position + 1 : end]
            if inside.startswith("/"):
                name = inside[1:].strip().lower()
                if not stack:
                    raise fail(f'Unexpected end tag "{name}"')
                tag, start, entity = stack.pop()
                if name != tag:
                    raise fail(f'Unmatched end tag "{name}", expected "</{tag}>"')
                if length > start:
                    entity["offset"], entity["length"] = start, length - start
                    entities.append(entity)
            else:
                match = re.match(r"([A-Za-z][A-Za-z0-9-]*)", inside)
                name = match.group(1).lower() if match else ""
                if name not in _TAG_ENTITY:
                    raise fail(f'Unsupported start tag "{name or inside}"')
                attributes = {
                    key.lower(): unescape(value.strip("\"'")) if value else ""
                    for key, value in _ATTRIBUTE.findall(inside[len(name) :])
                }
                stack.append((name, length, _entity_for(name, attributes, fail)))
            position = end + 1
            continue
        if char == ">":
            # Telegram accepts a bare '>' in text, but the docs ask for &gt;; keep it as text.
            pass
        if char == "&":
            reference = _ENTITY_REF.match(source, position)
            if reference:
                decoded = unescape(reference.group(0))
                text.append(decoded)
                length += utf16_len(decoded)
                position = reference.end()
                continue
        text.append(char)
        length += utf16_len(char)
        position += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text), entities


def _entity_for(name: str, attributes: dict[str, str], fail: Callable[[str], ApiError]) -> JSON:
    kind = _TAG_ENTITY[name]
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise fail('Tag "span" must have class "tg-spoiler"')
    entity: JSON = {"type": kind}
    if name == "a":
        href = attributes.get("href", "")
        if not href:
            raise fail("Can't find href attribute in a tag")
        entity["url"] = href
    if name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    if name == "tg-emoji":
        if not attributes.get("emoji-id"):
            raise fail('Tag "tg-emoji" must have attribute "emoji-id"')
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity


# -- request bodies ----------------------------------------------------------------------------


def parse_body(content_type: str, body: bytes) -> tuple[JSON, dict[str, bytes]]:
    """The request's parameters (values as sent) and any uploaded files."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        loaded = json.loads(body.decode("utf-8"))
        if not isinstance(loaded, dict):
            raise bad_request("request body must be a JSON object")
        return loaded, {}
    if kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params: JSON = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                params[name] = payload.decode("utf-8")
        return params, files
    # application/x-www-form-urlencoded (and anything else sent as a form)
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}, {}


class Params:
    """Typed access to parameters that may have arrived as JSON values or form strings."""

    def __init__(self, raw: JSON) -> None:
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"true", "1"}

    def obj(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


# -- the server ------------------------------------------------------------------------------


class FakeTelegram:
    """A Bot API server for one bot, with the test-side API to play users, groups and channels."""

    def __init__(
        self,
        token: str = "123:TEST",
        *,
        bot_username: str = "storybot_test_bot",
        bot_name: str = "storybot",
        can_read_all_group_messages: bool = True,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.chats: dict[int, JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.admins: dict[int, dict[int, str]] = {}  # chat id → user id → creator/administrator
        self.users: dict[int, JSON] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id → (file_path, data)
        self.commands: list[JSON] = []
        self.update_times: dict[int, float] = {}  # update_id → monotonic time it was queued
        self.callback_queries: dict[str, JSON] = {}  # id → query, with "answered" bookkeeping
        self._updates: list[JSON] = []
        self._confirmed = 0  # every update_id below this has been confirmed
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_generation = 0
        self.webhook: JSON | None = None  # {"url", "secret_token"} while a webhook is set
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._closing = False
        self._state = threading.Condition(threading.RLock())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.faults = Faults(self)  # fault injection: see Faults below

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._state:
            self._closing = True
            self._state.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as base_url (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- the world: users and chats ---------------------------------------------------------

    def user(self, user_id: int, first_name: str, username: str | None = None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        with self._state:
            self.users[user_id] = user
        return user

    def private_chat(self, user: JSON) -> JSON:
        chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return self._add_chat(chat)

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        admins: Iterable[JSON] = (),
        creator: JSON | None = None,
        supergroup: bool = True,
        username: str | None = None,
    ) -> JSON:
        """A group (a supergroup unless told, ids like -100…) with its admins; a public
        supergroup has a username."""
        chat: JSON = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if username:
            chat["username"] = username
        chat = self._add_chat(chat)
        with self._state:
            roles = self.admins.setdefault(chat_id, {})
            for admin in admins:
                self.users.setdefault(admin["id"], admin)
                roles[admin["id"]] = "administrator"
            if creator is not None:
                self.users.setdefault(creator["id"], creator)
                roles[creator["id"]] = "creator"
            roles[self.bot["id"]] = "administrator"
        return chat

    def channel(self, chat_id: int, title: str, username: str | None = None) -> JSON:
        chat: JSON = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        self._add_chat(chat)
        with self._state:
            self.admins.setdefault(chat_id, {})[self.bot["id"]] = "administrator"
        return chat

    def set_admin(self, chat: JSON | int, user: JSON, role: str | None = "administrator") -> None:
        """Make a user an admin ("administrator" or "creator") of a chat, or not (None)."""
        chat_id = _id(chat)
        with self._state:
            self.users.setdefault(user["id"], user)
            roles = self.admins.setdefault(chat_id, {})
            if role is None:
                roles.pop(user["id"], None)
            else:
                roles[user["id"]] = role

    def _add_chat(self, chat: JSON) -> JSON:
        with self._state:
            self.chats[chat["id"]] = chat
            self._message_ids.setdefault(chat["id"], itertools.count(1))
        return chat

    # -- the world: things users and channels do -------------------------------------------

    def user_sends_text(
        self,
        chat: JSON | int,
        user: JSON,
        text: str,
        reply_to: JSON | int | None = None,
        forward_from_channel: JSON | None = None,
    ) -> JSON:
        """A user's text message (commands and @mentions get their entities); its Message."""
        fields: JSON = {"text": text}
        entities = text_entities(text)
        if entities:
            fields["entities"] = entities
        if forward_from_channel is not None:
            fields["forward_origin"] = self._channel_origin(forward_from_channel)
        return self._user_message(chat, user, fields, reply_to)

    def _channel_origin(self, channel: JSON) -> JSON:
        """The forward_origin of a post forwarded from a channel, a minute old."""
        with self._state:
            origin_id = next(self._message_ids.setdefault(channel["id"], itertools.count(1)))
        return {
            "type": "channel",
            "chat": channel,
            "message_id": origin_id,
            "date": int(time.time()) - 60,
        }

    def user_sends_document(
        self,
        chat: JSON | int,
        user: JSON,
        filename: str,
        data: bytes,
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> JSON:
        """A user's file; the bot can getFile and download it."""
        with self._state:
            number = next(self._file_ids)
            file_id = f"BQACAgIAAxkBAAI{number:08d}"
            suffix = filename.rpartition(".")[2] if "." in filename else "bin"
            self.files[file_id] = (f"documents/file_{number}.{suffix}", data)
        fields: JSON = {
            "document": {
                "file_id": file_id,
                "file_unique_id": f"AgAD{number:08d}",
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption:
            fields["caption"] = caption
        return self._user_message(chat, user, fields, None)

    def user_sends_photo(
        self,
        chat: JSON | int,
        user: JSON,
        *,
        caption: str | None = None,
        forward_from_channel: JSON | None = None,
    ) -> JSON:
        """A user's photo (two sizes, as Telegram sends), with an optional caption."""
        with self._state:
            number = next(self._file_ids)
        sizes = [
            {
                "file_id": f"AgACphoto{number}{size}",
                "file_unique_id": f"AQAD{number}{size}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 100,
            }
            for size in (90, 1280)
        ]
        fields: JSON = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        if forward_from_channel is not None:
            fields["forward_origin"] = self._channel_origin(forward_from_channel)
        return self._user_message(chat, user, fields, None)

    def user_sends_sticker(self, chat: JSON | int, user: JSON) -> JSON:
        """A user's sticker: a message with no text at all."""
        with self._state:
            number = next(self._file_ids)
        sticker = {
            "file_id": f"CAACsticker{number}",
            "file_unique_id": f"AgAD{number}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._user_message(chat, user, {"sticker": sticker}, None)

    def user_presses(self, chat: JSON | int, user: JSON, message: JSON | int, data: str) -> str:
        """A user presses an inline button (callback data) under a message; the query id."""
        chat_id = _id(chat)
        with self._state:
            shown = self._message(chat_id, _id(message, "message_id"))
            if shown is None:
                raise KeyError(f"no message {message!r} in chat {chat_id}")
            query_id = str(4_000_000_000_000 + next(self._query_ids))
            query: JSON = {
                "id": query_id,
                "from": user,
                "message": _without_private(shown),
                "chat_instance": str(-(7_000_000_000 + abs(chat_id) % 1_000_000_000)),
                "data": data,
            }
            self.callback_queries[query_id] = {"query": query, "answered": None}
            self._enqueue({"callback_query": query})
        return query_id

    def channel_posts(self, channel: JSON | int, text: str) -> JSON:
        """A new post in a channel (the bot is an admin there): a channel_post update."""
        chat = self._chat(_id(channel))
        with self._state:
            message = self._new_message(chat, {"sender_chat": chat, "text": text})
            entities = text_entities(text)
            if entities:
                message["entities"] = entities
            message["_update_id"] = self._enqueue({"channel_post": _without_private(message)})
        return message

    def channel_edits(self, channel: JSON | int, message_id: int, text: str) -> JSON:
        """A channel post edited: an edited_channel_post update."""
        return self._edit(_id(channel), message_id, text, "edited_channel_post")

    def user_edits(self, chat: JSON | int, message_id: int, text: str) -> JSON:
        """A user edits their message: an edited_message update."""
        return self._edit(_id(chat), message_id, text, "edited_message")

    def _edit(self, chat_id: int, message_id: int, text: str, update_kind: str) -> JSON:
        """Replace a message's text (its entities found afresh) and queue the edit update."""
        with self._state:
            message = self._message(chat_id, message_id)
            if message is None:
                raise KeyError(f"no message {message_id} in chat {chat_id}")
            message["text"] = text
            message["edit_date"] = int(time.time())
            message.pop("entities", None)
            entities = text_entities(text)
            if entities:
                message["entities"] = entities
            self._enqueue({update_kind: _without_private(message)})
        return message

    def _user_message(
        self, chat: JSON | int, user: JSON, fields: JSON, reply_to: JSON | int | None
    ) -> JSON:
        chat_obj = self._chat(_id(chat))
        with self._state:
            self.users.setdefault(user["id"], user)
            fields = {"from": user, **fields}
            if reply_to is not None:
                replied = self._message(chat_obj["id"], _id(reply_to, "message_id"))
                if replied is None:
                    raise KeyError(f"no message {reply_to!r} to reply to")
                fields["reply_to_message"] = _shallow(replied)
            message = self._new_message(chat_obj, fields)
            message["_update_id"] = self._enqueue({"message": _without_private(message)})
        return message

    def _new_message(self, chat: JSON, fields: JSON) -> JSON:
        message_id = next(self._message_ids.setdefault(chat["id"], itertools.count(1)))
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat}
        message.update(fields)
        self.messages[(chat["id"], message_id)] = message
        return message

    def _enqueue(self, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **payload})
        self.update_times[update_id] = time.monotonic()
        self._state.notify_all()
        return update_id

    # -- what the bot did, for assertions ----------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._state:
            return [
                c
                for c in self.calls
                if c.method == method and (chat_id is None or c.chat_id == chat_id)
            ]

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """The Messages the bot sent successfully (sendMessage results), oldest first."""
        return [c.result for c in self.calls_to("sendMessage", chat_id) if c.ok]

    def errors(self) -> list[Call]:
        """Every call that got an error answer (a 409 from an overlapping poll included)."""
        with self._state:
            return [c for c in self.calls if not c.ok]

    def replies_to(self, chat_id: int, message_id: int) -> list[JSON]:
        """The bot's sent messages replying to one message."""
        return [
            m
            for m in self.sent_messages(chat_id)
            if m.get("reply_to_message", {}).get("message_id") == message_id
        ]

    def wait_for(
        self, condition: Callable[[], Any], timeout: float = 30.0, what: str = "a condition"
    ) -> Any:
        """Wait until condition() is truthy (checked on every change); its value."""
        deadline = time.monotonic() + timeout
        with self._state:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
                self._state.wait(min(remaining, 0.5))

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 30.0, *, after: int = 0
    ) -> list[JSON]:
        """Wait until the bot has sent count messages to the chat (beyond the first `after`)."""

        def enough() -> list[JSON] | None:
            sent = self.sent_messages(chat_id)[after:]
            return sent if len(sent) >= count else None

        return self.wait_for(enough, timeout, f"{count} message(s) to chat {chat_id}")

    def wait_for_reply(self, chat_id: int, message: JSON | int, timeout: float = 30.0) -> JSON:
        """The bot's first message replying to this message."""
        message_id = _id(message, "message_id")
        return self.wait_for(
            lambda: next(iter(self.replies_to(chat_id, message_id)), None),
            timeout,
            f"a reply to message {message_id} in chat {chat_id}",
        )

    def wait_for_call(
        self, method: str, predicate: Callable[[Call], bool] = lambda c: True, timeout: float = 30
    ) -> Call:
        return self.wait_for(
            lambda: next((c for c in self.calls_to(method) if predicate(c)), None),
            timeout,
            f"a {method} call",
        )

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A message as it is now (after edits)."""
        with self._state:
            found = self._message(chat_id, message_id)
            return _without_private(found) if found else None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Updates sent inside the block are offered together: a waiting long poll wakes only
        after it, so one getUpdates answer carries them all (up to its limit of 100)."""
        with self._state:
            yield

    def chat_of_request(self, method: str, params: JSON) -> int | None:
        """The chat a request concerns: its chat_id, or for answerCallbackQuery the chat of
        the message whose button was pressed (so faults can be aimed at one chat)."""
        chat_id = Call(method, params, 0).chat_id
        if chat_id is None and method.lower() == "answercallbackquery":
            entry = self.callback_queries.get(str(params.get("callback_query_id")))
            message = entry["query"].get("message") if entry else None
            chat_id = message["chat"]["id"] if message else None
        return chat_id

    @property
    def pending_updates(self) -> int:
        with self._state:
            return len(self._updates)

    # -- the Bot API ------------------------------------------------------------------------

    def handle(self, method: str, raw: JSON, files: dict[str, bytes]) -> tuple[int, JSON]:
        """Answer one Bot API call; record it."""
        call = Call(method, dict(raw), time.monotonic())
        try:
            answer = getattr(self, f"api_{method.lower()}", None)
            if answer is None:
                raise ApiError(404, "Not Found")
            if method.lower() == "getupdates":
                result = answer(Params(raw))  # waits without holding the state lock
            else:
                with self._state:
                    result = answer(Params(raw))
            call.status, call.response = 200, {"ok": True, "result": result}
        except ApiError as error:
            call.status = error.code
            call.response = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
        with self._state:
            self.calls.append(call)
            self._state.notify_all()
        return call.status, call.response

    def api_getme(self, params: Params) -> JSON:
        return dict(self.bot)

    def api_logout(self, params: Params) -> bool:
        return True

    def api_close(self, params: Params) -> bool:
        return True

    def api_setwebhook(self, params: Params) -> bool:
        """Set the webhook and start pushing updates to it, as Telegram does.

        One deviation: Telegram wants an https URL on port 443, 80, 88 or 8443; plain http is
        accepted here for 127.0.0.1 only, so a test needs no certificate.
        """
        url = params.str("url") or ""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname == "127.0.0.1"
        ):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        with self._state:
            if params.bool("drop_pending_updates"):
                self._updates.clear()
            self.webhook = {"url": url, "secret_token": secret}
            self._state.notify_all()
        threading.Thread(target=self._push_to_webhook, args=(url,), daemon=True).start()
        return True

    def _push_to_webhook(self, url: str) -> None:
        """POST each update to the webhook in order; a non-2xx answer is retried, as Telegram does."""
        while True:
            with self._state:
                while not self._closing and self._webhook_url() == url and not self._updates:
                    self._state.wait(1.0)
                if self._closing or self._webhook_url() != url:
                    return
                update = _without_private(self._updates[0])
                secret = (self.webhook or {}).get("secret_token")
            status = _post_json(url, update, secret)
            with self._state:
                self.webhook_deliveries.append((update["update_id"], status))
                if (
                    200 <= status < 300
                    and self._updates
                    and self._updates[0]["update_id"] == update["update_id"]
                ):
                    self._updates.pop(0)
                    self._state.notify_all()
            if not 200 <= status < 300:
                time.sleep(0.2)

    def _webhook_url(self) -> str | None:
        return self.webhook["url"] if self.webhook else None

    def api_deletewebhook(self, params: Params) -> bool:
        with self._state:
            self.webhook = None
            self._state.notify_all()
        if params.bool("drop_pending_updates"):
            if self._updates:
                self._confirmed = self._updates[-1]["update_id"] + 1
            self._updates.clear()
        return True

    def api_getwebhookinfo(self, params: Params) -> JSON:
        return {
            "url": self._webhook_url() or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def api_getupdates(self, params: Params) -> list[JSON]:
        """Long polling: confirm below offset, then wait up to timeout seconds for updates."""
        offset = params.int("offset", 0) or 0
        limit = params.int("limit", 100) or 100
        if not 1 <= limit <= 100:
            limit = 100
        timeout = max(0, params.int("timeout", 0) or 0)
        allowed = params.obj("allowed_updates")
        deadline = time.monotonic() + timeout
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        with self._state:
            self._poll_generation += 1
            generation = self._poll_generation
            self._state.notify_all()  # an older poll still waiting gets a 409
            if offset > 0:
                self._confirmed = max(self._confirmed, offset)
                self._updates = [
                    u for u in self._updates if u["update_id"] >= offset or u.get("_reoffered")
                ]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while True:
                ready = [u for u in self._updates if _allowed(u, allowed)][:limit]
                if ready or self._closing:
                    for update in ready:
                        update.pop("_reoffered", None)  # offered again once (Faults.reoffer)
                    return [_without_private(u) for u in ready]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._state.wait(remaining)
                if self._poll_generation != generation:
                    raise ApiError(409, GET_UPDATES_CONFLICT)

    def api_setmycommands(self, params: Params) -> bool:
        commands = params.obj("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    def api_getmycommands(self, params: Params) -> list[JSON]:
        return list(self.commands)

    def api_deletemycommands(self, params: Params) -> bool:
        self.commands = []
        return True

    def api_sendchataction(self, params: Params) -> bool:
        self._chat_param(params)
        if params.str("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def api_sendmessage(self, params: Params) -> JSON:
        chat = self._chat_param(params)
        text, entities = self._formatted(params, "text", "entities", MESSAGE_LIMIT)
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise bad_request("message is too long")
        fields: JSON = {"from": dict(self.bot), "text": text}
        if entities:
            fields["entities"] = entities
        replied = self._replied(chat, params)
        if replied is not None:
            fields["reply_to_message"] = _shallow(replied)
        markup = self._markup(params)
        if markup:
            fields["reply_markup"] = markup
        link_preview = params.obj("link_preview_options")
        if link_preview:
            fields["link_preview_options"] = link_preview
        if chat["type"] == "channel":
            fields.pop("from")
            fields["sender_chat"] = chat
        message = self._new_message(chat, fields)
        return _without_private(message)

    def api_editmessagetext(self, params: Params) -> JSON:
        message = self._editable(params)
        text, entities = self._formatted(params, "text", "entities", MESSAGE_LIMIT)
        if not text.strip():
            raise bad_request("text must be non-empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = self._markup(params)  # no reply_markup: the inline keyboard goes
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        _set(message, "entities", entities)
        _set(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return _without_private(message)

    def api_editmessagereplymarkup(self, params: Params) -> JSON:
        message = self._editable(params)
        markup = self._markup(params)
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        _set(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return _without_private(message)

    def api_deletemessage(self, params: Params) -> bool:
        chat = self._chat_param(params)
        key = (chat["id"], params.int("message_id", 0))
        if key not in self.messages:
            raise bad_request("message to delete not found")
        del self.messages[key]
        return True

    def api_answercallbackquery(self, params: Params) -> bool:
        query_id = params.str("callback_query_id") or ""
        entry = self.callback_queries.get(query_id)
        if entry is None or entry["answered"] is not None:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.str("text") or ""
        if len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        entry["answered"] = {"text": text, "show_alert": params.bool("show_alert")}
        return True

    def api_setmessagereaction(self, params: Params) -> bool:
        chat = self._chat_param(params)
        if self._message(chat["id"], params.int("message_id", 0) or 0) is None:
            raise bad_request("message to react not found")
        reaction = params.obj("reaction") or []
        if not isinstance(reaction, list):
            raise bad_request("REACTION_INVALID")
        return True

    def api_getfile(self, params: Params) -> JSON:
        file_id = params.str("file_id") or ""
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        path, data = self.files[file_id]
        number = file_id[-8:]
        result: JSON = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number}",
            "file_size": len(data),
        }
        if len(data) > GET_FILE_LIMIT:
            raise bad_request("file is too big")
        result["file_path"] = path
        return result

    def api_getchatmember(self, params: Params) -> JSON:
        chat = self._chat_param(params)
        user_id = params.int("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id == self.bot["id"]:
            user = dict(self.bot)
        elif user_id in self.users:
            user = self.users[user_id]
        else:
            raise bad_request("user not found")
        if chat["type"] == "private":
            return {"status": "member", "user": user}
        return _member(user, self.admins.get(chat["id"], {}).get(user_id))

    def api_getchat(self, params: Params) -> JSON:
        """A ChatFullInfo: the chat (by id, or a public group's or channel's @username) with the
        fields the Bot API always sends."""
        chat = self._chat_param(params)
        info: JSON = {
            **{k: v for k, v in chat.items() if not k.startswith("_")},
            "accent_color_id": abs(chat["id"]) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat["type"] in ("group", "supergroup"):
            info["permissions"] = {"can_send_messages": True}
        return info

    def api_getchatadministrators(self, params: Params) -> list[JSON]:
        chat = self._chat_param(params)
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        roles = self.admins.get(chat["id"], {})
        result = []
        for user_id, role in roles.items():
            user = dict(self.bot) if user_id == self.bot["id"] else self.users[user_id]
            result.append(_member(user, role))
        return result

    # -- helpers (called with the state lock held) -------------------------------------------

    def _chat(self, chat_id: int) -> JSON:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id}; create it with private_chat/group/channel")
        return chat

    def _chat_param(self, params: Params) -> JSON:
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        value = params.str("chat_id") or ""
        if value.startswith("@"):
            # "@username" names a public supergroup or channel, never a user's private chat.
            for chat in self.chats.values():
                if (
                    chat["type"] != "private"
                    and chat.get("username", "").lower() == value[1:].lower()
                ):
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(value)
        except ValueError:
            raise bad_request("chat not found") from None
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def _message(self, chat_id: int, message_id: int) -> JSON | None:
        return self.messages.get((chat_id, message_id))

    def _formatted(
        self, params: Params, text_field: str, entities_field: str, limit: int
    ) -> tuple[str, list[JSON]]:
        text = params.str(text_field)
        if text is None:
            raise bad_request(f"{'message ' if text_field == 'text' else ''}text is empty")
        mode = (params.str("parse_mode") or "").strip()
        if mode.lower() == "html":
            return parse_html(text)
        if mode:
            raise bad_request(f"unsupported parse_mode {mode!r} in this fake")
        entities = params.obj(entities_field) or []
        return text, entities

    def _replied(self, chat: JSON, params: Params) -> JSON | None:
        reply = params.obj("reply_parameters")
        if reply:
            message_id = int(reply.get("message_id", 0))
            tolerant = bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat["id"]):
                raise bad_request("replying to messages in other chats isn't supported here")
        elif "reply_to_message_id" in params:
            message_id = params.int("reply_to_message_id") or 0
            tolerant = params.bool("allow_sending_without_reply")
        else:
            return None
        replied = self._message(chat["id"], message_id)
        if replied is None and not tolerant:
            raise bad_request("message to be replied not found")
        return replied

    def _markup(self, params: Params) -> JSON | None:
        markup = params.obj("reply_markup")
        if not markup:
            return None
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if not button.get("text"):
                        raise bad_request("BUTTON_TEXT_EMPTY")
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
            if not any(rows):
                return None
        return markup

    def _editable(self, params: Params) -> JSON:
        if "inline_message_id" in params:
            raise bad_request("inline messages aren't supported by this fake")
        chat = self._chat_param(params)
        message_id = params.int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._message(chat["id"], message_id)
        if message is None:
            raise bad_request("message to edit not found")
        author = message.get("from") or {}
        if author.get("id") != self.bot["id"] and message.get("sender_chat") is None:
            raise bad_request("message can't be edited")
        return message

    def download(self, file_path: str) -> bytes | None:
        with self._state:
            for path, data in self.files.values():
                if path == file_path:
                    return data
        return None


def text_entities(text: str) -> list[JSON]:
    """The entities Telegram's clients mark in a typed text: a leading bot command, mentions
    and links."""
    entities: list[JSON] = []
    command = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for match in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b", text):
        if command and match.start() < command.end():
            continue
        offset = utf16_len(text[: match.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(match.group())})
    for match in re.finditer(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']", text):
        offset = utf16_len(text[: match.start()])
        entities.append({"type": "url", "offset": offset, "length": utf16_len(match.group())})
    return sorted(entities, key=lambda e: e["offset"])


def _member(user: JSON, role: str | None) -> JSON:
    if role == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if role == "administrator":
        rights = {
            name: True
            for name in (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            )
        }
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **rights,
        }
    return {"status": "member", "user": user}


def _allowed(update: JSON, allowed: Any) -> bool:
    if not allowed:
        return True
    return any(kind in update for kind in allowed)


def _id(value: JSON | int, key: str = "id") -> int:
    return value if isinstance(value, int) else int(value[key])


def _set(message: JSON, key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


def _shallow(message: JSON) -> JSON:
    """A message as quoted in reply_to_message: without its own reply_to_message."""
    return {k: v for k, v in _without_private(message).items() if k != "reply_to_message"}


def _without_private(value: JSON) -> JSON:
    """A deep copy as JSON, without the fake's own bookkeeping keys (those starting with _)."""
    return json.loads(json.dumps({k: v for k, v in value.items() if not k.startswith("_")}))


# -- fault injection ---------------------------------------------------------------------------
#
#     fake.faults.inject("sendMessage", too_many_requests(2), times=1, chat_id=chat["id"])
#     fake.faults.inject("getUpdates", dropped(process=True))    # an answer full of updates lost
#     fake.faults.inject("sendMessage", stall())                 # held until fake.faults.release()
#
# Self-contained: FakeTelegram makes one ``Faults`` in __init__ and the HTTP handler asks it,
# before answering, whether this request meets a fault.

RETRY_AFTER = "Too Many Requests: retry after {}"


@dataclass(frozen=True)
class Fault:
    """What happens to a request instead of (or besides) the normal answer.

    * ``error``: the answer is ``status`` at once (429 with ``parameters.retry_after``, 500,
      502, …) and the call is not carried out, as Telegram refuses it.
    * ``timeout``: the request is held ``hold`` seconds (longer than the client waits), then
      carried out if ``process`` (Telegram got it but answered too late), and the connection
      closes without an answer. ``hold=None`` holds until ``Faults.release()``: a stall.
    * ``drop``: after ``after`` seconds the connection closes without an answer; if ``process``
      the call was carried out first (the answer was lost: a getUpdates waits for updates as
      usual and they stay unconfirmed), else the request was lost.
    """

    kind: str  # "error", "timeout" or "drop"
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    hold: float | None = 0.0
    process: bool = False

    @property
    def answer(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int = 1) -> Fault:
    """429 as the Bot API sends it: ``parameters.retry_after`` in seconds."""
    return Fault("error", 429, RETRY_AFTER.format(retry_after), retry_after=retry_after)


def server_error(status: int = 500) -> Fault:
    """500 Internal Server Error, 502 Bad Gateway or another 5xx: the call was not done."""
    descriptions = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return Fault("error", status, descriptions.get(status, f"Server Error {status}"))


def timeout(hold: float, *, process: bool = True) -> Fault:
    """Held ``hold`` seconds (make it longer than the client's read timeout), then done (or
    not), never answered."""
    return Fault("timeout", hold=hold, process=process)


def stall(*, process: bool = True) -> Fault:
    """Held until ``Faults.release()`` (or the server stops), then done (or not), never
    answered."""
    return Fault("timeout", hold=None, process=process)


def dropped(*, process: bool = False, after: float = 0.0) -> Fault:
    """The connection closes without an answer after ``after`` seconds; with ``process`` the
    call was carried out first (only its answer is lost)."""
    return Fault("drop", hold=after, process=process)


@dataclass
class FaultRule:
    method: str  # lower case
    fault: Fault
    remaining: int | None  # None: until cleared
    chat_id: int | None = None


@dataclass
class FiredFault:
    """A request that met a fault."""

    method: str
    fault: Fault
    params: JSON
    at: float  # time.monotonic() when it arrived
    done: bool = False  # the hold or drop is over (the connection was closed)
    lost_answer: JSON | None = None  # what the call got when carried out, never delivered
    chat_id: int | None = None  # the chat it concerns (FakeTelegram.chat_of_request)


class Faults:
    """The fake's fault plan: rules matched in order, what fired, and every request's arrival."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.rules: list[FaultRule] = []
        self.fired: list[FiredFault] = []
        self.arrivals: list[tuple[str, float]] = []  # (method, time.monotonic()) of every call
        self._release = threading.Event()

    def inject(
        self, method: str, fault: Fault, *, times: int | None = 1, chat_id: int | None = None
    ) -> FaultRule:
        """The next ``times`` calls of ``method`` (every call while ``times`` is None), to one
        chat if ``chat_id`` is given, meet ``fault``."""
        rule = FaultRule(method.lower(), fault, times, chat_id)
        with self.fake._state:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """No more faults; stalled requests go on."""
        with self.fake._state:
            self.rules.clear()
        self.release()

    def release(self) -> None:
        """Let every stalled request go on (to be carried out or not, as its fault says)."""
        self._release.set()
        self._release = threading.Event()

    def fired_for(self, method: str, chat_id: int | None = None) -> list[FiredFault]:
        with self.fake._state:
            return [
                f
                for f in self.fired
                if f.method.lower() == method.lower() and (chat_id is None or f.chat_id == chat_id)
            ]

    def arrived(self, method: str) -> int:
        """How many calls of ``method`` have arrived (answered or not yet)."""
        with self.fake._state:
            return sum(1 for name, _ in self.arrivals if name.lower() == method.lower())

    def waiting(self, method: str) -> int:
        """How many calls of ``method`` have arrived and are not over yet (a long poll
        waiting for updates, a held request)."""
        with self.fake._state:
            over = len(self.fake.calls_to(method)) + sum(
                1
                for f in self.fired_for(method)
                if f.fault.kind != "error" and f.done and not f.fault.process
            )
            return self.arrived(method) - over

    def redeliver(self, message: JSON) -> int:
        """The same message again in a new update (a new update_id); the update_id."""
        with self.fake._state:
            stored = self.fake._message(message["chat"]["id"], message["message_id"]) or message
            kind = "channel_post" if stored["chat"]["type"] == "channel" else "message"
            return self.fake._enqueue({kind: _without_private(stored)})

    def reoffer(self, message: JSON) -> int:
        """The update that brought ``message`` offered again with its own update_id, though the
        bot confirmed it (as Telegram does when the confirmation was lost); the update_id."""
        with self.fake._state:
            stored = self.fake._message(message["chat"]["id"], message["message_id"]) or message
            kind = "channel_post" if stored["chat"]["type"] == "channel" else "message"
            update = {"update_id": stored["_update_id"], kind: _without_private(stored)}
            self.fake._updates.insert(0, {**update, "_reoffered": True})
            self.fake._state.notify_all()
            return update["update_id"]

    def take(self, method: str, params: JSON) -> FiredFault | None:
        """Record the request's arrival; the fault it meets, if any (spending one of its rule's
        times)."""
        now = time.monotonic()
        with self.fake._state:
            self.arrivals.append((method, now))
            chat_id = self.fake.chat_of_request(method, params)
            for rule in self.rules:
                if rule.method != method.lower() or rule.remaining == 0:
                    continue
                if rule.chat_id is not None and rule.chat_id != chat_id:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                fired = FiredFault(method, rule.fault, dict(params), now, chat_id=chat_id)
                self.fired.append(fired)
                self.fake._state.notify_all()
                return fired
            self.fake._state.notify_all()
        return None

    def serve(self, fired: FiredFault, files: dict[str, bytes]) -> JSON | None:
        """Carry out a faulted request: the error answer to send, or None to close the
        connection without one (after any hold, and after doing the call if the fault says)."""
        fault = fired.fault
        if fault.kind == "error":
            call = Call(fired.method, fired.params, fired.at, fault.status, fault.answer)
            with self.fake._state:
                self.fake.calls.append(call)
                fired.done = True
                self.fake._state.notify_all()
            return fault.answer
        release = self._release
        if fault.hold is None:
            while not (release.wait(0.2) or self.fake._closing):
                pass
        elif fault.hold > 0:
            release.wait(fault.hold)
        if fault.process and not self.fake._closing:
            fired.lost_answer = self.fake.handle(fired.method, fired.params, files)[1]
        with self.fake._state:
            fired.done = True
            self.fake._state.notify_all()
        return None


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # quiet: the calls are recorded instead

        def handle(self) -> None:
            # A bot killed (SIGKILL) mid-connection resets it: not the server's error.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            file_prefix = f"/file/bot{fake.token}/"
            if path.startswith("/file/bot"):
                data = (
                    fake.download(path[len(file_prefix) :])
                    if path.startswith(file_prefix)
                    else None
                )
                if data is None:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                else:
                    self._raw(200, data, "application/octet-stream")
                return
            match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
            if match is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            if match.group(1) != fake.token:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            try:
                params, files = parse_body(self.headers.get("Content-Type", ""), body)
            except ApiError as error:
                self._reply(
                    error.code,
                    {"ok": False, "error_code": error.code, "description": error.description},
                )
                return
            except (ValueError, UnicodeDecodeError):
                self._reply(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: can't parse request body",
                    },
                )
                return
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            method, merged = match.group(2), {**query, **params}
            fired = fake.faults.take(method, merged)
            if fired is not None:
                refusal = fake.faults.serve(fired, files)
                if refusal is None:
                    self.close_connection = True  # closed without an answer
                else:
                    self._reply(fired.fault.status, refusal)
                return
            status, answer = fake.handle(method, merged, files)
            self._reply(status, answer)

        def _reply(self, status: int, answer: JSON) -> None:
            self._raw(status, json.dumps(answer).encode("utf-8"), "application/json")

        def _raw(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    return Handler


def _post_json(url: str, payload: JSON, secret: str | None) -> int:
    """POST payload as JSON, as Telegram delivers to a webhook; the HTTP status (0: no answer)."""
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(payload).encode(), headers, method="POST")
    # No proxy from the environment: the webhook is on 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
