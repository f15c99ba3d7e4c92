"""``storybot migrate-store``: an SQLite archive moved to a real PostgreSQL, ids and all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
from db.feeds import add_feed, feeds_of, mark_seen, seen
from db.schedules import Schedule, save_schedule, schedule_for
from db.store import Store
from db.store_copy import TABLES, count
from tests.conftest import article


def storybot(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.handler(args)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An SQLite archive with two chats, a forgotten story, settings, a schedule and a feed."""
    path = tmp_path / "storybot.db"
    store = Store(path)
    ingestor = Ingestor(store)
    ingestor.ingest(2, [RawStory(text=article("airport runway"), message_id=7)])
    for topic in ("harbour bridge", "railway tunnel", "city museum"):
        ingestor.ingest(1, [RawStory(text=article(topic))])
    store.chat(1).forget(store.chat(1).latest_story().id)  # the highest id is gone
    store.chat(1).change_setting("summary_length", "5")
    save_schedule(store, Schedule(-5, "daily", "09:00", "Europe/Berlin"), datetime.now(UTC))
    feed = add_feed(store, 1, "http://127.0.0.1:1/feed.xml", "Feed", None, None, "2024-01-01")
    mark_seen(store, feed.id, ["a", "b"])
    store.close()
    return path


def test_an_archive_moves_to_postgresql_with_its_ids_and_counts(
    archive: Path, postgres_url: str, capsys: pytest.CaptureFixture
) -> None:
    before = Store(archive)
    expected = {table: count(before, table) for table, _, _ in TABLES}
    stories = {c: before.chat(c).latest_stories(50) for c in (1, 2)}
    assert expected["stories"] == 3 and expected["sentences"] > 0
    before.close()

    assert storybot("migrate-store", "--from", str(archive), "--to", postgres_url) == 0
    assert "stories: 3" in capsys.readouterr().out

    moved = Store(postgres_url)
    try:
        assert {table: count(moved, table) for table, _, _ in TABLES} == expected
        for chat_id, kept in stories.items():
            assert moved.chat(chat_id).latest_stories(50) == kept  # same ids, same fields
        assert [s.id for s in moved.chat(2).search("runway")] == [stories[2][0].id]
        assert moved.chat(1).search("runway") == []  # isolation holds after the move
        assert moved.chat(1).setting("summary_length") == "5"
        assert schedule_for(moved, -5).time_of_day == "09:00"
        feed = feeds_of(moved, 1)[0]
        assert seen(moved, feed.id, "a") and not seen(moved, feed.id, "c")
        assert moved.sentence_counts(["harbour"]) == {"harbour": 6}  # the vocabulary too
        # A new story gets an id past every one the archive ever gave out, the forgotten too.
        new = Ingestor(moved).ingest(1, [RawStory(text=article("river ferry"))])[0].story
        assert new.id == 5
    finally:
        moved.close()


def test_a_second_run_is_refused_and_changes_nothing(
    archive: Path, postgres_url: str, capsys: pytest.CaptureFixture
) -> None:
    assert storybot("migrate-store", "--from", str(archive), "--to", postgres_url) == 0
    assert storybot("migrate-store", "--from", str(archive), "--to", postgres_url) == 1
    assert "not empty" in capsys.readouterr().err
    moved = Store(postgres_url)
    assert count(moved, "stories") == 3
    moved.close()


def test_a_missing_source_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = storybot("migrate-store", "--from", str(tmp_path / "nope.db"), "--to", "x.db")
    assert code == 2 and "No database file" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()
