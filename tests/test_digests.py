"""Digests: thirty stories, ten of them second reports of an event, make twenty items.

The stories are short realistic news reports: twenty events, ten reported again by another
outlet in other words. Some different events share a city, an institution or a topic (two rate
decisions, two Berlin stories), so grouping by one shared word would go wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.plain import digest_text
from bot.services.digests import (
    SAME_FACT,
    Digest,
    DigestItem,
    _overlap,
    _stems,
    build_digest,
    chat_digest,
    digest_json,
    headline,
)
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
from db.schedules import mark_sent
from db.store import Store, Story
from handlers.render import MESSAGE_LIMIT, format_digest
from tests.conftest import article
from tests.support.reports import REPORTS, raw

CHAT = 1
EPOCH = "2000-01-01T00:00:00+00:00"


EVENTS = list(dict.fromkeys(report.event for report in REPORTS))
REPEATED = {event for event in EVENTS if sum(r.event == event for r in REPORTS) == 2}


def ingest_reports(store: Store, chat_id: int = CHAT) -> list[Story]:
    """Store all thirty reports in the chat; their ids follow REPORTS' order."""
    outcomes = Ingestor(store).ingest(chat_id, [raw(r) for r in REPORTS])
    assert [o.status for o in outcomes] == ["added"] * len(REPORTS)
    return [o.story for o in outcomes if o.story is not None]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[int, str]]:
    """One store with the thirty reports, shared by the tests that only read it."""
    store = Store(tmp_path_factory.mktemp("digest") / "digest.db")
    stories = ingest_reports(store)
    yield store, {story.id: report.event for story, report in zip(stories, REPORTS, strict=True)}
    store.close()


@pytest.fixture(scope="module")
def full(loaded: tuple[Store, dict[int, str]]) -> Digest:
    store, _ = loaded
    return build_digest(store.chat(CHAT), EPOCH, max_items=50)


# -- grouping --------------------------------------------------------------------------------


def test_thirty_stories_with_ten_repeats_make_twenty_items(
    full: Digest, loaded: tuple[Store, dict[int, str]]
) -> None:
    _, event_of = loaded
    assert len(full.items) == 20 and full.more == 0 and full.story_count == 30
    grouped = [{event_of[i] for i in item.story_ids} for item in full.items]
    assert all(len(events) == 1 for events in grouped), grouped  # nothing merged wrongly
    assert {next(iter(events)) for events in grouped} == set(EVENTS)  # nothing split
    for item in full.items:
        event = event_of[item.story_ids[0]]
        assert len(item.story_ids) == (2 if event in REPEATED else 1)


def test_items_are_ordered_by_reports_then_recency(
    full: Digest, loaded: tuple[Store, dict[int, str]]
) -> None:
    store, _ = loaded
    counts = [len(item.story_ids) for item in full.items]
    assert counts == [2] * 10 + [1] * 10
    latest = [
        max(store.chat(CHAT).story(i).published for i in item.story_ids) for item in full.items
    ]
    assert latest[:10] == sorted(latest[:10], reverse=True)
    assert latest[10:] == sorted(latest[10:], reverse=True)


def test_each_item_has_headline_short_summary_and_sources(full: Digest) -> None:
    titles = {r.title for r in REPORTS}
    urls = {r.url for r in REPORTS}
    for item in full.items:
        assert item.headline in titles
        assert 1 <= len(item.summary) <= 2
        assert any(source in urls for source in item.sources)
        assert any(source in ("Wire News", "Daily News") for source in item.sources)


def test_no_fact_is_told_twice(full: Digest) -> None:
    sentences = [s for item in full.items for s in item.summary]
    assert len(sentences) == len(set(sentences))
    stems = [frozenset(_stems(s)) for s in sentences]
    for i, a in enumerate(stems):
        for b in stems[i + 1 :]:
            assert _overlap(a, b) < SAME_FACT
    # Two outlets' leads say the same thing in other words: an item keeps one of them.
    leads = {r.text.split("\n\n")[0].split(". ")[0] for r in REPORTS}
    for item in full.items:
        assert sum(any(lead.startswith(s[:60]) for lead in leads) for s in item.summary) <= 1


def test_a_sentence_shared_by_two_events_appears_once(store: Store) -> None:
    shared = (
        "The regional government said it would publish a full report on the matter "
        "within thirty days."
    )
    stories = [
        RawStory(text=f"{shared}\n\n{article('harbour bridge')}", title="Harbour bridge approved"),
        RawStory(text=f"{shared}\n\n{article('tram line')}", title="Tram line approved"),
    ]
    Ingestor(store).ingest(CHAT, stories)
    digest = build_digest(store.chat(CHAT), EPOCH)
    told = [s for item in digest.items for s in item.summary]
    assert sum(shared in s for s in told) <= 1
    assert len(told) == len(set(told))


# -- the period and the limit ----------------------------------------------------------------


def test_default_limit_keeps_ten_and_counts_the_rest(loaded: tuple[Store, dict[int, str]]) -> None:
    store, _ = loaded
    digest = build_digest(store.chat(CHAT), EPOCH)
    assert len(digest.items) == 10 and digest.more == 10
    assert "and 10 more — see /list" in digest_text(digest)
    store.chat(CHAT).change_setting("digest_items", "3")
    try:
        assert len(build_digest(store.chat(CHAT), EPOCH).items) == 3
    finally:
        store.chat(CHAT).change_setting("digest_items", "10")


def test_an_empty_period_says_nothing_new_since_when(store: Store) -> None:
    ingest_reports(store)
    future = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    digest = build_digest(store.chat(CHAT), future.isoformat())
    assert digest.items == [] and digest.more == 0
    reply = format_digest(digest, "Europe/Berlin")
    local = future.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert reply.messages == [
        f"Nothing new since {local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}."
    ]


def test_the_next_digest_starts_where_the_last_one_ended(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingestor = Ingestor(store)
    ingestor.ingest(CHAT, [raw(REPORTS[0])])
    first = chat_digest(store, CHAT)  # no digest before: the last 24 hours
    assert [item.headline for item in first.items] == [REPORTS[0].title]
    sent = datetime.fromisoformat(first.until)
    mark_sent(store, CHAT, sent)
    assert chat_digest(store, CHAT).items == []
    # The second report arrives after the digest: the next digest has it, and only it.
    monkeypatch.setattr("db.store.utc_now", lambda: (sent + timedelta(minutes=5)).isoformat())
    ingestor.ingest(CHAT, [raw(REPORTS[1])])
    later = chat_digest(store, CHAT, now=sent + timedelta(hours=1))
    assert later.since == first.until
    assert [item.headline for item in later.items] == [REPORTS[1].title]


def test_stories_outside_the_period_are_left_out(loaded: tuple[Store, dict[int, str]]) -> None:
    store, _ = loaded
    past = "2001-01-01T00:00:00+00:00"
    digest = build_digest(store.chat(CHAT), EPOCH, until=past)
    assert digest.items == [] and digest.story_count == 0
    assert (digest.since, digest.until) == (EPOCH, past)


# -- showing ---------------------------------------------------------------------------------


def test_a_long_digest_splits_between_items_only() -> None:
    long_sentence = "The council <said> the works & repairs would take months. " * 12
    items = [
        DigestItem(
            f"Event {n} <b>headline</b>",
            [long_sentence.strip()],
            [n],
            ["Wire News", f"https://wire.example.com/{n}"],
        )
        for n in range(1, 31)
    ]
    digest = Digest(items, EPOCH, "2000-01-02T00:00:00+00:00", more=4, story_count=34)
    reply = format_digest(digest)
    assert len(reply.messages) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in reply.messages)
    for n in range(1, 31):
        holding = [m for m in reply.messages if f"<b>{n}. Event {n} &lt;b&gt;" in m]
        assert len(holding) == 1  # each item once, escaped
        assert f'href="https://wire.example.com/{n}"' in holding[0]  # its footer went with it
    assert "<b>headline</b>" not in "".join(reply.messages)
    assert "and 4 more" in reply.messages[-1]


def test_digest_fits_one_message_when_it_can(full: Digest) -> None:
    reply = format_digest(
        Digest(full.items[:5], full.since, full.until, 0, 10), zone="America/New_York"
    )
    assert len(reply.messages) == 1
    assert reply.messages[0].startswith("<b>Digest: 5 events from 10 stories since ")


def test_headline_made_from_the_lead_when_the_title_is_cut(store: Store) -> None:
    text = (
        "Flood barriers along the river were raised overnight after forecasters warned of the "
        "highest tide in forty years, and residents of low-lying streets were told to move "
        "their cars to higher ground.\n\n" + article("flood barrier")
    )
    [outcome] = Ingestor(store).ingest(CHAT, [RawStory(text=text)])
    assert outcome.story is not None and outcome.story.title.endswith("…")
    made = headline(outcome.story)
    assert made.startswith("Flood barriers along the river were raised overnight")
    assert len(made.split()) <= 16


def test_json_shape(full: Digest) -> None:
    data = json.loads(json.dumps(digest_json(full)))
    assert set(data) == {"items", "since", "until"}
    assert set(data["items"][0]) == {"headline", "summary", "story_ids", "sources"}


def test_building_is_fast(loaded: tuple[Store, dict[int, str]], tmp_path: Path) -> None:
    store, _ = loaded
    start = datetime.now()
    build_digest(store.chat(CHAT), EPOCH, max_items=50)
    assert (datetime.now() - start).total_seconds() < 5
