"""What a sentence gives away about carrying the news, read from its surface alone.

A news sentence names its actors, counts things, attributes what it says ("officials said"),
and the wire copy starts at a dateline ("New Delhi (Sputnik): ..."). A colour lead ("As
attempts to break a world record go, it was pretty impressive.") names nobody and counts
nothing; a kicker leans on the sentence before it ("But for those who have survived, ...");
an opinion column talks in the first person. These cues are cheap (a regex and a pass over the
tokens), so the summarizer can score every sentence with them within its time budget, and the
digest can tell a report from a column. How much each cue counts is learned by
``benchmarks.tune_summaries`` on the dev sets, not set here.

Cues that need words (reporting verbs, number words, openers, first person) are English; the
others (names, digits, datelines) hold for any language written in Latin or Cyrillic script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SentenceCues", "cues", "dateline_at", "report_newsiness"]


def _word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a list written as one string."""
    return frozenset(text.split())


# A wire dateline opening the copy: "WASHINGTON (Reuters) -", "LONDON, March 3 (AP) --",
# "New Delhi (Sputnik):", "(CNN) --", or an upper-case place and a dash ("KABUL — ").
_AGENCY = r"\((?:[A-Z][\w.&'’ -]{0,30})\)"
_MARK = r"(?::|--|—|–|-)"
_DATELINE = re.compile(
    r"^\s*(?:"
    rf"{_AGENCY}\s*{_MARK}?"  # "(CNN) --", "(CNN)The"
    rf"|[A-Z][\w.'’-]*(?:[ ,]+[A-Z0-9][\w.'’-]*){{0,5}},?\s*{_AGENCY}\s*{_MARK}"  # place (Agency):
    r"|[A-Z][A-Z.'’-]{2,}(?:\s+[A-Z][A-Z.'’-]{1,}){0,3},?(?:\s+[A-Z][a-z]+\.?\s+\d{1,2},?)?"
    r"\s+(?:--|—|–)"  # KABUL —
    r")\s*\S"
)

# Verbs of saying and their forms: the marks of attributed, reported news.
_REPORTING = _word_set(
    """said says say told tells announced announces confirmed confirms reported reports
    according stated states added warned warns claimed claims revealed reveals insisted
    denied denies admitted admits urged urges alleged alleges accused accuses disclosed
    estimated estimates declared declares ruled rules charged charges arrested"""
)
_NUMBER_WORDS = _word_set(
    """two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty
    fifty hundred hundreds thousand thousands million millions billion billions trillion dozen
    dozens half quarter percent"""
)
# Words that open a sentence leaning on the one before it: a kicker or a turn, not a lead.
_OPENERS = _word_set(
    """but and yet so still however meanwhile instead indeed nevertheless nonetheless now
    also then besides otherwise thus"""
)
_FIRST_PERSON = _word_set("i we my our me us myself ourselves")
_PRONOUNS = _word_set("it this that these those they he she there")
# Capitalised words that are no name (sentence furniture, pronoun "I", days are kept: dates).
_NOT_NAMES = _word_set("I The A An It He She They We This That These Those But And")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class SentenceCues:
    """The news cues of one sentence."""

    names: int  # runs of capitalised words after the first word ("Foreign Minister Qureshi")
    numbers: bool  # a digit or a number word
    reporting: bool  # a verb of saying, or "according to"
    dateline: bool  # opens with a wire dateline
    opener: bool  # opens with a connective that leans on the previous sentence
    first_person: bool  # "I", "we", "my" outside quotation marks
    vague_subject: bool  # opens with a pronoun ("It was ...", "They ...")


def dateline_at(sentence: str) -> bool:
    """Whether the sentence opens with a wire dateline."""
    return bool(_DATELINE.match(sentence))


def cues(sentence: str, tokens: Sequence[str], english: bool = True) -> SentenceCues:
    """The news cues of a sentence, given its word tokens (``bot.tokenizer.words``)."""
    names = 0
    previous_capital = False
    for position, token in enumerate(tokens):
        capital = position > 0 and token[:1].isupper() and token not in _NOT_NAMES
        if capital and not previous_capital:
            names += 1
        previous_capital = capital
    lowered = [t.lower() for t in tokens]
    first = lowered[0] if lowered else ""
    numbers = bool(_DIGIT.search(sentence))
    if english:
        numbers = numbers or any(t in _NUMBER_WORDS for t in lowered)
        unquoted = [t.lower() for t in _QUOTED.sub(" ", sentence).split()]
        first_person = any(t.strip(".,;:!?'’\"”)(") in _FIRST_PERSON for t in unquoted)
        return SentenceCues(
            names=names,
            numbers=numbers,
            reporting=any(t in _REPORTING for t in lowered),
            dateline=dateline_at(sentence),
            opener=first in _OPENERS,
            first_person=first_person,
            vague_subject=first in _PRONOUNS,
        )
    return SentenceCues(names, numbers, False, dateline_at(sentence), False, False, False)


def report_newsiness(sentences: Sequence[str], tokens: Sequence[Sequence[str]]) -> float:
    """How much an opening reads as a news report rather than a column, about 0 to 1.

    Read over the first sentences only: a report puts names, numbers and attribution up
    front and stays out of the first person; a column opens on the writer, a question or a
    scene. Used to choose which of an event's stories a digest item is summarized from.
    """
    opening = list(zip(sentences, tokens, strict=True))[:4]
    if not opening:
        return 0.0
    total = 0.0
    for sentence, words in opening:
        found = cues(sentence, words)
        total += (
            min(found.names, 3) / 3
            + found.numbers
            + found.reporting
            + 0.5 * found.dateline
            - found.first_person
            - 0.5 * sentence.rstrip("\"'”’ ").endswith("?")
        )
    return total / (3.5 * len(opening))
