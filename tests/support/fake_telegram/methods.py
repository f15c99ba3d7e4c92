"""The Bot API methods the fake answers (``api_<method>``), strict where Telegram is."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from .html_rules import parse_html, utf16_len
from .protocol import (
    CALLBACK_ANSWER_LIMIT,
    CHAT_ACTIONS,
    GET_FILE_LIMIT,
    GET_UPDATES_CONFLICT,
    JSON,
    MESSAGE_LIMIT,
    NOT_MODIFIED,
    QUERY_INVALID,
    WEBHOOK_CONFLICT,
    ApiError,
    Call,
    _shallow,
    _without_private,
    bad_request,
)
from .request_parsing import Params


class BotApiMethods:
    """The bot's side of :class:`FakeTelegram`: one ``api_<method>`` per Bot API method, and
    ``handle``, which answers and records a call."""

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


def _set(message: JSON, key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


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
