"""Words as the full-text index sees them: lower case, split at non-word characters, and
stemmed with the original Porter algorithm (SQLite's ``porter`` tokenizer).

Answers match question words against sentences with these same stems, so what the index
finds and what the features count are the same words, and a misspelt word corrected against
the index's vocabulary (``typos.py``) is directly a term to match.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _porter():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


@lru_cache(maxsize=131072)
def index_stem(word: str) -> str:
    """A word's stem as the index has it ("Crossed" → "cross")."""
    return _porter().stem(word.lower(), to_lowercase=True)


def index_words(text: str) -> list[str]:
    """The words of a text as the index splits them ("U.S.-led" → "U", "S", "led")."""
    return _WORD.findall(text)


@lru_cache(maxsize=16384)
def index_stems(text: str) -> frozenset[str]:
    """The set of a text's index stems."""
    return frozenset(index_stem(word) for word in _WORD.findall(text))


def text_stems(text: str) -> frozenset[str]:
    """The set of a long text's index stems, uncached: a whole story's sentences are read
    once per question, and caching them would only push the candidates' sentences out of
    ``index_stems``'s cache."""
    return frozenset(index_stem(word) for word in _WORD.findall(text))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bot.nlp.language import full_pipeline

    return frozenset(full_pipeline().Defaults.stop_words)


def is_stop_word(word: str) -> bool:
    """Whether spaCy's English stop list holds the word (any case)."""
    return word.lower() in _stop_words()
