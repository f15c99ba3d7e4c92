"""Digest items take their summary from the item's most news-like report, never from a
column's opening, and never carry page furniture (issue 12, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.digests import build_digest, newsiness
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
from db.store import NewStory, Store, StoryAnalysis

CHAT = 7
EPOCH = "2000-01-01T00:00:00+00:00"

REPORT = (
    "At least 12 people died after flash floods swept through the Spanish city of Valencia "
    "on Tuesday, regional officials said.\n\n"
    "The floods cut power to 40,000 homes and closed the A-7 motorway, the Valencia regional "
    "government said in a statement. Emergency services rescued 230 people from cars and "
    "rooftops overnight.\n\n"
    "Spain's weather agency AEMET said more than 180 litres of rain per square metre fell in "
    "six hours in parts of the region."
)
COLUMN = (
    "I have lived on the same street in Valencia for thirty years, and I have never seen the "
    "floods come like this.\n\n"
    "We watched the water rise past the doors of our neighbours while the rain kept falling "
    "on Tuesday night. My daughter asked me whether the river would reach us too.\n\n"
    "The regional officials in Valencia will count the dead and the homes without power, and "
    "they will promise to look again at the motorway and the floods. I wonder whether they "
    "will remember our street."
)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "digest.db")


def test_a_report_reads_more_like_news_than_a_column() -> None:
    assert newsiness(REPORT.split("\n\n")) > newsiness(COLUMN.split("\n\n"))


@pytest.mark.parametrize("column_first", [True, False])
def test_the_item_summary_comes_from_the_report_not_the_column(
    store: Store, column_first: bool
) -> None:
    column = RawStory(text=COLUMN, title="My street in Valencia became a river in the floods")
    report = RawStory(text=REPORT, title="Flash floods in Valencia kill at least 12")
    stories = [column, report] if column_first else [report, column]
    Ingestor(store).ingest(CHAT, stories)
    digest = build_digest(store.chat(CHAT), EPOCH)
    assert len(digest.items) == 1, "the column and the report tell one event"
    summary = digest.items[0].summary
    assert summary
    flat_report = " ".join(REPORT.split())
    for sentence in summary:
        assert sentence in flat_report, sentence


def test_a_story_stored_with_furniture_gets_a_clean_digest_summary(store: Store) -> None:
    # Stored as an older version of the bot kept it, before the inline furniture rules.
    box = (
        "Get politics updates directly to your inbox + Subscribe Thank you for subscribing! "
        "We have more newsletters Show me See our privacy notice"
    )
    text = f"{box} {REPORT}"
    paragraphs = text.split("\n\n")
    analysis = StoryAnalysis([(i, p) for i, p in enumerate(paragraphs)])
    store.chat(CHAT).add_story(
        NewStory("Flash floods in Valencia kill at least 12", text, "text", "h1", 120), analysis
    )
    digest = build_digest(store.chat(CHAT), EPOCH)
    told = " ".join(s for item in digest.items for s in item.summary)
    assert told
    for widget in ("inbox", "Subscribe", "subscribing", "privacy notice"):
        assert widget not in told
