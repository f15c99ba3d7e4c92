"""The services that handlers, the local chat and the CLI call. Nothing here knows Telegram.

Each method takes plain values (a chat id, a text, a story id) and returns plain results that
:mod:`handlers.render` turns into messages. All of it is blocking work (SQLite, spaCy, sumy), so
Telegram handlers call it in a worker thread.

The core's types and helpers the handlers need (``Story``, ``SummaryLength``, ``longer``,
``shorter``, ``split_sentences``, ``MAX_DOCUMENT_BYTES``, ``storage_trouble``) are
re-exported here, so handlers reach the core only through the services.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.messages import Problem, Refusal
from bot.nlp.summaries import SummaryLength
from bot.nlp.summaries import longer as longer
from bot.nlp.summaries import shorter as shorter
from bot.nlp.tokenizer import split_sentences as split_sentences
from bot.nlp.tokenizer import words
from bot.services.analysis_pool import AnalysisPool
from bot.services.ingest import Ingestor, IngestOutcome
from bot.services.reading_work import answer_at, answer_in, facts_at, summary_parts
from bot.services.reading_work import other_language as other_language
from bot.services.reading_work import over_budget_reason as over_budget_reason
from bot.services.settings import LENGTH, SAVED, value_of
from bot.sources.documents import MAX_DOCUMENT_BYTES as MAX_DOCUMENT_BYTES
from db.storage_trouble import DATABASE_ERRORS
from db.storage_trouble import storage_trouble as storage_trouble
from db.store import ChatStories, Store
from db.store import Story as Story

log = logging.getLogger(__name__)

QUESTION_WORDS = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "is",
        "are",
        "was",
        "were",
        "did",
        "does",
        "do",
        "can",
        "could",
        "should",
        "will",
        "would",
        "has",
        "have",
        "had",
        "tell",
    ]
)
MAX_QUESTION_WORDS = 40
LIST_PAGE_SIZE = 8


@dataclass(frozen=True)
class StorySummary:
    """A story with the summary shown for it, at the length it was asked for."""

    story: Story
    sentences: list[str]
    length: SummaryLength
    reason: Refusal | None = None  # why it is another summary than asked (e.g. the whole text)


@dataclass(frozen=True)
class Saved:
    """The outcome of sending a story, with its summary when it was added."""

    outcome: IngestOutcome
    summary: StorySummary | None = None


@dataclass(frozen=True)
class StoryFacts:
    story: Story
    facts: object  # answers.Facts: who, what, when, where; None with a reason
    reason: Refusal | None = None  # why there are no facts (the story is not in English)


@dataclass(frozen=True)
class StoryPage:
    stories: list[Story]
    page: int
    pages: int
    total: int


def looks_like_question(text: str) -> bool:
    """A short text ending in '?', or one that starts with a question word and is short."""
    stripped = text.strip()
    if not stripped:
        return False
    tokens = words(stripped)
    if stripped.endswith("?") and len(tokens) <= MAX_QUESTION_WORDS * 2:
        return True
    return bool(tokens) and tokens[0].lower() in QUESTION_WORDS and len(tokens) < MAX_QUESTION_WORDS


class StoryService:
    """Stories, summaries and questions for any chat, over one store."""

    def __init__(
        self, store: Store, settings: Settings | None = None, *, pool: AnalysisPool | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.store = store
        # Where the CPU-heavy work runs (STORYBOT_NLP_WORKERS): ingest's analysis, summaries
        # and answers; with one worker, all of it in this process.
        self.pool = pool or AnalysisPool(self.settings.nlp_workers, answers=True)
        self.ingestor = Ingestor(
            store,
            allow_loopback_fetch=self.settings.allow_loopback_fetch,
            max_stories=self.settings.max_stories_per_chat or None,
            pool=self.pool,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StoryService:
        """A service over the database the settings name."""
        return cls(Store(settings.db_path), settings)

    def chat(self, chat_id: int) -> ChatStories:
        """One chat's stories, and only those."""
        return self.store.chat(chat_id)

    # -- saving -----------------------------------------------------------------------------

    def save_text(self, chat_id: int, text: str, **origin: object) -> Saved:
        """Store pasted, forwarded or posted text (or the article behind a link in it)."""
        return self._with_summary(chat_id, self.ingestor.add_text(chat_id, text, **origin))

    def save_document(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        *,
        max_records: int | None = None,
        **origin: object,
    ) -> list[Saved]:
        """Store the stories in a file, reading at most ``max_records`` of its records."""
        outcomes = self.ingestor.add_document(
            chat_id, filename, data, max_records=max_records, **origin
        )
        return [self._with_summary(chat_id, outcome) for outcome in outcomes]

    def _with_summary(self, chat_id: int, outcome: IngestOutcome) -> Saved:
        if outcome.story is None or outcome.status == "rejected":
            return Saved(outcome)
        return Saved(outcome, self.summary_of(outcome.story, self.default_length(chat_id)))

    # -- summaries --------------------------------------------------------------------------

    def default_length(self, chat_id: int) -> SummaryLength:
        """The chat's summary length setting, else three sentences."""
        return value_of(self.chat(chat_id), LENGTH)

    def summary(
        self, chat_id: int, story_id: int | None, length: SummaryLength | None
    ) -> StorySummary | None:
        """The summary of this chat's story (the latest when no id is given), or None."""
        chat = self.chat(chat_id)
        story = chat.story(story_id) if story_id is not None else chat.latest_story()
        if story is None:
            return None
        return self.summary_of(story, length or self.default_length(chat_id))

    def summary_of(self, story: Story, length: SummaryLength) -> StorySummary:
        """The story's summary; else the whole short story or the lead, with the reason.
        With a pool, a worker summarizes: the story goes to it, the sentences come back."""
        sentences, reason = self.pool.call(summary_parts, story, length)
        return StorySummary(story, sentences, length, reason)

    # -- questions and facts ------------------------------------------------------------

    def answer(self, chat_id: int, question: str, story_id: int | None = None):  # -> answers.Answer
        """Answer a question from this chat's stories (one story when story_id is given).
        With a pool, a worker answers over its own read connection to the store (a file
        only: an in-memory database is this process's alone)."""

        def here():  # -> answers.Answer
            return answer_in(self.chat(chat_id), question, story_id)

        if self.store.path == ":memory:":
            return here()
        return self.pool.call(answer_at, self.store.path, chat_id, question, story_id, here=here)

    def facts_of_story(self, story_id: int) -> StoryFacts | None:
        """Facts of any chat's story by id: for the operator's CLI, never for handlers."""
        story = self.store.story(story_id)
        return None if story is None else self.facts(story.chat_id, story.id)

    def latest_stories(self, chat_id: int, limit: int) -> tuple[list[Story], int]:
        """The chat's newest stories, and how many it keeps in all."""
        chat = self.chat(chat_id)
        return chat.latest_stories(limit=limit), chat.count()

    def any_story(self, story_id: int) -> Story | None:
        """Any chat's story by id: for the operator's CLI (``show``), never for handlers."""
        return self.store.story(story_id)

    def facts(self, chat_id: int, story_id: int | None = None) -> StoryFacts | None:
        """Who, what, when and where of this chat's story (the latest when no id is given).
        With a pool, a worker finds them over its own read connection, as for questions."""
        from bot.nlp.answers import facts

        chat = self.chat(chat_id)
        story = chat.story(story_id) if story_id is not None else chat.latest_story()
        if story is None:
            return None
        if language := other_language(story):
            return StoryFacts(
                story, None, Refusal(Problem.FACTS_NOT_ENGLISH, {"language": language})
            )
        if self.store.path == ":memory:":
            return StoryFacts(story, facts(chat, story.id))
        found = self.pool.call(
            facts_at, self.store.path, chat_id, story.id, here=lambda: facts(chat, story.id)
        )
        return StoryFacts(story, found)

    def update_story_message(
        self, chat_id: int, message_id: int, text: str, **origin: object
    ) -> Saved | None:
        """An edited message: update the story saved from it; None when it held no story."""
        outcome = self.ingestor.replace_for_message(
            chat_id, message_id, text, add_if_new=False, **origin
        )
        return None if outcome is None else self._with_summary(chat_id, outcome)

    def update_post(self, chat_id: int, message_id: int, text: str, **origin: object) -> Saved:
        """An edited channel post: update the story saved from it (or save it if new)."""
        outcome = self.ingestor.replace_for_message(chat_id, message_id, text, **origin)
        assert outcome is not None  # a post that held no story is stored as new
        return Saved(outcome)

    # -- browsing and forgetting ---------------------------------------------------------

    def page_of_stories(self, chat_id: int, page: int = 0) -> StoryPage:
        """One page of the chat's stories, newest first (the page number kept in range)."""
        chat = self.chat(chat_id)
        total = chat.count()
        pages = max(1, -(-total // LIST_PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        stories = chat.latest_stories(limit=LIST_PAGE_SIZE, offset=page * LIST_PAGE_SIZE)
        return StoryPage(stories, page, pages, total)

    def search(self, chat_id: int, query: str, limit: int = 10) -> list[Story]:
        """The chat's stories that match all the words, else any of them, best first."""
        chat = self.chat(chat_id)
        return chat.search(query, limit) or chat.search(query, limit, any_word=True)

    def count(self, chat_id: int) -> int:
        """How many stories the chat keeps."""
        return self.chat(chat_id).count()

    def story(self, chat_id: int, story_id: int) -> Story | None:
        """One of the chat's stories, or None."""
        return self.chat(chat_id).story(story_id)

    def replied_story(self, chat_id: int, message_id: int) -> int | None:
        """The story a reply points at: the one saved from that message, else the story the
        bot's message was about (recorded by :meth:`remember_messages` when it was sent)."""
        chat = self.chat(chat_id)
        story = chat.story_for_message(message_id)
        return story.id if story is not None else chat.story_id_for_bot_message(message_id)

    def remember_messages(
        self, chat_id: int, message_ids: Sequence[int], story_id: int | None
    ) -> None:
        """The bot's messages show the chat's story now (None: no one story), so a reply to any
        of them is about it (a story of another chat is not recorded).

        The messages were delivered before this runs: a database that can't take the write
        (full, read-only) costs only the link from a later reply, so it is logged, not raised.
        """
        try:
            self.chat(chat_id).remember_messages(message_ids, story_id)
        except DATABASE_ERRORS as error:
            log.warning("could not note which story messages %s are about: %s", message_ids, error)

    def says_saved_in_groups(self, chat_id: int) -> bool:
        """The chat's "saved" reaction setting: say "Saved." when a posted story is kept."""
        return value_of(self.chat(chat_id), SAVED) == "on"

    def forget(self, chat_id: int, story_id: int) -> bool:
        """Delete one of the chat's stories; False when it has no such story."""
        return self.chat(chat_id).forget(story_id)

    def forget_all(self, chat_id: int) -> int:
        """Delete every story of the chat; returns how many."""
        return self.chat(chat_id).forget_all()


def shown_answer(result) -> str:  # result: answers.Answer with a short answer
    """The short answer as shown, with its date when the answer doesn't already say it."""
    answer = result.answer
    return f"{answer} ({result.date})" if result.date and result.date not in answer else answer


MAX_STORY_ID = 2**63 - 1  # SQLite's INTEGER: a larger id can't name a story, and can't be bound


def parse_story_id(text: str | None) -> int | None:
    """A story id typed by a user or carried in callback data: ASCII digits within SQLite's
    range, else None ('²'.isdigit() is true but int('²') fails; 10**30 overflows SQLite)."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_STORY_ID else None


def story_ids(stories: Sequence[Story]) -> list[int]:
    """The stories' ids, in order."""
    return [story.id for story in stories]
