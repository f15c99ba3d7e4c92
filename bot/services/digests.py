"""Digests: a chat's recent stories as one list of events, each event once, most reported first.

    digest = build_digest(store.chat(chat_id), since="2024-05-06T07:00:00+00:00")
    reply = format_digest(digest, zone="Europe/Berlin")  # handlers/render.py, at the edge

Stories about the same event are grouped by average-linkage clustering on a similarity that
mixes TF-IDF cosine of their stemmed words, overlap of the named entities stored at ingest,
and how close together they were published. Each group becomes one item: a headline, one or two
summary sentences taken from the group's most news-like report (names, numbers and attribution
up front, not a column's first person; ``bot.nlp.news_cues``) and its sources; the other reports
fill in only what the best one cannot. Page furniture is cut from every story first
(``bot.nlp.furniture``), so stories stored before those rules never put a newsletter box in a
digest. A sentence that repeats a
fact already told by an earlier item is left out, so nothing is said twice. Nothing here knows
Telegram; the handlers, the CLI and the scheduler all call the same functions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.nlp.cleaning import real_headline
from bot.nlp.furniture import strip_furniture
from bot.nlp.languages import ENGLISH, stemmer, stop_words
from bot.nlp.news_cues import report_newsiness
from bot.nlp.summaries import StoryText, SummaryLength, TextTooShort, summarize_many
from bot.nlp.titles import cut_title
from bot.nlp.tokenizer import split_sentences, words
from bot.services.schedules import parse_utc
from db.schedules import LAST_DIGEST_SETTING, iso_utc
from db.store import ChatStories, Store, Story

DEFAULT_MAX_ITEMS = 10
MAX_ITEMS_SETTING = "digest_items"
SOURCE_SETTING = "digest_source"  # a chat whose stories this chat's digests are made from
DEFAULT_PERIOD = timedelta(hours=24)
MAX_STORIES = 1000

# Two stories at least this similar (see _similarity) report the same event. Re-reports of one
# event in other words score 0.3-0.7; different events that share a place or a topic stay < 0.2.
SAME_EVENT = 0.26
# Summary sentences whose stem sets overlap this much (cosine) tell the same fact: two outlets'
# paraphrases of one lead score 0.35-0.45, different facts about one event under 0.25.
SAME_FACT = 0.3
TERM_WEIGHT = 0.6
ENTITY_WEIGHT = 0.4
# Stories published within this many hours of each other are "at the same time"; further apart
# the similarity fades, to half at a week.
SAME_TIME_HOURS = 36.0
SUMMARY_LENGTH = SummaryLength(sentences=2, words=80)
# Entity labels that name who and where; dates, numbers and amounts match across any two stories.
EVENT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)
HEADLINE_WORDS = 16


@dataclass(frozen=True)
class DigestItem:
    """One event: its headline, 1–2 summary sentences, the stories and sources reporting it."""

    headline: str
    summary: list[str]
    story_ids: list[int]
    sources: list[str]  # per story: its source's name and URL, or "story #ID" with neither


@dataclass(frozen=True)
class Digest:
    """The events of a period [since, until), most important first, at most max_items of them."""

    items: list[DigestItem]
    since: str
    until: str
    more: int = 0  # events left out by the item limit
    story_count: int = 0


@dataclass
class _Profile:
    """What clustering needs of one story."""

    story: Story
    terms: Counter[str]
    entities: frozenset[str]
    when: datetime


# -- building ----------------------------------------------------------------------------


def build_digest(
    chat: ChatStories,
    since: str | None,
    until: str | None = None,
    max_items: int | None = None,
) -> Digest:
    """The chat's digest for stories added in [since, until).

    ``since`` defaults to the chat's last digest, else 24 hours before ``until``; ``until`` to
    now; ``max_items`` to the chat's "digest_items" setting, else 10.
    """
    end = parse_utc(until) if until else end_of_second(datetime.now(UTC))
    start = since or chat.setting(LAST_DIGEST_SETTING) or iso_utc(end - DEFAULT_PERIOD)
    start, stop = iso_utc(parse_utc(start)), iso_utc(end)
    limit = max_items if max_items is not None else max_items_of(chat)
    stories = [s for s in chat.stories_added_since(start, MAX_STORIES) if s.added_at < stop]
    profiles = [_profile(chat, story) for story in stories]
    groups = _rank(cluster(profiles))
    items = _items(groups[:limit])
    return Digest(items, start, stop, max(0, len(groups) - limit), len(stories))


def chat_digest(
    store: Store, chat_id: int, *, now: datetime | None = None, since: str | None = None
) -> Digest:
    """The digest a chat gets now: from its digest source's stories, since its last digest."""
    target = store.chat(chat_id)
    end = end_of_second(now or datetime.now(UTC))
    start = since or target.setting(LAST_DIGEST_SETTING) or iso_utc(end - DEFAULT_PERIOD)
    source = store.chat(digest_source(store, chat_id))
    return build_digest(source, start, iso_utc(end), max_items_of(target))


def end_of_second(moment: datetime) -> datetime:
    """The next whole second: stored times have no fractions, so a story added in the current
    second is inside [since, end) and a digest asked for just after a story includes it."""
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1)


def digest_source(store: Store, chat_id: int) -> int:
    """The chat whose stories this chat's digests cover (itself unless /digest from set one)."""
    value = store.chat(chat_id).setting(SOURCE_SETTING)
    return int(value) if value and value.lstrip("-").isdigit() else chat_id


def max_items_of(chat: ChatStories) -> int:
    """The chat's item limit: its "digest_items" setting (1–50), else 10."""
    value = chat.setting(MAX_ITEMS_SETTING) or ""
    return min(max(int(value), 1), 50) if value.isdigit() else DEFAULT_MAX_ITEMS


# -- grouping stories into events ----------------------------------------------------------


def _profile(chat: ChatStories, story: Story) -> _Profile:
    """Stemmed terms (the title counted twice), event entities and publication time."""
    terms = Counter(_stems(story.text))
    for stem in _stems(story.title):
        terms[stem] += 2
    entities = frozenset(
        _entity_key(e.text) for e in chat.entities(story.id) if e.label in EVENT_LABELS
    )
    return _Profile(story, terms, entities - {""}, _story_time(story))


def _stems(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stop words and one-letter tokens left out)."""
    stop, stem = stop_words(ENGLISH), stemmer(ENGLISH)
    return [stem(t) for t in (w.lower() for w in words(text)) if len(t) > 1 and t not in stop]


def _entity_key(text: str) -> str:
    """'the European Union's' → 'european union': spellings of one name compare equal."""
    key = re.sub(r"['’]s$", "", text.strip().lower())
    return re.sub(r"^the\s+", "", key)


def _story_time(story: Story) -> datetime:
    """When the story happened as far as we know: its publication time, else when it was added."""
    for value in (story.published, story.added_at):
        if value:
            try:
                return parse_utc(value)
            except ValueError:
                continue
    return datetime.now(UTC)


def similarity_matrix(profiles: Sequence[_Profile]) -> np.ndarray:
    """Pairwise same-event similarity in [0, 1]."""
    n = len(profiles)
    terms = _tfidf_cosine([p.terms for p in profiles])
    result = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            value = _similarity(profiles[i], profiles[j], float(terms[i, j]))
            result[i, j] = result[j, i] = value
    return result


def _tfidf_cosine(bags: Sequence[Counter[str]]) -> np.ndarray:
    """Cosine of TF-IDF vectors (sub-linear term frequency), stories as the documents."""
    vocabulary: dict[str, int] = {}
    for bag in bags:
        for term in bag:
            vocabulary.setdefault(term, len(vocabulary))
    matrix = np.zeros((len(bags), max(1, len(vocabulary))))
    for row, bag in enumerate(bags):
        for term, count in bag.items():
            matrix[row, vocabulary[term]] = 1.0 + math.log(count)
    frequency = (matrix > 0).sum(axis=0)
    matrix *= np.log((1 + len(bags)) / (1 + frequency)) + 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1.0)
    return matrix @ matrix.T


def _similarity(a: _Profile, b: _Profile, term_cosine: float) -> float:
    """Terms and entities combined (terms alone when either story names nobody), faded by time."""
    if a.entities and b.entities:
        shared = len(a.entities & b.entities) / math.sqrt(len(a.entities) * len(b.entities))
        value = TERM_WEIGHT * term_cosine + ENTITY_WEIGHT * shared
    else:
        value = term_cosine
    hours = abs((a.when - b.when).total_seconds()) / 3600
    fade = 1.0 if hours <= SAME_TIME_HOURS else max(0.5, 1 - (hours - SAME_TIME_HOURS) / 336)
    return value * fade


def cluster(profiles: Sequence[_Profile], threshold: float = SAME_EVENT) -> list[list[_Profile]]:
    """Average-linkage agglomerative clustering, merging while two groups are ≥ threshold."""
    n = len(profiles)
    if n == 0:
        return []
    linkage = similarity_matrix(profiles)
    np.fill_diagonal(linkage, -np.inf)
    members: list[list[int]] = [[i] for i in range(n)]
    while n > 1:
        i, j = np.unravel_index(int(np.argmax(linkage)), linkage.shape)
        if linkage[i, j] < threshold:
            break
        size_i, size_j = len(members[i]), len(members[j])
        # Lance-Williams update for average linkage: the merged group's mean similarity.
        merged = (linkage[i] * size_i + linkage[j] * size_j) / (size_i + size_j)
        linkage[i, :] = linkage[:, i] = merged
        linkage[i, i] = -np.inf
        linkage[j, :] = linkage[:, j] = -np.inf
        members[i] += members[j]
        members[j] = []
    return [[profiles[k] for k in sorted(group)] for group in members if group]


def _rank(groups: list[list[_Profile]]) -> list[list[_Profile]]:
    """Most reported first, then the most recent, then the newest story id."""

    def importance(group: list[_Profile]) -> tuple[int, datetime, int]:
        latest = max(p.when for p in group)
        return (len(group), latest, max(p.story.id for p in group))

    return sorted(groups, key=importance, reverse=True)


# -- items ---------------------------------------------------------------------------------


def _items(groups: list[list[_Profile]]) -> list[DigestItem]:
    """One item per group, each summary free of facts an earlier item already told."""
    told: list[frozenset[str]] = []
    items: list[DigestItem] = []
    for group in groups:
        stories = _by_headline_quality([p.story for p in group])
        summary = _summary(stories, told)
        told += [frozenset(_stems(sentence)) for sentence in summary]
        items.append(
            DigestItem(
                headline=headline(stories[0]),
                summary=summary,
                story_ids=sorted(s.id for s in stories),
                sources=_sources(sorted(stories, key=lambda s: s.id)),
            )
        )
    return items


def _by_headline_quality(stories: list[Story]) -> list[Story]:
    """The story with a real, whole title first (else the earliest), then the rest by id."""

    def quality(story: Story) -> tuple[int, int]:
        whole = not story.title.endswith("…") and 3 <= len(story.title.split()) <= 20
        return (0 if whole else 1, story.id)

    return sorted(stories, key=quality)


def headline(story: Story) -> str:
    """The story's title, or a headline made from its lead when the title is a cut sentence."""
    title = " ".join(story.title.split())
    if title and not title.endswith("…") and len(title.split()) <= 20:
        return title
    lead = next(iter(split_sentences(story.paragraphs[0])), title) if story.paragraphs else title
    return _shorten(lead.rstrip("."))


def _shorten(sentence: str) -> str:
    """A sentence cut to a headline: at a clause break when there is one, else at a word."""
    tokens = sentence.split()
    if len(tokens) <= HEADLINE_WORDS:
        return sentence
    head = " ".join(tokens[:HEADLINE_WORDS])
    # A comma is a clause break only before a space: "25,000" is one number.
    clause = re.search(r"^(.{25,}?)(?:,(?=\s)| —| –| - | after | as | when | while )", head)
    if clause:
        return clause.group(1).rstrip(",;: ") + "…"
    return cut_title(sentence, HEADLINE_WORDS)


def _summary(stories: list[Story], told: list[frozenset[str]]) -> list[str]:
    """1–2 sentences from the group's most news-like report, none repeating a told fact.

    The best report's short summary first; when the fact check drops some of it, its wider
    pick, then the other reports, fill the gap.
    """
    bodies = {s.id: strip_furniture(s.paragraphs)[0] for s in stories}
    reports = sorted(stories, key=lambda s: -newsiness(bodies[s.id]))
    texts = [StoryText(real_headline(s.title, s.paragraphs), bodies[s.id]) for s in reports]
    leads = {_normal(lead) for lead in (_lead(bodies[s.id]) for s in reports) if lead}
    chosen: list[str] = []
    wanted = SUMMARY_LENGTH.sentences or 2
    wider = SummaryLength(sentences=6)
    for group, length in ((texts[:1], SUMMARY_LENGTH), (texts[:1], wider), (texts[1:], wider)):
        try:
            candidates = [sentence for _, sentence in summarize_many(group, length)]
        except TextTooShort:
            candidates = []
        chosen = _fresh(candidates, told, wanted, chosen, leads)
        if len(chosen) == wanted:
            break
    if chosen:
        return chosen
    # Too short to summarize (or all of it already told): the leads, if they say anything new.
    opening = [s for story in reports for s in split_sentences(" ".join(bodies[story.id]))[:2]]
    return _fresh(opening, told, 1, [], set())


def newsiness(paragraphs: Sequence[str]) -> float:
    """How much a story's opening reads as a news report rather than a column (about 0 to 1)."""
    sentences = [s for p in paragraphs[:4] for s in split_sentences(p)][:4]
    return report_newsiness(sentences, [words(s) for s in sentences])


def _lead(paragraphs: Sequence[str]) -> str:
    """The story's first sentence."""
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        if sentences:
            return sentences[0]
    return ""


def _normal(text: str) -> str:
    return " ".join(text.split())


def _fresh(
    candidates: list[str],
    told: list[frozenset[str]],
    limit: int,
    chosen: list[str],
    leads: set[str],
) -> list[str]:
    """``chosen`` plus candidates, up to ``limit``, that repeat no told fact nor each other.

    Two outlets' opening sentences tell the same event however differently they are worded,
    so an item takes at most one of its stories' leads.
    """
    result = list(chosen)
    seen = list(told) + [frozenset(_stems(sentence)) for sentence in result]
    lead_taken = any(_is_lead(sentence, leads) for sentence in result)
    for sentence in candidates:
        if len(result) >= limit:
            break
        stems = frozenset(_stems(sentence))
        if sentence in result or not stems:
            continue
        if any(_overlap(stems, other) >= SAME_FACT for other in seen):
            continue
        is_lead = _is_lead(sentence, leads)
        if is_lead and lead_taken:
            continue
        lead_taken |= is_lead
        result.append(sentence)
        seen.append(stems)
    return result


def _is_lead(sentence: str, leads: set[str]) -> bool:
    """Whether the sentence is (the end of, once a dateline is cut) a story's first sentence."""
    text = _normal(sentence)
    return any(lead.endswith(text) for lead in leads)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine similarity of two stem sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _sources(stories: list[Story]) -> list[str]:
    """Each story's source name and URL (its number when it has neither); no repeats."""
    found: list[str] = []
    for story in stories:
        labels = [label for label in (story.source, story.url) if label]
        for label in labels or [f"story #{story.id}"]:
            if label not in found:
                found.append(label)
    return found


def digest_json(digest: Digest) -> dict[str, object]:
    """{"items": [{"headline", "summary", "story_ids", "sources"}], "since", "until"}."""
    return {
        "items": [
            {
                "headline": item.headline,
                "summary": item.summary,
                "story_ids": item.story_ids,
                "sources": item.sources,
            }
            for item in digest.items
        ],
        "since": digest.since,
        "until": digest.until,
    }
