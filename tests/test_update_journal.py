"""The update journal: its table (db/update_journal.py) and its ties to python-telegram-bot
(bot/telegram/app.py). The real bot killed with SIGKILL is in tests/test_restarts.py."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from telegram import Update

from bot.telegram.journal import MAX_ATTEMPTS, JournaledQueue, JournaledUpdates
from bot.telegram.ordering import PerChatUpdateProcessor
from db.store import Store
from db.update_journal import ABANDONED, DONE, UpdateJournal


def message_update(update_id: int, chat_id: int, text: str, message_id: int = 1) -> dict:
    """An update as Telegram sends it: a text message in a private chat."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Ann"}
    chat = {"id": chat_id, "type": "private", "first_name": "Ann"}
    message = {"message_id": message_id, "date": 1_700_000_000, "chat": chat, "from": user}
    return {"update_id": update_id, "message": {**message, "text": text}}


@pytest.fixture
def location(backend_location: str) -> str:
    """A new, migrated database on each backend: the journal's tests run against both."""
    Store(backend_location).close()  # creates and migrates it
    return backend_location


@pytest.fixture
def journal(location: str) -> UpdateJournal:
    opened = UpdateJournal.open(location)
    yield opened
    opened.close()


# -- the table --------------------------------------------------------------------------------


def test_an_update_is_recorded_once_and_kept_until_finished(journal: UpdateJournal) -> None:
    first = journal.record(10, message_update(10, 5, "one"), chat_id=5)
    second = journal.record(11, message_update(11, 6, "two · ✓ שלום"), chat_id=6)
    assert first is not None and second is not None and first < second
    # Offered again (the confirmation was lost): known, finished or not.
    assert journal.record(10, message_update(10, 5, "one"), chat_id=5) is None
    entries = journal.unfinished()
    assert [(e.seq, e.update_id, e.chat_id, e.attempts) for e in entries] == [
        (first, 10, 5, 0),
        (second, 11, 6, 0),
    ]
    assert entries[1].payload == message_update(11, 6, "two · ✓ שלום")

    journal.start(first)
    journal.start(first)
    journal.finish(first)
    journal.finish(first)  # a second finish changes nothing
    assert [e.update_id for e in journal.unfinished()] == [11]
    assert journal.record(10, message_update(10, 5, "one"), chat_id=5) is None
    assert journal.counts() == {"unfinished": 1, DONE: 1, ABANDONED: 0}


def test_a_reused_update_id_with_other_content_is_a_new_update(journal: UpdateJournal) -> None:
    """Telegram numbers updates afresh after a week without any: the id alone is not enough."""
    old = journal.record(1, message_update(1, 5, "last week"), chat_id=5)
    assert old is not None
    journal.finish(old)
    new = journal.record(1, message_update(1, 5, "today", message_id=2), chat_id=5)
    assert new is not None and new > old
    assert [e.payload["message"]["text"] for e in journal.unfinished()] == ["today"]


def test_attempts_count_the_starts_and_an_update_can_be_given_up(journal: UpdateJournal) -> None:
    seq = journal.record(3, message_update(3, 5, "poison"), chat_id=5)
    for _ in range(3):
        journal.start(seq)
    assert [e.attempts for e in journal.unfinished()] == [3]
    journal.give_up(seq)
    assert journal.unfinished() == []
    assert journal.counts()[ABANDONED] == 1


def test_prune_forgets_finished_updates_after_a_while(journal: UpdateJournal) -> None:
    done = journal.record(1, message_update(1, 5, "a"), chat_id=5)
    waiting = journal.record(2, message_update(2, 5, "b"), chat_id=5)
    journal.finish(done)
    assert journal.prune() == 0  # finished just now: kept, to recognise a repeat
    later = datetime.now(UTC) + timedelta(days=2)
    assert journal.prune(now=later) == 1
    assert [e.seq for e in journal.unfinished()] == [waiting]  # never pruned unfinished
    assert journal.counts() == {"unfinished": 1, DONE: 0, ABANDONED: 0}


def test_the_journal_sees_what_the_store_connection_sees(tmp_path: Path) -> None:
    """Its own connection to the store's file: rows are shared, both can write (WAL)."""
    store = Store(tmp_path / "bot.db")
    journal = UpdateJournal.open(tmp_path / "bot.db")
    try:
        seq = journal.record(1, message_update(1, 5, "a"), chat_id=5)
        row = store.db.execute("SELECT update_id FROM update_journal WHERE seq = ?", [seq])
        assert row.fetchone() == (1,)
        store.chat(5).ensure_exists()
        journal.finish(seq)
        assert journal.counts()[DONE] == 1
    finally:
        journal.close()
        store.close()


def test_a_read_only_database_refuses_journal_writes(tmp_path: Path) -> None:
    Store(tmp_path / "bot.db").close()
    read_only = sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True)
    import sqlite_utils

    journal = UpdateJournal(sqlite_utils.Database(read_only))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        journal.record(1, message_update(1, 5, "a"))
    read_only.close()


# -- tied to python-telegram-bot ----------------------------------------------------------------


class Run:
    """One run of the bot's update path without Telegram: the journaled queue, the per-chat
    processor, and handlers that record what they saw."""

    def __init__(self, journal: UpdateJournal) -> None:
        self.journaled = JournaledUpdates(journal)
        self.queue = JournaledQueue(self.journaled)
        self.processor = PerChatUpdateProcessor(journal=self.journaled)
        self.application = SimpleNamespace(bot=None, update_queue=self.queue)
        self.handled: list[tuple[int, str]] = []

    async def receive(self, *payloads: dict) -> None:
        """What PTB's Updater does with a batch from getUpdates."""
        for payload in payloads:
            await self.queue.put(Update.de_json(payload, None))

    async def handle_queued(self, fail_on: str | None = None) -> None:
        """What the Application does: every queued update through the processor."""
        await self.processor.initialize()
        tasks = []
        while not self.queue.empty():
            update = self.queue.get_nowait()
            tasks.append(asyncio.create_task(self._process(update, fail_on)))
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _process(self, update: Update, fail_on: str | None) -> None:
        await self.processor.process_update(update, self._handler(update, fail_on))

    async def _handler(self, update: Update, fail_on: str | None) -> None:
        await asyncio.sleep(0)
        if update.message.text == fail_on:
            raise RuntimeError("the process died here")  # stands for a kill mid-handler
        self.handled.append((update.effective_chat.id, update.message.text))

    async def close(self) -> None:
        await self.journaled.close()


def test_updates_are_journaled_before_they_are_queued_and_finished_after_handling(
    tmp_path: Path,
) -> None:
    Store(tmp_path / "bot.db").close()

    async def first_run() -> list[tuple[int, str]]:
        run = Run(UpdateJournal.open(tmp_path / "bot.db"))
        await run.receive(message_update(1, 5, "a"), message_update(2, 6, "b"))
        assert run.queue.qsize() == 2
        journal = UpdateJournal.open(tmp_path / "bot.db")
        assert [e.update_id for e in journal.unfinished()] == [1, 2]  # before any handling
        await run.receive(message_update(1, 5, "a"))  # offered again: not queued twice
        assert run.queue.qsize() == 2
        await run.handle_queued()
        assert journal.unfinished() == []
        journal.close()
        await run.close()
        return run.handled

    assert sorted(asyncio.run(first_run())) == [(5, "a"), (6, "b")]


def test_a_restart_replays_unfinished_updates_in_order_and_not_finished_ones(
    location: str,
) -> None:
    """Killed with chat 5's second update mid-handler and the rest still queued: the next run
    replays exactly those, first, in order, and Telegram's repeat of the batch is dropped."""
    batch = [
        message_update(1, 5, "5-1"),
        message_update(2, 6, "6-1"),
        message_update(3, 5, "5-2"),
        message_update(4, 5, "5-3"),
        message_update(5, 6, "6-2"),
    ]

    async def killed_run() -> list[tuple[int, str]]:
        run = Run(UpdateJournal.open(location))
        await run.receive(*batch)
        await run.handle_queued(fail_on="5-2")
        await run.close()
        return run.handled

    handled = asyncio.run(killed_run())
    # 5-2 "died"; 5-3 ran after it (the chat lock was released): both chats' first and 6-2 too.
    assert sorted(handled) == [(5, "5-1"), (5, "5-3"), (6, "6-1"), (6, "6-2")]

    async def next_run() -> tuple[int, list[tuple[int, str]]]:
        run = Run(UpdateJournal.open(location))
        replayed = await run.journaled.replay(run.application)
        await run.receive(*batch)  # the unconfirmed batch offered again: all known
        await run.handle_queued()
        await run.close()
        return replayed, run.handled

    replayed, handled = asyncio.run(next_run())
    assert replayed == 1 and handled == [(5, "5-2")]


def test_an_update_that_keeps_dying_is_given_up_not_replayed_forever(
    location: str, caplog: pytest.LogCaptureFixture
) -> None:

    async def run_once(first: bool) -> tuple[int, list]:
        run = Run(UpdateJournal.open(location))
        replayed = await run.journaled.replay(run.application)
        if first:
            await run.receive(message_update(9, 5, "poison"), message_update(10, 5, "fine"))
        await run.handle_queued(fail_on="poison")
        await run.close()
        return replayed, run.handled

    assert asyncio.run(run_once(True)) == (0, [(5, "fine")])
    for _ in range(MAX_ATTEMPTS - 1):
        assert asyncio.run(run_once(False)) == (1, [])
    assert asyncio.run(run_once(False)) == (0, [])
    assert "began 3 times and never finished" in caplog.text
    journal = UpdateJournal.open(location)
    assert journal.counts() == {"unfinished": 0, DONE: 1, ABANDONED: 1}
    journal.close()


def test_updates_are_still_handled_when_the_journal_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    Store(tmp_path / "bot.db").close()
    read_only = sqlite3.connect(
        f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True, check_same_thread=False
    )
    import sqlite_utils

    async def scenario() -> list:
        run = Run(UpdateJournal(sqlite_utils.Database(read_only)))
        await run.receive(message_update(1, 5, "a"), message_update(2, 5, "b"))
        await run.handle_queued()
        await run.close()
        return run.handled

    assert asyncio.run(scenario()) == [(5, "a"), (5, "b")]
    assert caplog.text.count("UPDATE JOURNAL: can't write to the database") == 1


# -- what the journal keeps ------------------------------------------------------------------


def payloads(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT payload FROM update_journal")]
    finally:
        connection.close()


def test_a_handled_update_keeps_no_payload_but_is_still_recognised(tmp_path: Path) -> None:
    Store(tmp_path / "bot.db").close()
    journal = UpdateJournal.open(tmp_path / "bot.db")
    done = journal.record(1, message_update(1, 5, "a story later deleted"), chat_id=5)
    dropped = journal.record(2, message_update(2, 5, "one that kept failing"), chat_id=5)
    waiting = journal.record(3, message_update(3, 5, "not handled yet"), chat_id=5)
    assert done and dropped and waiting
    journal.finish(done)
    journal.give_up(dropped)
    texts = payloads(tmp_path / "bot.db")
    assert not any("deleted" in t or "failing" in t for t in texts), texts
    assert any("not handled yet" in t for t in texts), "what replay needs is kept"
    assert journal.record(1, message_update(1, 5, "a story later deleted"), chat_id=5) is None
    assert [e.update_id for e in journal.unfinished()] == [3]
    # Entries an older bot finished with their payloads are cleared at the next prune.
    journal.db.execute(
        "UPDATE update_journal SET payload = ? WHERE seq = ?", ['{"old": "text"}', done]
    )
    journal.prune()
    assert not any("old" in t for t in payloads(tmp_path / "bot.db"))
    journal.close()


def test_a_refused_chats_updates_are_not_journaled(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.services.stories import StoryService
    from bot.telegram.app import build_application

    Store(tmp_path / "bot.db").close()
    settings = Settings(db_path=str(tmp_path / "bot.db"), allowed_chats=frozenset({5}))
    journal = UpdateJournal.open(tmp_path / "bot.db")
    service = StoryService(Store(settings.db_path), settings)
    application = build_application(settings, service, token="1:x", journal=journal)
    journaled = application.bot_data.journal

    async def scenario() -> None:
        queue = JournaledQueue(journaled)
        await queue.put(Update.de_json(message_update(1, 6, "a stranger's 1.5 MB"), None))
        await queue.put(Update.de_json(message_update(2, 5, "an allowed chat"), None))
        assert queue.qsize() == 2, "both go on (the allow-list drops the stranger's)"
        await journaled.close()

    asyncio.run(scenario())
    texts = payloads(tmp_path / "bot.db")
    assert len(texts) == 1 and "an allowed chat" in texts[0]
    service.store.close()


# -- two bot processes on one PostgreSQL database ----------------------------------------------


def test_two_processes_never_take_the_same_update_and_a_dead_ones_are_claimed_once(
    postgres_url: str,
) -> None:
    Store(postgres_url).close()
    first, second, third = (UpdateJournal.open(postgres_url) for _ in range(3))
    try:
        seqs = [
            first.record(i, message_update(i, 5 + i % 2, f"u{i}"), chat_id=5 + i % 2)
            for i in range(1, 9)
        ]
        # Offered again, to another process: already recorded, so not handled there.
        assert second.record(1, message_update(1, 6, "u1"), chat_id=6) is None
        # The first process is alive: nobody takes its updates.
        assert second.unfinished() == [] and third.unfinished() == []
        first.close()  # it dies: its session, and with it its owner lock, ends
        taken = [second.unfinished(), third.unfinished()]
        claimed = [e.seq for entries in taken for e in entries]
        assert sorted(claimed) == seqs  # every update once, by one of them
        for entries in taken:
            assert [e.seq for e in entries] == sorted(e.seq for e in entries)  # in order
        # What a live process claimed stays with it.
        assert [e.seq for e in second.unfinished()] == [e.seq for e in taken[0]]
    finally:
        for journal in (second, third):
            journal.close()
