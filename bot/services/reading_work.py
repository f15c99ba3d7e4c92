"""Questions answered, main events found and stories summarized as functions of plain data:
the same code runs in the bot's process or in a worker of the analysis pool
(:mod:`bot.services.analysis_pool`).

Only picklable values cross to a worker and back: a store location, a chat id and a question in,
an ``Answer`` out; a store location, a chat id and a story id in, ``Facts`` out; a ``Story``
and a ``SummaryLength`` in, the summary's sentences (and why they are another summary than
asked, if they are) out.
A worker reads the store over a read connection of its own, opened once per worker on first
use (:func:`answer_at`, :func:`facts_at`). The store is written by the bot's process alone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from bot.messages import Problem, Refusal
from bot.nlp.answers import Answer, Facts, answer, facts
from bot.nlp.cleaning import real_headline
from bot.nlp.languages import display_name, story_language
from bot.nlp.summaries import (
    StoryText,
    Summary,
    SummaryLength,
    TextTooShort,
    UnsupportedLanguage,
    summarize,
)
from bot.services.ingest import reads_as_english
from db.store import ChatStories, Store, Story

log = logging.getLogger(__name__)

# The summary's sentences, and why they are not the summary asked for (None: they are).
SummaryParts = tuple[list[str], Refusal | None]


def answer_in(chat: ChatStories, question: str, story_id: int | None = None) -> Answer:
    """Answer a question from this chat's stories (one story when story_id is given)."""
    if story_id is not None and (language := other_language(chat.story(story_id))):
        reason = Refusal(Problem.STORY_NOT_ENGLISH, {"id": story_id, "language": language})
        return Answer(None, "other", story_id=story_id, reason=reason)
    result = answer(chat, question, story_id)
    if result.answer is not None and result.story_id is not None:
        # The answer model reads English: from another language's sentence it would pick
        # a span at random, so the sentence is quoted without a short answer.
        language = other_language(chat.story(result.story_id))
        if language:
            reason = Refusal(Problem.SENTENCE_NOT_ENGLISH, {"language": language})
            return replace(result, answer=None, date=None, reason=reason)
    return result


def summary_parts(story: Story, length: SummaryLength) -> SummaryParts:
    """The story's summary; else the whole short story or the lead, with the reason."""
    try:
        headline = real_headline(story.title, story.paragraphs)
        result = summarize(StoryText(headline, story.paragraphs), length)
    except TextTooShort:
        return story.paragraphs[:], Refusal(Problem.SHORT_STORY_WHOLE)
    except UnsupportedLanguage as error:
        return story.paragraphs[:1], Refusal(Problem.LEAD_INSTEAD, {"because": error.refusal})
    return result.sentences, over_budget_reason(result, length)


# -- in a worker -------------------------------------------------------------------------------

_stores: dict[str, Store] = {}  # this worker's read connections, by store location


def read_store(location: str) -> Store:
    """This process's read connection to the store at ``location``, opened on first use.

    Each read is a statement in autocommit (SQLite's isolation_level=None, psycopg's
    autocommit), so every call reads what the bot's process has committed by then: a story
    saved just before a question is seen by it, as on the bot's own connection.
    """
    store = _stores.get(location)
    if store is None:
        # read_only: no migration (the bot's process did it) and, on SQLite, no write lock.
        store = _stores[location] = Store(location, read_only=True)
    return store


def answer_at(location: str, chat_id: int, question: str, story_id: int | None) -> Answer:
    """:func:`answer_in` over this worker's own connection to the store at ``location``."""
    return _over_own_connection(
        location, lambda store: answer_in(store.chat(chat_id), question, story_id)
    )


def facts_at(location: str, chat_id: int, story_id: int) -> Facts | None:
    """The main event of a chat's story, over this worker's own connection to the store."""
    return _over_own_connection(location, lambda store: facts(store.chat(chat_id), story_id))


T = TypeVar("T")


def _over_own_connection(location: str, work: Callable[[Store], T]) -> T:
    store = read_store(location)
    try:
        return work(store)
    except Exception:
        # A broken connection (a restarted server, a moved file) is opened afresh next time;
        # this call fails, and the bot's process does the work instead.
        _stores.pop(location, None)
        with contextlib.suppress(Exception):
            store.close()
        raise


# -- reasons -----------------------------------------------------------------------------------


def other_language(story: Story | None) -> str | None:
    """The name of the story's language when the English models can't read it ('Russian'),
    else None. A story stored before languages were told apart is detected now."""
    if story is None:
        return None
    language = story.language or story_language(story.text)
    return None if reads_as_english(language) else display_name(language)


def over_budget_reason(result: Summary, length: SummaryLength) -> Refusal | None:
    """Why the summary is longer than the words asked for: even one sentence is (else None)."""
    if not result.over_budget or length.words is None:
        return None
    return Refusal(Problem.OVER_WORD_BUDGET, {"asked": length.words, "given": result.words})
