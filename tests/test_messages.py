"""The messages module: every refusal the core can report has words, and an exception carries
the reason, not the words."""

from __future__ import annotations

import pickle

import pytest

from bot.messages import Problem, Refusal, Refused, say
from bot.services.schedules import ScheduleError
from bot.sources.documents import Rejected, TooShort
from bot.sources.fetching import FetchError

# Details a wording may need, by name: any value of the right kind will do.
SAMPLE_DETAILS = {
    "typed": "25:99",
    "size": 3_500_000,
    "limit": 2_000_000,
    "suffix": ".pdf",
    "supported": ".txt, .md",
    "line": 7,
    "fields": ("text", "body"),
    "words": 12,
    "needed": 40,
    "id": 9,
    "title": "Bridge opens",
    "path": "a.txt",
    "why": "No such file",
    "content_type": "application/pdf",
    "status": 404,
    "language": "Polish",
    "sentences": 3,
    "count": 2,
    "chat": -100123,
    "chats": 1,
    "stories": 5,
    "feeds": 0,
    "table": "stories",
    "expected": 5,
    "found": 4,
    "url": "https://example.com/feed.xml",
    "fetch": Refusal(Problem.HTTP_STATUS, {"status": 404}),
    "because": Refusal(Problem.UNKNOWN_LANGUAGE),
    "asked": 5,
    "given": 28,
}


@pytest.mark.parametrize("problem", list(Problem))
def test_every_problem_has_words(problem: Problem) -> None:
    text = say(Refusal(problem, SAMPLE_DETAILS))
    assert text.strip() and text != problem.value and text[0] not in "-_"


@pytest.mark.parametrize("kind", [Rejected, TooShort, FetchError, ScheduleError])
def test_a_refusal_survives_a_process_pool_and_is_not_its_words(kind: type[Refused]) -> None:
    error = kind(Problem.BAD_JSON_LINE, line=3)
    copied = pickle.loads(pickle.dumps(error))
    assert type(copied) is kind and copied.refusal == error.refusal
    assert say(copied) == "Line 3 of that file isn't valid JSON."
    assert str(copied) != say(copied) and "line=3" in str(copied)
