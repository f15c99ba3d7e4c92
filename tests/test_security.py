"""Security: chat isolation, hostile queries and markup, limits, the allow-list, the token.

Updates go in-process through the real Application (every handler, the allow-list and the
rate limit) to a recording Bot API stand-in, so each test sees every call the bot made.
Link fetching (SSRF, redirects, sizes) is covered in test_fetching.py.
"""

from __future__ import annotations

import asyncio
import html
import io
import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.cli import main as cli_main
from bot.config import DEFAULT_MAX_STORIES_PER_CHAT, Settings
from bot.rate_limits import BURST, LIGHT_COST, TOO_FAST, RateLimiter
from bot.services.stories import StoryService
from bot.sources.documents import MAX_DOCUMENT_BYTES
from bot.telegram.app import build_application
from bot.telegram.token_filter import TokenFilter
from db.store import Store
from handlers.browsing import NOT_YOURS, STALE_BUTTON
from handlers.errors import SORRY
from tests.conftest import article
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_telegram.in_process import FakeTelegramRequest
from tests.support.telegram_html import telegram_text

TOKEN = "123456789:AAHsecretTOKENvalue-do_not_leak"
ALICE, BOB = 501, 502  # private chats have the user's id
GROUP = -100_777


class Harness:
    """One Application over a temporary store, driven by synthetic updates, its Bot API calls
    answered in-process by the shared fake Bot API (strict as Telegram is)."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        self.settings = Settings(db_path=str(tmp_path / "security.db"), **settings)
        self.service = StoryService(Store(self.settings.db_path), self.settings)
        self.fake = FakeTelegram(TOKEN)
        self.api = FakeTelegramRequest(self.fake)
        self.app = build_application(self.settings, self.service, request=self.api, token=TOKEN)
        self.admins: set[int] | None = None  # None: everyone administers every group
        self.ids = itertools.count(1)

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self.fake.chats:
            return self.fake.chats[chat_id]
        if chat_id > 0:
            return self.fake.private_chat(self.user(chat_id))
        return self.fake.group(chat_id, "C", supergroup=False)

    def user(self, user_id: int) -> dict[str, Any]:
        if user_id == self.fake.bot["id"]:
            return self.fake.bot
        return self.fake.users.get(user_id) or self.fake.user(user_id, f"U{user_id}")

    def member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """The user, in the chat, an admin there unless ``admins`` says otherwise."""
        chat, user = self.chat(chat_id), self.user(user_id)
        if chat["type"] != "private" and user_id != self.fake.bot["id"]:
            admin = self.admins is None or user_id in self.admins
            self.fake.set_admin(chat, user, "creator" if admin else None)
        return user

    def message(self, chat_id: int, user_id: int, text: str, **fields: Any) -> dict[str, Any]:
        message = {"from": self.member(chat_id, user_id), "text": text, **fields}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.fake.posted(chat_id, message)

    async def update(self, payload: dict[str, Any]) -> None:
        payload["update_id"] = next(self.ids)
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def queued(self) -> None:
        """Hand the Application what the fake queued (presses, files)."""
        for update in self.fake.take_updates():
            await self.update(update)

    async def say(self, chat_id: int, text: str, user_id: int | None = None, **fields) -> None:
        user = user_id or (chat_id if chat_id > 0 else ALICE)
        await self.update({"message": self.message(chat_id, user, text, **fields)})

    async def send_file(self, chat_id: int, name: str, data: bytes, user_id: int) -> None:
        self.member(chat_id, user_id)
        self.fake.user_sends_document(chat_id, self.user(user_id), name, data)
        await self.queued()

    async def press(
        self, chat_id: int, data: str, user_id: int | None = None, *, offered: bool = True
    ) -> None:
        """A press of a button with that data; ``offered=False`` forges the data, sending it
        under a message that shows no such button."""
        user = self.member(chat_id, user_id or (chat_id if chat_id > 0 else ALICE))
        shown: dict[str, Any] = {"from": self.fake.bot, "text": "…"}
        if offered:
            shown["reply_markup"] = {
                "inline_keyboard": [[{"text": "Button", "callback_data": data}]]
            }
        bot_message = self.fake.posted(chat_id, shown)
        self.fake.user_presses(chat_id, user, bot_message, data)
        await self.queued()

    def run(self, scenario: Callable[[Harness], Any]) -> None:
        async def go() -> None:
            async with self.app:
                await scenario(self)

        asyncio.run(go())

    # -- what the bot did -------------------------------------------------------------------

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c.method, c.params) for c in self.fake.calls]

    def forget_calls(self) -> None:
        self.fake.calls.clear()

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of sent and edited messages (to one chat), and of callback answers."""
        shown = []
        for method, params in self.calls():
            if method == "answerCallbackQuery":
                query = self.fake.callback_queries[params["callback_query_id"]]["query"]
                here = query["message"]["chat"]["id"]
            else:
                here = int(params.get("chat_id", 0))
            shown_here = chat_id is None or here == chat_id
            if method in ("sendMessage", "editMessageText", "answerCallbackQuery") and shown_here:
                shown.append(params.get("text", ""))
        return shown

    def to_chat(self, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
        return [(m, p) for m, p in self.calls() if str(p.get("chat_id")) == str(chat_id)]

    def all_sent_valid(self) -> None:
        """Every message the bot sent or edited is Telegram HTML; none is the error apology."""
        for method, params in self.calls():
            if method in ("sendMessage", "editMessageText"):
                telegram_text(params["text"])
                assert SORRY not in params["text"], "a handler failed"


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    made = Harness(tmp_path)
    yield made
    made.service.store.close()


# -- chat isolation --------------------------------------------------------------------------


def test_no_command_or_button_reaches_another_chats_story(harness: Harness) -> None:
    secret = article("secret tunnel")

    async def scenario(h: Harness) -> None:
        await h.say(ALICE, secret)
        await h.say(BOB, article("harbour bridge"))
        alice_story = h.service.chat(ALICE).latest_story()
        bob_story = h.service.chat(BOB).latest_story()
        assert alice_story and bob_story and "secret tunnel" in alice_story.text
        theirs = alice_story.id
        # The bot's "Saved." in Alice's chat is about her story; in Bob's chat the same
        # message number is another message.
        [alice_saved] = [
            c.result["message_id"]
            for c in h.fake.calls
            if c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE
        ]
        assert h.service.chat(ALICE).story_id_for_bot_message(alice_saved) == theirs
        h.forget_calls()
        for data in (f"short:{theirs}", f"long:{theirs}", f"facts:{theirs}"):
            await h.press(BOB, data)
        await h.press(BOB, f"del:{theirs}")
        await h.press(BOB, f"delok:{theirs}")
        await h.say(BOB, f"/forget {theirs}")
        # Replies naming Alice's story: to a message with her story number and the number of
        # her "Saved." message, and /summary ID.
        quoted = {
            **h.message(BOB, h.fake.bot["id"], f"Story #{theirs}"),
            "message_id": alice_saved,
        }
        await h.say(BOB, "/summary", reply_to_message=quoted)
        await h.say(BOB, "/facts", reply_to_message=quoted)
        await h.say(BOB, "/ask Where is the secret tunnel project?", reply_to_message=quoted)
        await h.say(BOB, "Where is the secret tunnel project?")
        await h.say(BOB, "/search secret tunnel")
        await h.say(BOB, "/list")
        await h.say(BOB, "/digest")
        await h.press(BOB, "list:0")
        bob_saw = " ".join(h.texts(BOB)).lower()
        # Bob's own words come back ("No stories here match “secret tunnel”"); Alice's text,
        # title or story number never do.
        for phrase in ("tunnel project", "tunnel plan", "tunnel scheme", "tunnel site"):
            assert phrase not in bob_saw.replace("tunnel project?", ""), bob_saw
        assert not re.search(rf"#{theirs}\b", bob_saw), bob_saw
        assert "that story isn't in this chat" in bob_saw
        assert h.service.chat(ALICE).story(theirs) is not None, "Bob deleted Alice's story"
        assert all(not p.get("chat_id") or int(p["chat_id"]) == BOB for _, p in h.calls())
        h.all_sent_valid()

    harness.run(scenario)


def test_cli_never_shows_another_chats_stories(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    store = Store(db)
    service = StoryService(store)
    service.save_text(1, article("secret tunnel"))
    service.save_text(2, article("harbour bridge"))
    store.close()
    runs = [
        ["ask", "--chat", "2", "Where is the secret tunnel project?"],
        ["list", "--chat", "2"],
        ["list", "--chat", "2", "--json"],
        ["digest", "--chat", "2", "--since", "2000-01-01"],
        ["digest", "--chat", "2", "--since", "2000-01-01", "--json"],
    ]
    for argv in runs:
        with pytest.raises(SystemExit):
            cli_main(["--db", db, *argv])
        out, err = capsys.readouterr()
        assert "tunnel" not in (out + err).lower(), argv
    with pytest.raises(SystemExit):
        cli_main(["--db", db, "list", "--chat", "1"])
    assert "tunnel" in capsys.readouterr().out.lower()  # the check above can see a leak


# -- hostile queries and markup --------------------------------------------------------------

FTS5_SYNTAX = [
    '"',
    "*",
    "NEAR(",
    "NEAR(tunnel bridge, 2)",
    ":",
    "title:tunnel",
    "(",
    ")",
    "-",
    "-tunnel",
    "^",
    "^tunnel",
    "OR",
    "AND NOT",
    "tunnel AND NOT bridge",
    '"unbalanced',
    'a"b"c"',
    "tun*",
    "{title text}: x",
    "'; DROP TABLE stories; --",
]


def test_fts5_syntax_in_search_and_questions_is_never_an_error(harness: Harness) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(ALICE, article("secret tunnel"))
        for query in FTS5_SYNTAX:
            await h.say(ALICE, f"/search {query}")
            await h.say(ALICE, f"/ask Who built the {query} tunnel?")
            await h.say(ALICE, f"What {query}?")
        h.all_sent_valid()
        assert h.service.chat(ALICE).count() == 1  # questions were not stored as stories

    harness.run(scenario)


def test_markup_in_titles_and_sources_is_escaped_in_every_reply(harness: Harness) -> None:
    hostile_title = "<b>x</a><script> Harbour Bridge Opens To Traffic & More"
    forward = {
        "forward_origin": {
            "type": "channel",
            "date": int(time.time()),
            "chat": {"id": -100_555, "type": "channel", "title": "<i>"},
            "message_id": 7,
        }
    }

    async def scenario(h: Harness) -> None:
        await h.say(ALICE, hostile_title + "\n\n" + article("harbour bridge"), **forward)
        story = h.service.chat(ALICE).latest_story()
        assert story is not None and story.source == "<i>"
        assert "<script>" in story.title, "the test needs the markup to reach the title"
        for command in ("/summary", "/summary 60w", "/facts", "/list", "/search harbour"):
            await h.say(ALICE, command)
        await h.say(ALICE, "/digest")
        await h.say(ALICE, "Who approved the harbour bridge plan?")
        for data in ("short", "long", "facts", "del"):
            await h.press(ALICE, f"{data}:{story.id}")
        await h.say(ALICE, "/search <b>x</a><script> &amp; \u202e")
        h.all_sent_valid()
        sent = [p["text"] for m, p in h.calls() if m in ("sendMessage", "editMessageText")]
        assert sent and all("<script>" not in text for text in sent)
        shown = [telegram_text(text) for text in sent]  # as the user sees them
        assert any("<b>x</a><script>" in text for text in shown), "the title is shown, as text"
        assert any(f"Story #{story.id} · <i>" in text for text in shown), "so is the source"

    harness.run(scenario)


HOSTILE_LINKS = (
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "tg://resolve?domain=somebody",
    "vbscript:msgbox(1)",
    "http:/no-host",
    "https://exa mple.com/",
)


def test_only_web_links_become_links_in_replies_and_digests(harness: Harness) -> None:
    topics = ("harbour bridge", "tram depot", "ferry line", "city library", "canal lock")
    topics += ("airport runway", "water plant")
    records = [
        {"title": f"Story about the {topic}", "text": article(topic), "url": url}
        for topic, url in zip(topics, HOSTILE_LINKS, strict=True)
    ]
    records.append({"title": "A web story", "text": article("museum roof"), "url": WEB_LINK})
    saved = harness.service.save_document(ALICE, "links.json", json.dumps(records).encode())
    assert sum(s.outcome.added for s in saved) == len(records)

    async def scenario(h: Harness) -> None:
        for story in h.service.chat(ALICE).latest_stories(limit=50):
            await h.say(ALICE, f"/summary {story.id}")
        await h.say(ALICE, "/digest")
        h.all_sent_valid()
        sent = [p["text"] for m, p in h.calls() if m in ("sendMessage", "editMessageText")]
        hrefs = [href for text in sent for href in re.findall(r'<a href="([^"]*)"', text)]
        assert hrefs and all(href == WEB_LINK for href in hrefs), hrefs
        shown = "\n".join(telegram_text(text) for text in sent)
        assert "javascript:alert(document.cookie)" in shown, "shown as plain text instead"

    harness.run(scenario)


WEB_LINK = "https://news.example.org/museum-roof"


# -- deleting ---------------------------------------------------------------------------------

CAROL = 503  # the group's admin


def test_in_a_group_only_admins_and_the_stories_sender_may_delete(harness: Harness) -> None:
    harness.admins = {CAROL}

    async def scenario(h: Harness) -> None:
        await h.say(GROUP, article("harbour bridge"), user_id=ALICE)
        await h.say(GROUP, article("tram depot"), user_id=BOB)
        chat = h.service.chat(GROUP)
        alices, bobs = (s.id for s in sorted(chat.latest_stories(), key=lambda s: s.id))
        h.forget_calls()
        # Bob, no admin, at Alice's story: every way in is refused.
        await h.say(GROUP, f"/forget {alices}", user_id=BOB)
        await h.press(GROUP, f"del:{alices}", user_id=BOB)
        await h.press(GROUP, f"delok:{alices}", user_id=BOB)
        assert chat.story(alices) is not None, "Bob deleted Alice's story"
        texts = [html.unescape(text) for text in h.texts(GROUP) if text]
        assert len(texts) == 3 and all(NOT_YOURS in text for text in texts), texts
        assert not any("Delete story" in text for text in texts), "no confirmation offered"
        # Their own stories, and the admin anyone's.
        await h.press(GROUP, f"delok:{alices}", user_id=ALICE)
        await h.press(GROUP, f"delok:{bobs}", user_id=CAROL)
        assert chat.story(alices) is None and chat.story(bobs) is None
        await h.say(GROUP, article("ferry line"), user_id=BOB)
        await h.say(GROUP, "/forget 3", user_id=BOB)
        assert "Delete story #3" in h.texts(GROUP)[-1]
        h.all_sent_valid()

    harness.run(scenario)


def test_a_forged_delete_callback_is_refused(harness: Harness) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(ALICE, article("harbour bridge"))
        story = h.service.chat(ALICE).latest_story()
        assert story is not None
        h.forget_calls()
        await h.press(ALICE, f"delok:{story.id}", offered=False)
        await h.press(ALICE, "delall:yes", offered=False)
        assert h.service.chat(ALICE).story(story.id) is not None
        assert [t for t in h.texts(ALICE)] == [STALE_BUTTON, STALE_BUTTON]
        await h.press(ALICE, f"delok:{story.id}")
        assert h.service.chat(ALICE).story(story.id) is None

    harness.run(scenario)


# -- limits ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=20, per=60, burst=20, clock=clock)
    verdicts = [limiter.check((1, 1)) for _ in range(25)]
    assert verdicts == ["allow"] * 20 + ["warn"] + ["drop"] * 4
    assert limiter.check((1, 2)) == "allow" and limiter.check((2, 1)) == "allow"  # own buckets
    clock.now += 3.0  # one token back (20 a minute)
    assert [limiter.check((1, 1)) for _ in range(3)] == ["allow", "warn", "drop"]
    clock.now += 60.0
    assert [limiter.check((1, 1)) for _ in range(21)] == ["allow"] * 20 + ["warn"]
    clock.now -= 500  # a clock going backwards never adds tokens
    assert limiter.check((1, 1)) == "drop"
    with pytest.raises(ValueError):
        RateLimiter(rate=0)


def test_token_bucket_memory_is_bounded(monkeypatch) -> None:
    import bot.rate_limits as rate_limits

    monkeypatch.setattr(rate_limits, "PRUNE_AT", 100)
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for user in range(1000):
        limiter.check((1, user))
        clock.now += 5.0  # each bucket is full again a minute later
    assert len(limiter) <= 101


HELP = "storybot keeps the news stories"


def test_a_flooding_user_is_told_once_and_dropped(harness: Harness) -> None:
    clock = Clock()
    harness.app.bot_data.rate_limiter = RateLimiter(clock=clock)  # the defaults: 20 a minute
    allowed = int(BURST / LIGHT_COST)  # commands are light, but a flood of them still trips

    async def scenario(h: Harness) -> None:
        for _ in range(allowed + 10):
            await h.say(ALICE, "/help")
        await h.press(ALICE, "list:0")  # buttons count too
        await h.say(BOB, "/help")  # someone else is served
        texts = h.texts(ALICE)
        assert texts.count(TOO_FAST) == 1 and sum(HELP in t for t in texts) == allowed
        assert len(texts) == allowed + 1, "the rest of the flood was dropped unanswered"
        assert HELP in h.texts(BOB)[0]
        clock.now += 3.0  # a token back
        await h.say(ALICE, "/help")
        assert HELP in h.texts(ALICE)[-1]

    harness.run(scenario)


def test_a_person_testing_the_bot_is_not_limited(harness: Harness) -> None:
    # One busy minute of trying the bot out: a few stories, then many commands, questions
    # and button presses. The clock stands still, so nothing refills meanwhile.
    harness.app.bot_data.rate_limiter = RateLimiter(clock=Clock())

    async def scenario(h: Harness) -> None:
        for topic in ("harbour bridge", "tram line", "city library", "ferry port"):
            await h.say(ALICE, article(topic))
        for _ in range(8):
            for command in ("/list", "/summary 2", "/facts", "/digest off", "/settings"):
                await h.say(ALICE, command)
            await h.say(ALICE, "When will work on the bridge begin?")
            await h.press(ALICE, "list:0")
        assert TOO_FAST not in h.texts(ALICE)
        # Stories still cost in full: a flood of them trips the limit.
        for n in range(BURST):
            await h.say(ALICE, f"Story {n}: " + article(f"topic {n}"))
        assert h.texts(ALICE).count(TOO_FAST) == 1

    harness.run(scenario)


def test_the_limit_is_per_user_within_a_group(harness: Harness) -> None:
    # Small numbers: PTB's own AIORateLimiter paces a group's messages at 20 a minute.
    harness.app.bot_data.rate_limiter = RateLimiter(rate=1, per=60, burst=1, clock=Clock())
    allowed = int(1 / LIGHT_COST)

    async def scenario(h: Harness) -> None:
        for _ in range(allowed + 2):
            await h.say(GROUP, "/help", user_id=ALICE)
        await h.say(GROUP, "/help", user_id=BOB)
        texts = h.texts(GROUP)
        assert texts.count(TOO_FAST) == 1 and sum(HELP in t for t in texts) == allowed + 1
        assert HELP in texts[-1]

    harness.run(scenario)


def test_input_size_limits(harness: Harness) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(ALICE, article("secret tunnel"))
        started = time.monotonic()
        # Telegram caps a text message at 4,096 characters: the longest question and search.
        await h.say(ALICE, "/ask Who " + "tunnel " * 584)
        await h.say(ALICE, "Who " + "dug the tunnel " * 270 + "?")
        await h.say(ALICE, "/search " + " ".join(f"w{i}" for i in range(800)))
        await h.say(ALICE, "/search " + "x" * 4000)
        await h.say(ALICE, "/forget " + "9" * 4000)
        await h.say(ALICE, "/summary " + "9" * 4000)
        await h.say(ALICE, "/digest daily 09:00 " + "Europe/" * 500)
        await h.say(ALICE, "/settings timezone " + "a" * 4000)
        assert time.monotonic() - started < 20, "long inputs are cut, not chewed on"
        document = {
            "file_id": "big",
            "file_unique_id": "big",
            "file_name": "big.txt",
            "file_size": MAX_DOCUMENT_BYTES + 1,
        }
        await h.update({"message": {**h.message(ALICE, ALICE, ""), "document": document}})
        assert "the limit is 2 MB" in h.texts(ALICE)[-1]
        assert not any(m == "getFile" for m, _ in h.calls()), "a too-big file is not fetched"
        h.all_sent_valid()

    harness.run(scenario)


FLOODS = (
    "/search " + "x" * 4000,
    "/search " + " ".join(f"w{i}" for i in range(800)),
    "/digest daily 09:00 " + "Europe/" * 500,
    "/digest daily " + "9" * 4000,
    "/digest weekly " + "z" * 4000 + " 09:00",
    "/digest from @" + "c" * 4000,
    "/settings timezone " + "a" * 4000,
    "/follow ftp://" + "f" * 100_000,  # clients other than Telegram's skip the 4,096 cap
    "/" + "q" * 4000,
)


@pytest.mark.parametrize("command", FLOODS, ids=lambda command: command[:16])
def test_an_error_reply_quotes_only_a_short_excerpt(harness: Harness, command: str) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(ALICE, article("secret tunnel"))
        h.forget_calls()
        await h.say(ALICE, command)
        sent = [p["text"] for m, p in h.calls() if m == "sendMessage"]
        assert len(sent) == 1, f"{len(sent)} messages"
        assert len(telegram_text(sent[0])) <= 400, sent[0][:500]
        h.all_sent_valid()

    harness.run(scenario)


def records(count: int) -> bytes:
    """A .jsonl file of that many distinct stories."""
    topics = [f"{word}{number}" for number in range(count // 20 + 1) for word in WORDS]
    lines = (json.dumps({"id": topic, "text": article(topic)}) for topic in topics[:count])
    return "\n".join(lines).encode()


WORDS = [
    "dam",
    "mine",
    "port",
    "mill",
    "pier",
    "quay",
    "dock",
    "lock",
    "weir",
    "silo",
    "barn",
    "farm",
    "fort",
    "hall",
    "gate",
    "wall",
    "yard",
    "pond",
    "well",
    "rink",
]


def test_a_files_records_count_against_the_rate_limit(harness: Harness) -> None:
    harness.app.bot_data.rate_limiter = RateLimiter(clock=Clock())  # 20 a minute

    async def scenario(h: Harness) -> None:
        await h.send_file(ALICE, "many.jsonl", records(30), ALICE)
        assert h.service.store.story_count() == 20
        report = html.unescape(h.texts(ALICE)[-1])
        assert "Stored 20 of the 30 stories in that file." in report
        assert "10 not read. That's more stories at once than I take in a minute" in report
        await h.say(ALICE, "/help")
        assert h.texts(ALICE)[-1] == TOO_FAST, "the file spent the sender's allowance"
        h.all_sent_valid()

    harness.run(scenario)


def test_a_chat_past_its_quota_is_told_what_was_not_stored(tmp_path: Path) -> None:
    harness = Harness(tmp_path, max_stories_per_chat=5)

    async def scenario(h: Harness) -> None:
        await h.send_file(ALICE, "many.jsonl", records(8), ALICE)
        assert h.service.chat(ALICE).count() == 5
        report = html.unescape(h.texts(ALICE)[-1])
        assert "Stored 5 of the 8 stories in that file." in report
        assert "3 not saved. This chat already keeps 5 stories" in report
        await h.say(ALICE, article("harbour bridge"))
        assert "This chat already keeps 5 stories" in html.unescape(h.texts(ALICE)[-1])
        await h.say(BOB, article("harbour bridge"))  # another chat has its own
        assert h.service.chat(BOB).count() == 1
        h.all_sent_valid()

    try:
        harness.run(scenario)
    finally:
        harness.service.store.close()


def test_the_story_quota_comes_from_the_environment(monkeypatch) -> None:
    assert Settings().max_stories_per_chat == DEFAULT_MAX_STORIES_PER_CHAT > 0
    monkeypatch.setenv("STORYBOT_MAX_STORIES_PER_CHAT", "50")
    assert Settings.from_env().max_stories_per_chat == 50
    monkeypatch.setenv("STORYBOT_MAX_STORIES_PER_CHAT", "lots")
    assert Settings.from_env().max_stories_per_chat == DEFAULT_MAX_STORIES_PER_CHAT


def test_questions_are_truncated_and_search_words_capped() -> None:
    from bot.nlp.answers.question import MAX_QUESTION_CHARS, read_question
    from db.store import fts_query

    assert len(read_question("Who " + "x " * 5000 + "?").text) <= MAX_QUESTION_CHARS
    query = fts_query(" ".join(f"w{i}" for i in range(1000)))
    assert query is not None and query.count('"') == 2 * 64


# -- the allow-list --------------------------------------------------------------------------


def test_chats_off_the_allow_list_get_nothing_and_store_nothing(tmp_path: Path) -> None:
    harness = Harness(tmp_path, allowed_chats=frozenset({ALICE}))

    async def scenario(h: Harness) -> None:
        stranger = BOB
        await h.say(stranger, article("harbour bridge"))
        await h.say(stranger, "/start")
        await h.say(stranger, "/settings length 5")
        await h.say(stranger, "/digest daily 09:00")
        await h.say(stranger, "Who approved the plan?")
        await h.press(stranger, "list:0")
        await h.say(GROUP, article("group story"), user_id=ALICE)  # Alice, but in a group
        post = {**h.message(-100_999, 0, article("channel story")), "chat": {
            "id": -100_999, "type": "channel", "title": "Elsewhere"}}  # fmt: skip
        post.pop("from")
        await h.update({"channel_post": post})
        calls = [method for method, _ in h.calls() if method != "getMe"]
        assert calls == [], "no reply, no typing, no callback answer"
        store = h.service.store
        assert store.story_count() == 0
        assert {row["id"] for row in store.chats()} <= {ALICE}
        await h.say(ALICE, "/start")
        assert h.to_chat(ALICE), "the allowed chat is served"

    try:
        harness.run(scenario)
    finally:
        harness.service.store.close()


# -- the bot token -----------------------------------------------------------------------------


def test_token_filter_redacts_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenFilter(TOKEN))
    log = logging.getLogger("tests.token")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        log.warning("plain %(url)s", {"url": f"/bot{TOKEN}/x"})
        log.warning(f"in the message /bot{TOKEN}/y")
        try:
            raise RuntimeError(f"Client error for url 'https://api.telegram.org/bot{TOKEN}/z'")
        except RuntimeError:
            log.exception("failed")
        log.warning("stack", stack_info=True)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    written = stream.getvalue()
    assert TOKEN not in written and written.count("<token>") == 4
    assert "RuntimeError" in written and "Traceback" in written


def test_the_token_never_reaches_logs_or_error_replies(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)  # before build_application, as `storybot run` configures logging
    root.setLevel(logging.DEBUG)
    try:
        harness = Harness(tmp_path)

        def broken(*args: object) -> None:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")

        harness.service.page_of_stories = broken  # type: ignore[method-assign]

        async def scenario(h: Harness) -> None:
            await h.say(ALICE, "/list")
            logging.getLogger("httpx").info(
                'HTTP Request: POST %s "HTTP/1.1 200 OK"',
                f"https://api.telegram.org/bot{TOKEN}/getUpdates",
            )

        harness.run(scenario)
        harness.service.store.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for old in [f for f in root.filters if isinstance(f, TokenFilter)]:
            root.removeFilter(old)
    written = stream.getvalue()
    assert "error while handling an update" in written and "<token>" in written
    assert TOKEN not in written
    assert any(TOKEN in url for url in harness.api.urls), "the token was in play"
    replies = harness.texts(ALICE)
    assert replies == [SORRY] and all(TOKEN not in text for text in replies)
