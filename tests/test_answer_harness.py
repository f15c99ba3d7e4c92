"""The answers harness's small chats: each question is asked where its article is stored."""

from __future__ import annotations

from pathlib import Path

from benchmarks import answers as harness
from benchmarks.news_corpora import Article
from tests.support.stories import article


def test_small_chats_hold_each_article_once_and_are_reused(tmp_path: Path, monkeypatch) -> None:
    topics = ["harbour", "tramway", "flood barrier", "library", "marathon", "bridge", "school"]
    articles = [Article(f"t:{i}", topic.title(), article(topic)) for i, topic in enumerate(topics)]
    monkeypatch.setattr(harness, "chat_articles", lambda data, name: articles)
    store, story_of, chat_of = harness.build_small_chats(tmp_path, "dev", tmp_path, 3)
    assert set(chat_of) == set(story_of) == {a.id for a in articles}
    sizes = {chat: list(chat_of.values()).count(chat) for chat in set(chat_of.values())}
    assert sorted(sizes.values()) == [1, 3, 3]
    for source, story_id in story_of.items():
        chat = store.chat(chat_of[source])
        assert chat.story(story_id) is not None
        assert chat.count() == sizes[chat_of[source]]
    store.close()
    # Built once: a second call reads the index, ingesting nothing.
    monkeypatch.setattr(harness, "chat_articles", lambda data, name: [])
    again = harness.build_small_chats(tmp_path, "dev", tmp_path, 3)
    assert again[1:] == (story_of, chat_of)
    again[0].close()
