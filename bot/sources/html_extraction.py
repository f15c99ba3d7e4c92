"""Pull a news article's title, body paragraphs, date and site out of a fetched HTML page.

trafilatura does the boilerplate removal (navigation, footers, share bars, cookie banners,
related-story lists, comments). It only parses the string it is given; fetching stays in
bot.sources.fetching, which enforces the network safety rules.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import trafilatura
from lxml import etree

logger = logging.getLogger(__name__)

MIN_WORDS = 40

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# Subheadings are dropped (they are not prose); everything else at the top level of
# trafilatura's output tree is one paragraph, except lists, whose items each become one.
_SKIPPED_TAGS = frozenset({"head", "table", "code", "graphic", "ref"})
_PUBLISHED_META = (
    ("property", "article:published_time"),
    ("property", "og:published_time"),
    ("itemprop", "datePublished"),
    ("name", "article:published_time"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "date"),
    ("name", "dc.date.issued"),
    ("name", "DC.date.issued"),
)


@dataclass(frozen=True)
class ExtractedArticle:
    """The readable parts of a news article page."""

    title: str | None
    paragraphs: list[str]
    published: str | None
    site: str | None
    url: str | None


def extract_article(html: str, url: str | None = None) -> ExtractedArticle | None:
    """Extract the main article from html, or None when the page has no real article body."""
    if not html or not html.strip():
        return None
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=True,
            deduplicate=False,
        )
    except Exception:  # trafilatura/lxml can raise on pathological markup; treat as no article
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return None
    if document is None:
        return None
    paragraphs = _paragraphs(document.body)
    if sum(len(_WORD.findall(paragraph)) for paragraph in paragraphs) < MIN_WORDS:
        return None
    try:
        published = _published(html)
    except Exception:  # the date is a nice-to-have; never lose the article over it
        logger.debug("date lookup failed on %s", url, exc_info=True)
        published = None
    return ExtractedArticle(
        title=_clean(document.title),
        paragraphs=paragraphs,
        published=published or _clean(document.date),
        site=_clean(document.sitename) or _hostname(url or document.url),
        url=url or _clean(document.url),
    )


def _paragraphs(body: etree._Element | None) -> list[str]:
    """Flatten trafilatura's output tree into whitespace-normalized paragraphs, in order."""
    if body is None:
        return []
    for line_break in body.iter("lb"):
        # A <br> inside a paragraph is a line wrap, not a paragraph boundary.
        line_break.tail = " " + (line_break.tail or "")
    paragraphs: list[str] = []
    for element in body:
        if element.tag in _SKIPPED_TAGS:
            continue
        blocks = element.iterchildren("item") if element.tag == "list" else [element]
        for block in blocks:
            text = _clean("".join(block.itertext()))
            if text:
                paragraphs.append(text)
    return paragraphs


def _published(html: str) -> str | None:
    """The page's own publication timestamp (keeping the time of day), as ISO 8601."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return None
    for attribute, name in _PUBLISHED_META:
        for value in tree.xpath(f"//meta[@{attribute}=$name]/@content", name=name):
            parsed = _iso_timestamp(value)
            if parsed:
                return parsed
    for value in tree.xpath("//time[@itemprop='datePublished']/@datetime"):
        parsed = _iso_timestamp(value)
        if parsed:
            return parsed
    return _json_ld_published(tree)


def _json_ld_published(tree: etree._Element) -> str | None:
    """datePublished from the page's JSON-LD blocks, if any is a valid timestamp."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for value in _find_key(data, "datePublished"):
            parsed = _iso_timestamp(value)
            if parsed:
                return parsed
    return None


def _find_key(data: object, key: str) -> list[object]:
    """Every value stored under key anywhere in nested JSON data."""
    if isinstance(data, dict):
        found = [data[key]] if key in data else []
        for value in data.values():
            found.extend(_find_key(value, key))
        return found
    if isinstance(data, list):
        return [value for item in data for value in _find_key(item, key)]
    return []


def _iso_timestamp(value: object) -> str | None:
    """Normalize an ISO 8601 date or datetime string; None if it is not one."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _hostname(url: str | None) -> str | None:
    """The host part of url."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _clean(text: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if not text:
        return None
    return _WHITESPACE.sub(" ", text).strip() or None
