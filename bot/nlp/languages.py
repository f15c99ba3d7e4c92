"""Which language a story is in, and the stop words and stemmer its summary needs.

Detection is py3langid's (a naive Bayes model over byte n-grams, 97 languages, shipped inside
the package: nothing is downloaded). A language can be summarized when a maintained package
gives both its stop words and a stemmer:

- English keeps sumy's stop words, the list the news summarizer's weights were tuned with;
- every other language with an NLTK Snowball stemmer (no data download) takes its stop words
  from the ``stop-words`` package;
- Czech, Slovak, Ukrainian and Hebrew keep sumy's own stop words and stemmers, as before.

Other languages are told apart too, so the bot can say honestly which language it can't
summarize. This module knows nothing of summaries or Telegram; ``bot.nlp.summaries`` and the
services ask it.

May import: ``bot.messages`` (why a language can't be summarized) and the standard library,
py3langid, stop_words, nltk.stem, sumy's stop words and stemmers.
"""

from __future__ import annotations

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
