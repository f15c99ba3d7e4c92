"""Faults between the bot and Telegram, against the real bot process (``storybot run``).

The fake Bot API answers 429 with ``retry_after``, 500 and 502, holds requests past the
client's timeout, and drops connections in the middle of a request or of a long poll (see
``Faults`` in tests/fake_telegram.py). Under each fault: no reply is lost, none is sent twice
(counted as the sendMessage calls the fake accepted per incoming message), the bot keeps
running, a redelivered update doesn't store a story twice, and an update offered again (same
update_id) is not handled again (the update journal). Edits and button answers are retried
like replies. Where a fault makes loss or
duplication unavoidable (a timeout after which Telegram never posted the message), the loss
is logged, and the test shows the policy that was chosen (handlers/replying.py).

Storage faults (a full disk, a read-only database) are tested in-process, at the end.

``STORYBOT_SOAK=1`` adds slower variants (a long poll held past the client's timeout, faults
over and over under load).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db.migrations import LATEST_VERSION
from tests.conftest import article
from tests.support.bot_process import BOT_NAME, SOAK, TOKEN, start_bot, stop_bot, stories_of
from tests.support.fake_telegram import (
    Call,
    FakeTelegram,
    dropped,
    server_error,
    stall,
    timeout,
    too_many_requests,
)

SORRY = "Sorry, something went wrong"
STARTUP_TIMEOUT = 90.0
REPLY_TIMEOUT = 30.0
# python-telegram-bot's default read timeout for a call is 5 s: hold longer than that.
HOLD_PAST_TIMEOUT = 6.5

_ids = count(1)


# -- running the bot -------------------------------------------------------------------------


@dataclass
class Bot:
    fake: FakeTelegram
    process: subprocess.Popen
    db: Path
    log: Path
    expected_once: list[tuple[int, int]] = field(default_factory=list)  # (chat, message id)
    # Refusals a test expects (lower-case parts of the description): a repeat of an edit or a
    # callback answer that had got through after all.
    expected_refusals: set[str] = field(default_factory=set)

    def new_private_chat(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        number = next(_ids)
        user = self.fake.user(60_000 + number, f"{name}{number}")
        return self.fake.private_chat(user), user

    def new_group_id(self) -> int:
        return -1_002_000_000_000 - next(_ids)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stories(self, chat_id: int) -> list[sqlite3.Row]:
        return stories_of(self.db, chat_id)

    def alive(self) -> None:
        """The bot process runs and answers a new chat."""
        assert self.process.poll() is None, self.log_text()[-3000:]
        chat, user = self.new_private_chat("Later")
        message = self.fake.user_sends_text(chat, user, "/help")
        answered_once(self, chat["id"], message)


def accepted_replies(fake: FakeTelegram, chat_id: int, message_id: int) -> list[Call]:
    """The sendMessage calls the fake accepted that reply to this message (whether or not the
    bot heard the answer)."""
    return [
        c
        for c in fake.calls_to("sendMessage", chat_id)
        if c.ok and c.result.get("reply_to_message", {}).get("message_id") == message_id
    ]


def answered_once(bot: Bot, chat_id: int, message: dict, timeout: float = REPLY_TIMEOUT) -> Call:
    """Waits for the reply to a message, the only one so far. ``bot.expected_once`` keeps the
    message for the last test, which checks no second reply came later."""
    fake = bot.fake
    fake.wait_for(
        lambda: accepted_replies(fake, chat_id, message["message_id"]),
        timeout,
        f"a reply to message {message['message_id']} in chat {chat_id}",
    )
    replies = accepted_replies(fake, chat_id, message["message_id"])
    assert len(replies) == 1, [c.params["text"][:80] for c in replies]
    bot.expected_once.append((chat_id, message["message_id"]))
    return replies[0]


def idle_poll(bot: Bot) -> None:
    """Wait until the bot's long poll is waiting with nothing to read, so that a getUpdates
    fault injected now meets the poll after the next update, not this one."""
    bot.fake.wait_for(
        lambda: bot.fake.faults.waiting("getUpdates") > 0 and bot.fake.pending_updates == 0,
        REPLY_TIMEOUT,
        "the bot's long poll to wait",
    )


def kick_poll(bot: Bot) -> None:
    """Make the bot's current (idle) long poll return: a new update does. The next getUpdates
    meets the fault just injected."""
    bot.alive()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    folder = tmp_path_factory.mktemp("faults")
    fake = FakeTelegram(TOKEN, bot_username=BOT_NAME).start()
    db, log = folder / "bot.db", folder / "bot.log"
    try:
        process = start_bot(fake, db, log)
        try:
            yield Bot(fake, process, db, log)
        finally:
            stop_bot(process)
    finally:
        fake.stop()


@pytest.fixture(autouse=True)
def only_injected_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever the faults, the bot never sends what Telegram refuses (400, 403)."""
    if "bot" not in request.fixturenames:
        yield
        return
    running: Bot = request.getfixturevalue("bot")
    before = len(running.fake.calls)
    yield
    running.fake.faults.clear()
    expected, running.expected_refusals = running.expected_refusals, set()
    refused = [
        (c.method, c.status, c.response)
        for c in running.fake.calls[before:]
        if c.status in (400, 403)
        and not any(part in c.response.get("description", "").lower() for part in expected)
    ]
    assert not refused, f"Telegram refused calls: {refused}"


# -- the fake's faults, without the bot --------------------------------------------------------


def _post(fake: FakeTelegram, method: str, timeout_s: float = 5, **params: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{fake.base_url}{fake.token}/{method}",
        json.dumps(params).encode(),
        {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_fake_answers_faults_as_the_bot_api_does() -> None:
    with FakeTelegram(TOKEN) as fake:
        user = fake.user(9, "Ivy")
        chat = fake.private_chat(user)
        fake.faults.inject("sendMessage", too_many_requests(3))
        fake.faults.inject("sendMessage", server_error(502), chat_id=chat["id"])
        assert _post(fake, "sendMessage", chat_id=chat["id"], text="a") == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
        status, answer = _post(fake, "sendMessage", chat_id=chat["id"], text="b")
        assert (status, answer["error_code"], answer["description"]) == (502, 502, "Bad Gateway")
        assert _post(fake, "sendMessage", chat_id=chat["id"], text="c")[0] == 200
        assert [m["text"] for m in fake.sent_messages(chat["id"])] == ["c"]

        # Dropped before it was carried out: no answer, and nothing was sent.
        fake.faults.inject("sendMessage", dropped())
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _post(fake, "sendMessage", chat_id=chat["id"], text="d")
        # Dropped after: no answer, but the message is there.
        fake.faults.inject("sendMessage", dropped(process=True))
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _post(fake, "sendMessage", chat_id=chat["id"], text="e")
        # Held past the client's timeout, then carried out.
        fake.faults.inject("sendMessage", timeout(0.6))
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            _post(fake, "sendMessage", 0.2, chat_id=chat["id"], text="f")
        fake.wait_for(lambda: len(fake.sent_messages(chat["id"])) == 3, 5, "the late message")
        assert [m["text"] for m in fake.sent_messages(chat["id"])] == ["c", "e", "f"]

        # A stall holds until released (here: then closed unanswered, the call not done).
        fake.faults.inject("getMe", stall(process=False))
        outcome: list[object] = []

        def stalled_call() -> None:
            try:
                outcome.append(_post(fake, "getMe"))
            except OSError as error:  # URLError, a reset or a closed connection
                outcome.append(error)

        caller = threading.Thread(target=stalled_call)
        caller.start()
        [held] = fake.wait_for(lambda: fake.faults.fired_for("getMe"), 5, "the stall")
        time.sleep(0.3)
        assert caller.is_alive() and not held.done
        fake.faults.release()
        caller.join(5)
        assert held.done and isinstance(outcome[0], OSError)

        # A getUpdates answer dropped leaves its updates unconfirmed: offered again.
        fake.faults.inject("getUpdates", dropped(process=True))
        message = fake.user_sends_text(chat, user, "hello")
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _post(fake, "getUpdates", timeout=1)
        status, answer = _post(fake, "getUpdates", timeout=1)
        assert [u["message"]["message_id"] for u in answer["result"]] == [message["message_id"]]
        [update] = answer["result"]
        # Confirmed, then offered again with its own update_id.
        assert _post(fake, "getUpdates", offset=update["update_id"] + 1)[1]["result"] == []
        assert fake.faults.reoffer(message) == update["update_id"]
        again = _post(fake, "getUpdates", offset=update["update_id"] + 1)[1]["result"]
        assert [u["update_id"] for u in again] == [update["update_id"]]
        assert _post(fake, "getUpdates", offset=update["update_id"] + 1)[1]["result"] == []
        assert len(fake.faults.fired) == 7
        assert fake.faults.arrived("getUpdates") == 5


# -- Telegram refuses or loses the bot's answer ---------------------------------------------


def test_429_on_a_reply_is_retried_after_retry_after(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Rita")
    fake.faults.inject("sendMessage", too_many_requests(1), times=2, chat_id=chat["id"])
    message = fake.user_sends_text(chat, user, article("night ferry"))
    reply = answered_once(bot, chat["id"], message)
    assert "Saved." in reply.result["text"]
    refused = [c for c in fake.calls_to("sendMessage", chat["id"]) if c.status == 429]
    assert len(refused) == 2
    # python-telegram-bot waited retry_after (1 s) before each attempt.
    assert reply.at - refused[0].at >= 2.0
    assert len(bot.stories(chat["id"])) == 1
    bot.alive()


def test_5xx_and_dropped_connections_on_a_reply_are_retried_and_sent_once(bot: Bot) -> None:
    """Surely not delivered (an error answer, or the connection closed before Telegram took
    the request): retried after 0.5, 1 and 2 s. Each chat gets its faults; they run at once."""
    fake = bot.fake
    plans = {
        "500": [server_error(500)],
        "502 twice": [server_error(502), server_error(502)],
        "500 502 500": [server_error(500), server_error(502), server_error(500)],
        "dropped": [dropped()],
        "dropped, then 502": [dropped(), server_error(502)],
    }
    sent = []
    for name, faults in plans.items():
        chat, user = bot.new_private_chat("Fay")
        for fault in faults:
            fake.faults.inject("sendMessage", fault, chat_id=chat["id"])
        message = fake.user_sends_text(chat, user, article(f"water tower {name}"))
        sent.append((name, chat, message, len(faults)))
    for name, chat, message, faults in sent:
        reply = answered_once(bot, chat["id"], message)
        assert "Saved." in reply.result["text"], name
        fired = fake.faults.fired_for("sendMessage", chat["id"])
        assert len(fired) == faults and all(f.done for f in fired), name
        assert len(bot.stories(chat["id"])) == 1, name
    assert "trying again in" in bot.log_text()
    bot.alive()


def test_a_timed_out_or_failing_reply_is_never_silently_dropped(bot: Bot) -> None:
    """A timeout is ambiguous: Telegram may have posted the message, so the bot doesn't resend
    it (at most once). When Telegram did post it late, the user has exactly one reply; when it
    never did, the reply is lost and the log says so. A reply still failing after the retries
    is logged and the chat is told."""
    fake = bot.fake
    late_chat, late_user = bot.new_private_chat("Lou")
    lost_chat, lost_user = bot.new_private_chat("Len")
    failing_chat, failing_user = bot.new_private_chat("Pat")
    fake.faults.inject("sendMessage", timeout(HOLD_PAST_TIMEOUT), chat_id=late_chat["id"])
    fake.faults.inject(
        "sendMessage", timeout(HOLD_PAST_TIMEOUT, process=False), chat_id=lost_chat["id"]
    )
    fake.faults.inject("sendMessage", server_error(502), times=4, chat_id=failing_chat["id"])
    late = fake.user_sends_text(late_chat, late_user, article("river lock"))
    lost = fake.user_sends_text(lost_chat, lost_user, article("bus station"))
    failing = fake.user_sends_text(failing_chat, failing_user, article("tidal barrier"))

    sorry = fake.wait_for(
        lambda: [m for m in fake.sent_messages(failing_chat["id"]) if SORRY in m["text"]],
        REPLY_TIMEOUT,
        "the apology",
    )
    assert len(sorry) == 1
    # The story's reply never went through: the only reply to the message is the apology.
    replies = accepted_replies(fake, failing_chat["id"], failing["message_id"])
    assert [c.result["text"] for c in replies] == [sorry[0]["text"]]
    assert f"could not send to chat {failing_chat['id']} (attempt 4)" in bot.log_text()

    reply = answered_once(bot, late_chat["id"], late)
    assert "Saved." in reply.result["text"]
    [held] = fake.faults.fired_for("sendMessage", lost_chat["id"])
    fake.wait_for(lambda: held.done, REPLY_TIMEOUT, "the held request to end")
    log = bot.log_text()
    assert f"sending to chat {lost_chat['id']} timed out" in log and "not resent" in log
    for chat in (late_chat, lost_chat, failing_chat):
        assert len(bot.stories(chat["id"])) == 1  # the stories themselves are saved
    # Every chat carries on.
    for chat, user in (
        (late_chat, late_user),
        (lost_chat, lost_user),
        (failing_chat, failing_user),
    ):
        after = fake.user_sends_text(chat, user, "/list")
        assert "Stories 1/1" in answered_once(bot, chat["id"], after).result["text"]
    assert accepted_replies(fake, lost_chat["id"], lost["message_id"]) == []
    assert len(accepted_replies(fake, late_chat["id"], late["message_id"])) == 1


# -- edits and button answers -------------------------------------------------------------------


def saved_with_buttons(bot: Bot, name: str) -> tuple[dict, dict, dict]:
    """A new chat that saved a story: (chat, user, the reply carrying the buttons)."""
    chat, user = bot.new_private_chat(name)
    message = bot.fake.user_sends_text(chat, user, article(f"{name.lower()} quay"))
    reply = answered_once(bot, chat["id"], message).result
    assert "Saved." in reply["text"] and reply.get("reply_markup"), reply
    return chat, user, reply


def test_edits_and_button_answers_are_retried_like_replies(bot: Bot) -> None:
    """Pressing Shorter answers the callback query, then edits the summary. Under 429, 500/502,
    a dropped connection or a timeout, each is retried: the query is answered, the message
    edited, the user sees no error. Both are safe to repeat, so a timeout is retried too, and
    a repeat Telegram refuses because the first got through ("message is not modified",
    "query is too old") counts as done. An edit still failing after the retries is reported:
    the query was answered already, so the apology comes as a message."""
    fake = bot.fake
    plans: dict[str, tuple[list, list]] = {
        "Rate": ([too_many_requests(1)], [too_many_requests(1)]),
        "Five": ([server_error(502)], [server_error(500), server_error(502)]),
        "Drop": ([dropped()], [dropped()]),
        "Lost": ([dropped(process=True)], [dropped(process=True)]),
        "Slow": (
            [timeout(HOLD_PAST_TIMEOUT, process=False)],
            [timeout(HOLD_PAST_TIMEOUT, process=False)],
        ),
        "Fail": ([], [server_error(502)] * 4),
    }
    bot.expected_refusals |= {"message is not modified", "query is too old"}
    pressed = {}
    for name, (answer_faults, edit_faults) in plans.items():
        chat, user, reply = saved_with_buttons(bot, name)
        for fault in answer_faults:
            fake.faults.inject("answerCallbackQuery", fault, chat_id=chat["id"])
        for fault in edit_faults:
            fake.faults.inject("editMessageText", fault, chat_id=chat["id"])
        story_id = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1]
        query = fake.user_presses(chat, user, reply, f"short:{story_id}")
        pressed[name] = (chat, reply, query)

    for name, (chat, reply, query) in pressed.items():
        fake.wait_for(
            lambda q=query: fake.callback_queries[q]["answered"], REPLY_TIMEOUT, f"{name} answer"
        )
        answered = [
            c
            for c in fake.calls_to("answerCallbackQuery")
            if c.ok and c.params.get("callback_query_id") == query
        ]
        assert len(answered) == 1 and not fake.callback_queries[query]["answered"]["text"], name
        fired = fake.faults.fired_for("answerCallbackQuery", chat["id"])
        assert len(fired) == len(plans[name][0]), name
        if name == "Fail":
            sorry = fake.wait_for(
                lambda c=chat: [m for m in fake.sent_messages(c["id"]) if SORRY in m["text"]],
                REPLY_TIMEOUT,
                "the apology",
            )
            assert len(sorry) == 1
            assert fake.message(chat["id"], reply["message_id"])["text"] == reply["text"]
            continue
        fake.wait_for(
            lambda c=chat, r=reply: "edit_date" in fake.message(c["id"], r["message_id"]),
            REPLY_TIMEOUT,
            f"{name} edit",
        )
        edited = fake.message(chat["id"], reply["message_id"])
        assert edited["text"] != reply["text"] and edited.get("reply_markup"), name
        edits = [c for c in fake.calls_to("editMessageText", chat["id"]) if c.ok]
        assert len(edits) == 1, name
        assert not [m for m in fake.sent_messages(chat["id"]) if SORRY in m["text"]], name
    log = bot.log_text()
    assert "trying again in" in log and "already done by an earlier attempt" in log
    for what in ("editing message", "answering callback query"):
        assert f"{what} " in log
    bot.alive()


# -- Telegram fails the bot's long poll -----------------------------------------------------


def test_failed_long_polls_are_retried(bot: Bot) -> None:
    """502, 500, 429 and a connection dropped in the middle of a long poll, one after the
    other: python-telegram-bot polls again (after 1 s, 1.5 s, … for network errors)."""
    fake = bot.fake
    before = len(fake.faults.fired_for("getUpdates"))
    idle_poll(bot)
    for fault in (server_error(502), server_error(500), too_many_requests(1), dropped(after=0.3)):
        fake.faults.inject("getUpdates", fault)
    kick_poll(bot)
    fake.wait_for(
        lambda: len(fake.faults.fired_for("getUpdates")) - before == 4,
        REPLY_TIMEOUT,
        "four failed polls",
    )
    chat, user = bot.new_private_chat("Poll")
    message = fake.user_sends_text(chat, user, article("flood wall"))
    assert "Saved." in answered_once(bot, chat["id"], message).result["text"]
    assert len(bot.stories(chat["id"])) == 1
    assert "error outside any update (polling for updates, or a job)" in bot.log_text()
    bot.alive()


def test_updates_in_a_dropped_poll_answer_are_offered_again_and_handled_once(bot: Bot) -> None:
    """The answer to getUpdates is lost after the fake gave out the updates: they stay
    unconfirmed, so the next poll gets the same update_ids again."""
    fake = bot.fake
    before = len(fake.faults.fired_for("getUpdates"))
    idle_poll(bot)
    fake.faults.inject("getUpdates", dropped(process=True))
    kick_poll(bot)
    fake.wait_for(
        lambda: len(fake.faults.fired_for("getUpdates")) > before, REPLY_TIMEOUT, "the poll"
    )
    chat, user = bot.new_private_chat("Ola")
    group_user = bot.new_private_chat("Gia")[1]
    group = fake.group(bot.new_group_id(), "Dropped poll desk")
    message = fake.user_sends_text(chat, user, article("orchard lane"))
    silent = fake.user_sends_text(group, group_user, article("mill pond"))
    assert "Saved." in answered_once(bot, chat["id"], message).result["text"]
    [delivered] = fake.faults.fired_for("getUpdates")[before:]
    assert delivered.done and delivered.lost_answer is not None
    assert message["_update_id"] in [u["update_id"] for u in delivered.lost_answer["result"]]
    offered = [
        u["update_id"]
        for c in fake.calls_to("getUpdates")
        if c.ok
        for u in c.result
        if u["update_id"] == message["_update_id"]
    ]
    polls = [
        (round(c.at, 2), c.status, c.params.get("offset"), [u["update_id"] for u in c.result or []])
        for c in fake.calls_to("getUpdates")[-6:]
    ]
    fired_at = [round(f.at, 2) for f in fake.faults.fired_for("getUpdates")]
    assert len(offered) == 2, (message["_update_id"], polls, fired_at)  # lost answer, retry
    assert len(bot.stories(chat["id"])) == 1
    fake.wait_for(lambda: bot.stories(group["id"]), REPLY_TIMEOUT, "the group's story")
    assert [s["message_id"] for s in bot.stories(group["id"])] == [silent["message_id"]]
    assert fake.sent_messages(group["id"]) == []
    bot.alive()


# -- the same update twice ----------------------------------------------------------------------


def test_a_redelivered_update_does_not_store_a_story_twice(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Reed")
    message = fake.user_sends_text(chat, user, article("salt marsh"))
    first = fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)
    assert "Saved." in first["text"]
    [story] = bot.stories(chat["id"])

    # The same update_id again (Telegram never heard the confirmation): the update journal
    # has it, so it is not handled again. The chat's updates are handled in order, so once a
    # later /list is answered, a second reply would have come.
    fake.faults.reoffer(message)
    barrier = fake.user_sends_text(chat, user, "/list")
    answered_once(bot, chat["id"], barrier)
    assert len(accepted_replies(fake, chat["id"], message["message_id"])) == 1
    assert f"update {message['_update_id']} was received before" in bot.log_text()
    # The same message in a new update (a new update_id) is a new update: answered, and the
    # story is not stored twice.
    fake.faults.redeliver(message)
    replies = fake.wait_for(
        lambda: (r := accepted_replies(fake, chat["id"], message["message_id"]))[1:] and r,
        REPLY_TIMEOUT,
        "the answer to the message delivered again",
    )
    assert [dict(s) for s in bot.stories(chat["id"])] == [dict(story)]
    texts = [c.result["text"] for c in replies]
    assert len(texts) == 2 and "Saved." in texts[0], texts
    assert f"Already saved here as story #{story['id']}" in texts[1], texts

    # In a group (stored silently) and a channel: stored once, nothing said.
    group = fake.group(bot.new_group_id(), "Redelivery desk")
    posted = fake.user_sends_text(group, user, article("lighthouse keeper"))
    channel = fake.channel(bot.new_group_id(), "Redelivery wire")
    post = fake.channel_posts(channel, article("pier repairs"))
    for chat_id in (group["id"], channel["id"]):
        fake.wait_for(lambda chat_id=chat_id: bot.stories(chat_id), REPLY_TIMEOUT, "a story")
    for original in (posted, post):
        fake.faults.reoffer(original)
        fake.faults.redeliver(original)
    # Each chat's updates are handled in order: a command answered after them is a barrier.
    listed = fake.user_sends_text(group, user, f"/list@{BOT_NAME}")
    status = fake.channel_posts(channel, "/digest status")
    assert "Stories 1/1" in answered_once(bot, group["id"], listed).result["text"]
    answered_once(bot, channel["id"], status)
    assert [s["message_id"] for s in bot.stories(group["id"])] == [posted["message_id"]]
    assert [s["message_id"] for s in bot.stories(channel["id"])] == [post["message_id"]]
    assert len(fake.sent_messages(group["id"])) == len(fake.sent_messages(channel["id"])) == 1
    bot.alive()


def test_no_reply_came_twice_later(bot: Bot) -> None:
    """Runs after the fault tests: every message they counted one reply for still has one
    (a late duplicate would have come within the retry pauses), and the bot is running."""
    time.sleep(1.0)
    twice = [
        (chat_id, message_id, len(accepted_replies(bot.fake, chat_id, message_id)))
        for chat_id, message_id in bot.expected_once
        if len(accepted_replies(bot.fake, chat_id, message_id)) != 1
    ]
    assert len(bot.expected_once) >= 10 and twice == []
    assert bot.process.poll() is None


# -- soak: slower, off by default ----------------------------------------------------------------


@pytest.mark.skipif(not SOAK, reason="set STORYBOT_SOAK=1 for the slow fault variants")
def test_soak_a_long_poll_held_past_the_client_timeout(bot: Bot) -> None:
    """getUpdates waits 10 s plus a 5 s read timeout: held 17 s, the bot gives up and polls
    again (the held request is then closed unanswered)."""
    fake = bot.fake
    before = len(fake.faults.fired_for("getUpdates"))
    idle_poll(bot)
    fake.faults.inject("getUpdates", timeout(17.0, process=False), times=1)
    kick_poll(bot)
    fake.wait_for(
        lambda: len(fake.faults.fired_for("getUpdates")) > before, REPLY_TIMEOUT, "the held poll"
    )
    chat, user = bot.new_private_chat("Slow")
    message = fake.user_sends_text(chat, user, article("canal bridge"))
    assert "Saved." in answered_once(bot, chat["id"], message, 60).result["text"]
    bot.alive()


@pytest.mark.skipif(not SOAK, reason="set STORYBOT_SOAK=1 for the slow fault variants")
def test_soak_every_fault_at_once_under_load(bot: Bot) -> None:
    """Ten chats send three stories each while replies and polls keep failing."""
    fake = bot.fake
    for fault in (too_many_requests(1), server_error(500), server_error(502), dropped()):
        fake.faults.inject("sendMessage", fault, times=6)
    fake.faults.inject("getUpdates", server_error(502), times=3)
    fake.faults.inject("getUpdates", dropped(process=True), times=3)
    chats = [bot.new_private_chat("Soak") for _ in range(10)]
    sent = [
        (chat, fake.user_sends_text(chat, user, article(f"soak {n}-{i} quay")))
        for i in range(3)
        for n, (chat, user) in enumerate(chats)
    ]
    for chat, message in sent:
        answered_once(bot, chat["id"], message, 120)
    for chat, _ in chats:
        assert len(bot.stories(chat["id"])) == 3
    bot.alive()


# -- storage faults, in-process ------------------------------------------------------------------


async def _handle(application: Any, fake: FakeTelegram, message: dict) -> None:
    from telegram import Update

    fields = {k: v for k, v in message.items() if not k.startswith("_")}
    payload = {"update_id": message["_update_id"], "message": fields}
    await application.process_update(Update.de_json(payload, application.bot))


def _whole_stories(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = connection.execute(
            "SELECT count(*) FROM stories s WHERE NOT EXISTS "
            "(SELECT 1 FROM sentences x WHERE x.story_id = s.id)"
        ).fetchone()[0]
        assert orphans == 0


def test_a_full_or_read_only_database_gets_a_clear_log_line_and_a_brief_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.config import Settings
    from bot.services.stories import StoryService
    from bot.telegram.app import build_application
    from db.store import Store

    db = tmp_path / "storage.db"
    store = Store(db)
    service = StoryService(store)
    caplog.set_level(logging.INFO)
    with FakeTelegram(TOKEN, bot_username=BOT_NAME) as fake:
        settings = Settings(db_path=str(db), token=TOKEN, api_base_url=fake.base_url)
        application = build_application(settings, service)
        user = fake.user(77, "Sid")
        chat = fake.private_chat(user)

        async def scenario() -> None:
            async with application:
                saved = fake.user_sends_text(chat, user, article("grain silo"))
                await _handle(application, fake, saved)
                assert "Saved." in fake.replies_to(chat["id"], saved["message_id"])[0]["text"]

                # Read-only: the database file opened read-only underneath the store.
                writable = store._conn
                read_only = sqlite3.connect(
                    f"file:{db}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
                )
                store._conn, store.db = read_only, sqlite_utils.Database(read_only)
                refused = fake.user_sends_text(chat, user, article("cable car"))
                await _handle(application, fake, refused)
                [reply] = fake.sent_messages(chat["id"])[-1:]
                assert reply["text"] == (
                    "I can't save stories right now: the storage is read-only. "
                    "The admin has been told in the log."
                )
                assert fake.replies_to(chat["id"], refused["message_id"]) == [reply]
                listed = fake.user_sends_text(chat, user, "/list")
                await _handle(application, fake, listed)  # reading still works
                assert "Stories 1/1" in fake.replies_to(chat["id"], listed["message_id"])[0]["text"]

                # Full: no page may be added to the file.
                store._conn, store.db = writable, sqlite_utils.Database(writable)
                read_only.close()
                pages = writable.execute("PRAGMA page_count").fetchone()[0]
                writable.execute(f"PRAGMA max_page_count = {pages}")
                big = "\n\n".join(article(f"dock {n} crane") for n in range(40))
                full = fake.user_sends_text(chat, user, big)
                await _handle(application, fake, full)
                [reply] = fake.sent_messages(chat["id"])[-1:]
                assert "the storage is full" in reply["text"]

                writable.execute(f"PRAGMA max_page_count = {pages * 1000}")
                again = fake.user_sends_text(chat, user, big)
                await _handle(application, fake, again)
                assert "Saved." in fake.replies_to(chat["id"], again["message_id"])[0]["text"]

        asyncio.run(scenario())
    store.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.errors"]
    assert any(line.startswith("STORAGE READ-ONLY: can't write to the database") for line in lines)
    assert any(line.startswith("STORAGE FULL: can't write to the database") for line in lines)
    assert not any(SORRY in m["text"] for m in fake.sent_messages(chat["id"]))
    _whole_stories(db)
    assert len(stories_of(db, chat["id"])) == 2  # the first and the last, whole


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[None]:
    """The file can't be written by this user: mode 444, or for root (who ignores modes) the
    immutable attribute. Skips where neither is possible."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"can't make a file read-only for root here: {made.stderr.decode()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def read_only_folder(folder: Path, *, file: Path | None = None) -> Iterator[None]:
    """The folder (and the file in it, if given) can't be written: SQLite can create no -wal
    or -shm file there, as on a read-only mount. Modes 555/444, or for root the immutable
    attribute; skips where neither is possible."""
    paths = [p for p in (file, folder) if p is not None]
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in reversed(paths):
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    made = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"can't make a folder read-only for root here: {made.stderr.decode()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, reversed(paths))], check=True)


@pytest.mark.parametrize("file_too", [False, True], ids=["folder", "folder-and-file"])
def test_a_database_in_a_read_only_folder_opens_read_only_and_answers_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, file_too: bool
) -> None:
    """A WAL database whose folder can't take its -shm file (a read-only mount, a 0555
    folder) once stopped the bot at start-up: "unable to open database file"."""
    from bot.cli.run import open_journal, open_service
    from bot.config import Settings
    from bot.services.stories import StoryService
    from db.storage_trouble import storage_trouble
    from db.store import Store

    folder = tmp_path / "mounted"
    folder.mkdir()
    db = folder / "bot.db"
    writer = StoryService(Store(db))
    story = writer.save_text(5, article("harbour bridge")).outcome.story
    writer.store.close()
    assert story is not None
    caplog.set_level(logging.INFO)
    with read_only_folder(folder, file=db if file_too else None):
        service = open_service(Settings(db_path=str(db), token=TOKEN))
        try:
            assert service.store.read_only and open_journal(service.store) is None
            assert [s.id for s in service.chat(5).latest_stories()] == [story.id]
            assert [s.id for s in service.search(5, "harbour bridge")] == [story.id]
            assert service.summary(5, story.id, None) is not None
            with pytest.raises(sqlite3.OperationalError) as refused:
                service.save_text(5, article("tram depot"))
            assert storage_trouble(refused.value) == "read-only"
        finally:
            service.store.close()
        assert sorted(p.name for p in folder.iterdir()) == ["bot.db"], "nothing was written"
    assert "STORAGE READ-ONLY: can't write to the database" in caplog.text


def old_database_with_a_story(path: Path, chat_id: int, version: int = 4) -> None:
    """A database left by an older storybot (schema ``version``), holding one story."""
    from db.migrations import migrate

    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    old.enable_wal()
    migrate(old, target=version)
    old.execute(
        "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', '2024-01-01')", [chat_id]
    )
    cursor = old.execute(
        "INSERT INTO stories (chat_id, chat_tag, title, text, source_kind, added_at, "
        "content_hash, word_count) VALUES (?, ?, 'Harbour wall', ?, 'text', '2024-01-01', 'h', 9)",
        [chat_id, f"chat{chat_id}", "The harbour wall was rebuilt after the winter storms."],
    )
    old.execute(
        "INSERT INTO sentences (story_id, position, paragraph, text) VALUES (?, 0, 0, ?)",
        [cursor.lastrowid, "The harbour wall was rebuilt after the winter storms."],
    )
    old.conn.close()


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_at_start_up_runs_read_only_and_says_so(
    tmp_path: Path, what: str
) -> None:
    """`storybot run` upgraded, on a database file (or in a folder, as on a read-only mount)
    it can't write: the migration can't run. The bot logs one clear line, runs read-only (no
    crash loop): saving gets the brief read-only reply, listing still works."""
    folder = tmp_path / "data"
    folder.mkdir()
    db, log = folder / "read-only.db", tmp_path / "read-only.log"
    read_only = read_only_file(db) if what == "file" else read_only_folder(folder, file=db)
    with FakeTelegram(TOKEN, bot_username=BOT_NAME) as fake:
        user = fake.user(78, "Ros")
        chat = fake.private_chat(user)
        old_database_with_a_story(db, chat["id"])
        with read_only:
            process = start_bot(fake, db, log)
            try:
                fake.user_sends_text(chat, user, article("ferry terminal"))
                [reply] = [m["text"] for m in fake.wait_for_messages(chat["id"], 1, REPLY_TIMEOUT)]
                assert reply == (
                    "I can't save stories right now: the storage is read-only. "
                    "The admin has been told in the log."
                )
                listed = fake.user_sends_text(chat, user, "/list")
                text = fake.wait_for_reply(chat["id"], listed, REPLY_TIMEOUT)["text"]
                assert "Harbour wall" in text and "(1 in all)" in text, text
                assert process.poll() is None
            finally:
                stop_bot(process)
    output = log.read_text()
    assert output.count("STORAGE READ-ONLY: can't write to the database") >= 2, output[-3000:]
    assert "running read-only" in output and f"schema version 4, not {LATEST_VERSION}" in output
    assert "update journal off" in output
    assert "Traceback" not in output.split("STORAGE READ-ONLY", 1)[0]
    assert len(stories_of(db, chat["id"])) == 1


def test_a_read_only_database_needing_no_migration_is_found_out_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At the latest schema, opening writes nothing: a probe write tells."""
    from bot.cli.run import open_journal, open_service
    from bot.config import Settings
    from db.store import Store

    db = tmp_path / "latest.db"
    Store(db).close()
    caplog.set_level(logging.INFO)
    with read_only_file(db):
        service = open_service(Settings(db_path=str(db), token=TOKEN))
        try:
            assert service.store.read_only and open_journal(service.store) is None
            assert service.store.chat(5).latest_stories(limit=3) == []
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                service.store.chat(5).ensure_exists()
        finally:
            service.store.close()
    assert "STORAGE READ-ONLY: can't write to the database" in caplog.text
    writable = open_service(Settings(db_path=str(db), token=TOKEN))
    assert not writable.store.read_only
    writable.store.close()
