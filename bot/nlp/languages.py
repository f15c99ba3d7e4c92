"""Which language a story is in, and every stemmer and stop-word list the language work uses:
the ones a summary needs (per language), and the English ones answers match the full-text
index with. Each algorithm lives here once; nothing else in the project stems or holds a
stop list.

Detection is py3langid's (a naive Bayes model over byte n-grams, 97 languages, shipped inside
the package: nothing is downloaded). A language can be summarized when a maintained package
gives both its stop words and a stemmer:

- English keeps sumy's stop words, the list the news summarizer's weights were tuned with;
- every other language with an NLTK Snowball stemmer (no data download) takes its stop words
  from the ``stop-words`` package;
- Czech, Slovak, Ukrainian and Hebrew keep sumy's own stop words and stemmers, as before.

Answers use a second English pair, on purpose (``index_stem``, ``is_answer_stop_word``):

- the original Porter algorithm (NLTK's ``ORIGINAL_ALGORITHM`` mode), because SQLite's FTS5
  ``porter`` tokenizer indexes sentences with it: a question word must stem to the term the
  index holds (Snowball's English, "Porter2", stems differently, so the two can't be one).
  NLTK's and SQLite's versions still part on a few words ("technologies": "technologi" here,
  "technolog" in the index; one-letter words: "" here). The answer model was fitted with
  these stems, so they are kept as they are (tests/test_languages.py keeps the gap small);
- spaCy's English stop list, the one the answer model's features were computed with when it
  was trained: swapping in sumy's list would change what the model sees.

Summaries and digests keep Snowball and sumy's list, the pair the summarizer was tuned with.

Other languages are told apart too, so the bot can say honestly which language it can't
summarize. This module knows nothing of summaries or Telegram; ``bot.nlp.summaries`` and the
services ask it.

May import: ``bot.messages`` (why a language can't be summarized) and the standard library,
py3langid, stop_words, nltk.stem, sumy's stop words and stemmers, spaCy's English stop list.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.messages import Problem, Refused

__all__ = [
    "ENGLISH",
    "SUMMARY_LANGUAGES",
    "Detected",
    "UnsupportedLanguage",
    "detect",
    "display_name",
    "index_stem",
    "index_stems",
    "index_words",
    "is_answer_stop_word",
    "stemmer",
    "stop_words",
    "story_language",
    "summary_language",
]

ENGLISH = "english"

# ISO 639-1 code (as py3langid labels) -> the language's name as sumy, NLTK and stop-words
# spell it. Every language here can be summarized.
_SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": ENGLISH,
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}
# Summarized with sumy's own stop words and stemmer (Hebrew: no stemmer), as before py3langid.
_SUMY_ONLY: dict[str, str] = {"cs": "czech", "sk": "slovak", "uk": "ukrainian", "he": "hebrew"}
SUMMARY_LANGUAGES: dict[str, str] = {**_SNOWBALL, **_SUMY_ONLY}

# Names for the languages py3langid may report that are not summarized, to say which it is.
_OTHER_NAMES: dict[str, str] = {
    "be": "Belarusian", "cy": "Welsh", "bg": "Bulgarian", "ca": "Catalan", "el": "Greek", "et": "Estonian",
    "fa": "Persian", "hi": "Hindi", "hr": "Croatian", "hy": "Armenian", "id": "Indonesian",
    "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ms": "Malay", "pl": "Polish", "sl": "Slovenian",
    "sr": "Serbian", "th": "Thai", "tr": "Turkish", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "zh": "Chinese", "bs": "Bosnian", "az": "Azerbaijani", "tg": "Tajik",
}  # fmt: skip

# Below this probability the detector is guessing (a line of names, numbers or mixed
# languages). Whole news paragraphs score 0.99 or more.
MIN_PROBABILITY = 0.6
# The detector reads this much of a story: a few paragraphs decide the language.
_SAMPLE_CHARS = 2000

_load_lock = threading.Lock()


class UnsupportedLanguage(Refused, ValueError):
    """The text is not in a language the summarizer can handle (``error.refusal`` says why)."""


@dataclass(frozen=True)
class Detected:
    """The detector's verdict: an ISO 639-1 code, its name, and the model's probability."""

    code: str
    probability: float

    @property
    def name(self) -> str | None:
        """The language's lower-case name when it can be summarized ('russian'), else None."""
        return SUMMARY_LANGUAGES.get(self.code)

    @property
    def sure(self) -> bool:
        """Whether the detector is sure enough to act on."""
        return self.probability >= MIN_PROBABILITY and self.code != "zxx"


@cache
def _identifier():  # -> py3langid.langid.LanguageIdentifier
    """py3langid's model with normalised probabilities, loaded once (about 1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _load_lock:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> Detected:
    """The language of a text (its first couple of thousand characters)."""
    sample = " ".join(text[:_SAMPLE_CHARS].split())
    if not sample:
        return Detected("zxx", 0.0)
    code, probability = _identifier().classify(sample)
    return Detected(str(code), float(probability))


def display_name(code: str | None) -> str:
    """'Russian' for 'ru'; the code itself for a language without a name here."""
    if code in SUMMARY_LANGUAGES:
        return SUMMARY_LANGUAGES[code].capitalize()
    return _OTHER_NAMES.get(code or "", code or "unknown")


def summary_language(text: str) -> str:
    """The name of the text's language for summarizing ('english'); UnsupportedLanguage says,
    in one line, when it can't be summarized."""
    found = detect(text)
    if not found.sure:
        raise UnsupportedLanguage(Problem.UNKNOWN_LANGUAGE)
    if found.name is None:
        raise UnsupportedLanguage(
            Problem.LANGUAGE_NOT_SUMMARIZED, language=display_name(found.code)
        )
    return found.name


def story_language(text: str) -> str | None:
    """The ISO code to store with a story, or None when the detector is not sure."""
    found = detect(text)
    return found.code if found.sure else None


@cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, lower-cased."""
    if language == ENGLISH or language in _SUMY_ONLY.values():
        from sumy.utils import get_stop_words

        return frozenset(w.lower() for w in get_stop_words(language))
    from stop_words import get_stop_words as list_stop_words

    return frozenset(w.lower() for w in list_stop_words(language))


@cache
def stemmer(language: str) -> Callable[[str], str]:
    """A memoised stemmer: news repeats its words, and Snowball is the slow part."""
    # sumy's Stemmer is NLTK's Snowball stemmer for every Snowball language and sumy's own
    # for Czech, Slovak, Ukrainian (Hebrew: none), so English stems exactly as before.
    from sumy.nlp.stemmers import Stemmer

    return lru_cache(maxsize=65536)(Stemmer(language))


# -- the full-text index's English words (answers) -------------------------------------------

_INDEX_WORD = re.compile(r"\w+")


@cache
def _porter():  # -> nltk.stem.porter.PorterStemmer
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


@lru_cache(maxsize=131072)
def index_stem(word: str) -> str:
    """A word's stem as the full-text index has it ("Crossed" → "cross"): the original Porter
    algorithm, as SQLite's ``porter`` tokenizer applies it."""
    return _porter().stem(word.lower(), to_lowercase=True)


def index_words(text: str) -> list[str]:
    """The words of a text as the index splits them ("U.S.-led" → "U", "S", "led")."""
    return _INDEX_WORD.findall(text)


def text_stems(text: str) -> frozenset[str]:
    """The set of a text's index stems, uncached: for long texts such as a whole story's
    sentences, read once per question, which would only push the candidates' sentences out of
    ``index_stems``'s cache."""
    return frozenset(index_stem(word) for word in _INDEX_WORD.findall(text))


@lru_cache(maxsize=16384)
def index_stems(text: str) -> frozenset[str]:
    """The set of a text's index stems (a sentence's: cached, as every question reads them)."""
    return text_stems(text)


@cache
def _answer_stop_words() -> frozenset[str]:
    # spaCy's English stop list, which its pipelines carry as Defaults.stop_words (the list
    # the answer model's features were fitted with), read without loading a pipeline.
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def is_answer_stop_word(word: str) -> bool:
    """Whether spaCy's English stop list holds the word (any case)."""
    return word.lower() in _answer_stop_words()
