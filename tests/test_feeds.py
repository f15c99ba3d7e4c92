"""Followed feeds, served from a local HTTP server: conditional polls, dedup, backoff, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from bot.messages import Problem, Refusal, say
from bot.services.feeds import (
    MAX_BACKOFF,
    POLL_INTERVAL,
    REPORT_AFTER_FAILURES,
    FeedFollower,
    FeedNotice,
    fetch_feed,
    last_error,
)
from bot.services.ingest import Ingestor
from db.store import Store
from handlers.render import feed_notice_text, feeds_reply, follow_text
from tests.support.local_http import LocalHTTPServer, Route, html_route


@pytest.fixture
def store(backend_store: Store) -> Store:
    """Every test here runs on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return backend_store


NOW = datetime(2024, 7, 1, 6, 0, tzinfo=UTC)
TOPICS = {
    "a1": ("Harbour bridge approved", "harbour", "bridge", "ferry"),
    "a2": ("Tram line extended to the airport", "tram", "airport", "rail"),
    "a3": ("Library reopens after flood repairs", "library", "books", "flood"),
    "a4": ("Marathon route changed for roadworks", "marathon", "runners", "roadworks"),
}


def page(title: str, *words: str) -> str:
    """An article page whose text is about its own words (so pages are not near-duplicates)."""
    a, b, c = words
    paragraphs = [
        f"The {a} decision was announced on Monday by the council, which said the {b} plan "
        f"had been debated for months and that the {c} budget was finally agreed.",
        f"Supporters of the {a} scheme said the {b} work would start in spring, while critics "
        f"of the {c} costs asked for an independent review of the figures.",
        f"A spokesperson said more details on the {a} timetable and the {b} contracts would be "
        f"published later this month, together with a report on the {c} consultation.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def rss(server: LocalHTTPServer, slugs: list[str], title: str = "City News") -> bytes:
    items = "".join(
        f"<item><title>{TOPICS[s][0]}</title><link>{server.url('/' + s)}</link>"
        f"<guid>{s}</guid><pubDate>Mon, 01 Jul 2024 0{i}:00:00 GMT</pubDate></item>"
        for i, s in enumerate(slugs)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode()


class FeedRoute:
    """A feed that answers 304 to a matching If-None-Match, and can be changed or broken."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = '"v1"'
        self.status = 200
        self.conditional_hits = 0

    def route(self) -> Route:
        return Route(body=self.write, raw=True)

    def write(self, handler: BaseHTTPRequestHandler) -> None:
        if self.status != 200:
            status, headers, body = self.status, {}, b"broken"
        elif handler.headers.get("If-None-Match") == self.etag:
            self.conditional_hits += 1
            status, headers, body = 304, {"ETag": self.etag}, b""
        else:
            headers = {"ETag": self.etag, "Content-Type": "application/rss+xml"}
            status, body = 200, self.body
        handler.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True


@pytest.fixture
def site():
    feed = FeedRoute()
    routes = {f"/{slug}": html_route(page(*topic)) for slug, topic in TOPICS.items()}
    routes["/feed.xml"] = feed.route()
    with LocalHTTPServer(routes) as server:
        server.feed = feed  # type: ignore[attr-defined]
        yield server


def follower(store: Store) -> FeedFollower:
    return FeedFollower(store, Ingestor(store, allow_loopback_fetch=True))


def titles(store: Store, chat_id: int = 1) -> list[str]:
    return [s.title for s in reversed(store.chat(chat_id).latest_stories(50))]


def test_follow_reads_the_items_and_an_unchanged_feed_costs_a_304(
    store: Store, site: LocalHTTPServer
) -> None:
    site.feed.body = rss(site, ["a2", "a1"])  # newest first, as feeds list them
    feeds = follower(store)
    result = feeds.follow(1, site.url("/feed.xml"), NOW)
    assert result.feed is not None and result.added == 2
    assert result.refused is None
    assert "City News" in follow_text(result) and "Added 2 recent stories" in follow_text(result)
    assert titles(store) == ["Harbour bridge approved", "Tram line extended to the airport"]
    story = store.chat(1).latest_story()
    assert story.source_kind == "feed" and story.source == "City News"

    assert feeds.due(NOW + POLL_INTERVAL - timedelta(seconds=1)) == []
    [poll] = feeds.poll_due(NOW + POLL_INTERVAL)
    assert poll.unchanged and poll.added == [] and poll.notice is None
    assert site.feed.conditional_hits == 1
    assert site.requests[-1].headers.get("If-None-Match") == '"v1"'


def test_only_new_items_are_stored_and_duplicates_are_not(
    store: Store, site: LocalHTTPServer
) -> None:
    ingestor = Ingestor(store, allow_loopback_fetch=True)
    ingestor.add_link(1, site.url("/a3"))  # someone already posted this link
    site.feed.body = rss(site, ["a1"])
    feeds = follower(store)
    feeds.follow(1, site.url("/feed.xml"), NOW)
    site.feed.body = rss(site, ["a4", "a3", "a1"])
    site.feed.etag = '"v2"'
    [poll] = feeds.poll_due(NOW + POLL_INTERVAL)
    assert [s.title for s in poll.added] == ["Marathon route changed for roadworks"]
    assert poll.duplicates == 1
    assert len(store.chat(1).latest_stories(50)) == 3
    site.feed.etag = '"v3"'  # same items under a new ETag: nothing is read twice
    [again] = feeds.poll_due(NOW + 2 * POLL_INTERVAL)
    assert again.added == [] and again.duplicates == 0


def test_a_failing_feed_backs_off_and_is_reported_once(store: Store, site: LocalHTTPServer) -> None:
    site.feed.body = rss(site, ["a1"])
    feeds = follower(store)
    feed = feeds.follow(1, site.url("/feed.xml"), NOW).feed
    site.feed.status = 500
    now, messages, delays = NOW, [], []
    for _ in range(8):
        now = datetime.fromisoformat(feeds.feed(feed.id).next_poll_at)
        [result] = feeds.poll_due(now)
        assert result.error == Refusal(Problem.HTTP_STATUS, {"status": 500})
        messages.append(feed_notice_text(result))
        delays.append(datetime.fromisoformat(result.feed.next_poll_at) - now)
    reported = [m for m in messages if m]
    assert len(reported) == 1 and messages.index(reported[0]) == REPORT_AFTER_FAILURES - 1
    assert "couldn't read the feed" in reported[0] and f"/unfollow {feed.id}" in reported[0]
    assert delays == sorted(delays) and delays[0] > POLL_INTERVAL and delays[-1] == MAX_BACKOFF
    # The reason is stored as data, and /feeds words it.
    failing = feeds.feed(feed.id)
    assert last_error(failing) == Refusal(Problem.HTTP_STATUS, {"status": 500})
    assert "(failing: That link returned HTTP 500)" in feeds_reply([failing]).messages[0]
    site.feed.status = 200
    now = datetime.fromisoformat(feeds.feed(feed.id).next_poll_at)
    [recovered] = feeds.poll_due(now)
    assert recovered.error is None and recovered.notice is FeedNotice.WORKS_AGAIN
    assert "works again" in (feed_notice_text(recovered) or "")
    assert feeds.feed(feed.id).failures == 0
    [quiet] = feeds.poll_due(now + POLL_INTERVAL)
    assert quiet.notice is None and feed_notice_text(quiet) is None


def test_a_page_that_links_to_its_feed_is_followed_to_it(
    store: Store, site: LocalHTTPServer
) -> None:
    site.feed.body = rss(site, ["a1"])
    site.routes["/home"] = html_route(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        "</head><body>Home</body></html>"
    )
    result = follower(store).follow(1, site.url("/home"), NOW)
    assert result.feed is not None and result.feed.url == site.url("/feed.xml")
    refused = follower(store).follow(1, site.url("/a2"), NOW)
    assert refused.feed is None and refused.refused is not None
    assert refused.refused.details["fetch"] == Refusal(Problem.NOT_A_FEED)
    assert "isn't an RSS or Atom feed" in follow_text(refused)


def test_an_item_without_a_readable_page_uses_its_own_text(
    store: Store, site: LocalHTTPServer
) -> None:
    text = " ".join(["The ferry timetable changes on Monday for the summer season."] * 6)
    site.feed.body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>'
        f"<entry><id>x1</id><title>Ferry timetable changes</title>"
        f'<link href="{site.url("/missing")}"/><content type="html">&lt;p&gt;{text}&lt;/p&gt;'
        "</content><updated>2024-07-01T05:00:00Z</updated></entry></feed>"
    ).encode()
    result = follower(store).follow(1, site.url("/feed.xml"), NOW)
    assert result.added == 1 and titles(store) == ["Ferry timetable changes"]


def test_unfollow_feeds_list_and_repeat_follow(store: Store, site: LocalHTTPServer) -> None:
    site.feed.body = rss(site, [])
    feeds = follower(store)
    feed = feeds.follow(1, site.url("/feed.xml"), NOW).feed
    again = feeds.follow(1, site.url("/feed.xml"), NOW)
    assert again.refused is not None and again.refused.problem is Problem.ALREADY_FOLLOWING
    assert "already follows" in say(again.refused)
    assert [f.id for f in feeds.feeds(1)] == [feed.id] and feeds.feeds(2) == []
    assert feeds.unfollow(2, str(feed.id)) is None  # another chat's feed
    assert feeds.unfollow(1, f"#{feed.id}") is not None and feeds.feeds(1) == []


def test_local_addresses_are_refused_without_the_test_switch(
    store: Store, site: LocalHTTPServer
) -> None:
    site.feed.body = rss(site, ["a1"])
    result = FeedFollower(store).follow(1, site.url("/feed.xml"), NOW)
    assert result.feed is None and "private or local" in follow_text(result)


def test_conditional_fetch_sends_both_validators(site: LocalHTTPServer) -> None:
    site.feed.body = rss(site, ["a1"])
    first = fetch_feed(site.url("/feed.xml"), allow_loopback=True)
    assert first.status == 200 and first.etag == '"v1"' and b"<rss" in first.body
    again = fetch_feed(
        site.url("/feed.xml"), '"v1"', "Mon, 01 Jul 2024 05:00:00 GMT", allow_loopback=True
    )
    assert again.status == 304 and again.body == b""
    headers = site.requests[-1].headers
    assert headers["If-Modified-Since"] == "Mon, 01 Jul 2024 05:00:00 GMT"
