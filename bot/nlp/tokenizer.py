"""Sentence and word splitting with syntok, shaped as the tokenizer object sumy expects.

sumy's own ``Tokenizer("english")`` needs NLTK's punkt_tab data, which must never be downloaded
at run time; syntok is pure Python and needs no data, so it stands in for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from syntok import segmenter

from bot.nlp.segmentation import split_run_on

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)


class SyntokTokenizer:
    """A sumy-compatible tokenizer: ``to_sentences(text)`` and ``to_words(sentence)``."""

    def __init__(self, language: str = "english") -> None:
        self.language = language

    def to_sentences(self, text: str) -> tuple[str, ...]:
        """The text's sentences, as sumy asks for them."""
        return tuple(split_sentences(text))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The sentence's words, as sumy asks for them."""
        return tuple(words(sentence))


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; each paragraph (blank-line separated) ends its own sentence."""
    sentences: list[str] = []
    # syntok pads each paragraph with as many spaces as its offset in the text and scans the
    # padding again, so analyze() on the whole text is quadratic in the number of paragraphs
    # (a 1 MB file of 8,400 paragraphs took 67 s). Split the paragraphs first, with syntok's
    # own rule, and analyze each from offset 0: the same sentences, in linear time.
    for _, piece in segmenter.preprocess_with_offsets(text):
        for paragraph in segmenter.analyze(piece):
            rendered = [
                "".join(token.spacing + token.value for token in sentence).strip()
                for sentence in paragraph
            ]
            for sentence in _rejoin([r for r in _cut_after_units(rendered) if r]):
                # Captions and headings printed without a full stop glue onto the next
                # sentence; cut those run-ons where the glue shows.
                sentences.extend(split_run_on(sentence))
    return sentences


# syntok knows month abbreviations, not month names, and ends a sentence at a day's number in
# German dates ("am 3. | Oktober"); German ordinals before a month are never a sentence end.
_DAY_BEFORE_MONTH = re.compile(r"(?:^|\s)\d{1,2}\.$")
_MONTH_NAME = re.compile(
    r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
    r"Dezember)\b"
)
# Spanish writes plural initials doubled ("EE. UU.", "FF. AA."); syntok ends a sentence after
# the first pair.
_DOUBLED_INITIAL_END = re.compile(r"(?:^|\s)([A-ZÁÉÍÓÚÑ])\1\.$")
_DOUBLED_INITIAL_START = re.compile(r"([A-ZÁÉÍÓÚÑ])\1\.")
# French and Russian set a closing guillemet apart with a space ("« Nous partirons. » Puis"):
# syntok cuts before it and gives it to the next sentence.
_CLOSING_QUOTE_START = re.compile(r"^([»”›])\s+")


# syntok never ends a sentence after a decimal number glued to its unit ("at about 6.10am.
# British Transport Police arrested ...", "rose 6.5pc. Traders ..."): it reads the token as an
# abbreviation. A full stop after such a number-and-unit, then a capital, is a sentence end.
_UNIT_END = re.compile(r"\d[.,]\d+[^\W\d_]{1,3}\.\s+(?=[\"“‘'(]?[A-ZÀ-ÖØ-ÞА-ЯЁ])")


def _cut_after_units(sentences: list[str]) -> list[str]:
    """The sentences, cut where a number glued to its unit ends one (``_UNIT_END``)."""
    cut: list[str] = []
    for sentence in sentences:
        start = 0
        for match in _UNIT_END.finditer(sentence):
            cut.append(sentence[start : match.end()].strip())
            start = match.end()
        cut.append(sentence[start:].strip())
    return cut


def _rejoin(sentences: list[str]) -> list[str]:
    """Undo syntok's cuts at day numbers before month names and at doubled initials, and give
    a stray closing guillemet back to the sentence it closes."""
    joined: list[str] = []
    for sentence in sentences:
        if joined:
            previous = joined[-1]
            quote = _CLOSING_QUOTE_START.match(sentence)
            if quote:
                joined[-1] = f"{previous} {quote.group(1)}"
                sentence = sentence[quote.end() :]
                if not sentence:
                    continue
            elif (_DAY_BEFORE_MONTH.search(previous) and _MONTH_NAME.match(sentence)) or (
                _DOUBLED_INITIAL_END.search(previous) and _DOUBLED_INITIAL_START.match(sentence)
            ):
                joined[-1] = f"{previous} {sentence}"
                continue
        joined.append(sentence)
    return joined


def split_paragraph_sentences(paragraphs: list[str]) -> list[tuple[int, str]]:
    """Sentences of each paragraph, tagged with the paragraph's index."""
    return [
        (index, s)
        for index, paragraph in enumerate(paragraphs)
        for s in paragraph_sentences(paragraph)
    ]


@lru_cache(maxsize=4096)
def paragraph_sentences(paragraph: str) -> tuple[str, ...]:
    """:func:`split_sentences` of one paragraph, remembered: a saved story's paragraphs are
    split when furniture is looked for, again when they are stored and again when the story
    is summarized, and splitting was a fifth of ingest's time (about a third of it spaCy's)."""
    return tuple(split_sentences(paragraph))


def words(text: str) -> list[str]:
    """Word tokens (letters and digits, keeping inner hyphens and apostrophes)."""
    return _WORD.findall(text)
