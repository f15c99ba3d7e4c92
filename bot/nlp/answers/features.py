"""Features of a candidate sentence and of a candidate answer span, as name → value maps.

The learned model weighs them; nothing here decides. Categorical facts (the question's type,
an entity's label, a span's dependency) become indicator features, and the ones whose meaning
depends on what is asked are crossed with the question's type ("who|label=PERSON"), so that the
model learns which kind of span answers which kind of question instead of a table saying so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlp.answers.question import Question
from bot.nlp.answers.reading import Reading
from bot.nlp.answers.retrieval import Candidate, Retrieval
from bot.nlp.answers.scoring import token_f1
from bot.nlp.answers.spans import Span
from bot.nlp.languages import index_stem, index_stems, text_stems
from bot.nlp.languages import is_answer_stop_word as is_stop_word

Features = dict[str, float]

_DATE_WORD = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|yesterday|today|tonight|"
    r"morning|evening|afternoon|week|month|year|\d{4})\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(\d{1,3}-year-old|aged \d{1,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class ReaderView:
    """What the reader (``reader.py``) said of a span's sentence and of all parsed sentences."""

    reading: Reading  # its reading of this sentence
    sentence_gap: float  # the best parsed sentence's best score less this sentence's
    best_text: str  # its best span over all the parsed sentences
    best_score: float  # that span's score


@dataclass(frozen=True)
class SentenceContext:
    """What the span features need of the sentence a span comes from."""

    question: Question
    candidate: Candidate
    probability: float  # the sentence model's probability that it holds the answer
    rank: int  # its rank among the parsed sentences
    top_texts: Sequence[str]  # the parsed sentences' texts, lower case (for redundancy)
    reader: ReaderView | None = None


# -- sentences --------------------------------------------------------------------------------


def _coverage(question: Question, stems: frozenset[str], idf: dict[str, float]) -> float:
    """The IDF-weighted share of the question's terms that the stems cover."""
    total = matched = 0.0
    for term in question.terms:
        weight = max((idf.get(s, 0.0) for s in term.stems), default=0.0) or 1.0
        total += weight
        if any(s in stems for s in term.stems):
            matched += weight
    return matched / total if total else 0.0


def _share(terms: Sequence, stems: frozenset[str]) -> float:
    if not terms:
        return 1.0
    return sum(1 for t in terms if any(s in stems for s in t.stems)) / len(terms)


def sentence_features(retrieval: Retrieval, candidate: Candidate) -> Features:
    """Features of one candidate sentence for the question it was retrieved for."""
    question = retrieval.question
    idf = retrieval.idf
    own = index_stems(candidate.text)
    sentences = candidate.story_sentences
    position = candidate.position
    around = own
    if position > 0:
        around = around | index_stems(sentences[position - 1])
    if position + 1 < len(sentences):
        around = around | index_stems(sentences[position + 1])
    title = index_stems(candidate.story.title or "")
    story = retrieval.story_stems.get(candidate.story.id)
    if story is None:
        story = title | text_stems(" ".join(sentences[:60]))
        retrieval.story_stems[candidate.story.id] = story
    names = [t for t in question.terms if t.is_name]
    verbs = [t for t in question.terms if t.is_verb]
    best_bm25 = max((c.bm25 for c in retrieval.candidates), default=0.0) or 1.0
    best_story = max((c.story_bm25 for c in retrieval.candidates), default=0.0) or 1.0
    qtype = question.type
    words = len(candidate.text.split())
    f: Features = {
        "bias": 1.0,
        f"type={qtype}": 1.0,
        "coverage": _coverage(question, own, idf),
        "coverage_around": _coverage(question, around, idf),
        "coverage_story": _coverage(question, story, idf),
        "coverage_title": _coverage(question, title, idf),
        "names_here": _share(names, own),
        "names_in_story": _share(names, story),
        "verb_here": _share(verbs, own),
        "verb_around": _share(verbs, around),
        "no_terms": float(not question.terms),
        "bm25": candidate.bm25 / best_bm25,
        "search_rank": math.log1p(candidate.search_rank),
        "search_top": float(candidate.search_rank == 0),
        "found_by_search": float(candidate.bm25 > 0),
        "story_bm25": candidate.story_bm25 / best_story,
        "story_rank": math.log1p(candidate.story_rank),
        "story_top": float(candidate.story_rank == 0),
        "story_hits": math.log1p(candidate.story_hits),
        "position": math.log1p(position),
        "lead": float(position == 0),
        "words": math.log1p(words),
        "long": float(words > 60),
        "short": float(words < 6),
        "quote": float('"' in candidate.text or "“" in candidate.text),
        "spelling_fixed": float(retrieval.spelling_fixes > 0),
    }
    asked = {w.lower() for text, _ in question.entities for w in text.split()}
    labels = {
        e.label
        for e in candidate.entities
        if not ({w.lower() for w in e.text.split()} <= asked)  # named in the question: no answer
    }
    for label in labels:
        f[f"{qtype}|has={label}"] = 1.0
    f[f"{qtype}|coverage"] = f["coverage"]
    f[f"{qtype}|has_digit"] = float(bool(re.search(r"\d", candidate.text)))
    return f


# -- spans ------------------------------------------------------------------------------------


def _depths(doc) -> list[list[int]]:
    """Each token's chain of ancestors, itself first."""
    chains = []
    for token in doc:
        chain = [token.i]
        node = token
        while node.head.i != node.i and len(chain) < 64:
            node = node.head
            chain.append(node.i)
        chains.append(chain)
    return chains


def _distance(chains: list[list[int]], a: int, b: int) -> int:
    """Edges on the dependency path between tokens a and b."""
    up = {node: steps for steps, node in enumerate(chains[a])}
    for steps, node in enumerate(chains[b]):
        if node in up:
            return up[node] + steps
    return len(chains[a]) + len(chains[b])


def doc_facts(question: Question, doc, idf: dict[str, float]) -> dict:
    """What every span of one parsed sentence shares: anchors (tokens matching the question,
    with their IDF weight) and the ancestor chains for path distances."""
    weight_of: dict[str, float] = {}
    for term in question.terms:
        weight = max((idf.get(s, 0.0) for s in term.stems), default=0.0) or 1.0
        for stem in term.stems:
            weight_of[stem] = weight
    weights = [
        0.0
        if t.is_punct
        else weight_of.get(index_stem(t.text), weight_of.get(index_stem(t.lemma_), 0.0))
        for t in doc
    ]
    anchors = [i for i, w in enumerate(weights) if w > 0]
    verb_stem = index_stem(question.verb) if question.verb else ""
    verb_anchors = [t.i for t in doc if verb_stem and index_stem(t.lemma_) == verb_stem]
    return {
        "anchors": anchors,
        "verb_anchors": verb_anchors,
        "chains": _depths(doc),
        "weights": weights,
        "total": sum(set(weight_of.values())) or 1.0,
    }


def _path(doc, chains: list[list[int]], a: int, b: int, steps: int = 3) -> str:
    """The dependency labels from token a up to the common ancestor and down to b, shortened:
    "nsubj^" (a is b's subject), "pobj^prep^" (a is the object of a preposition on b)."""
    up = {node: n for n, node in enumerate(chains[a])}
    down: list[str] = []
    for node in chains[b]:
        if node in up:
            ups = [doc[x].dep_ + "^" for x in chains[a][: up[node]]]
            return ">".join((ups + list(reversed(down)))[:steps]) or "self"
        down.append("v" + doc[node].dep_)
    return "none"


def _window(weights: list[float], start: int, end: int, size: int) -> float:
    """The IDF weight of question words within ``size`` tokens either side of a span."""
    left = weights[max(start - size, 0) : start]
    right = weights[end : end + size]
    return sum(set(left) | set(right))


def span_features(context: SentenceContext, doc, span: Span, facts: dict) -> Features:
    """Features of one candidate span."""
    question = context.question
    qtype = question.type
    form = question.form
    tokens = doc[span.start : span.end]
    root = doc[span.root]
    chains = facts["chains"]
    inside = range(span.start, span.end)
    anchors = [a for a in facts["anchors"] if a not in inside]
    distance, nearest = min(
        ((_distance(chains, span.root, a), a) for a in anchors), default=(12, -1)
    )
    path = _path(doc, chains, span.root, nearest) if nearest >= 0 else "none"
    weights = facts["weights"]
    total = facts["total"]
    verb_distance = min(
        (_distance(chains, span.root, a) for a in facts["verb_anchors"] if a not in inside),
        default=12,
    )
    content = [t for t in tokens if not t.is_punct and not is_stop_word(t.text)]
    stems = question.stems
    repeated = sum(1 for t in content if index_stem(t.text) in stems)
    before = doc[span.start - 1] if span.start > 0 else None
    prep = before.lower_ if before is not None and before.pos_ == "ADP" else "none"
    if root.dep_ == "pobj":
        prep = root.head.lower_
    label = span.label or "none"
    length = span.end - span.start
    lower = span.text.lower()
    p = min(max(context.probability, 1e-4), 1 - 1e-4)
    f: Features = {
        "bias": 1.0,
        "sentence_p": p,
        "sentence_logit": math.log(p / (1 - p)),
        f"sentence_rank={context.rank}": 1.0,
        f"{qtype}|label={label}": 1.0,
        f"{qtype}|root_dep={root.dep_}": 1.0,
        f"{qtype}|root_pos={root.pos_}": 1.0,
        f"{qtype}|prep={prep}": 1.0,
        f"role={question.wh_role}|root_dep={root.dep_}": 1.0,
        "repeats_question": repeated / len(content) if content else 1.0,
        "all_in_question": float(bool(content) and repeated == len(content)),
        "no_content": float(not content),
        "distance": min(distance, 12) / 12,
        "near": 1.0 / (1 + distance),
        "verb_near": 1.0 / (1 + verb_distance),
        "no_anchor": float(not anchors),
        f"{qtype}|near": 1.0 / (1 + distance),
        "length": math.log1p(length),
        f"{qtype}|length": math.log1p(length),
        f"{qtype}|long": float(length > 10),
        "pronoun": float(root.pos_ == "PRON"),
        "proper": float(all(t.pos_ == "PROPN" for t in content) and bool(content)),
        f"{qtype}|digit": float(any(t.like_num for t in tokens)),
        f"{qtype}|date_word": float(bool(_DATE_WORD.search(lower))),
        f"{qtype}|age": float(bool(_AGE.search(lower)) or _bare_age(doc, span)),
        "in_title": float(lower in (context.candidate.story.title or "").lower()),
        "elsewhere": sum(1 for t in context.top_texts if lower in t)
        / max(len(context.top_texts), 1),
        "start": span.start / max(len(doc), 1),
        f"{qtype}|head_noun_near": _head_noun_near(question, doc, span),
        "window3": _window(weights, span.start, span.end, 3) / total,
        "window8": _window(weights, span.start, span.end, 8) / total,
        f"{qtype}|window8": _window(weights, span.start, span.end, 8) / total,
        f"{qtype}|path={path}": 1.0,
        f"role={question.wh_role}|path={path}": 1.0,
        "anchor_is_verb": float(nearest in facts["verb_anchors"]),
        f"{qtype}|before={_closed(before)}": 1.0,
        f"{qtype}|after={_closed(doc[span.end] if span.end < len(doc) else None)}": 1.0,
    }
    for kind in span.kinds:
        f[f"{qtype}|kind={kind}"] = 1.0
        if form != qtype:
            f[f"{form}|kind={kind}"] = 1.0
    for inner in set(span.inner_labels):
        f[f"{qtype}|contains={inner}"] = 1.0
    if form != qtype:
        f[f"{form}|label={label}"] = 1.0
    if form == "who_is":
        f["who_is|next_to_topic"] = _next_to_topic(question, doc, span)
    if context.reader is not None:
        f.update(_reader_features(context.reader, qtype, span.text, span.characters(doc)))
    return f


def _reader_features(view: ReaderView, qtype: str, text: str, characters: tuple[int, int]):
    """The reader's score for this span, against its best span here and over all sentences."""
    score = max(min(view.reading.span_score(*characters), 20.0), -20.0)
    return {
        "reader": score,
        f"{qtype}|reader": score,
        "reader_gap": min(view.best_score - score, 40.0),
        "reader_sentence": view.reading.best_score,
        "reader_sentence_gap": view.sentence_gap,
        "reader_f1": token_f1(text, view.best_text),
    }


def _closed(token) -> str:
    """A neighbouring token by its closed-class word ("in", "said", ","), else its POS."""
    if token is None:
        return "edge"
    if token.is_punct or token.is_stop or token.lemma_ in ("say", "tell"):
        return token.lower_
    return token.pos_


def _bare_age(doc, span: Span) -> bool:
    """ "Donald Collett, 62, ...": a number set off by commas right after a name."""
    if span.end - span.start != 1 or not doc[span.start].like_num:
        return False
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    return (
        before is not None
        and before.text == ","
        and after is not None
        and after.text in (",", ".")
        and span.start >= 2
        and doc[span.start - 2].ent_type_ == "PERSON"
    )


def _head_noun_near(question: Question, doc, span: Span) -> float:
    """ "Which *company* ...": the noun is the span's head, inside it, or its head's."""
    if not question.head_noun:
        return 0.0
    noun = question.head_noun
    window = doc[max(span.start - 3, 0) : min(span.end + 3, len(doc))]
    if any(t.lemma_.lower() == noun for t in window):
        return 1.0
    return float(doc[span.root].head.lemma_.lower() == noun)


def _next_to_topic(question: Question, doc, span: Span) -> float:
    """ "Who is Sergei Lavrov?": the span stands right before or after the name asked about."""
    topic = {w.lower() for w in question.topic}
    near = list(doc[max(span.start - 2, 0) : span.start]) + list(doc[span.end : span.end + 3])
    own = {t.lower_ for t in doc[span.start : span.end]}
    return float(any(t.lower_ in topic for t in near) and not (own & topic))
