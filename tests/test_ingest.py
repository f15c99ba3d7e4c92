"""Ingest from every source, with bad input refused cleanly and duplicates stored once."""

from __future__ import annotations

import json

import pytest

from bot.messages import say
from bot.services.ingest import Ingestor, canonical_url
from bot.services.stories import StoryService
from bot.sources.documents import MAX_DOCUMENT_BYTES, RawStory
from db.store import Store
from tests.conftest import article
from tests.support.article_pages import ARTICLE_HTML, page
from tests.support.local_http import LocalHTTPServer, Route, html_route, sleep_then


@pytest.fixture
def store(backend_store: Store) -> Store:
    """Every test here runs on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return backend_store


def rows(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM stories").fetchone()[0]


def test_pasted_text_is_cleaned_and_stored(
    store: Store, ingestor: Ingestor, sample_text: str
) -> None:
    outcome = ingestor.add_text(1, sample_text, added_by="42")
    assert outcome.status == "added"
    story = outcome.story
    assert "Listen Live" not in story.text and "READ MORE" not in story.text
    assert len(story.paragraphs) == 7
    assert story.published.startswith("2021-05-16")
    assert story.added_by == "42"
    assert store.chat(1).sentences(story.id)
    labels = {e.label for e in store.chat(1).entities(story.id)}
    assert {"PERSON", "GPE"} <= labels


def test_a_forward_keeps_its_origin(ingestor: Ingestor) -> None:
    outcome = ingestor.add_text(
        1, article("ferry"), source="Daily Ferry News", source_kind="forward"
    )
    assert outcome.story.source == "Daily Ferry News"
    assert outcome.story.source_kind == "forward"


def test_a_link_is_fetched_and_extracted(ingestor: Ingestor) -> None:
    with LocalHTTPServer({"/news/bridge": html_route(page("harbour bridge"))}) as server:
        outcome = ingestor.add_text(3, f"look at this {server.url('/news/bridge')}?utm_source=x")
    assert outcome.status == "added", outcome.reason
    story = outcome.story
    assert story.title == "Harbour bridge approved"
    assert story.url == canonical_url(server.url("/news/bridge"))
    assert story.published.startswith("2024-03-04")
    assert "newsletter" not in story.text and "Home" not in story.text


def test_the_same_link_twice_is_stored_once(ingestor: Ingestor) -> None:
    with LocalHTTPServer({"/a": html_route(page("library"))}) as server:
        assert ingestor.add_link(3, server.url("/a")).status == "added"
        again = ingestor.add_link(3, server.url("/a#comments"))
    assert again.status == "duplicate"


@pytest.mark.parametrize(
    "route, message",
    [
        (Route(404, {"Content-Type": "text/html"}, b"gone"), "404"),
        (html_route("<html><body><nav>Home</nav><p>Short.</p></body></html>"), "article"),
        (sleep_then(3, html_route("<p>late</p>")), "long"),
    ],
)
def test_bad_links_are_refused_with_a_reason(store, route, message, monkeypatch) -> None:
    import bot.services.ingest as ingest_module

    real_fetch = ingest_module.fetch_url
    monkeypatch.setattr(
        ingest_module,
        "fetch_url",
        lambda url, **kw: real_fetch(url, **{**kw, "timeout": 1, "deadline": 2}),
    )
    ingestor = Ingestor(store, allow_loopback_fetch=True)
    with LocalHTTPServer({"/x": route}) as server:
        outcome = ingestor.add_link(3, server.url("/x"))
    assert outcome.status == "rejected"
    assert message in say(outcome.reason).lower()
    assert rows(store) == 0


def test_loopback_links_are_refused_without_the_test_setting(store: Store) -> None:
    with LocalHTTPServer({"/a": html_route(page("museum"))}) as server:
        outcome = Ingestor(store).add_link(3, server.url("/a"))
    assert outcome.status == "rejected"
    assert rows(store) == 0


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"   \n\t ", "empty"),
        ("short.txt", b"India tested a missile on Wednesday.", "too short"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "can't read .png"),
        ("binary.txt", b"abc\x00\x01\x02" * 100, "binary"),
        ("latin1.txt", article("harbour").encode("utf-8") + "café".encode("latin-1"), "utf-8"),
        ("big.txt", b"word " * (MAX_DOCUMENT_BYTES // 5 + 1), "limit"),
        ("nobody.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "article"),
        ("broken.jsonl", b'{"title": "x", "text": "y"}\n{not json', "isn't valid json"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        ("deep.jsonl", b'{"a": 1}\n' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "too deeply"),
        ("deep-value.json", b'{"title": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "too deeply"),
    ],
)
def test_bad_documents_are_refused_and_store_nothing(store, ingestor, name, data, reason) -> None:
    outcomes = ingestor.add_document(5, name, data)
    assert [o.status for o in outcomes] == ["rejected"]
    assert reason in say(outcomes[0].reason).lower()
    assert rows(store) == 0


def test_documents_of_each_kind(ingestor: Ingestor) -> None:
    assert ingestor.add_document(6, "a.txt", article("tram").encode())[0].status == "added"
    assert (
        ingestor.add_document(6, "b.md", ("# Canal reopens\n\n" + article("canal")).encode())[
            0
        ].story.title
        == "Canal reopens"
    )
    assert ingestor.add_document(6, "c.html", page("airport").encode())[0].status == "added"
    record = {
        "id": "x1",
        "title": "Port expands",
        "text": article("port"),
        "url": "https://example.org/port",
        "published": "2024-05-01T10:00:00Z",
        "source": "Port Times",
    }
    [outcome] = ingestor.add_document(6, "d.json", json.dumps(record).encode())
    assert (outcome.status, outcome.source_id, outcome.story.source) == (
        "added",
        "x1",
        "Port Times",
    )
    assert outcome.story.published == "2024-05-01T10:00:00+00:00"
    lines = "\n".join(
        json.dumps({"id": i, "title": t, "text": article(t)})
        for i, t in enumerate(["dam", "mine", "dam"])
    )
    statuses = [o.status for o in ingestor.add_document(6, "e.jsonl", lines.encode())]
    assert statuses == ["added", "added", "duplicate"]


def test_the_same_text_twice_is_stored_once(ingestor: Ingestor) -> None:
    text = article("observatory")
    assert ingestor.add_text(8, text).status == "added"
    again = ingestor.add_text(8, "  " + text.upper().replace("\n\n", "\n") + " ")
    assert again.status == "duplicate"
    assert "already saved" in say(again.reason).lower()
    assert ingestor.add_text(9, text).status == "added"  # another chat keeps its own copy


def test_a_near_duplicate_is_stored_once_but_a_different_story_is_not(ingestor: Ingestor) -> None:
    text = (
        article("concert hall") + "\n\n" + article("concert hall").replace("Officials", "Leaders")
    )
    assert ingestor.add_text(8, text).status == "added"
    near = text.replace("eleven to four", "twelve to three")
    assert ingestor.add_text(8, near).status == "duplicate"
    different = article("concert hall", 3) + "\n\n" + article("harbour", 3)
    assert ingestor.add_text(8, different).status == "added"


def test_a_redelivered_message_is_not_stored_twice(ingestor: Ingestor) -> None:
    first = ingestor.add_text(4, article("zoo"), message_id=77)
    second = ingestor.add_text(4, article("aquarium"), message_id=77)
    assert first.status == "added"
    assert second.status == "duplicate" and second.story.id == first.story.id


def test_an_edited_post_updates_its_story(store: Store) -> None:
    service = StoryService(store)
    first = service.save_text(-100, article("bridge"), message_id=5, source_kind="channel")
    service.update_post(-100, 5, article("tunnel"))
    story = store.chat(-100).story(first.outcome.story.id)
    assert "tunnel" in story.text and "bridge" not in story.text
    assert store.chat(-100).search("tunnel")[0].id == story.id


def test_raw_story_with_only_whitespace_is_refused(ingestor: Ingestor) -> None:
    assert ingestor.ingest(1, [RawStory(text="\u00a0\n\u200b ")])[0].status == "rejected"


def test_a_file_of_many_stories_sent_as_one_message_keeps_them_all(ingestor: Ingestor) -> None:
    lines = "\n".join(json.dumps({"title": t, "text": article(t)}) for t in ["dam", "mine", "port"])
    outcomes = ingestor.add_document(6, "many.jsonl", lines.encode(), message_id=12)
    assert [o.status for o in outcomes] == ["added", "added", "added"]
    again = ingestor.add_document(6, "many.jsonl", lines.encode(), message_id=12)
    assert [o.status for o in again] == ["duplicate"] * 3


def test_a_chat_keeps_at_most_its_quota_of_stories(store: Store) -> None:
    ingestor = Ingestor(store, max_stories=3)
    topics = ["dam", "mine", "port", "mill", "pier"]
    outcomes = ingestor.ingest(7, [RawStory(text=article(t)) for t in topics])
    assert [o.status for o in outcomes] == ["added"] * 3 + ["rejected"] * 2
    assert [o.limit for o in outcomes[3:]] == ["quota", "quota"]
    assert "keeps 3 stories" in say(outcomes[3].reason)
    assert rows(store) == 3
    # A duplicate is still recognised as one; another chat has its own quota.
    assert ingestor.add_text(7, article("dam")).status == "duplicate"
    assert ingestor.add_text(8, article("pier")).status == "added"
    # Room made by forgetting a story is room again.
    assert store.chat(7).forget(outcomes[0].story.id)
    assert ingestor.add_text(7, article("pier")).status == "added"
    assert ingestor.add_text(7, article("mill")).limit == "quota"


def test_a_files_records_past_the_allowance_are_not_read(ingestor: Ingestor) -> None:
    topics = ["dam", "mine", "port", "mill"]
    lines = "\n".join(json.dumps({"id": t, "text": article(t)}) for t in topics)
    outcomes = ingestor.add_document(6, "many.jsonl", lines.encode(), max_records=2)
    assert [(o.source_id, o.status, o.limit) for o in outcomes] == [
        ("dam", "added", None),
        ("mine", "added", None),
        ("port", "rejected", "rate"),
        ("mill", "rejected", "rate"),
    ]


def test_big_pages_are_analysed_one_at_a_time_and_cut_to_the_text_limit(
    store: Store, monkeypatch
) -> None:
    import threading

    import bot.services.ingest as ingest_module

    running, most = [0], [0]
    lock = threading.Lock()
    real_extract = ingest_module.extract_article

    def counting_extract(html: str, url: str | None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            threading.Event().wait(0.05)  # long enough for the others to arrive
            return real_extract(html, url)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(ingest_module, "extract_article", counting_extract)
    monkeypatch.setattr(ingest_module, "MAX_TEXT_CHARS", 5_000)
    ingestor = Ingestor(store)
    pages = [page(topic) + "<!--" + "x" * ingest_module.HEAVY_CHARS + "-->" for topic in WORDS]
    threads = [
        threading.Thread(target=ingestor.add_document, args=(n, "big.html", p.encode()))
        for n, p in enumerate(pages, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1, "big pages were parsed side by side"
    assert rows(store) == len(pages)
    long_page = ARTICLE_HTML.format(
        paragraphs="".join(f"<p>{article(f'w{n}')}</p>" for n in range(9))
    )
    outcome = ingestor.add_document(99, "long.html", long_page.encode())[0]
    assert outcome.added and len(outcome.story.text) <= 5_000 + 2 * 9  # and the breaks


WORDS = ["dam", "mine", "port", "mill"]
