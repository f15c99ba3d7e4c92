"""Sentence boundaries that have no punctuation: where a caption or heading runs into the text.

A page flattened by an extractor or a paste prints photo captions and subheadings without a
full stop, so the sentence splitter sees one "sentence" of hundreds of words:

    "... are meeting today As Trump met with Obama, his son-in-law ... White House Trump aide
    Dan Scavino (left) and other members ... arrive at the White House ..."

A boundary is where a word that can end a phrase is followed by a word that can only open a
new one: a capitalised determiner or pronoun ("... 100 hours A Chinese boy ..."), a word after
a closing quote, a capitalised name that starts a clause ("... heavy rain Massa escaped ..."),
or the end of a heading in capitals ("... WHO IS HE The driver ...").  Ordinary sentences are
never cut: only a sentence longer than ``LONG_SENTENCE_WORDS`` is looked at, and every piece
keeps at least ``MIN_PIECE_WORDS`` words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LONG_SENTENCE_WORDS = 40
RUN_ON_WORDS = 80
MIN_PIECE_WORDS = 5

# A capitalised word after which a new sentence surely starts, even without a full stop:
# determiners, pronouns and sentence-opening adverbs and prepositions are not capitalised in
# the middle of a sentence.
_STARTERS = frozenset(
    [
        "the",
        "a",
        "an",
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "its",
        "our",
        "my",
        "your",
        "this",
        "that",
        "these",
        "those",
        "there",
        "mr",
        "mrs",
        "ms",
        "dr",
        "but",
        "and",
        "after",
        "before",
        "when",
        "while",
        "among",
        "despite",
        "during",
        "following",
        "however",
        "meanwhile",
        "earlier",
        "later",
        "now",
        "then",
        "some",
        "many",
        "most",
        "all",
        "both",
        "one",
        "two",
        "three",
        "what",
        "how",
        "why",
        "where",
        "in",
        "on",
        "at",
        "as",
        "if",
        "for",
        "with",
        "by",
        "from",
        "dozens",
        "hundreds",
        "thousands",
        "millions",
        "several",
        "more",
        "few",
        "no",
        "each",
        "every",
        "another",
        "other",
        "such",
    ]
)
# Capitalised in the middle of ordinary sentences too.
_PROSE_CAPITALS = frozenset(["i", "mr", "mrs", "ms", "dr"])
# Closing marks after which a capitalised word starts afresh.  Not the apostrophe: "Buttress'"
# is a possessive, not the end of a quotation.
_CLOSING = '"”»'
# Words that a sentence cannot end on: a boundary never follows them.
_CONTINUING = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "as",
        "near",
        "during",
        "after",
        "before",
        "into",
        "onto",
        "over",
        "under",
        "between",
        "than",
        "that",
        "which",
        "who",
        "whose",
        "while",
        "his",
        "her",
        "their",
        "its",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "said",
        "says",
        "told",
    ]
)
# Nouns that stand before a name inside a sentence ("his wife Melania walked", "president
# Barack Obama said"): a capitalised name after them continues the sentence.
_ROLES = frozenset(
    [
        "president",
        "minister",
        "prime",
        "chancellor",
        "secretary",
        "senator",
        "governor",
        "mayor",
        "leader",
        "chief",
        "director",
        "manager",
        "coach",
        "captain",
        "chairman",
        "chairwoman",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "aide",
        "adviser",
        "advisor",
        "official",
        "judge",
        "officer",
        "sergeant",
        "wife",
        "husband",
        "son",
        "daughter",
        "father",
        "mother",
        "brother",
        "sister",
        "fiancee",
        "fiance",
        "girlfriend",
        "boyfriend",
        "partner",
        "friend",
        "colleague",
        "rival",
        "counterpart",
        "boss",
        "star",
        "singer",
        "actor",
        "actress",
        "rapper",
        "player",
        "striker",
        "defender",
        "midfielder",
        "goalkeeper",
        "champion",
        "driver",
        "teammate",
        "team-mate",
        "owner",
        "founder",
        "ceo",
        "editor",
        "reporter",
        "correspondent",
        "host",
        "presenter",
        "candidate",
        "nominee",
        "successor",
        "predecessor",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
    ]
)
# Words that cannot follow a clause's subject as its verb.
_NOT_VERBS = frozenset(
    [
        "on",
        "in",
        "at",
        "for",
        "with",
        "from",
        "to",
        "of",
        "by",
        "near",
        "after",
        "before",
        "during",
        "as",
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "than",
        "into",
        "onto",
        "over",
        "under",
        "between",
        "about",
        "against",
        "across",
        "through",
        "via",
        "per",
        "since",
        "until",
        "while",
        "who",
        "which",
        "whose",
        "whom",
        "that",
    ]
)
# Lowercase words inside names ("Bank of England", "Ludwig van Beethoven").
_NAME_JOINERS = frozenset(
    ["of", "and", "de", "da", "del", "der", "van", "von", "la", "le", "du", "bin", "al", "y"]
)
_OPENERS = "\"'“‘("


def is_capitalised(token: str) -> bool:
    """True when the word (after any opening quote or bracket) starts with a capital."""
    word = token.lstrip(_OPENERS)
    return bool(word) and word[0].isupper()


def _is_heading_word(token: str) -> bool:
    letters = [ch for ch in token if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


_MONTHS = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)


def _dated_entry(tokens: Sequence[str], i: int) -> bool:
    """A timeline entry ("... Capitol Hill August 4, 2015: The Post reveals ...") starts at its
    date, and an embedded tweet ends at its signature ("... (@handle) November 9, 2016")."""
    if (
        tokens[i] in _MONTHS
        and i + 2 < len(tokens)
        and re.fullmatch(r"\d{1,2},", tokens[i + 1])
        and re.fullmatch(r"\d{4}:", tokens[i + 2])
    ):
        return True
    return i >= 4 and bool(re.fullmatch(r"\d{4}", tokens[i - 1])) and tokens[i - 4].startswith("(@")


def glue_boundary(tokens: Sequence[str], i: int, names: bool = True, strict: bool = False) -> bool:
    """True when a sentence boundary without punctuation falls before ``tokens[i]``.

    ``names`` allows the weakest rule, a capitalised name opening a clause; callers turn it off
    where a name is likely to be a verb's object ("Trump met President Obama for ...").
    ``strict`` is for running prose, where "I", "Mr" and titles ("The Right Thing") appear
    capitalised mid-sentence: there an opener counts only when a lowercase word follows it.
    """
    if i < 1 or i >= len(tokens) or not is_capitalised(tokens[i]):
        return False
    previous = tokens[i - 1]
    if _dated_entry(tokens, i):
        return True
    # A heading in capitals ("WHO IS MAX VERSTAPPEN") ends where ordinary case resumes.
    if (
        i >= 2
        and _is_heading_word(previous)
        and _is_heading_word(tokens[i - 2])
        and not _is_heading_word(tokens[i])
    ):
        return True
    bare = previous.rstrip(_CLOSING + "'’")
    # '... in time," he said': a quotation closed on a comma carries on.
    if not bare or bare.lower() in _CONTINUING or bare[-1] in ",;:-–—(" or previous[-1] in "(-–—":
        return False
    closed = previous[-1] in _CLOSING
    if not (bare[-1].islower() or bare[-1].isdigit() or closed):
        return False  # "06:00 GMT Croydon": two capitalised words may be one name
    word = tokens[i].lstrip(_OPENERS).lower().rstrip(",")
    if strict:
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        opener = word in _STARTERS and word not in _PROSE_CAPITALS
        # "As Trump met ..." opens a sentence; "The Right Thing" is a title.
        lower_soon = following[:1].islower() or (
            is_capitalised(following) and after[:1].islower() and word not in ("that", "this")
        )
        if (opener or closed) and lower_soon:
            return True
        if not names:
            return False
    if word in _STARTERS or closed:
        return True
    # After a lowercase word, a run of capitalised words followed by a lowercase word (or by
    # a comma and an age) is a name opening a clause: "... heavy rain Massa escaped ...",
    # "... the incident Martin Bamford, 30, from ...".  After a capitalised word it may be the
    # second half of a name ("Hillary Clinton is"), after a role noun a name in apposition.
    if not names or not (bare[0].islower() or bare[0].isdigit()) or bare.lower() in _ROLES:
        return False
    j = _end_of_names(tokens, i)
    if j is None:
        return True  # "Martin Bamford, 30, from ...": a name and an age open the clause
    if j >= len(tokens) or j - i > 8:
        return False
    following = tokens[j].lower().rstrip(",.;:")
    if _is_heading_word(tokens[i]):
        return False  # "... will let HATE lead us": capitals for emphasis, not a name
    # A clause goes on with a verb ("Massa escaped"); a preposition or conjunction after the
    # name means it sits inside the sentence ("in downtown Seattle on Wednesday").
    return tokens[j][:1].islower() and following not in _NAME_JOINERS | _NOT_VERBS


def _end_of_names(tokens: Sequence[str], i: int) -> int | None:
    """Index of the first word after the names starting at ``i`` ("Trump and Melania",
    "Mitch McConnell (center)"); None when the names end in a comma and an age."""
    j = i
    while j < len(tokens) and j - i <= 8:
        token = tokens[j]
        if is_capitalised(token):
            if token.endswith(","):
                following = tokens[j + 1] if j + 1 < len(tokens) else ""
                return None if following.rstrip(",").isdigit() else len(tokens)
            j += 1
        elif token in ("and", "&") and j + 1 < len(tokens) and is_capitalised(tokens[j + 1]):
            j += 1
        elif token.startswith("(") and j > i:
            # A picture's "(left)" or "(center)" after a name: skip to its closing bracket.
            while j < len(tokens) and not tokens[j].endswith(")"):
                j += 1
            j += 1
        else:
            break
    return j


def _split(tokens: list[str], names: bool) -> list[list[str]]:
    pieces: list[list[str]] = []
    start = 0
    for i in range(MIN_PIECE_WORDS, len(tokens) - MIN_PIECE_WORDS + 1):
        if i - start >= MIN_PIECE_WORDS and glue_boundary(tokens, i, names=names, strict=True):
            pieces.append(tokens[start:i])
            start = i
    pieces.append(tokens[start:])
    return pieces


def split_run_on(sentence: str) -> list[str]:
    """A long sentence cut where captions and headings were glued in; others come back whole.

    The weak rule (a capitalised name opening a clause) is kept for sentences longer than
    ``RUN_ON_WORDS``: prose that long is rare, while a string of glued captions is common.
    """
    tokens = sentence.split()
    if len(tokens) <= LONG_SENTENCE_WORDS:
        return [sentence]
    # A "sentence" past RUN_ON_WORDS is almost surely glued captions: there the weak rule
    # also cuts every piece that is still long.
    run_on = len(tokens) > RUN_ON_WORDS
    pieces: list[list[str]] = []
    for piece in _split(tokens, names=False):
        long_piece = len(piece) > LONG_SENTENCE_WORDS
        pieces += _split(piece, names=True) if run_on and long_piece else [piece]
    if len(pieces) == 1:
        return [sentence]
    return [" ".join(piece) for piece in pieces]
