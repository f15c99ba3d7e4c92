"""Ingest: raw stories from any source become cleaned, analysed, deduplicated stored stories.

Every source (pasted text, a forward, a link, a file, a channel post, a bulk file) ends in
:meth:`Ingestor.ingest`, so they all clean, reject, deduplicate and store the same way.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from bot.messages import Problem, Refusal
from bot.nlp.cleaning import CleanedText, clean_text, derive_title, normalize_whitespace
from bot.nlp.dates import parse_published
from bot.nlp.furniture import strip_furniture
from bot.nlp.language import Entity, find_entities
from bot.nlp.languages import story_language
from bot.nlp.near_duplicates import (
    NEAR_DUPLICATE_SIMILARITY,
    buckets,
    content_hash,
    shingles,
    similarity,
)
from bot.nlp.source_tags import strip_source_tag
from bot.nlp.tokenizer import split_paragraph_sentences, words
from bot.services.analysis_pool import IN_PROCESS, Analysis, AnalysisPool
from bot.sources.documents import RawStory, Rejected, TooShort, read_document
from bot.sources.fetching import FetchedPage, FetchError, fetch_url, find_urls
from bot.sources.html_extraction import extract_article
from db.store import ChatStories, NewStory, Store, StoredEntity, Story, StoryAnalysis

log = logging.getLogger(__name__)

MIN_STORY_WORDS = 40
MAX_TEXT_CHARS = 1_000_000
BATCH_SIZE = 64
# A story this long takes seconds and a hundred MB or more to analyse (a 2 MB page: 10 s and
# ~150 MB on top of the bot). Only one such batch is analysed at a time, so six big files
# sent at once queue instead of multiplying the memory (an out-of-memory kill would make the
# journal replay the same files).
HEAVY_CHARS = 100_000
_HEAVY_WORK = threading.BoundedSemaphore(1)

Status = Literal["added", "duplicate", "rejected"]
Limit = Literal["quota", "rate"]

OVER_RATE = Refusal(Problem.OVER_RATE)


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one incoming story."""

    status: Status
    story: Story | None = None
    reason: Refusal | None = None  # why it was not added (bot/messages.py words it)
    source_id: str | None = None
    title: str | None = None
    too_short: bool = False  # rejected as too short: a chat may have meant a question
    limit: Limit | None = None  # why a rejected story was not even looked at

    @property
    def added(self) -> bool:
        """Whether the story was newly stored."""
        return self.status == "added"


@dataclass
class _Prepared:
    raw: RawStory
    new: NewStory
    paragraphs: list[str]
    shingle_set: set[str]


Fetcher = Callable[[str], FetchedPage]


class Ingestor:
    """Cleans, analyses and stores stories for a chat."""

    def __init__(
        self,
        store: Store,
        *,
        allow_loopback_fetch: bool = False,
        max_stories: int | None = None,
        pool: AnalysisPool = IN_PROCESS,
    ) -> None:
        self.store = store
        self.pool = pool  # where cleaning and analysis run; the store is written here
        self.allow_loopback_fetch = allow_loopback_fetch
        self.max_stories = max_stories  # per chat; None: no limit

    # -- sources ----------------------------------------------------------------------------

    def add_text(self, chat_id: int, text: str, **origin: object) -> IngestOutcome:
        """Pasted or forwarded text. A message that is only a link fetches the link."""
        links = find_urls(text or "")
        if links and len(words(_without(text, links))) < MIN_STORY_WORDS:
            return self.add_link(chat_id, links[0], **origin)
        return self.ingest(chat_id, [RawStory(text=text, **origin)])[0]  # type: ignore[arg-type]

    def add_link(self, chat_id: int, url: str, **origin: object) -> IngestOutcome:
        """Fetch a link and store the article on the page."""
        kind = origin.pop("source_kind", "link")
        canonical = canonical_url(url)
        existing = self.store.chat(chat_id).story_with_url(canonical)
        if existing is not None:
            return IngestOutcome("duplicate", existing, Refusal(Problem.LINK_SAVED))
        try:
            page = fetch_url(url, allow_loopback=self.allow_loopback_fetch)
            html = page.text()
        except FetchError as error:
            return IngestOutcome("rejected", reason=error.refusal)
        raw = RawStory(html=html, url=canonical_url(page.url), source_kind=str(kind), **origin)  # type: ignore[arg-type]
        return self.ingest(chat_id, [raw])[0]

    def add_document(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        *,
        max_records: int | None = None,
        **origin: object,
    ) -> list[IngestOutcome]:
        """A file: .txt, .md, .html, .json or .jsonl. Past ``max_records`` (the sender's rate
        allowance: each record is a story, as if sent alone) records are not read at all."""
        try:
            raws = read_document(filename, data)
        except Rejected as error:
            return [IngestOutcome("rejected", reason=error.refusal)]
        over: list[IngestOutcome] = []
        if max_records is not None and len(raws) > max_records:
            over = [
                IngestOutcome("rejected", reason=OVER_RATE, source_id=raw.source_id, limit="rate")
                for raw in raws[max(0, max_records) :]
            ]
            raws = raws[: max(0, max_records)]
        if len(raws) > 1:
            # The message id marks one story per message (so a redelivered update is not
            # stored twice); a file of many stories relies on the content hash for that.
            origin = {key: value for key, value in origin.items() if key != "message_id"}
        raws = [replace(raw, **origin) for raw in raws]  # type: ignore[arg-type]
        return self.ingest(chat_id, raws) + over

    def replace_for_message(
        self, chat_id: int, message_id: int, text: str, *, add_if_new: bool = True, **origin: object
    ) -> IngestOutcome | None:
        """An edited post: re-clean and re-analyse the story saved from that message. A message
        that held no story is stored as a new one, or with ``add_if_new=False`` left be (None)."""
        chat = self.store.chat(chat_id)
        existing = chat.story_for_message(message_id)
        fields = {"source_kind": "channel", **origin}
        raw = RawStory(text=text, message_id=message_id, **fields)  # type: ignore[arg-type]
        if existing is None:
            return self.ingest(chat_id, [raw])[0] if add_if_new else None
        # Cleaned and analysed in the pool, as a new story is: an edit costs as much.
        prepared = self.pool.map_chunks(prepare_many, [raw])[0]
        if isinstance(prepared, Rejected):
            return IngestOutcome("rejected", existing, prepared.refusal)
        [(sentences, entities)] = self.pool.map_chunks(
            analyse_many, [(prepared.new.language, prepared.paragraphs)]
        )
        story = chat.replace_story(
            existing.id, prepared.new, self._analysis(prepared, sentences, entities)
        )
        return IngestOutcome("added", story, title=story.title if story else None)

    # -- the one path every source takes --------------------------------------------------

    def ingest(self, chat_id: int, raws: Sequence[RawStory]) -> list[IngestOutcome]:
        """Clean, reject, deduplicate, analyse in batches, and store each story atomically."""
        heavy = any(len(raw.html or raw.text or "") > HEAVY_CHARS for raw in raws)
        with _HEAVY_WORK if heavy else contextlib.nullcontext():
            return self._ingest(chat_id, raws)

    def _ingest(self, chat_id: int, raws: Sequence[RawStory]) -> list[IngestOutcome]:
        chat = self.store.chat(chat_id)
        outcomes: list[IngestOutcome | None] = [None] * len(raws)
        pending: list[tuple[int, _Prepared]] = []
        room = None if not self.max_stories else self.max_stories - chat.count()
        for start in range(0, len(raws), BATCH_SIZE):
            window = raws[start : start + BATCH_SIZE]
            for offset, (raw, prepared) in enumerate(
                zip(window, self.pool.map_chunks(prepare_many, window), strict=True)
            ):
                index = start + offset
                if isinstance(prepared, Rejected):
                    outcomes[index] = IngestOutcome(
                        "rejected",
                        reason=prepared.refusal,
                        source_id=raw.source_id,
                        too_short=isinstance(prepared, TooShort),
                    )
                    continue
                duplicate = find_duplicate(chat, prepared) or _duplicate_in(prepared, pending)
                if duplicate is not None:
                    outcomes[index] = duplicate_outcome(prepared, duplicate)
                    continue
                if room is not None:
                    if room <= 0:
                        outcomes[index] = self._over_quota(raw)
                        continue
                    room -= 1
                pending.append((index, prepared))
                if len(pending) >= BATCH_SIZE:
                    self._store_batch(chat, pending, outcomes)
                    pending = []
        self._store_batch(chat, pending, outcomes)
        return [o for o in outcomes if o is not None]

    def _store_batch(
        self,
        chat: ChatStories,
        batch: list[tuple[int, _Prepared]],
        outcomes: list[IngestOutcome | None],
    ) -> None:
        if not batch:
            return
        analyses = self.pool.map_chunks(
            analyse_many, [(p.new.language, p.paragraphs) for _, p in batch]
        )
        for (index, prepared), (sentences, entities) in zip(batch, analyses, strict=True):
            analysis = self._analysis(prepared, sentences, entities)
            try:
                story = chat.add_story(prepared.new, analysis)
            except Exception as error:  # sqlite3.IntegrityError: the same message delivered twice
                existing = _existing_for_message(chat, prepared.new.message_id)
                if existing is None:
                    raise
                log.info(
                    "message %s already stored as story %s: %s",
                    prepared.new.message_id,
                    existing.id,
                    error,
                )
                outcomes[index] = duplicate_outcome(prepared, existing)
                continue
            outcomes[index] = IngestOutcome(
                "added", story, source_id=prepared.raw.source_id, title=story.title
            )

    def _over_quota(self, raw: RawStory) -> IngestOutcome:
        reason = Refusal(Problem.OVER_QUOTA, {"limit": self.max_stories})
        return IngestOutcome("rejected", reason=reason, source_id=raw.source_id, limit="quota")

    @staticmethod
    def _analysis(
        prepared: _Prepared, sentences: list[tuple[int, str]], entities: list[Entity]
    ) -> StoryAnalysis:
        return StoryAnalysis(
            sentences=sentences,
            entities=[StoredEntity(e.sentence, e.text, e.label, e.start, e.end) for e in entities],
            buckets=buckets(prepared.shingle_set),
        )


def prepare(raw: RawStory) -> _Prepared:
    """Clean a raw story and check it is a story at all; Rejected says why not."""
    title, paragraphs, published_hint, site = _clean(raw)
    body = "\n\n".join(paragraphs)
    word_count = len(words(body))
    if word_count == 0:
        # Emoji, symbols or punctuation only: there was text, just no words in it.
        raise Rejected(Problem.NO_WORDS)
    if word_count < MIN_STORY_WORDS:
        raise TooShort(Problem.TOO_SHORT, words=word_count, needed=MIN_STORY_WORDS)
    # "(CNN) -- ..." names the wire, not the news; derive_title drops the tag itself.
    title = strip_source_tag(normalize_whitespace(title or "")) or derive_title(paragraphs)
    published = parse_published(raw.published) or parse_published(published_hint)
    url = canonical_url(raw.url) if raw.url else None
    new = NewStory(
        title=title[:300],
        text=body,
        source_kind=raw.source_kind,
        content_hash=content_hash(body),
        word_count=word_count,
        url=url,
        source=raw.source or site,
        published=published,
        added_by=raw.added_by,
        message_id=raw.message_id,
        language=story_language(body),
    )
    return _Prepared(raw, new, paragraphs, shingles(body))


def prepare_many(raws: Sequence[RawStory]) -> list[_Prepared | Rejected]:
    """:func:`prepare` for each raw story, a rejection returned rather than raised (so the
    pool's workers can run it and hand every result back)."""
    results: list[_Prepared | Rejected] = []
    for raw in raws:
        try:
            results.append(prepare(raw))
        except Rejected as error:
            results.append(error)
    return results


def analyse_many(stories: Sequence[tuple[str | None, list[str]]]) -> list[Analysis]:
    """Sentences and named entities of each (language, paragraphs): the costly part of
    ingest, pure, so the pool's workers can run it."""
    sentence_lists = [split_paragraph_sentences(paragraphs) for _, paragraphs in stories]
    texts = [
        [s for _, s in sentences] if reads_as_english(language) else []
        for (language, _), sentences in zip(stories, sentence_lists, strict=True)
    ]
    return list(zip(sentence_lists, find_entities(texts), strict=True))


def reads_as_english(language: str | None) -> bool:
    """Whether the English models (named entities, answers, /facts) may read a story in this
    language: English, or a language the detector could not tell (as every story was read
    before languages were told apart)."""
    return language in (None, "en")


def entities_of(
    stories: Sequence[NewStory], sentence_lists: Sequence[Sequence[tuple[int, str]]]
) -> list[list[Entity]]:
    """Named entities of each story, from its sentences. The entity model is English: run on
    Russian or German text it finds nonsense that answers and /facts would then quote, so a
    story in another language keeps none."""
    texts = [
        [s for _, s in sentences] if reads_as_english(story.language) else []
        for story, sentences in zip(stories, sentence_lists, strict=True)
    ]
    return find_entities(texts)


def _clean(raw: RawStory) -> tuple[str | None, list[str], str | None, str | None]:
    """(title, paragraphs, published hint, site) from text or HTML."""
    cleaned, site = clean_raw(raw)
    return raw.title or cleaned.title, cleaned.paragraphs, cleaned.published_hint, site


def clean_raw(raw: RawStory) -> tuple[CleanedText, str | None]:
    """The cleaned text of a raw story and its site, as ingest stores it; Rejected says why not.

    ``storybot clean`` and ``summarize`` call this too, so they show what ingest would keep.
    """
    if raw.problem:
        raise Rejected(raw.problem)
    if raw.html is not None and not raw.text:
        article = extract_article(raw.html[: MAX_TEXT_CHARS * 2], raw.url)
        if article is None:
            raise Rejected(Problem.NO_ARTICLE)
        # trafilatura drops the page's chrome but keeps furniture printed inside the article
        # ("Published 12 March 2024", captions, share prompts): cut it as a paste's is cut.
        paragraphs, cuts = strip_furniture(_cut(article.paragraphs, MAX_TEXT_CHARS))
        stamp = next((cut.text for cut in cuts if cut.reason == "timestamp"), None)
        cleaned = CleanedText(
            article.title, paragraphs, article.published or stamp, [c.text for c in cuts], cuts
        )
        return cleaned, article.site
    text = (raw.text or "")[:MAX_TEXT_CHARS]
    if not text.strip():
        raise Rejected(Problem.EMPTY_TEXT)
    return clean_text(text), None


def _cut(paragraphs: list[str], limit: int) -> list[str]:
    """The paragraphs up to ``limit`` characters in all, as pasted text is cut: a page's
    text costs as much to analyse as the same text sent in a file."""
    kept: list[str] = []
    total = 0
    for paragraph in paragraphs:
        if total + len(paragraph) > limit:
            break
        kept.append(paragraph)
        total += len(paragraph)
    if not kept and paragraphs:  # one paragraph longer than the limit
        return [paragraphs[0][:limit]]
    return kept


def find_duplicate(chat: ChatStories, prepared: _Prepared) -> Story | None:
    """This chat's stored story that is the same story: same URL, same text, or ≥ 90% similar."""
    new = prepared.new
    if new.url and (same := chat.story_with_url(new.url)):
        return same
    if same := chat.story_with_hash(new.content_hash):
        return same
    for candidate in chat.stories_sharing_buckets(buckets(prepared.shingle_set)):
        if similarity(prepared.shingle_set, shingles(candidate.text)) >= NEAR_DUPLICATE_SIMILARITY:
            return candidate
    return None


def _duplicate_in(
    prepared: _Prepared, pending: Iterable[tuple[int, _Prepared]]
) -> _Prepared | None:
    for _, other in pending:
        if prepared.new.content_hash == other.new.content_hash or (
            prepared.new.url and prepared.new.url == other.new.url
        ):
            return other
        if similarity(prepared.shingle_set, other.shingle_set) >= NEAR_DUPLICATE_SIMILARITY:
            return other
    return None


def duplicate_outcome(prepared: _Prepared, existing: Story | _Prepared) -> IngestOutcome:
    """A 'duplicate' outcome naming the saved story, or the earlier copy in the batch."""
    if isinstance(existing, Story):
        return IngestOutcome(
            "duplicate",
            existing,
            Refusal(Problem.ALREADY_SAVED, {"id": existing.id, "title": existing.title}),
            source_id=prepared.raw.source_id,
            title=existing.title,
        )
    return IngestOutcome(
        "duplicate",
        None,
        Refusal(Problem.SAME_IN_BATCH),
        source_id=prepared.raw.source_id,
        title=existing.new.title,
    )


def _existing_for_message(chat: ChatStories, message_id: int | None) -> Story | None:
    return chat.story_for_message(message_id) if message_id is not None else None


def canonical_url(url: str) -> str:
    """A URL without its fragment and tracking parameters, so shared links compare equal."""
    parts = urlsplit(url.strip())
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not pair.lower().startswith(("utm_", "fbclid=", "gclid=", "ref=", "at_medium="))
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def _without(text: str, links: Iterable[str]) -> str:
    for link in links:
        text = text.replace(link, " ")
    return text
