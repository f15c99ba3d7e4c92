"""A question about a chat's stories, answered: retrieve, rank the sentences, extract the span.

    result = answer(store.chat(chat_id), "Who signed the joint statement?")
    result.answer      # the short answer, or None
    result.sentence    # the sentence it rests on (also set when only the sentence is offered)
    result.title       # the story's title

The pipeline:

1. ``read_question``: the question's type and content words.
2. ``retrieve``: candidate sentences from the chat's full-text index (spelling corrected).
3. The sentence model scores each candidate; the best ``PARSED_SENTENCES`` are parsed, and
   the reader (a fine-tuned MiniLM, ``reader.py``) reads each of them with the question.
4. Every candidate span of those (the parse's, and the reader's own picks) is scored by the
   span model, whose features include what the reader says of the span.
5. The best span is the answer when its probability reaches the threshold chosen on dev data
   (at most one given answer in ten wrong there). Otherwise, when that span is still likely
   enough, its sentence is offered on its own (seven in ten such sentences held the answer on
   dev); for a question no span is scored for (yes/no), the sentence model's best sentence is,
   under the same rule. Otherwise the stories here don't say. An unrelated story is never used
   to guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Problem, Refusal
from bot.nlp.answers.features import (
    ReaderView,
    SentenceContext,
    doc_facts,
    sentence_features,
    span_features,
)
from bot.nlp.answers.model import AnswerModel, LinearModel, calibration_features, load_model
from bot.nlp.answers.question import Question, read_question
from bot.nlp.answers.reading import Reading
from bot.nlp.answers.retrieval import Candidate, Retrieval, retrieve
from bot.nlp.answers.spans import SentenceKey, Span, candidate_spans, parse_sentences
from bot.nlp.dates import resolve_date
from db.store import ChatStories

PARSED_SENTENCES = 4
MAX_SHORT_WORDS = 10  # who / when / where / which / how many answers
MAX_LONG_WORDS = 25  # what / why / how answers
SHORT_TYPES = frozenset({"who", "when", "where", "which", "how_many"})
# Questions answered by a whole sentence, never a span.
SENTENCE_TYPES = frozenset({"yesno"})


@dataclass(frozen=True)
class Answer:
    """A short answer with its evidence; or answer=None with the closest sentence, or only a
    reason. ``reason`` says why there is no short answer (bot/messages.py words it)."""

    answer: str | None
    type: str
    date: str | None = None  # YYYY-MM-DD, for when-answers that resolve to a day
    sentence: str | None = None
    story_id: int | None = None
    title: str | None = None
    reason: Refusal | None = None
    confidence: float = 0.0  # the model's probability for what is given


@dataclass(frozen=True)
class ScoredSpan:
    """A candidate span with where it comes from and its probability."""

    span: Span
    candidate: Candidate
    probability: float


def answer(chat: ChatStories, question_text: str, story_id: int | None = None) -> Answer:
    """The short answer to a question from this chat's stories, or the reason why not."""
    question = read_question(question_text or "")
    if question.problem is not None:
        return Answer(None, question.type, reason=Refusal(question.problem))
    retrieval = retrieve(chat, question, story_id)
    if not retrieval.candidates:
        if story_id is not None:
            return Answer(None, question.type, reason=Refusal(Problem.STORY_NOT_HERE))
        if chat.count() == 0:  # counted only when nothing matched
            return Answer(None, question.type, reason=Refusal(Problem.NO_STORIES_TO_ASK))
        return Answer(None, question.type, reason=Refusal(Problem.NOT_SAID))
    return decide(retrieval, load_model())


def warm_up() -> None:
    """Load what the first question would otherwise wait for: the spaCy model, the answer
    model, the stemmer and dateparser (its first call compiles its patterns)."""
    from bot.nlp.languages import index_stem

    read_question("Who met whom in London on Monday?")
    load_model()
    index_stem("meeting")
    resolve_date("on Monday", "2020-01-08T12:00:00")


def rank_sentences(retrieval: Retrieval, model: LinearModel) -> list[tuple[Candidate, float]]:
    """The candidates with the sentence model's probability, best first."""
    scored = [(c, model.probability(sentence_features(retrieval, c))) for c in retrieval.candidates]
    scored.sort(key=lambda pair: (-pair[1], pair[0].search_rank))
    return scored


def sentence_key(candidate: Candidate) -> SentenceKey:
    """How a candidate is parsed and cached: its text and stored entities (None: run NER)."""
    if not candidate.story_has_entities:
        return candidate.text, None
    return candidate.text, tuple((e.start, e.end, e.label) for e in candidate.entities)


def reader_contexts(top: Sequence[tuple[Candidate, float]]) -> list[tuple[str | None, str]]:
    """What the reader reads of each top sentence: its story's title and the sentence."""
    return [(c.story.title, c.text) for c, _ in top]


def _views(
    top: Sequence[tuple[Candidate, float]], readings: Sequence[Reading] | None
) -> list[ReaderView | None]:
    if not readings:
        return [None] * len(top)
    best = max(range(len(readings)), key=lambda i: readings[i].best_score)
    first, last = readings[best].best
    text = top[best][0].text[first:last]
    score = readings[best].best_score
    return [ReaderView(r, score - r.best_score, text, score) for r in readings]


def span_rows(
    retrieval: Retrieval,
    top: Sequence[tuple[Candidate, float]],
    readings: Sequence[Reading] | None = None,
) -> list[tuple[Span, Candidate, dict[str, float]]]:
    """Every candidate span of the top sentences with its features (and the reader's picks
    among them, when its readings of the top sentences are given)."""
    question = retrieval.question
    docs = parse_sentences([sentence_key(c) for c, _ in top])
    texts = [c.text.lower() for c, _ in top]
    views = _views(top, readings)
    rows = []
    for rank, ((candidate, probability), doc, view) in enumerate(
        zip(top, docs, views, strict=True)
    ):
        context = SentenceContext(question, candidate, probability, rank, texts, view)
        facts = doc_facts(question, doc, retrieval.idf)
        picked = [view.reading.best] if view is not None else []
        for span in candidate_spans(doc, picked):
            if not fits(question, span.text):
                continue
            rows.append((span, candidate, span_features(context, doc, span, facts)))
    return rows


def fits(question: Question, text: str) -> bool:
    """Whether a span is short enough to be this kind of question's answer."""
    limit = MAX_SHORT_WORDS if question.type in SHORT_TYPES else MAX_LONG_WORDS
    return len(text.split()) <= limit


def decide(retrieval: Retrieval, model: AnswerModel) -> Answer:
    """The answer, the closest sentence or "don't say", from the models' outputs."""
    question = retrieval.question
    ranked = rank_sentences(retrieval, model.sentence)
    best: ScoredSpan | None = None
    if question.type not in SENTENCE_TYPES and model.span_ranker is not None:
        top = ranked[:PARSED_SENTENCES]
        readings = None
        if model.reader is not None:
            readings = model.reader.read(question.text, reader_contexts(top))
        rows = span_rows(retrieval, top, readings)
        if rows:
            features = [f for _, _, f in rows]
            scores = model.span_ranker.scores(features)
            index, seen = calibration_features(
                [s.text for s, _, _ in rows], scores, features, question.type
            )
            span, candidate, _ = rows[index]
            best = ScoredSpan(span, candidate, model.calibrator.probability(seen))
    if best is not None:
        if best.probability >= model.answer_threshold:
            return _short_answer(question, best)
        # The best span's sentence, not the sentence model's first: what the reader found in
        # it makes it the likelier to hold the answer (on dev, 196 of the 462 questions without
        # a short answer against 120, and its probability tells which).
        if best.probability >= model.sentence_threshold:
            return _closest(question, best.candidate, best.probability)
        return Answer(None, question.type, reason=Refusal(Problem.NOT_SAID))
    sentence, probability = ranked[0]
    if probability >= model.sentence_only_threshold:
        return _closest(question, sentence, probability)
    return Answer(None, question.type, reason=Refusal(Problem.NOT_SAID))


def _closest(question: Question, sentence: Candidate, probability: float) -> Answer:
    """The sentence offered on its own: the closest the stories come."""
    return Answer(
        None,
        question.type,
        sentence=sentence.text,
        story_id=sentence.story.id,
        title=sentence.story.title,
        reason=Refusal(Problem.NO_SHORT_ANSWER),
        confidence=probability,
    )


def _short_answer(question: Question, best: ScoredSpan) -> Answer:
    story = best.candidate.story
    date = None
    if question.type == "when":
        date, _ = resolve_date(best.span.text, story.published)
    return Answer(
        best.span.text,
        question.type,
        date=date,
        sentence=best.candidate.text,
        story_id=story.id,
        title=story.title,
        confidence=best.probability,
    )
