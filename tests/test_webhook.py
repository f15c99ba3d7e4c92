"""``storybot run --webhook``: the real bot process receiving updates by webhook from the fake.

The fake Bot API pushes updates to the webhook the bot sets (with the secret token the bot
chose), as Telegram does, and refuses getUpdates meanwhile; a request without the secret is
turned away before it reaches a handler.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import article
from tests.support.bot_process import start_bot, stop_bot
from tests.support.fake_telegram import FakeTelegram

TOKEN = "321:WEBHOOK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeTelegram, str]]:
    folder = tmp_path_factory.mktemp("webhook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/storybot/hook"
    fake = FakeTelegram(TOKEN, bot_username="storybot_hook_bot").start()
    args = ("--webhook", url, "--listen", "127.0.0.1", "--port", str(port))
    try:
        process = start_bot(fake, folder / "bot.db", folder / "bot.log", run_args=args)
    except BaseException:
        fake.stop()
        raise
    try:
        yield fake, url
    finally:
        stop_bot(process)
        fake.stop()


def test_the_bot_sets_its_webhook_with_a_secret(hooked: tuple[FakeTelegram, str]) -> None:
    fake, url = hooked
    assert fake.webhook is not None and fake.webhook["url"] == url
    assert len(fake.webhook["secret_token"] or "") >= 32
    assert not fake.calls_to("getUpdates")


def test_stories_and_questions_arrive_by_webhook(hooked: tuple[FakeTelegram, str]) -> None:
    fake, _ = hooked
    user = fake.user(7001, "Hook")
    chat = fake.private_chat(user)
    story = fake.user_sends_text(chat, user, article("harbour bridge"))
    assert "Saved" in fake.wait_for_reply(chat["id"], story, 60)["text"]
    question = fake.user_sends_text(chat, user, "Who approved the harbour bridge plan?")
    reply = fake.wait_for_reply(chat["id"], question, 60)["text"]
    assert "city council" in reply
    # Each update ends up accepted (a first push may beat the server's start, and is retried).
    last_status = dict(fake.webhook_deliveries)
    assert len(last_status) >= 2 and set(last_status.values()) == {200}


def test_a_request_without_the_secret_is_refused(hooked: tuple[FakeTelegram, str]) -> None:
    fake, url = hooked
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 4242, "type": "private", "first_name": "Mallory"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Mallory"},
            "text": "/list",
        },
    }
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}):
        request = urllib.request.Request(
            url,
            json.dumps(forged).encode(),
            {"Content-Type": "application/json", **headers},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(request, timeout=10)
        assert refused.value.code == 403
    assert not fake.sent_messages(4242)


def test_webhook_urls_must_be_https_except_on_loopback(tmp_path: Path) -> None:
    with FakeTelegram("1:X") as fake:
        code, body = fake.handle("setWebhook", {"url": "http://example.com/hook"}, {})
        assert code == 400 and "HTTPS" in body["description"]
