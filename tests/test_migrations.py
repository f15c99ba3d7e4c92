"""The versioned schema: an old database upgrades in place and keeps its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from db.migrations import LATEST_VERSION, migrate, schema_version
from db.store import Store


def test_a_new_database_is_at_the_latest_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    assert schema_version(store.db) == LATEST_VERSION


@pytest.mark.parametrize("old_version", range(1, LATEST_VERSION))
def test_an_old_database_upgrades_and_keeps_its_stories(tmp_path: Path, old_version: int) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrate(old, target=old_version)
    old.execute("INSERT INTO chats (id, kind, created_at) VALUES (5, 'private', '2024-01-01')")
    old.execute(
        "INSERT INTO stories (chat_id, title, text, source_kind, added_at, content_hash, word_count) "
        "VALUES (5, 'Old story', 'Kept across upgrades of the bot.', 'text', '2024-01-01', 'h', 6)"
    )
    old.conn.close()

    store = Store(path)
    assert schema_version(store.db) == LATEST_VERSION
    story = store.chat(5).latest_story()
    assert story is not None and story.title == "Old story"
    assert [s.id for s in store.chat(5).search("upgrades")] == [story.id]
    assert set(store.db.table_names()) >= {"chat_settings", "digest_schedules"}


def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_version_5_adds_the_update_journal_to_a_version_4_database(tmp_path: Path) -> None:
    from db.update_journal import UpdateJournal

    path = tmp_path / "v4.db"
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrate(old, target=4)
    old.execute("INSERT INTO chats (id, kind, created_at) VALUES (5, 'private', '2024-01-01')")
    old.execute(
        "INSERT INTO stories (chat_id, chat_tag, title, text, source_kind, added_at, "
        "content_hash, word_count, message_id) VALUES "
        "(5, 'chat5', 'Kept', 'A story from before the journal.', 'text', '2024-01-01', 'h', 6, 3)"
    )
    assert "update_journal" not in old.table_names()
    old.conn.close()

    store = Store(path)
    assert schema_version(store.db) == LATEST_VERSION >= 5
    assert [s.title for s in store.chat(5).search("journal")] == ["Kept"]
    journal = UpdateJournal(store.db)
    seq = journal.record(1, {"update_id": 1}, chat_id=5)
    assert seq is not None and journal.record(1, {"update_id": 1}, chat_id=5) is None
    assert [e.update_id for e in journal.unfinished()] == [1]
    store.close()
