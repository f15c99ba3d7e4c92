"""The real bot process (``storybot run``) against a fake Telegram Bot API server.

One bot process serves the whole module (spaCy takes seconds to load). Each test plays its
own users and chats, so the tests don't see each other's stories, and asserts on the calls
the fake recorded. ``pytest -s`` prints the burst's latency figures (also written as JSON).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from benchmarks.percentiles import percentile
from tests.conftest import SAMPLE, article
from tests.support.bot_process import start_bot, stop_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.reports import REPORTS, Report
from tests.support.sample_answers import sample_answer

TOKEN = "123:TEST"
BOT_NAME = "storybot_test_bot"
SORRY = "Sorry, something went wrong"
ADMINS_ONLY = "Only this chat's admins"
STARTUP_TIMEOUT = 90.0
REPLY_TIMEOUT = 60.0

_ids = count(1)


@dataclass
class Bot:
    """The running bot, the fake Telegram it talks to, and its database."""

    fake: FakeTelegram
    process: subprocess.Popen
    db: Path
    log: Path
    results: Path

    def new_user(self, name: str) -> dict[str, Any]:
        number = next(_ids)
        return self.fake.user(50_000 + number, f"{name}{number}", f"{name.lower()}{number}")

    def new_private_chat(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        user = self.new_user(name)
        return self.fake.private_chat(user), user

    def new_group_id(self) -> int:
        return -1_001_000_000_000 - next(_ids)

    def send(self, chat: dict, user: dict, text: str, **kwargs: Any) -> dict[str, Any]:
        """A user's message, and the bot's reply to it."""
        message = self.fake.user_sends_text(chat, user, text, **kwargs)
        return self.fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)

    def stories(self, chat_id: int) -> list[sqlite3.Row]:
        """The chat's stories, read from the bot's database while it runs (WAL)."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10) as db:
            db.row_factory = sqlite3.Row
            return db.execute(
                "SELECT * FROM stories WHERE chat_id = ? ORDER BY id", (chat_id,)
            ).fetchall()

    def wait_for_stories(
        self, chat_id: int, predicate: Callable[[list[sqlite3.Row]], bool], timeout: float = 60
    ) -> list[sqlite3.Row]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.stories(chat_id)
            if predicate(found):
                return found
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise TimeoutError(f"stories of chat {chat_id}: {[dict(r) for r in found]}")
            time.sleep(0.1)

    def barrier(self, chat: dict, user: dict) -> dict[str, Any]:
        """A /list in the chat, answered: everything sent to the chat before it is handled
        (the bot handles one chat's updates in order)."""
        return self.send(chat, user, f"/list@{BOT_NAME}")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    folder = tmp_path_factory.mktemp("e2e")
    fake = FakeTelegram(TOKEN, bot_username=BOT_NAME).start()
    db, log = folder / "bot.db", folder / "bot.log"
    try:
        process = start_bot(
            fake, db, log, timeout=STARTUP_TIMEOUT, extra_env={"STORYBOT_ALLOW_LOOPBACK_FETCH": "1"}
        )
    except BaseException:
        fake.stop()
        raise
    try:
        yield Bot(fake, process, db, log, folder / "burst-latency.json")
    finally:
        stop_bot(process)
        fake.stop()


@pytest.fixture(autouse=True)
def no_refusals(bot: Bot, request: pytest.FixtureRequest) -> Iterator[None]:
    """No test may make the bot send what Telegram refuses, or apologise for a crash."""
    calls_before = len(bot.fake.calls)
    yield
    new = bot.fake.calls[calls_before:]
    refused = [(c.method, c.params, c.response) for c in new if not c.ok]
    assert not refused, f"Telegram refused calls: {refused}"
    sorry = [c.params for c in new if c.method == "sendMessage" and SORRY in c.params["text"]]
    assert not sorry, f"the bot hit its error handler:\n{bot.log.read_text()[-3000:]}"


def bullets(text: str) -> int:
    return text.count("• ")


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def story_id(message: dict[str, Any]) -> int:
    match = re.search(r"Story #(\d+)", message["text"])
    assert match, message["text"]
    return int(match.group(1))


def answered(bot: Bot, query_id: str) -> dict[str, Any]:
    return bot.fake.wait_for(
        lambda: bot.fake.callback_queries[query_id]["answered"],
        REPLY_TIMEOUT,
        f"an answer to callback query {query_id}",
    )


def edits_of(bot: Bot, chat_id: int, message_id: int) -> list[dict[str, Any]]:
    return [
        c.result
        for c in bot.fake.calls_to("editMessageText", chat_id)
        if c.ok and int(c.params["message_id"]) == message_id
    ]


SAMPLE_TITLE = "The two countries signed a joint statement"


# -- a private chat ------------------------------------------------------------------------


def test_private_chat_story_buttons_and_commands(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Alice")
    help_text = bot.send(chat, user, "/start")["text"]
    assert "Send me an article" in help_text

    saved = bot.send(chat, user, SAMPLE.read_text(encoding="utf-8"))
    assert "Saved." in saved["text"] and SAMPLE_TITLE in saved["text"]
    assert bullets(saved["text"]) == 3
    assert [label for label, _ in buttons(saved)] == ["Shorter", "Longer", "Facts", "Delete"]
    sample_id = story_id(saved)

    query = fake.user_presses(chat, user, saved, f"short:{sample_id}")
    assert answered(bot, query) == {"text": "", "show_alert": False}
    [edited] = fake.wait_for(lambda: edits_of(bot, chat["id"], saved["message_id"]))
    assert SAMPLE_TITLE in edited["text"]
    assert 0 < bullets(edited["text"]) < bullets(saved["text"])
    assert buttons(edited) == buttons(saved) and "edit_date" in edited

    listed = bot.send(chat, user, "/list")["text"]
    assert "Stories 1/1 (1 in all)" in listed and f"#{sample_id} " in listed

    two = bot.send(chat, user, "/summary 2")["text"]
    assert SAMPLE_TITLE in two and bullets(two) == 2

    sixty = bot.send(chat, user, "/summary 60w")["text"]
    summary_words = " ".join(line for line in sixty.splitlines() if line.startswith("• "))
    assert SAMPLE_TITLE in sixty and 0 < len(summary_words.split()) <= 80

    assert "Usage: /summary" in bot.send(chat, user, "/summary xyz")["text"]

    found = bot.send(chat, user, "/search satellite")["text"]
    assert "1 matching story" in found and f"#{sample_id} " in found
    assert "No stories here match" in bot.send(chat, user, "/search zeppelin")["text"]

    refusal = bot.send(chat, user, "Bridge delayed again.")["text"]
    assert "too short to keep as a story" in refusal
    assert len(bot.stories(chat["id"])) == 1


def test_question_in_a_private_chat(bot: Bot) -> None:
    if importlib.util.find_spec("bot.nlp.answers") is None:
        pytest.skip("bot/nlp/answers.py isn't written yet")
    chat, user = bot.new_private_chat("Quentin")
    bot.send(chat, user, SAMPLE.read_text(encoding="utf-8"))
    expected = sample_answer()
    reply = bot.send(chat, user, expected.question)["text"]
    assert expected.shown_in(reply), (expected, reply)


def test_forwarded_channel_post_keeps_its_source(bot: Bot) -> None:
    chat, user = bot.new_private_chat("Fiona")
    channel = {"id": bot.new_group_id(), "type": "channel", "title": "Harbour News"}
    reply = bot.send(chat, user, article("ferry line"), forward_from_channel=channel)
    assert "Saved." in reply["text"] and "Harbour News" in reply["text"]
    [story] = bot.stories(chat["id"])
    assert (story["source"], story["source_kind"]) == ("Harbour News", "forward")


def test_a_forwarded_photo_post_keeps_its_caption_as_the_story(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Petra")
    channel = {"id": bot.new_group_id(), "type": "channel", "title": "Quay Photos"}
    post = fake.user_sends_photo(
        chat, user, caption=article("ferry line"), forward_from_channel=channel
    )
    reply = fake.wait_for_reply(chat["id"], post, REPLY_TIMEOUT)["text"]
    assert "Saved." in reply and "Quay Photos" in reply
    [story] = bot.stories(chat["id"])
    assert "ferry line" in story["title"] and story["source_kind"] == "forward"


def test_media_without_text_and_unknown_commands_get_a_pointer(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Stan")
    sticker = fake.user_sends_sticker(chat, user)
    assert (
        "this message has none I can read"
        in fake.wait_for_reply(chat["id"], sticker, REPLY_TIMEOUT)["text"]
    )
    photo = fake.user_sends_photo(chat, user)
    assert "Paste the article" in fake.wait_for_reply(chat["id"], photo, REPLY_TIMEOUT)["text"]
    reply = bot.send(chat, user, "/frobnicate now")["text"]
    assert "I don't know /frobnicate" in reply and "/help" in reply
    # No other bot reads a private chat: a command addressed to another name is still ours.
    elsewhere = fake.user_sends_text(chat, user, "/list@some_other_bot")
    assert (
        "No stories here yet" in fake.wait_for_reply(chat["id"], elsewhere, REPLY_TIMEOUT)["text"]
    )
    assert bot.stories(chat["id"]) == []

    # In a group, a bare unknown command may be another bot's: no reply unless it names us.
    group = fake.group(bot.new_group_id(), "Quiet room", admins=[user])
    other_bots = fake.user_sends_text(group, user, "/weather London")
    fake.user_sends_sticker(group, user)
    named = bot.send(group, user, f"/frobnicate@{BOT_NAME}")["text"]
    assert "I don't know /frobnicate" in named
    assert fake.replies_to(group["id"], other_bots["message_id"]) == []
    assert len(fake.sent_messages(group["id"])) == 1


def test_editing_a_story_message_updates_the_story(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Edna")
    story = fake.user_sends_text(chat, user, article("tram depot"))
    sid = story_id(fake.wait_for_reply(chat["id"], story, REPLY_TIMEOUT))
    question = fake.user_sends_text(chat, user, "Who approved the tram depot plan?")
    fake.wait_for_reply(chat["id"], question, REPLY_TIMEOUT)

    sent = len(fake.sent_messages(chat["id"]))
    fake.user_edits(chat, story["message_id"], article("city library"))
    [updated] = fake.wait_for_messages(chat["id"], 1, REPLY_TIMEOUT, after=sent)
    assert f"Updated story #{sid}." in updated["text"] and "city library" in updated["text"]
    [stored] = bot.stories(chat["id"])
    assert stored["id"] == sid and "city library" in stored["title"]

    sent = len(fake.sent_messages(chat["id"]))
    fake.user_edits(chat, story["message_id"], "Oops.")
    [kept] = fake.wait_for_messages(chat["id"], 1, REPLY_TIMEOUT, after=sent)
    assert "keeps its earlier text" in kept["text"]
    assert "city library" in bot.stories(chat["id"])[0]["title"]

    # Editing a question is no story: nothing is stored or said.
    fake.user_edits(chat, question["message_id"], "Who approved the city library plan?")
    bot.barrier(chat, user)
    assert len(bot.stories(chat["id"])) == 1
    assert len(fake.replies_to(chat["id"], question["message_id"])) == 1


def test_documents_and_the_size_limit(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Dora")
    upload = fake.user_sends_document(chat, user, "bridge.txt", article("harbour bridge").encode())
    saved = fake.wait_for_reply(chat["id"], upload, REPLY_TIMEOUT)
    assert "Saved." in saved["text"] and "harbour bridge" in saved["text"]
    assert fake.calls_to("getFile") and [s["source_kind"] for s in bot.stories(chat["id"])] == [
        "document"
    ]

    too_big = article("ferry terminal").encode().ljust(2_000_001, b"\n")
    upload = fake.user_sends_document(chat, user, "huge.txt", too_big)
    refusal = fake.wait_for_reply(chat["id"], upload, REPLY_TIMEOUT)["text"]
    assert "2.0 MB" in refusal and "the limit is 2 MB" in refusal

    # Just under the limit: downloaded and read (the padding is blank lines, so cleaning
    # leaves a normal article: 2 MB of real prose takes minutes of language analysis).
    just_under = article("ferry terminal").encode().ljust(1_999_999, b"\n")
    upload = fake.user_sends_document(chat, user, "large.txt", just_under)
    handled = fake.wait_for_reply(chat["id"], upload, REPLY_TIMEOUT)["text"]
    assert "Saved." in handled and "ferry terminal" in handled
    assert len(bot.stories(chat["id"])) == 2


def test_a_jsonl_file_with_several_stories_keeps_them_all(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Jules")
    topics = ("city library", "tram depot", "ferry line")
    lines = [json.dumps({"title": topic, "text": article(topic)}) for topic in topics]
    upload = fake.user_sends_document(chat, user, "stories.jsonl", "\n".join(lines).encode())
    fake.wait_for_messages(chat["id"], 3, REPLY_TIMEOUT)
    assert sorted(s["title"] for s in bot.stories(chat["id"])) == sorted(topics)
    assert fake.replies_to(chat["id"], upload["message_id"])


def test_deeply_nested_json_gets_a_clear_refusal(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Nessa")
    deep = b"[" * 100_000 + b"]" * 100_000
    upload = fake.user_sends_document(chat, user, "deep.json", deep)
    refusal = fake.wait_for_reply(chat["id"], upload, REPLY_TIMEOUT)["text"]
    assert "nests too deeply" in refusal and "went wrong" not in refusal
    assert bot.stories(chat["id"]) == []


def test_delete_button_asks_then_forgets(bot: Bot) -> None:
    fake = bot.fake
    chat, user = bot.new_private_chat("Dan")
    saved = bot.send(chat, user, article("tram depot"))
    sid = story_id(saved)
    sent_before = len(fake.sent_messages(chat["id"]))
    query = fake.user_presses(chat, user, saved, f"del:{sid}")
    [confirm] = fake.wait_for_messages(chat["id"], 1, REPLY_TIMEOUT, after=sent_before)
    answered(bot, query)
    assert f"Delete story #{sid}" in confirm["text"]
    assert buttons(confirm) == [("Delete", f"delok:{sid}"), ("Cancel", "cancel:0")]
    assert bot.stories(chat["id"])  # not yet

    fake.user_presses(chat, user, confirm, f"delok:{sid}")
    [done] = fake.wait_for(lambda: edits_of(bot, chat["id"], confirm["message_id"]))
    assert done["text"] == "Deleted." and "reply_markup" not in done
    assert bot.stories(chat["id"]) == []
    assert "No stories here yet" in bot.send(chat, user, "/list")["text"]


# -- groups ---------------------------------------------------------------------------------


def test_groups_store_silently_and_answer_only_when_addressed(bot: Bot) -> None:
    fake = bot.fake
    member, admin = bot.new_user("Gus"), bot.new_user("Ada")
    group = fake.group(bot.new_group_id(), "Newsroom", admins=[admin])
    other = fake.group(bot.new_group_id(), "Book club", admins=[admin])

    story = fake.user_sends_text(group, member, SAMPLE.read_text(encoding="utf-8"))
    expected = sample_answer()
    question = fake.user_sends_text(group, member, expected.question)
    [stored] = bot.wait_for_stories(group["id"], bool)
    assert stored["added_by"] == str(member["id"]) and SAMPLE_TITLE in stored["title"]
    listed = bot.barrier(group, member)
    assert f"#{stored['id']} " in listed["text"]
    assert fake.replies_to(group["id"], story["message_id"]) == []
    assert fake.replies_to(group["id"], question["message_id"]) == []

    mention = bot.send(group, member, f"@{BOT_NAME} {expected.question}")["text"]
    assert expected.shown_in(mention), (expected, mention)

    summary = bot.send(group, member, f"/summary@{BOT_NAME} 2")
    assert SAMPLE_TITLE in summary["text"] and bullets(summary["text"]) == 2
    follow_up = bot.send(group, member, expected.question, reply_to=summary)
    assert f"story #{stored['id']}" in follow_up["text"]

    # The other group has nothing, and never sees the first group's story.
    assert "No stories here yet" in bot.send(other, member, f"/list@{BOT_NAME}")["text"]
    assert "no stories here yet" in bot.send(other, member, f"/summary@{BOT_NAME}")["text"].lower()

    refused = bot.send(group, member, "/forget all")["text"]
    assert ADMINS_ONLY in refused
    confirm = bot.send(group, admin, "/forget all")
    assert "Delete all 1 stories kept in this chat?" in confirm["text"]
    assert ("Delete all 1", "delall:yes") in buttons(confirm)

    query = fake.user_presses(group, member, confirm, "delall:yes")
    assert answered(bot, query) == {"text": ADMINS_ONLY + " can do that.", "show_alert": True}
    assert len(bot.stories(group["id"])) == 1
    fake.user_presses(group, admin, confirm, "delall:yes")
    [done] = fake.wait_for(lambda: edits_of(bot, group["id"], confirm["message_id"]))
    assert done["text"] == "Deleted 1 stories." and bot.stories(group["id"]) == []
    members_checked = {int(c.params["user_id"]) for c in fake.calls_to("getChatMember")}
    assert {member["id"], admin["id"]} <= members_checked


# -- channels -------------------------------------------------------------------------------


def test_channel_posts_are_stored_and_edits_update_them(bot: Bot) -> None:
    fake = bot.fake
    channel = fake.channel(bot.new_group_id(), "City Desk")
    post = fake.channel_posts(channel, article("riverside park"))
    [stored] = bot.wait_for_stories(channel["id"], bool)
    assert (stored["source"], stored["source_kind"]) == ("City Desk", "channel")
    assert stored["message_id"] == post["message_id"]

    fake.channel_edits(channel, post["message_id"], article("riverside stadium"))
    [updated] = bot.wait_for_stories(channel["id"], lambda s: s and "stadium" in s[0]["text"])
    assert updated["message_id"] == post["message_id"] and "park" not in updated["text"]
    fake.wait_for(lambda: fake.pending_updates == 0, 10, "the bot to confirm every update")
    assert fake.sent_messages(channel["id"]) == []


# -- digests -------------------------------------------------------------------------------


def reports(*events: str) -> list[Report]:
    """Realistic news reports (two outlets, in their own words, for most events)."""
    found = [r for r in REPORTS if r.event in events]
    assert {r.event for r in found} == set(events)
    return found


def report_text(report: Report) -> str:
    return f"{report.title}\n\n{report.text}"


def digest_items(text: str) -> list[str]:
    """A digest message's items, each its lines from "N. headline" to the next item."""
    return [item.strip() for item in re.split(r"\n\n(?=\d+\. )", text)[1:]]


def ids_of(item: str) -> set[int]:
    """The story numbers an item's "N reports: … · #a, #b" line names."""
    line = next(line for line in item.splitlines() if re.search(r"reports? ?[:·]", line))
    return {int(n) for n in re.findall(r"#(\d+)", line.rpartition("·")[2])}


def check_digest(
    message: dict[str, Any], stories: list[sqlite3.Row], same_event: list[set[str]]
) -> list[str]:
    """The digest message groups each set of titles into one item, lists every story once,
    and is bold-headed Telegram HTML; its items."""
    text = message["text"]
    assert text.startswith("Digest: "), text
    assert len(text) <= 4096
    assert any(e["type"] == "bold" and e["offset"] == 0 for e in message.get("entities", []))
    items = digest_items(text)
    by_title = {s["title"]: s["id"] for s in stories}
    groups = [{by_title[title] for title in titles} for titles in same_event]
    events = len(stories) - sum(len(g) - 1 for g in groups)
    assert len(items) == events, text
    assert f"{events} events from {len(stories)} stories" in text.splitlines()[0]
    item_ids = [ids_of(item) for item in items]
    assert sorted(i for ids in item_ids for i in ids) == sorted(by_title.values()), text
    for group, titles in zip(groups, same_event, strict=True):
        [item] = [item for item, ids in zip(items, item_ids, strict=True) if ids == group]
        headline = item.splitlines()[0]
        assert any(title in headline for title in titles), item
        assert f"{len(group)} reports" in item
    return items


def test_group_digest_groups_one_event_and_schedules(bot: Bot) -> None:
    fake = bot.fake
    member, admin = bot.new_user("Gwen"), bot.new_user("Abe")
    group = fake.group(bot.new_group_id(), "World desk", admins=[admin])
    wire = {"id": bot.new_group_id(), "type": "channel", "title": "Wire News"}
    daily = {"id": bot.new_group_id(), "type": "channel", "title": "Daily News"}
    pairs = reports("quake", "ecb")
    for report in pairs:
        origin = wire if report.source == "Wire News" else daily
        fake.user_sends_text(group, member, report_text(report), forward_from_channel=origin)
    [single] = reports("louvre")
    fake.user_sends_text(group, admin, report_text(single))
    stories = bot.wait_for_stories(group["id"], lambda s: len(s) == 5)
    assert fake.sent_messages(group["id"]) == []  # stored silently

    asked = fake.user_sends_text(group, admin, f"/digest@{BOT_NAME}")
    digest = fake.wait_for_reply(group["id"], asked, REPLY_TIMEOUT)
    same_event = [{r.title for r in pairs if r.event == e} for e in ("quake", "ecb")]
    items = check_digest(digest, stories, same_event)
    assert sum("Wire News, Daily News" in item for item in items) == 2
    # one message held it all: nothing else followed the reply
    assert len(fake.sent_messages(group["id"])) == 1

    again = bot.send(group, admin, "/digest")["text"]
    assert again.startswith("Nothing new since "), again

    refused = bot.send(group, member, "/digest daily 08:00 Europe/Berlin")["text"]
    assert ADMINS_ONLY in refused
    assert "No digest is scheduled here" in bot.send(group, member, "/digest status")["text"]
    scheduled = bot.send(group, admin, "/digest daily 08:00 Europe/Berlin")["text"]
    assert "Digest scheduled daily at 08:00 (Europe/Berlin)" in scheduled, scheduled
    assert "Time zone used: Europe/Berlin." in scheduled
    assert re.search(r"arrives \w{3} \d{1,2} \w{3}, 08:00 CES?T", scheduled), scheduled
    status = bot.send(group, member, f"/digest@{BOT_NAME} status")["text"]
    assert "Digest daily at 08:00 (Europe/Berlin). Next: " in status, status
    assert ADMINS_ONLY in bot.send(group, member, "/digest off")["text"]
    assert "Digest daily at 08:00" in bot.send(group, member, "/digest status")["text"]
    assert bot.send(group, admin, "/digest off")["text"] == "Scheduled digests are off."
    assert "No digest is scheduled here" in bot.send(group, admin, "/digest status")["text"]
    assert "isn't a time" in bot.send(group, admin, "/digest daily 25:00")["text"]


def test_channel_digest_in_the_channel_and_from_a_group(bot: Bot) -> None:
    fake = bot.fake
    number = next(_ids)
    username = f"metro_wire_{number}"
    channel = fake.channel(bot.new_group_id(), "Metro Wire", username=username)
    posts = reports("berlin-strike", "ariane", "orca")
    for report in posts:
        fake.channel_posts(channel, report_text(report))
    stories = bot.wait_for_stories(channel["id"], lambda s: len(s) == len(posts))
    assert {s["source"] for s in stories} == {"Metro Wire"}
    same_event = [{r.title for r in posts if r.event == e} for e in ("berlin-strike", "ariane")]

    # /digest posted in the channel: the channel's digest, posted to the channel
    command = fake.channel_posts(channel, "/digest")
    digest = fake.wait_for_reply(channel["id"], command, REPLY_TIMEOUT)
    assert digest["chat"]["id"] == channel["id"] and digest["sender_chat"]["id"] == channel["id"]
    items = check_digest(digest, stories, same_event)
    assert all("Metro Wire" in item for item in items)
    assert len(bot.stories(channel["id"])) == len(posts)  # the command isn't a story

    # /digest from @channel in a group: admins of both chats only
    both, group_only = bot.new_user("Bea"), bot.new_user("Gil")
    group = fake.group(bot.new_group_id(), "Metro readers", admins=[both, group_only])
    fake.set_admin(channel, both)
    refused = bot.send(group, group_only, f"/digest from @{username}")["text"]
    assert f"Only admins of @{username} and of this chat can" in refused, refused
    member = bot.new_user("Moe")
    assert ADMINS_ONLY in bot.send(group, member, f"/digest from @{username}")["text"]
    assert "No digest is scheduled" in bot.send(group, both, "/digest status")["text"]

    chosen = bot.send(group, both, f"/digest@{BOT_NAME} from @{username}")["text"]
    assert f"Digests here are now made from @{username}'s stories" in chosen, chosen
    resolved = fake.calls_to("getChat")
    assert any(c.ok and c.params["chat_id"] == f"@{username}" for c in resolved)
    asked = {
        (int(c.params["chat_id"]), int(c.params["user_id"])) for c in fake.calls_to("getChatMember")
    }
    assert {(channel["id"], both["id"]), (channel["id"], group_only["id"])} <= asked

    from_channel = bot.send(group, member, "/digest")
    items = check_digest(from_channel, stories, same_event)
    assert all("Metro Wire" in item for item in items)
    assert bot.stories(group["id"]) == []  # the group's own stories: none


# -- chats never see each other's stories ---------------------------------------------------


def test_a_chat_never_reaches_another_chats_story(bot: Bot) -> None:
    fake = bot.fake
    chat_a, alice = bot.new_private_chat("Ann")
    chat_b, bob = bot.new_private_chat("Ben")
    id_a = story_id(bot.send(chat_a, alice, SAMPLE.read_text(encoding="utf-8")))
    saved_b = bot.send(chat_b, bob, article("cycle lane"))
    id_b = story_id(saved_b)

    listed = bot.send(chat_b, bob, "/list")["text"]
    assert f"#{id_b} " in listed and f"#{id_a} " not in listed
    assert "No stories here match" in bot.send(chat_b, bob, "/search satellite")["text"]
    summary = bot.send(chat_b, bob, "/summary")["text"]
    assert f"Story #{id_b}" in summary and SAMPLE_TITLE not in summary
    expected = sample_answer()
    answer = bot.send(chat_b, bob, expected.question)["text"]
    assert not expected.shown_in(answer) and f"story #{id_a}" not in answer
    assert "isn't in this chat" in bot.send(chat_b, bob, f"/forget {id_a}")["text"]

    for data in (f"short:{id_a}", f"facts:{id_a}"):
        query = fake.user_presses(chat_b, bob, saved_b, data)
        alert = answered(bot, query)
        assert "isn't in this chat" in alert["text"] and alert["show_alert"]
    sent_before = len(fake.sent_messages(chat_b["id"]))
    query = fake.user_presses(chat_b, bob, saved_b, f"del:{id_a}")
    [refusal] = fake.wait_for_messages(chat_b["id"], 1, REPLY_TIMEOUT, after=sent_before)
    assert "isn't in this chat" in refusal["text"]
    assert edits_of(bot, chat_b["id"], saved_b["message_id"]) == []

    # No confirmation was offered under B's message, so the press is refused as forged.
    query = fake.user_presses(chat_b, bob, saved_b, f"delok:{id_a}")
    alert = answered(bot, query)
    assert "expired" in alert["text"] and alert["show_alert"]
    assert edits_of(bot, chat_b["id"], saved_b["message_id"]) == []
    assert [s["id"] for s in bot.stories(chat_a["id"])] == [id_a]


# -- a burst of traffic ---------------------------------------------------------------------


def test_burst_from_twenty_chats_is_answered_once_each_in_order(bot: Bot) -> None:
    fake = bot.fake
    chats = [bot.new_private_chat("Burst") for _ in range(20)]
    script = [
        "story",
        "/list",
        "/summary 2",
        "story",
        "/search project",
        "/list",
        "/help",
        "story",
        "/summary 40w",
        "/list",
    ]
    sent: list[tuple[dict, dict]] = []  # (chat, message)
    for step, kind in enumerate(script):
        for number, (chat, user) in enumerate(chats):
            text = article(f"burst {number}-{step} market") if kind == "story" else kind
            sent.append((chat, fake.user_sends_text(chat, user, text)))

    def all_answered() -> bool:
        return all(fake.replies_to(c["id"], m["message_id"]) for c, m in sent)

    fake.wait_for(all_answered, 240, "answers to all 200 messages")

    latencies = []
    for chat, _ in chats:
        ours = {m["message_id"] for c, m in sent if c["id"] == chat["id"]}
        replies = [
            m["reply_to_message"]["message_id"]
            for m in fake.sent_messages(chat["id"])
            if m.get("reply_to_message", {}).get("message_id") in ours
        ]
        assert replies == sorted(ours), f"chat {chat['id']}: replies out of order or repeated"
    for chat, message in sent:
        [reply_call] = [
            c
            for c in fake.calls_to("sendMessage", chat["id"])
            if c.ok
            and c.result.get("reply_to_message", {}).get("message_id") == message["message_id"]
        ]
        latencies.append(reply_call.at - fake.update_times[message["_update_id"]])

    latencies.sort()
    figures = {
        "messages": len(latencies),
        "chats": len(chats),
        "p50_seconds": round(statistics.median(latencies), 3),
        "p95_seconds": round(percentile(latencies, 0.95), 3),
        "max_seconds": round(latencies[-1], 3),
    }
    bot.results.write_text(json.dumps(figures, indent=2))
    print(f"\nburst latency: {json.dumps(figures)} (written to {bot.results})")


# -- everything the bot sent ----------------------------------------------------------------


def test_everything_sent_was_valid_telegram_html(bot: Bot) -> None:
    """Runs last: every message and edit was accepted (the fake parses Telegram HTML and
    refuses texts over 4,096 characters with 400) and the bot never apologised for a crash."""
    fake = bot.fake
    texts = [c for c in fake.calls if c.method in ("sendMessage", "editMessageText")]
    assert len(texts) > 200
    assert [c.response for c in fake.errors()] == []
    assert all(len(c.result["text"]) <= 4096 for c in texts)
    assert all(c.params.get("parse_mode") == "HTML" for c in texts)
    assert not any(SORRY in c.params["text"] for c in texts)
    assert bot.process.poll() is None, bot.log.read_text()[-3000:]
