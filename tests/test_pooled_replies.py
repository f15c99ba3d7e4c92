"""Questions and summaries answered in the pool's worker processes are the ones answered in
the bot's process; a worker sees what the bot's process has just stored; a pool that fails
costs no reply."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator, Sequence

import pytest

import bot.nlp.answers as answers_package
from bot.nlp.answers import Answer
from bot.nlp.summaries import SummaryLength
from bot.services import analysis_pool, reading_work
from bot.services.analysis_pool import AnalysisPool
from bot.services.stories import StoryService
from db.store import Store
from tests.support.stories import article

QUESTIONS = (
    "Who signed the joint statement?",
    "When did India destroy a satellite?",
    "What did Pakistan accuse India of?",
    "Who won the Tour de France?",  # about nothing stored
)
LENGTHS = (SummaryLength(sentences=1), SummaryLength(sentences=3), SummaryLength(words=40))


def outcomes(answers: Sequence[Answer]) -> list[Answer]:
    """The answers with their confidence to 9 places: another process may sum the same
    floats in another order (numpy's SIMD paths depend on memory alignment), which moves the
    last bit of a probability and nothing a user sees."""
    return [
        dataclasses.replace(answer, confidence=round(answer.confidence, 9)) for answer in answers
    ]


@pytest.fixture(scope="module")
def pool() -> Iterator[AnalysisPool]:
    """Two warm workers for the module: each loads spaCy and the answer model once."""
    started = AnalysisPool(2, answers=True)
    started.start()
    yield started
    started.close()


def _not_here(*args: object, **kwargs: object) -> None:
    raise AssertionError("ran in the bot's process, not in a worker")


def test_questions_and_summaries_in_workers_match_in_process(
    backend_store: Store, pool: AnalysisPool, sample_text: str, monkeypatch
) -> None:
    here = StoryService(backend_store)
    assert here.pool.in_process
    story = here.save_text(1, sample_text).outcome.story
    here.save_text(1, article("harbour"))
    asked = [(q, None) for q in QUESTIONS] + [(QUESTIONS[0], story.id)]
    expected_answers = [here.answer(1, q, story_id) for q, story_id in asked]
    expected_summaries = [here.summary(1, story.id, length) for length in LENGTHS]
    assert any(a.sentence for a in expected_answers)  # the comparison covers found sentences

    # The bot's process can no longer answer or summarize: what comes back came from a worker.
    monkeypatch.setattr(reading_work, "answer", _not_here)
    monkeypatch.setattr(reading_work, "summarize", _not_here)
    pooled = StoryService(backend_store, pool=pool)
    pooled_answers = [pooled.answer(1, q, story_id) for q, story_id in asked]
    assert outcomes(pooled_answers) == outcomes(expected_answers)
    assert [pooled.summary(1, story.id, length) for length in LENGTHS] == expected_summaries


def test_facts_in_a_worker_match_in_process(
    backend_store: Store, pool: AnalysisPool, sample_text: str, monkeypatch
) -> None:
    here = StoryService(backend_store)
    story = here.save_text(1, sample_text).outcome.story
    expected = here.facts(1, story.id)
    assert expected is not None and expected.facts is not None and expected.facts.who
    monkeypatch.setattr(reading_work, "facts", _not_here)
    monkeypatch.setattr(answers_package, "facts", _not_here)
    pooled = StoryService(backend_store, pool=pool)
    assert pooled.facts(1, story.id) == expected
    assert pooled.facts(1) == expected  # the latest story, found in this process


def test_a_worker_sees_the_story_saved_just_before(
    backend_store: Store, pool: AnalysisPool, sample_text: str
) -> None:
    pooled = StoryService(backend_store, pool=pool)
    pooled.save_text(1, sample_text)
    for question in QUESTIONS * 2:  # both workers open their read connections before the save
        pooled.answer(1, question)
    question = "Who approved the tramway plan?"
    before = pooled.answer(1, question)
    saved = pooled.save_text(1, article("tramway")).outcome.story
    after = pooled.answer(1, question)
    assert before.story_id != saved.id
    assert after.story_id == saved.id
    assert outcomes([after]) == outcomes([StoryService(backend_store).answer(1, question)])


def test_a_pool_that_cannot_start_answers_in_process(
    store: Store, sample_text: str, monkeypatch, caplog
) -> None:
    here = StoryService(store)
    here.save_text(1, sample_text)
    expected = here.answer(1, QUESTIONS[0])

    def cannot_start(*args: object, **kwargs: object) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(analysis_pool, "ProcessPoolExecutor", cannot_start)
    broken = StoryService(store, pool=AnalysisPool(2, answers=True))
    with caplog.at_level(logging.ERROR, logger=analysis_pool.__name__):
        broken.pool.start()
        assert broken.answer(1, QUESTIONS[0]) == expected
        summary = broken.summary(1, None, SummaryLength(sentences=2))
    assert summary is not None and len(summary.sentences) == 2
    assert "analysis pool failed" in caplog.text
    # Failing again and again, it gives up on the pool rather than trying it at every call.
    assert broken.pool.in_process


def test_a_worker_that_dies_costs_no_reply(caplog) -> None:
    pool = AnalysisPool(2)
    try:
        with caplog.at_level(logging.ERROR, logger=analysis_pool.__name__):
            assert pool.call(os._exit, 1, here=lambda: "answered here") == "answered here"
        assert "analysis pool failed" in caplog.text
        # The next call starts a fresh pool and runs in one of its workers.
        assert pool.call(os.getpid) != os.getpid()
    finally:
        pool.close()
