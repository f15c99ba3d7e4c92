"""`storybot reindex`: stories stored by an older cleaner are re-cleaned in place, keeping ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.reindex import UnknownChat, reindex
from db.store import NewStory, Store, StoredEntity, StoryAnalysis
from tests.conftest import article

DATA = Path(__file__).parent / "data" / "languages"

# What an older cleaner let through: a newsletter box inside a paragraph, a photo caption
# glued to the next sentence (one stored "sentence"), and a wire tag in the title.
BOX = "Get local news sent straight to your inbox + Subscribe Thank you for subscribing!"
CAPTION = "Image copyright AFP Image caption Volunteers stack sandbags near the old bridge"
OLD_TEXT = "\n\n".join(
    [
        article("flood barrier", 2),
        f"{BOX} The barrier was built in 1987 and has been raised twice this winter.",
        f"{CAPTION} Engineers said the river would peak on Thursday night at 4.5 metres.",
        article("flood barrier", 6).split("\n\n", 2)[2],
    ]
)
OLD_TITLE = "(CNN) -- Flood barrier holds as river rises"


def old_story(store: Store, chat_id: int = 1, text: str = OLD_TEXT, title: str = OLD_TITLE):
    """A story as an older storybot stored it: its paragraphs as sentences, no language."""
    paragraphs = text.split("\n\n")
    new = NewStory(title, text, "text", f"hash-{len(text)}-{chat_id}", len(text.split()))
    analysis = StoryAnalysis(
        sentences=list(enumerate(paragraphs)),
        entities=[StoredEntity(0, "Nonsense", "ORG", 0, 8)],
        buckets=[(0, 1)],
    )
    return store.chat(chat_id).add_story(new, analysis)


def fts_ok(store: Store) -> None:
    """Both full-text indexes agree with their tables (FTS5's own integrity check)."""
    for table in ("stories_fts", "sentences_fts"):
        store.db.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")


def test_reindex_recleans_in_place_and_keeps_the_id(store: Store) -> None:
    story = old_story(store)
    other = old_story(store, chat_id=2)
    chat = store.chat(1)
    assert chat.search_sentences("inbox subscribing")

    report = reindex(store, 1)

    assert (report.chats, report.stories, report.changed, report.unchanged) == (1, 1, 1, 0)
    assert report.furniture_cut >= 2
    redone = chat.story(story.id)
    assert redone is not None and redone.id == story.id
    assert "inbox" not in redone.text and "Image caption" not in redone.text
    assert "The barrier was built in 1987" in redone.text
    assert redone.title == "Flood barrier holds as river rises"
    assert redone.language == "en" and redone.word_count < story.word_count
    sentences = [s.text for s in chat.sentences(story.id)]
    assert "Engineers said the river would peak on Thursday night at 4.5 metres." in sentences
    assert not any("inbox" in s or "Image caption" in s for s in sentences)
    # The sentence index answers from the new sentences only; the story index from the new text.
    assert not chat.search_sentences("inbox subscribing")
    assert chat.search_sentences("engineers river peak")[0].story_id == story.id
    assert not chat.search("subscribing")
    assert "Nonsense" not in [e.text for e in chat.entities(story.id)]
    fts_ok(store)
    # The other chat was not asked for, and keeps its old text.
    assert store.chat(2).story(other.id).text == OLD_TEXT


def test_reindex_is_idempotent(store: Store) -> None:
    old_story(store)
    first = reindex(store)
    before = store.db.execute("SELECT * FROM sentences ORDER BY rowid").fetchall()
    second = reindex(store)
    assert first.changed == 1
    assert (second.changed, second.unchanged) == (0, 1)
    assert store.db.execute("SELECT * FROM sentences ORDER BY rowid").fetchall() == before


def test_a_freshly_ingested_story_is_already_clean(store: Store, ingestor) -> None:
    ingestor.add_text(3, OLD_TITLE + "\n\n" + OLD_TEXT)
    report = reindex(store, 3)
    assert (report.stories, report.changed, report.unchanged) == (1, 0, 1)


def test_a_story_that_would_be_too_short_is_kept(store: Store) -> None:
    text = "\n\n".join([BOX, CAPTION, "Photos: the river rose overnight in the town centre."])
    story = old_story(store, text=text + " " + " ".join(["Share this"] * 20))
    report = reindex(store)
    assert report.kept == 1 and report.kept_ids == [story.id] and report.changed == 0
    assert store.chat(1).story(story.id).text == story.text


def test_a_failed_write_leaves_the_story_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = old_story(store)
    chat = store.chat(1)
    before = [s.text for s in chat.sentences(story.id)]

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(type(chat), "_write_analysis", broken)
    with pytest.raises(RuntimeError):
        reindex(store, 1)
    assert chat.story(story.id).text == OLD_TEXT
    assert [s.text for s in chat.sentences(story.id)] == before
    fts_ok(store)
    monkeypatch.undo()
    assert reindex(store, 1).changed == 1


def test_a_story_in_another_language_loses_its_english_entities(store: Store) -> None:
    text = "\n\n".join((DATA / "ru-tram.txt").read_text(encoding="utf-8").split("\n\n")[1:])
    story = old_story(store, text=text, title="В Казани открыли первую линию трамвая")
    reindex(store)
    redone = store.chat(1).story(story.id)
    assert redone.language == "ru"
    assert store.chat(1).entities(story.id) == []


def test_unknown_chat(store: Store) -> None:
    with pytest.raises(UnknownChat):
        reindex(store, 404)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_cli(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    store = Store(db)
    old_story(store, chat_id=5)
    old_story(store, chat_id=6)
    store.close()

    code, out, _ = run(capsys, "--db", db, "reindex", "--chat", "5")
    assert code == 0
    assert out.startswith("chat 5: 1 stories, 1 re-cleaned, 0 already clean")
    code, out, _ = run(capsys, "--db", db, "reindex", "--json")
    counts = json.loads(out)
    assert (counts["chats"], counts["changed"], counts["unchanged"]) == (2, 1, 1)
    code, out, err = run(capsys, "--db", db, "reindex", "--chat", "77")
    assert code == 1 and "no chat 77" in err and not out
    code, out, _ = run(capsys, "--db", str(tmp_path / "empty.db"), "reindex")
    assert code == 0 and "no chats" in out
