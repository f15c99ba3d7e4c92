"""Followed RSS and Atom feeds: polled politely, each new item stored once as a chat's story.

    follower = FeedFollower(store, ingestor)
    follower.follow(chat_id, "https://example.com/rss.xml", now)
    for result in follower.poll_due(now):
        if result.notice:
            ...  # word it (handlers/render.py) and send it to result.feed.chat_id

A feed is fetched with its last ETag and Last-Modified, so an unchanged feed costs a 304 and
no parsing. Each new item's link goes through ``Ingestor.add_link`` (the same link safety rules
and duplicate checks as a link a user sends); when the page has no readable article, the item's
own text is used if it is long enough. A feed that keeps failing is polled less and less often,
and the chat is told once, not on every failure. Nothing here sends or words messages: results
carry what happened and why (a ``Refusal``), and the front ends word it (bot/messages.py). A
feed's last error is stored the same way, as its problem's code and details (JSON).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urljoin

import feedparser

from bot.messages import Problem, Refusal
from bot.nlp.tokenizer import words
from bot.services.ingest import MIN_STORY_WORDS, Ingestor, IngestOutcome
from bot.sources.documents import RawStory
from bot.sources.fetching import FetchError, fetch_url
from db.feeds import (
    Feed,
    add_feed,
    due_feeds,
    feed_by_id,
    feeds_of,
    mark_seen,
    remove_feed,
    seen,
    update_feed,
)
from db.schedules import iso_utc
from db.store import Store, Story

POLL_INTERVAL = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=24)
REPORT_AFTER_FAILURES = 3
MAX_NEW_ITEMS = 10  # per poll; a feed that dumps 200 items at once gets its newest ten read
FIRST_ITEMS = 5  # read when a feed is followed; its older items count as already seen
MAX_FEEDS_PER_CHAT = 20
MAX_FEED_BYTES = 5_000_000
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.5, */*;q=0.1"
)
_FEED_LINK = re.compile(
    r"<link\b[^>]*\btype=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.IGNORECASE
)
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)


@dataclass(frozen=True)
class FeedResponse:
    """One conditional fetch of a feed: status 304 means unchanged (and has no body)."""

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None


class FeedNotice(StrEnum):
    """What a chat is told about its feed after a poll (once each way)."""

    FAILING = "failing"  # it failed REPORT_AFTER_FAILURES times in a row
    WORKS_AGAIN = "works-again"  # it works again after the chat was told it failed


@dataclass
class PollResult:
    """What one poll did: stories added, items skipped as duplicates, why it failed, and what
    the chat should be told."""

    feed: Feed
    added: list[Story] = field(default_factory=list)
    duplicates: int = 0
    unchanged: bool = False
    error: Refusal | None = None
    notice: FeedNotice | None = None  # to tell the chat, when there is something to tell


@dataclass(frozen=True)
class FollowResult:
    """The outcome of /follow: the feed and how many items were added, or why it was refused."""

    feed: Feed | None
    added: int = 0
    refused: Refusal | None = None


def last_error(feed: Feed) -> Refusal | str | None:
    """Why the feed last failed: a Refusal, or the words stored before reasons were (kept)."""
    if not feed.last_error:
        return None
    try:
        stored = json.loads(feed.last_error)
        return Refusal(Problem(stored["problem"]), stored.get("details") or {})
    except (ValueError, TypeError, KeyError):
        return feed.last_error


def _stored_error(refusal: Refusal) -> str:
    return json.dumps(
        {"problem": refusal.problem.value, "details": dict(refusal.details)}, default=str
    )


Fetcher = Callable[[str, str | None, str | None], FeedResponse]


# -- fetching --------------------------------------------------------------------------------


def fetch_feed(
    url: str,
    etag: str | None = None,
    modified: str | None = None,
    *,
    allow_loopback: bool = False,
    timeout: float = 10.0,
    deadline: float = 20.0,
    max_bytes: int = MAX_FEED_BYTES,
) -> FeedResponse:
    """GET a feed with If-None-Match / If-Modified-Since, under fetch_url's safety rules."""
    page = fetch_url(
        url,
        timeout=timeout,
        deadline=deadline,
        max_bytes=max_bytes,
        allow_loopback=allow_loopback,
        headers=_conditional_headers(etag, modified),
    )
    return FeedResponse(
        page.url,
        page.status,
        page.body,
        page.headers.get("ETag") or etag,
        page.headers.get("Last-Modified") or modified,
    )


def _conditional_headers(etag: str | None, modified: str | None) -> dict[str, str]:
    """Ask for a feed, with the validators from the last fetch."""
    headers = {"Accept": FEED_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


# -- parsing ---------------------------------------------------------------------------------


def parse_feed(body: bytes, url: str) -> feedparser.FeedParserDict:
    """Parse a feed body (never a URL: feedparser would fetch it, skipping our checks)."""
    return feedparser.parse(body, response_headers={"content-location": url})


def looks_like_feed(parsed: feedparser.FeedParserDict) -> bool:
    """Whether feedparser found an RSS or Atom document (an empty feed counts)."""
    return bool(parsed.get("version")) or bool(parsed.entries)


def discover_feed_link(body: bytes, base_url: str) -> str | None:
    """The first RSS/Atom <link rel="alternate"> of an HTML page, absolute, or None."""
    text = body[:200_000].decode("utf-8", errors="replace")
    for tag in _FEED_LINK.findall(text):
        href = _HREF.search(tag)
        if href:
            return urljoin(base_url, html.unescape(href.group(1)))
    return None


def entry_key(entry: dict) -> str:
    """A stable key for a feed item: its id, else its link, else a hash of title and date."""
    for name in ("id", "link"):
        value = (entry.get(name) or "").strip()
        if value:
            return value[:500]
    seed = f"{entry.get('title', '')}|{entry.get('published', entry.get('updated', ''))}"
    return "sha1:" + hashlib.sha1(seed.encode()).hexdigest()


def entry_text(entry: dict) -> str:
    """The item's own text (content, else summary) as plain paragraphs."""
    parts = entry.get("content") or []
    markup = parts[0].get("value", "") if parts else entry.get("summary", "")
    markup = re.sub(r"(?i)<\s*(?:br|/p|/div|/li|/h\d)\s*/?>", "\n\n", markup or "")
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# -- following and polling -------------------------------------------------------------------


class FeedFollower:
    """Follow, unfollow, list and poll feeds for chats, over one store."""

    def __init__(
        self, store: Store, ingestor: Ingestor | None = None, *, fetch: Fetcher | None = None
    ) -> None:
        self.store = store
        self.ingestor = ingestor or Ingestor(store)
        loopback = self.ingestor.allow_loopback_fetch
        self.fetch: Fetcher = fetch or (
            lambda url, etag, modified: fetch_feed(url, etag, modified, allow_loopback=loopback)
        )

    # -- the chat's list ----------------------------------------------------------------

    def feeds(self, chat_id: int) -> list[Feed]:
        """The chat's followed feeds, oldest first."""
        return feeds_of(self.store, chat_id)

    def feed(self, feed_id: int) -> Feed | None:
        """The feed with that id, or None."""
        return feed_by_id(self.store, feed_id)

    def follow(self, chat_id: int, url: str, now: datetime) -> FollowResult:
        """Check the URL is a feed (or a page naming one), save it and read its newest items."""
        url = url.strip()
        if any(f.url == url for f in self.feeds(chat_id)):
            return FollowResult(None, refused=Refusal(Problem.ALREADY_FOLLOWING, {"url": url}))
        if len(self.feeds(chat_id)) >= MAX_FEEDS_PER_CHAT:
            limit = {"limit": MAX_FEEDS_PER_CHAT}
            return FollowResult(None, refused=Refusal(Problem.TOO_MANY_FEEDS, limit))
        try:
            response, parsed = self._fetch_parsed(url)
        except FetchError as error:
            why = {"url": url, "fetch": error.refusal}
            return FollowResult(None, refused=Refusal(Problem.COULD_NOT_FOLLOW, why))
        if any(f.url == response.url for f in self.feeds(chat_id)):
            already = {"url": response.url}
            return FollowResult(None, refused=Refusal(Problem.ALREADY_FOLLOWING, already))
        title = (parsed.feed.get("title") or "").strip() or None
        feed = self._insert(chat_id, response, title, now)
        entries = list(parsed.entries)
        # Items beyond the newest few are old news: remember them so they are never read.
        self._mark_seen(feed.id, [entry_key(e) for e in entries[FIRST_ITEMS:]])
        result = self._read_entries(feed, entries[:FIRST_ITEMS])
        return FollowResult(feed, len(result.added))

    def unfollow(self, chat_id: int, which: str) -> Feed | None:
        """Stop following a feed given by number or URL; None when the chat has no such feed."""
        which = which.strip().lstrip("#")
        for feed in self.feeds(chat_id):
            if which == str(feed.id) or which == feed.url:
                remove_feed(self.store, feed.id)
                return feed
        return None

    # -- polling ------------------------------------------------------------------------

    def due(self, now: datetime) -> list[Feed]:
        """Every chat's feeds whose next poll time has come."""
        return due_feeds(self.store, iso_utc(now))

    def poll_due(self, now: datetime) -> list[PollResult]:
        """Poll every due feed; one result per feed."""
        return [self.poll(feed, now) for feed in self.due(now)]

    def poll(self, feed: Feed, now: datetime) -> PollResult:
        """Fetch the feed if changed, store its new items, and schedule the next poll."""
        try:
            response = self.fetch(feed.url, feed.etag, feed.modified)
            parsed = None if response.status == 304 else parse_feed(response.body, response.url)
            if parsed is not None and not looks_like_feed(parsed):
                raise FetchError(Problem.NO_LONGER_A_FEED)
        except FetchError as error:
            return self._failed(feed, error.refusal, now)
        self._succeeded(feed, response, now)
        if parsed is None:
            result = PollResult(self._reload(feed), unchanged=True)
        else:
            result = self._read_entries(self._reload(feed), list(parsed.entries))
        if feed.reported_failure:
            # The chat was told the feed broke, so it is told (once) that it works again.
            result.notice = FeedNotice.WORKS_AGAIN
        return result

    # -- inside -------------------------------------------------------------------------

    def _fetch_parsed(self, url: str) -> tuple[FeedResponse, feedparser.FeedParserDict]:
        """Fetch and parse a feed; a web page that links to its feed is followed to it."""
        response = self.fetch(url, None, None)
        parsed = parse_feed(response.body, response.url)
        if looks_like_feed(parsed):
            return response, parsed
        link = discover_feed_link(response.body, response.url)
        if link and link != url:
            response = self.fetch(link, None, None)
            parsed = parse_feed(response.body, response.url)
            if looks_like_feed(parsed):
                return response, parsed
        raise FetchError(Problem.NOT_A_FEED)

    def _read_entries(self, feed: Feed, entries: list[dict]) -> PollResult:
        """Store the items not seen before (newest few, oldest first) and remember them all."""
        result = PollResult(feed)
        fresh = [e for e in entries if not self._seen(feed.id, entry_key(e))]
        # Feeds list newest first; store oldest first so story numbers follow publication.
        for entry in reversed(fresh[:MAX_NEW_ITEMS]):
            outcome = self._ingest_entry(feed, entry)
            if outcome is not None and outcome.added and outcome.story is not None:
                result.added.append(outcome.story)
            elif outcome is not None and outcome.status == "duplicate":
                result.duplicates += 1
        self._mark_seen(feed.id, [entry_key(e) for e in fresh])
        return result

    def _ingest_entry(self, feed: Feed, entry: dict) -> IngestOutcome | None:
        """The item's linked article; its own text when the link gives no article."""
        origin = {
            "source": feed.name,
            "source_kind": "feed",
            "title": (entry.get("title") or "").strip() or None,
            "published": entry.get("published") or entry.get("updated"),
        }
        link = (entry.get("link") or "").strip()
        outcome = self.ingestor.add_link(feed.chat_id, link, **origin) if link else None
        if outcome is not None and outcome.status != "rejected":
            return outcome
        text = entry_text(entry)
        if len(words(text)) < MIN_STORY_WORDS:
            return outcome
        raw = RawStory(text=text, url=link or None, **origin)  # type: ignore[arg-type]
        return self.ingestor.ingest(feed.chat_id, [raw])[0]

    def _insert(
        self, chat_id: int, response: FeedResponse, title: str | None, now: datetime
    ) -> Feed:
        return add_feed(
            self.store,
            chat_id,
            response.url,
            title,
            response.etag,
            response.modified,
            iso_utc(now + POLL_INTERVAL),
        )

    def _succeeded(self, feed: Feed, response: FeedResponse, now: datetime) -> None:
        self._update(
            feed.id,
            etag=response.etag,
            modified=response.modified,
            failures=0,
            reported_failure=0,
            last_error=None,
            next_poll_at=iso_utc(now + POLL_INTERVAL),
        )

    def _failed(self, feed: Feed, error: Refusal, now: datetime) -> PollResult:
        """Back off exponentially; tell the chat once, on the REPORT_AFTER_FAILURES-th failure."""
        failures = feed.failures + 1
        delay = min(POLL_INTERVAL * (2 ** min(failures, 10)), MAX_BACKOFF)
        report = failures >= REPORT_AFTER_FAILURES and not feed.reported_failure
        self._update(
            feed.id,
            failures=failures,
            last_error=_stored_error(error),
            next_poll_at=iso_utc(now + delay),
            reported_failure=1 if (report or feed.reported_failure) else 0,
        )
        notice = FeedNotice.FAILING if report else None
        return PollResult(self._reload(feed), error=error, notice=notice)

    def _update(self, feed_id: int, **values: object) -> None:
        update_feed(self.store, feed_id, **values)

    def _reload(self, feed: Feed) -> Feed:
        return self.feed(feed.id) or feed

    def _seen(self, feed_id: int, key: str) -> bool:
        return seen(self.store, feed_id, key)

    def _mark_seen(self, feed_id: int, keys: list[str]) -> None:
        mark_seen(self.store, feed_id, keys)
