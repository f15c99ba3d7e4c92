"""What only the PostgreSQL store has: its vocabulary table kept in step with the sentences,
several processes writing at once, and its own schema versions. The shared behaviour is
tested on both backends in the store's own tests (backend_store in tests/conftest.py)."""

from __future__ import annotations

import threading

import pytest

from db.postgres_migrations import LATEST_VERSION, migrate
from db.store import NewStory, Store, StoryAnalysis


def story(words: str, n: int) -> tuple[NewStory, StoryAnalysis]:
    sentences = [(0, f"The {words} report number {n} was read."), (1, f"{words} again {n}.")]
    text = "\n\n".join(s for _, s in sentences)
    new = NewStory(
        title=f"{words} {n}",
        text=text,
        source_kind="text",
        content_hash=f"{words}{n}",
        word_count=len(text.split()),
    )
    return new, StoryAnalysis(sentences=sentences)


def vocabulary_is_exact(store: Store) -> None:
    """sentence_terms holds exactly the index's own counts (terms no sentence holds: 0)."""
    kept = dict(store.db.execute("SELECT term, doc FROM sentence_terms WHERE doc <> 0").fetchall())
    actual = dict(
        store.db.execute(
            "SELECT lexeme, count(*) FROM sentences, unnest(tsv) GROUP BY lexeme"
        ).fetchall()
    )
    assert kept == actual


def test_the_vocabulary_follows_adds_replacements_and_forgetting(postgres_url: str) -> None:
    store = Store(postgres_url)
    chat = store.chat(1)
    first = chat.add_story(*story("harbour bridge", 1))
    chat.add_story(*story("harbour ferry", 2))
    assert store.sentence_counts(["harbour", "ferri", "bridg"]) == {
        "harbour": 4,
        "ferri": 2,
        "bridg": 2,
    }
    chat.replace_story(first.id, *story("railway tunnel", 3))
    vocabulary_is_exact(store)
    assert store.sentence_counts(["bridg"]) == {}
    assert [term for term, _ in store.terms_between("rail", "railz")] == ["railway"]
    chat.forget_all()
    vocabulary_is_exact(store)
    assert store.terms_between("a", "z") == []
    store.close()


def test_two_processes_writing_at_once_keep_the_vocabulary_exact(postgres_url: str) -> None:
    """Two stores (two connections, as two bot processes have) add and forget stories that
    share most of their terms, at the same time: no deadlock, no lost count."""
    stores = [Store(postgres_url) for _ in range(2)]
    failures: list[BaseException] = []

    def write(store: Store, chat_id: int) -> None:
        try:
            chat = store.chat(chat_id)
            for n in range(25):
                saved = chat.add_story(*story("harbour bridge tolls", n))
                if n % 3 == 0:
                    chat.forget(saved.id)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(s, i + 1)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert stores[0].chat(1).count() == stores[1].chat(2).count() == 16
    vocabulary_is_exact(stores[0])
    for store in stores:
        store.close()


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "a OR", "-", "!", "&|", "'' :*", "a <-> b"])
def test_user_text_is_never_tsquery_syntax(postgres_url: str, query: str) -> None:
    store = Store(postgres_url)
    chat = store.chat(1)
    chat.add_story(*story("harbour", 1))
    assert isinstance(chat.search(query), list)
    assert isinstance(chat.search_sentences(query), list)
    assert isinstance(chat.search_scored(query), list)
    assert [s.title for s in chat.search("harbour -report")] == ["harbour 1"]  # "-" is no NOT
    store.close()


def test_a_database_from_a_newer_bot_is_refused_and_migrating_twice_is_harmless(
    postgres_url: str,
) -> None:
    store = Store(postgres_url)
    assert store.schema_version() == LATEST_VERSION
    assert migrate(store.db) == LATEST_VERSION  # nothing to do
    store.db.execute("UPDATE storybot_schema SET version = ?", [LATEST_VERSION + 1])
    store.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(postgres_url)


def test_upgrading_to_chat_narrowed_search_keeps_stored_sentences_in_their_chats(
    postgres_url: str,
) -> None:
    store = Store(postgres_url)
    store.chat(1).add_story(*story("harbour bridge", 1))
    store.chat(2).add_story(*story("harbour ferry", 2))
    # Back to version 2's layout, as a database written before version 3 is: its sentences
    # have no chat of their own, and the indexes hold the words alone.
    store.db.execute(
        "DROP TRIGGER sentences_chat ON sentences; DROP FUNCTION storybot_sentence_chat(); "
        "ALTER TABLE sentences DROP COLUMN chat_id; "
        "CREATE INDEX sentences_fts ON sentences USING gin (tsv); DROP INDEX stories_fts; "
        "CREATE INDEX stories_fts ON stories USING gin (tsv); "
        "UPDATE storybot_schema SET version = 2"
    )
    store.close()
    store = Store(postgres_url)  # migrates to the latest version
    assert store.schema_version() == LATEST_VERSION
    store.chat(2).add_story(*story("harbour tunnel", 3))  # written after the upgrade
    found = {
        chat_id: sorted({hit.story_id for hit in store.chat(chat_id).search_sentences("harbour")})
        for chat_id in (1, 2, 3)
    }
    titles = {s.id: s.title for c in (1, 2) for s in store.chat(c).search("harbour", limit=9)}
    assert [titles[i] for i in found[1]] == ["harbour bridge 1"]
    assert [titles[i] for i in found[2]] == ["harbour ferry 2", "harbour tunnel 3"]
    assert found[3] == []
    assert (
        store.db.execute("SELECT count(*) FROM sentences WHERE chat_id IS NULL").fetchone()[0] == 0
    )
    store.close()
