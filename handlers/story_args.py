"""Which story, how long, which page: the words typed after /summary, /facts and /list.

A story is named by its number as /list shows it: ``#9`` anywhere, or a bare ``9`` where no
length can be meant (/facts). For /summary a bare number stays a length (``/summary 2`` is
two sentences, as it always was), so a story there needs its ``#``: ``/summary #9 2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.settings import parse_length
from bot.services.stories import SummaryLength, parse_story_id


@dataclass(frozen=True)
class SummaryArgs:
    story_id: int | None = None  # None: the replied-to story, else the latest
    length: SummaryLength | None = None  # None: the chat's default


def story_ref(word: str) -> int | None:
    """``#9`` → 9; anything else (``#``, ``#x``, ``9``) → None."""
    return parse_story_id(word[1:]) if word.startswith("#") else None


def parse_summary_args(args: list[str]) -> SummaryArgs | None:
    """``[#N] [length]`` in either order; None when a word is neither (show the usage)."""
    story_id: int | None = None
    rest: list[str] = []
    for word in args:
        if word.startswith("#"):
            if story_id is not None or story_ref(word) is None:
                return None
            story_id = story_ref(word)
        else:
            rest.append(word)
    length = None
    if rest:
        length = parse_length(" ".join(rest))
        if length is None:
            return None
    return SummaryArgs(story_id, length)


def parse_facts_args(args: list[str]) -> SummaryArgs | None:
    """``[N | #N]``: the story only; None when the words don't name one."""
    if not args:
        return SummaryArgs()
    if len(args) > 1:
        return None
    word = args[0]
    story_id = story_ref(word) if word.startswith("#") else parse_story_id(word)
    return SummaryArgs(story_id) if story_id is not None else None


def parse_page(args: list[str]) -> int | None:
    """``/list 2`` → page index 1; no words → 0; None when it isn't a page number."""
    if not args:
        return 0
    number = parse_story_id(args[0]) if len(args) == 1 else None
    return number - 1 if number is not None else None
