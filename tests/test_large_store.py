"""The large-store benchmark's builders make stores the bot can search, on both backends.

Its figures are only worth something if the rows it writes directly are the rows the bot
would have written: searchable in their own chat only, and (on PostgreSQL) with the
vocabulary table and the sentences' chat filled as the store's own writes fill them."""

from __future__ import annotations

from pathlib import Path

from benchmarks.large_store import BIG_CHAT, build, build_postgres, tag_entities
from db.store import NewStory, Store, StoryAnalysis


def sentence(n: int, p: int) -> str:
    return f"The harbour ferry {n} sailed to Dover on Monday with {p + 3} passengers."


ARTICLES = [
    (f"Harbour story {n}", [(p, sentence(n, p), tag_entities(sentence(n, p))) for p in range(8)])
    for n in range(5)
]


def searched(store: Store, chats: int) -> dict[int, tuple[int, int]]:
    """Per chat: its stories, and the stories its sentence search for "ferry" reaches."""
    found = {}
    for chat_id in range(BIG_CHAT, BIG_CHAT + chats):
        chat = store.chat(chat_id)
        hits = {hit.story_id for hit in chat.search_sentences("ferry", limit=500)}
        own = {story.id for story in chat.search("ferry", limit=500)}
        assert hits <= own  # a sentence hit never comes from another chat's story
        found[chat_id] = (chat.count(), len(hits))
    return found


def test_the_file_builder_fills_every_chat(tmp_path: Path) -> None:
    build(tmp_path / "large.db", ARTICLES, total=60, chats=3, big=30)
    store = Store(tmp_path / "large.db")
    found = searched(store, 3)
    store.close()
    assert found[BIG_CHAT][0] == 30
    assert sum(count for count, _ in found.values()) == 60
    assert all(hits == count for count, hits in found.values())


def test_the_postgres_builder_makes_the_store_the_bot_would(postgres_url: str) -> None:
    build_postgres(postgres_url, ARTICLES, total=60, chats=3, big=30)
    store = Store(postgres_url)
    found = searched(store, 3)
    assert found[BIG_CHAT][0] == 30
    assert sum(count for count, _ in found.values()) == 60
    assert all(hits == count for count, hits in found.values())
    kept = dict(store.db.execute("SELECT term, doc FROM sentence_terms").fetchall())
    actual = dict(
        store.db.execute("SELECT lexeme, count(*) FROM sentences, unnest(tsv) GROUP BY lexeme")
    )
    assert kept == actual
    assert kept["ferri"] == store.db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    # A story the bot adds afterwards gets the next id, not one the builder gave.
    text = "A ferry strike in Calais."
    added = store.chat(BIG_CHAT).add_story(
        NewStory(title="Strike", text=text, source_kind="text", content_hash="s", word_count=5),
        StoryAnalysis(sentences=[(0, text)]),
    )
    assert added.id == 61
    store.close()
