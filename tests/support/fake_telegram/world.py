"""The simulated side of the chat: users, private chats, groups and channels, what they send,
edit and press, and what the bot did in reply (for assertions)."""

from __future__ import annotations

import contextlib
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .html_rules import utf16_len
from .protocol import (
    JSON,
    Call,
    _shallow,
    _without_private,
)


class SimulatedWorld:
    """The test-side API of :class:`FakeTelegram`: play users, groups and channels, then look
    at what the bot did. Works on the state that FakeTelegram sets up."""

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

    def posted(self, chat: JSON | int, fields: JSON) -> JSON:
        """A message already in the chat (from a user, the bot or a channel, as ``fields``
        say), with no update queued: for in-process tests that build their own updates and
        want the bot's replies to it, edits of it and presses under it to find it."""
        chat_obj = self._chat(_id(chat))
        with self._state:
            if "from" in fields and fields["from"]["id"] != self.bot["id"]:
                self.users.setdefault(fields["from"]["id"], fields["from"])
            return _without_private(self._new_message(chat_obj, dict(fields)))

    def take_updates(self) -> list[JSON]:
        """The queued updates, taken off the queue as a long poll would, for an in-process
        Application (``Application.process_update``) instead of a polling bot."""
        with self._state:
            taken = [_without_private(u) for u in self._updates]
            if taken:
                self._confirmed = taken[-1]["update_id"] + 1
            self._updates.clear()
        return taken

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


def _id(value: JSON | int, key: str = "id") -> int:
    return value if isinstance(value, int) else int(value[key])
