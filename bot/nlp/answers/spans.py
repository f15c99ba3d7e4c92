"""Candidate answer spans of a parsed sentence: named entities, numbers with their units, noun
chunks, the phrases under each dependency that can hold an answer, and the titles before names.

Nothing here judges which span answers: every plausible span is offered, and the learned model
(``model.py``) scores them with the features of ``features.py``. Sentences are parsed here too,
cached, with their named entities taken from the store (ingest ran NER over the whole story).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlp.language import full_pipeline

MAX_SPAN_TOKENS = 30
# Dependencies whose whole subtree can be an answer: subjects, objects, complements, clauses.
SUBTREE_DEPS = frozenset(
    {
        "nsubj",
        "nsubjpass",
        "dobj",
        "pobj",
        "attr",
        "appos",
        "advcl",
        "ccomp",
        "xcomp",
        "acomp",
        "oprd",
        "npadvmod",
        "agent",
        "dative",
        "conj",
        "pcomp",
        "relcl",
        "acl",
    }
)
# Preposition-led phrases kept whole for why/how: "because of the snow", "by cutting costs".
PHRASE_PREPOSITIONS = frozenset({"because", "after", "by", "due", "for", "with", "over", "amid"})

# A sentence's cache key: its text and its stored entities as (start, end, label), or None
# when its story was stored without entities (then NER runs on it here).
SentenceKey = tuple[str, tuple[tuple[int, int, str], ...] | None]


@dataclass(frozen=True)
class Span:
    """A candidate answer: a token range of a parsed sentence."""

    start: int  # token index, inclusive
    end: int  # token index, exclusive
    text: str
    root: int  # token index of the span's syntactic head
    label: str  # the entity label when the span is exactly an entity, else ""
    inner_labels: tuple[str, ...]  # labels of the entities inside it
    kinds: frozenset[str]  # how it was found: ENT, NUM, NP, TITLE, SUB_<dep>, PP, READER

    def characters(self, doc) -> tuple[int, int]:
        """The span's character range in its sentence."""
        return doc[self.start].idx, doc[self.end - 1].idx + len(doc[self.end - 1].text)


class _ParseCache:
    """Parsed sentences, least recently used dropped first; safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._docs: OrderedDict[SentenceKey, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: SentenceKey):
        with self._lock:
            doc = self._docs.get(key)
            if doc is not None:
                self._docs.move_to_end(key)
            return doc

    def put(self, key: SentenceKey, doc) -> None:
        with self._lock:
            self._docs[key] = doc
            self._docs.move_to_end(key)
            while len(self._docs) > self.size:
                self._docs.popitem(last=False)


_parsed = _ParseCache(4096)


def parse_sentences(keys: Sequence[SentenceKey]) -> list:
    """Stored sentences parsed (cached): NER runs only where the story has no stored entities.

    A sentence with stored entities is tagged and parsed without the NER component, and its
    ``doc.ents`` are set from the store. Uncached sentences go through ``nlp.pipe`` together.
    """
    docs = {key: _parsed.get(key) for key in keys}
    missing = [key for key, doc in docs.items() if doc is None]
    if missing:
        nlp = full_pipeline()
        with_ner = [key for key in missing if key[1] is None]
        without_ner = [key for key in missing if key[1] is not None]
        for group, disable in ((without_ner, ["ner"]), (with_ner, [])):
            if not group:
                continue
            for key, doc in zip(
                group, nlp.pipe([k[0] for k in group], disable=disable), strict=True
            ):
                if key[1] is not None:
                    doc = _with_entities(doc, key[1])
                _parsed.put(key, doc)
                docs[key] = doc
    return [docs[key] for key in keys]


def _with_entities(doc, stored: Sequence[tuple[int, int, str]]):
    """The doc with its entities set from stored (start, end, label) character offsets."""
    spans = []
    last_end = -1
    for start, end, label in sorted(stored):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None or span.start < last_end:
            continue  # out of range (the text changed) or overlapping the previous one
        spans.append(span)
        last_end = span.end
    doc.set_ents(spans, default="outside")
    return doc


def candidate_spans(doc, picked: Sequence[tuple[int, int]] = ()) -> list[Span]:
    """Every plausible answer span of a parsed sentence, each token range once; ``picked`` are
    character ranges the reader chose (kind READER), which the parse may not offer."""
    found: dict[tuple[int, int], set[str]] = {}

    def add(start: int, end: int, kind: str) -> None:
        start, end = _trim(doc, start, end)
        if kind != "PP" and start < end - 1 and doc[start].pos_ == "ADP":
            start += 1  # "by American Lauren Davis" answers as "American Lauren Davis"
        if end - start < 1 or end - start > MAX_SPAN_TOKENS or end - start >= len(doc) - 1:
            return
        found.setdefault((start, end), set()).add(kind)

    for ent in doc.ents:
        add(ent.start, ent.end, "ENT")
        if ent.label_ == "PERSON":
            _add_title(doc, ent, add)
    for chunk in doc.noun_chunks:
        add(chunk.start, chunk.end, "NP")
    for token in doc:
        if token.like_num or token.pos_ == "NUM":
            _add_number(doc, token, add)
        if token.dep_ in SUBTREE_DEPS:
            add(token.left_edge.i, token.right_edge.i + 1, f"SUB_{token.dep_}")
        if token.dep_ == "prep" and token.lower_ in PHRASE_PREPOSITIONS:
            add(token.i, token.right_edge.i + 1, "PP")
    for first, last in picked:
        piece = doc.char_span(first, last, alignment_mode="expand")
        if piece is not None and len(piece):
            add(piece.start, piece.end, "READER")
    entity_at = {(e.start, e.end): e.label_ for e in doc.ents}
    spans = []
    for (start, end), kinds in found.items():
        piece = doc[start:end]
        spans.append(
            Span(
                start=start,
                end=end,
                text=_whole_words(doc, start, end),
                root=piece.root.i,
                label=entity_at.get((start, end), ""),
                inner_labels=tuple(e.label_ for e in piece.ents),
                kinds=frozenset(kinds),
            )
        )
    return spans


def _whole_words(doc, start: int, end: int) -> str:
    """The span's text widened to the words as written: the tokenizer splits "12mph" and
    "400g", but an answer that cuts a written word in two ("12") says something else."""
    while start > 0 and not doc[start - 1].whitespace_ and not doc[start - 1].is_punct:
        start -= 1
    while end < len(doc) and not doc[end - 1].whitespace_ and not doc[end].is_punct:
        end += 1
    return doc[start:end].text


def _trim(doc, start: int, end: int) -> tuple[int, int]:
    """The range without punctuation or a leading/trailing conjunction at its edges."""
    while start < end and (doc[start].is_punct or doc[start].dep_ == "cc"):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].dep_ == "cc"):
        end -= 1
    return start, end


def _add_number(doc, token, add) -> None:
    """A number with what it counts: "30 cases", "$2.5bn", "186 miles", "at least seven"."""
    start = token.i
    while start > 0 and (doc[start - 1].tag_ == "$" or doc[start - 1].dep_ in ("quantmod",)):
        start -= 1
    end = token.i + 1
    while end < len(doc) and (doc[end].like_num or doc[end].pos_ == "NUM"):
        end += 1
    add(start, end, "NUM")
    head = token.head
    if token.dep_ == "nummod" and head.i > token.i and head.i - token.i <= 3:
        add(start, head.i + 1, "NUM")


def _add_title(doc, ent, add) -> None:
    """ "Russian Foreign Minister Sergei Lavrov": the words before the name, which answer
    "Who is Sergei Lavrov?", and the apposition after it ("Lavrov, Russia's foreign minister")."""
    root = ent.root
    left = ent.start
    while (
        left > 0
        and doc[left - 1].head.i in range(ent.start, ent.end)
        and doc[left - 1].dep_
        in (
            "compound",
            "amod",
            "nmod",
            "poss",
            "case",
        )
    ):
        left = doc[left - 1].left_edge.i
    if left < ent.start:
        add(left, ent.start, "TITLE")
    for child in root.children:
        if child.dep_ == "appos":
            add(child.left_edge.i, child.right_edge.i + 1, "TITLE")
