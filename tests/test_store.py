"""The store: chat isolation in the db API, FTS search, settings, forgetting, WAL."""

from __future__ import annotations

import pytest

from bot.services.ingest import Ingestor
from db.store import Store, fts_query
from tests.conftest import article


@pytest.fixture
def store(backend_store: Store) -> Store:
    """Every test here runs on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return backend_store


@pytest.fixture
def two_chats(ingestor: Ingestor) -> tuple[int, int]:
    a = ingestor.ingest(101, [_raw(article("harbour bridge"))])[0].story.id
    b = ingestor.ingest(202, [_raw(article("railway tunnel"))])[0].story.id
    return a, b


def is_sqlite(store: Store) -> bool:
    return not store.path.startswith("postgresql")


def _raw(text: str, **fields):
    from bot.sources.documents import RawStory

    return RawStory(text=text, **fields)


def test_a_chat_never_sees_another_chats_story(store: Store, two_chats: tuple[int, int]) -> None:
    a, b = two_chats
    first, second = store.chat(101), store.chat(202)
    assert first.story(a) is not None
    assert first.story(b) is None
    assert second.story(a) is None
    assert first.sentences(b) == [] and first.entities(b) == []
    assert second.sentences(b) != []
    assert [s.id for s in first.latest_stories()] == [a]
    assert [s.id for s in first.search("railway tunnel")] == []
    assert [s.id for s in second.search("railway tunnel")] == [b]
    assert first.story_with_hash(second.story(b).content_hash) is None


def test_forgetting_touches_only_the_asking_chat(store: Store, two_chats: tuple[int, int]) -> None:
    a, b = two_chats
    assert store.chat(101).forget(b) is False
    assert store.chat(202).story(b) is not None
    assert store.chat(101).forget_all() == 1
    assert store.chat(202).count() == 1
    assert store.chat(101).story(a) is None
    assert (
        store.db.execute("SELECT count(*) FROM sentences WHERE story_id = ?", [a]).fetchone()[0]
        == 0
    )


def test_the_bots_messages_name_their_story_in_their_own_chat(
    store: Store, two_chats: tuple[int, int]
) -> None:
    a, b = two_chats
    first, second = store.chat(101), store.chat(202)
    first.remember_messages([7, 8], a)
    second.remember_messages([7], a)  # another chat's story: nothing is written
    assert [first.story_id_for_bot_message(m) for m in (7, 8, 9)] == [a, a, None]
    assert second.story_id_for_bot_message(7) is None
    second.remember_messages([7], b)
    assert (first.story_id_for_bot_message(7), second.story_id_for_bot_message(7)) == (a, b)
    first.forget_all()
    # A reply to a message about a deleted story is told it is gone, not given the latest one.
    assert first.story_id_for_bot_message(8) == a
    first.remember_messages([8], None)  # edited to show no one story
    assert first.story_id_for_bot_message(8) is None
    assert second.story_id_for_bot_message(7) == b


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "title:", "(", "a OR", "-", "^", "''"])
def test_search_never_raises_on_fts_syntax(store: Store, two_chats, query: str) -> None:
    assert isinstance(store.chat(101).search(query), list)


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('NEAR("x" y*)') == '"NEAR" "x" "y"'
    assert fts_query("  ") is None


def test_the_database_is_in_wal_mode(tmp_path) -> None:
    store = Store(tmp_path / "wal.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_settings_are_per_chat(store: Store) -> None:
    store.chat(1).change_setting("summary_length", "5")
    assert store.chat(1).setting("summary_length") == "5"
    assert store.chat(2).setting("summary_length", "3") == "3"


def test_a_failed_write_leaves_no_partial_rows(
    store: Store, ingestor: Ingestor, monkeypatch
) -> None:
    import db.store as store_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store_module.ChatStories, "_write_analysis", explode)
    with pytest.raises(RuntimeError):
        ingestor.ingest(7, [_raw(article("stadium"))])
    tables = ["stories", "sentences", "entities", "story_buckets", "chat_settings"]
    # The full-text index: FTS5's table in SQLite, the vocabulary's counts in PostgreSQL.
    tables.append("stories_fts" if is_sqlite(store) else "sentence_terms WHERE doc > 0")
    counts = [store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables]
    assert counts == [0] * len(tables)


def test_search_is_scoped_whether_the_chat_is_a_small_or_large_share(
    store: Store, ingestor: Ingestor
) -> None:
    # Chat 1 holds one story of four (searched through its FTS token), chat 2 holds three
    # (searched without it): both paths must find only the asking chat's stories.
    small = ingestor.ingest(1, [_raw(article("harbour bridge"))])[0].story.id
    large = [
        ingestor.ingest(2, [_raw(article(topic))])[0].story.id
        for topic in ("harbour bridge tolls", "harbour ferry", "harbour museum")
    ]
    if is_sqlite(store):  # PostgreSQL has no chat token: the chat_id test does it all
        assert store.chat(1)._is_minority() and not store.chat(2)._is_minority()
    assert [s.id for s in store.chat(1).search("harbour", any_word=True)] == [small]
    assert sorted(s.id for s in store.chat(2).search("harbour", any_word=True)) == sorted(large)


def _every_match_sentences(store: Store, chat_id: int, words: str, limit: int) -> list[tuple]:
    """The plain query the fast search must agree with: every match joined, then ranked."""
    rows = store.db.execute(
        "SELECT s.story_id, s.position, round(-bm25(sentences_fts, 1.0, 0.0), 9) AS score "
        "FROM sentences_fts JOIN sentences s ON s.rowid = sentences_fts.rowid "
        "JOIN stories t ON t.id = s.story_id WHERE sentences_fts MATCH ? AND t.chat_id = ? "
        "ORDER BY score DESC, sentences_fts.rowid LIMIT ?",
        [fts_query(words, any_word=True), chat_id, limit],
    ).fetchall()
    return [tuple(row) for row in rows]


TOPICS = ("budget", "wages", "lighthouse", "dredging", "moorings", "tolls", "pilots", "cranes")


def _story(topic: str, words: str, every: str = "") -> str:
    """A story long enough to keep, about one topic, with ``words`` in its first sentence and
    ``every`` in all the others."""
    return (
        f"{words} {topic} meeting ended late. {every} Officials argued about the {topic} "
        f"report. {every} The {topic} committee promised a second vote on the {topic} plan "
        f"next month. {every} Residents who follow the {topic} dispute said the {topic} "
        f"figures were still unclear and asked for the {topic} papers to be published."
    )


@pytest.mark.parametrize("limit", [1, 2, 3, 40])
def test_sentence_search_ranks_as_if_every_match_were_joined(tmp_path, limit: int) -> None:
    # Chat 1 holds most stories, so it is searched without its FTS token; chat 2's sentences
    # hold the rarer words, often, and crowd the index's best matches, which sends chat 1's
    # searches down the fallback path. Both paths must give what ranking every match would.
    store = Store(tmp_path / "crowded.db")
    ingestor = Ingestor(store)
    for topic in TOPICS[:5]:
        ingestor.ingest(1, [_raw(_story(topic, "At the harbour, the"), title=topic)])
    for topic in TOPICS[5:]:
        lead = "Quay ferry, ferry quay: at the ferry quay the"
        story = _story(topic, lead, every="Ferry quay news.")
        ingestor.ingest(2, [_raw(story, title=topic)])
    assert store.chat(1).count() == 5 and store.chat(2).count() == 3
    assert not store.chat(1)._is_minority()
    for chat_id in (1, 2):
        hits = store.chat(chat_id).search_sentences("harbour quay ferry", limit=limit)
        found = [(h.story_id, h.position, round(h.score, 9)) for h in hits]
        assert found == _every_match_sentences(store, chat_id, "harbour quay ferry", limit)
        assert len(found) == min(limit, 5 if chat_id == 1 else 12)
        scored = store.chat(chat_id).search_scored("harbour quay ferry", limit=limit)
        assert len(scored) == min(limit, 5 if chat_id == 1 else 3)
        chat_stories = {s.id for s in store.chat(chat_id).latest_stories(limit=50)}
        assert {story.id for story, _ in scored} <= chat_stories
    store.close()
