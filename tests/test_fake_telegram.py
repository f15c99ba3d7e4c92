"""The fake Bot API server answers as Telegram documents it (it is what the e2e tests trust)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_telegram import FakeTelegram, parse_html


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram("42:SECRET", bot_username="fake_bot") as server:
        yield server


def call(fake: FakeTelegram, method: str, form: bool = False, **params: Any) -> tuple[int, dict]:
    """POST like python-telegram-bot (form fields, nested values as JSON) or as JSON."""
    if form:
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        body = urllib.parse.urlencode(fields).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body, content_type = json.dumps(params).encode(), "application/json"
    request = urllib.request.Request(
        f"{fake.base_url}{fake.token}/{method}", body, {"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_get_me_and_errors(fake: FakeTelegram) -> None:
    status, answer = call(fake, "getMe")
    assert status == 200 and answer["ok"] is True
    assert answer["result"]["is_bot"] and answer["result"]["username"] == "fake_bot"
    for key in ("can_join_groups", "can_read_all_group_messages", "supports_inline_queries"):
        assert key in answer["result"]
    assert call(fake, "noSuchMethod") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, answer = call(fake, "sendMessage", chat_id=5, text="hi")
    assert (status, answer["description"]) == (400, "Bad Request: chat not found")


def test_long_polling_offsets_and_wakeup(fake: FakeTelegram) -> None:
    user = fake.user(7, "Uma")
    chat = fake.private_chat(user)
    started = time.monotonic()
    assert call(fake, "getUpdates", timeout=1) == (200, {"ok": True, "result": []})
    assert time.monotonic() - started >= 0.9

    threading.Timer(0.3, fake.user_sends_text, (chat, user, "/start")).start()
    started = time.monotonic()
    _, answer = call(fake, "getUpdates", form=True, timeout=5, allowed_updates=["message"])
    assert time.monotonic() - started < 3
    [update] = answer["result"]
    message = update["message"]
    assert message["from"] == user and isinstance(message["date"], int)
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    fake.user_sends_text(chat, user, "second")
    _, again = call(fake, "getUpdates", timeout=0)
    assert [u["update_id"] for u in again["result"]] == [
        update["update_id"],
        update["update_id"] + 1,
    ]
    _, rest = call(fake, "getUpdates", offset=update["update_id"] + 1)
    assert [u["message"]["text"] for u in rest["result"]] == ["second"]
    assert call(fake, "getUpdates", offset=update["update_id"] + 2)[1]["result"] == []


def test_send_edit_and_callback(fake: FakeTelegram) -> None:
    user = fake.user(8, "Vic")
    group = fake.group(-1001234, "Room")
    asked = fake.user_sends_text(group, user, "/summary@fake_bot")
    markup = {"inline_keyboard": [[{"text": "Shorter", "callback_data": "short:1"}]]}
    _, sent = call(
        fake,
        "sendMessage",
        form=True,
        chat_id=group["id"],
        text="<b>Title</b> &amp; more",
        parse_mode="HTML",
        reply_markup=markup,
        reply_parameters={"message_id": asked["message_id"]},
    )
    message = sent["result"]
    assert message["text"] == "Title & more" and message["reply_markup"] == markup
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert message["reply_to_message"]["message_id"] == asked["message_id"]

    query_id = fake.user_presses(group, user, message, "short:1")
    _, updates = call(fake, "getUpdates")
    query = updates["result"][-1]["callback_query"]
    assert query["chat_instance"] and query["message"]["message_id"] == message["message_id"]
    assert call(fake, "answerCallbackQuery", callback_query_id=query_id)[1]["result"] is True
    assert call(fake, "answerCallbackQuery", callback_query_id=query_id)[0] == 400

    edit = {"chat_id": group["id"], "message_id": message["message_id"], "parse_mode": "HTML"}
    _, edited = call(fake, "editMessageText", text="<i>Shorter</i>", **edit)
    assert edited["result"]["text"] == "Shorter" and "reply_markup" not in edited["result"]
    status, same = call(fake, "editMessageText", text="<i>Shorter</i>", **edit)
    assert status == 400 and "message is not modified" in same["description"]
    not_ours = {**edit, "message_id": asked["message_id"]}
    assert call(fake, "editMessageText", text="x", **not_ours)[1]["description"] == (
        "Bad Request: message can't be edited"
    )
    for method in ("sendChatAction", "setMyCommands", "deleteWebhook"):
        params = {
            "sendChatAction": {"chat_id": group["id"], "action": "typing"},
            "setMyCommands": {"commands": [{"command": "list", "description": "List"}]},
            "deleteWebhook": {},
        }[method]
        assert call(fake, method, **params)[1] == {"ok": True, "result": True}


def test_message_limits_and_html_validation(fake: FakeTelegram) -> None:
    chat = fake.private_chat(fake.user(9, "Wes"))
    ok = call(fake, "sendMessage", chat_id=chat["id"], text="a" * 4096)
    assert ok[0] == 200
    # 4,096 characters after parsing: the markup doesn't count
    assert (
        call(fake, "sendMessage", chat_id=9, text=f"<b>{'a' * 4096}</b>", parse_mode="HTML")[0]
        == 200
    )
    too_long = call(fake, "sendMessage", chat_id=chat["id"], text="&amp;" * 4097, parse_mode="HTML")
    assert too_long == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    for bad in ("<b>open", "<b><i>x</b></i>", "<br>", "<p>x</p>", "<span>x</span>", "a < b"):
        status, answer = call(fake, "sendMessage", chat_id=9, text=bad, parse_mode="HTML")
        assert status == 400 and answer["description"].startswith(
            "Bad Request: can't parse entities"
        ), bad
    text, entities = parse_html(
        '<a href="https://x.org/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">t</span> <blockquote>q</blockquote> 😀<code>c</code>'
    )
    assert text == "link s t q 😀c"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("text_link", 0, 4),
        ("spoiler", 5, 1),
        ("spoiler", 7, 1),
        ("blockquote", 9, 1),
        ("code", 13, 1),  # the emoji is two UTF-16 code units
    ]
    assert entities[0]["url"] == "https://x.org/?a=1&b=2"


def test_documents_and_chat_members(fake: FakeTelegram) -> None:
    owner, member = fake.user(10, "Owen"), fake.user(11, "Mia")
    group = fake.group(-100777, "Club", creator=owner)
    sent = fake.user_sends_document(group, member, "story.txt", b"hello file")
    file_id = sent["document"]["file_id"]
    _, got = call(fake, "getFile", form=True, file_id=file_id)
    url = f"{fake.base_file_url}{fake.token}/{got['result']['file_path']}"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"hello file"
    member_status = call(fake, "getChatMember", chat_id=group["id"], user_id=member["id"])
    assert member_status[1]["result"]["status"] == "member"
    owner_status = call(fake, "getChatMember", chat_id=group["id"], user_id=owner["id"])
    assert owner_status[1]["result"]["status"] == "creator"
    fake.set_admin(group, member)
    _, admins = call(fake, "getChatAdministrators", chat_id=group["id"])
    assert {a["user"]["id"]: a["status"] for a in admins["result"]} == {
        owner["id"]: "creator",
        member["id"]: "administrator",
        fake.bot["id"]: "administrator",
    }


def test_get_chat_resolves_usernames_and_channel_members(fake: FakeTelegram) -> None:
    owner, reader = fake.user(12, "Nia", "nia"), fake.user(13, "Raf")
    channel = fake.channel(-100888, "Harbour Wire", username="HarbourWire")
    fake.private_chat(owner)
    fake.set_admin(channel, owner, "creator")

    for chat_id in (channel["id"], "@harbourwire", "@HarbourWire"):
        status, answer = call(fake, "getChat", form=True, chat_id=chat_id)
        assert status == 200, answer
        info = answer["result"]
        assert (info["id"], info["type"], info["title"]) == (-100888, "channel", "Harbour Wire")
        assert info["username"] == "HarbourWire"
        # ChatFullInfo's always-present fields (python-telegram-bot requires them)
        assert isinstance(info["accent_color_id"], int)
        assert isinstance(info["max_reaction_count"], int)
        assert set(info["accepted_gift_types"]) >= {
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
        }
    # @username names public groups and channels only, and must exist
    for missing in ("@nia", "@nosuchchannel", "12345"):
        assert call(fake, "getChat", chat_id=missing) == (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
        )
    assert call(fake, "getChat")[1]["description"] == "Bad Request: chat_id is empty"
    _, private = call(fake, "getChat", chat_id=owner["id"])
    assert private["result"]["type"] == "private" and private["result"]["first_name"] == "Nia"

    group = fake.group(-100999, "Public Room", username="publicroom")
    assert call(fake, "getChat", chat_id="@publicroom")[1]["result"]["id"] == group["id"]

    def status_in(chat_id: object, user: dict) -> str:
        _, answer = call(fake, "getChatMember", chat_id=chat_id, user_id=user["id"])
        return answer["result"]["status"]

    assert status_in("@HarbourWire", owner) == "creator"
    assert status_in(channel["id"], reader) == "member"
    assert status_in(channel["id"], fake.bot) == "administrator"
    fake.set_admin(channel, reader)
    assert status_in("@harbourwire", reader) == "administrator"
