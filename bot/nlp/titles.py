"""A sentence cut down to a title: at a word, never inside a number or a name, marked "…".

"More than 25" (of "25,000"), "Prime Minister Boris" (of "Boris Johnson") and "£3" (of "£3
million") read as facts they are not, so the cut moves back before the whole number or name.
"""

from __future__ import annotations

import re

# Words that belong to the number before them: "3 million", "40 per cent".
_NUMBER_WORDS = frozenset(
    [
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "bn",
        "m",
        "per",
        "percent",
        "cent",
        "%",
        "km",
        "miles",
    ]
)
_NUMBER = re.compile(r"\d[\d.,]*\w*%?$")


def cut_title(sentence: str, max_words: int) -> str:
    """The sentence if it has at most ``max_words`` words; else its first words (at most
    ``max_words``, backing off no further than half) followed by "…"."""
    tokens = sentence.split()
    if len(tokens) <= max(1, max_words):
        return sentence
    end = max(1, max_words)
    floor = max(1, end // 2)
    while end > floor and holds_together(tokens[end - 1], tokens[end]):
        end -= 1
    return " ".join(tokens[:end]).rstrip(",;:-–— ") + "…"


def holds_together(before: str, after: str) -> bool:
    """Whether a cut between these two words would split a name or a number."""
    if _name_word(before) and _name_word(after.rstrip(",;:.!?")):
        return True  # "Boris | Johnson", "Mr | Smith", "New | York"
    bare = after.lower().rstrip(",;:.!?)")
    if _NUMBER.search(before.lstrip("£$€(")):
        return bare in _NUMBER_WORDS or bool(_NUMBER.match(bare))  # "3 | million", "1 | 000"
    return before.lower() in _NUMBER_WORDS and bare in _NUMBER_WORDS  # "40 per | cent"


def _name_word(word: str) -> bool:
    """A capitalized word that nothing (a comma, a full stop) closes off."""
    word = word.lstrip("(\"'“‘")
    return bool(word) and word[0].isupper() and word[-1].isalnum()
