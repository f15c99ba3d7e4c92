"""The real bot process (``storybot run``) on a real PostgreSQL, against the fake Bot API: it
migrates the database, stores and searches a story, answers a question about it, and its
update journal records each update as handled. Killed with SIGKILL and started again on the
same database, it still knows the chat's stories."""

from __future__ import annotations

import re

import psycopg

from db.store import Store
from tests.conftest import SAMPLE
from tests.support.bot_process import kill, start_bot, stop_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.sample_answers import sample_answer

TOKEN = "123:TEST"
REPLY_TIMEOUT = 60.0


def journal_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT coalesce(outcome, 'unfinished'), count(*) FROM update_journal GROUP BY 1"
        ).fetchall()
    return dict(rows)


def test_the_bot_runs_on_postgresql(postgres_url: str, postgres_server, tmp_path) -> None:
    expected = sample_answer(postgres_server.fresh_url())
    fake = FakeTelegram(TOKEN, bot_username="storybot_test_bot").start()
    log = tmp_path / "bot.log"
    process = start_bot(fake, postgres_url, log, timeout=90.0)
    try:
        user = fake.user(70_001, "Pat", "pat")
        chat = fake.private_chat(user)
        message = fake.user_sends_text(chat, user, SAMPLE.read_text(encoding="utf-8"))
        saved = fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)["text"]
        assert "Saved." in saved, saved
        story_id = int(re.search(r"Story #(\d+)", saved).group(1))
        message = fake.user_sends_text(chat, user, "/search satellite")
        found = fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)["text"]
        assert f"#{story_id} " in found
        message = fake.user_sends_text(chat, user, expected.question)
        reply = fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)["text"]
        assert expected.shown_in(reply), (expected, reply)
        fake.wait_for(lambda: journal_counts(postgres_url).get("done") == 3, REPLY_TIMEOUT)
        kill(process)

        # Killed: the next bot starts on the same database and goes on numbering after it.
        process = start_bot(fake, postgres_url, log, timeout=90.0)
        message = fake.user_sends_text(chat, user, "/list")
        listed = fake.wait_for_reply(chat["id"], message, REPLY_TIMEOUT)["text"]
        assert f"#{story_id} " in listed
    finally:
        stop_bot(process)
        fake.stop()
    store = Store(postgres_url)
    assert [s.id for s in store.chat(chat["id"]).latest_stories()] == [story_id]
    assert journal_counts(postgres_url).get("unfinished", 0) == 0
    store.close()
