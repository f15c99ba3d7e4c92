"""Training the answer model: the readings the span models learn from are out of fold.

The span ranker and calibrator learn from the reader's scores; at run time the reader has never
seen the question, so in training every question must be read by a reader that was not
fine-tuned on its article's questions, and every question must be read (cross-fitted). The
fine-tuning and reading are replaced by a stand-in that remembers which articles it was tuned
on: what is tested is the bookkeeping, not the network (``tests/test_reader.py`` has that)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.nlp.answers import reader_training, training
from bot.nlp.answers.answering import SENTENCE_TYPES


class StandIn:
    """A "reader" that answers every read with the articles it was tuned on."""

    def __init__(self, pairs: list[tuple[str, str]], name: str) -> None:
        self.articles = frozenset(article for article, _ in pairs)
        self.name = name
        self.reads: list[str] = []

    def read(self, question: str, contexts: list) -> list:
        self.reads.append(question)
        return [self.articles]


def example(article: str, number: int, kind: str = "who") -> SimpleNamespace:
    question = SimpleNamespace(type=kind, text=f"{kind} question {number} about {article}?")
    return SimpleNamespace(item={"article": article}, retrieval=SimpleNamespace(question=question))


@pytest.fixture
def stand_ins(monkeypatch) -> list[StandIn]:
    made: list[StandIn] = []

    def tuned_reader(pairs, work: Path, name: str, log) -> StandIn:
        made.append(StandIn(list(pairs), name))
        return made[-1]

    monkeypatch.setattr(reader_training, "tuned_reader", tuned_reader)
    # Each question's "pairs" name its article; ranking and contexts are not under test.
    monkeypatch.setattr(training, "_reader_pairs", lambda e, s: [(e.item["article"], "pair")])
    monkeypatch.setattr(training, "rank_sentences", lambda retrieval, model: [])
    monkeypatch.setattr(training, "reader_contexts", lambda top: [])
    return made


def test_every_question_is_read_by_a_reader_never_tuned_on_its_article(
    stand_ins: list[StandIn], tmp_path: Path
) -> None:
    sentence_kind = sorted(SENTENCE_TYPES)[0]
    items = [example(f"article-{a}", q) for a in range(7) for q in range(3)]
    items.append(example("article-3", 9, sentence_kind))  # answered by its sentence: not read
    models = [None] * len(items)

    committed, readings = training.fit_reader(items, None, models, tmp_path, io.StringIO())

    read = [e for e in items if e.retrieval.question.type not in SENTENCE_TYPES]
    assert set(readings) == {id(e) for e in read}  # cross-fitted: every question, once
    for item in read:
        (tuned_on,) = readings[id(item)]
        assert item.item["article"] not in tuned_on
    folds = stand_ins[:-1]
    assert len(folds) == training.READER_FOLDS
    assert sum(len(f.reads) for f in folds) == len(read)
    # The fold readers together cover every article; the committed one is tuned on them all.
    assert frozenset().union(*(f.articles for f in folds)) == {e.item["article"] for e in items}
    assert committed is stand_ins[-1] and committed.name == "reader"
    assert committed.articles == {e.item["article"] for e in items}


def test_a_dev_round_left_out_is_not_among_the_questions_thresholds_are_chosen_on(
    tmp_path: Path,
) -> None:
    rows = [
        '{"id": "dev-01-001", "batch": "dev-01", "question": "Who?"}',
        '{"id": "dev-01c-001", "batch": "dev-01c", "question": "Where?"}',
        '{"id": "dev-02c-001", "batch": "dev-02c", "question": "When?"}',
    ]
    (tmp_path / "dev.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    everything = training.load_questions("dev", tmp_path)
    kept = training.load_questions("dev", tmp_path, leave_out=["dev-01c", "dev-02c"])
    assert [row["id"] for row in everything] == ["dev-01-001", "dev-01c-001", "dev-02c-001"]
    assert [row["id"] for row in kept] == ["dev-01-001"]


def test_choosing_thresholds_again_records_the_dev_questions_they_were_chosen_on(
    monkeypatch,
) -> None:
    outcome = training.DevOutcome(
        item={},
        span_p=0.9,
        span_right=True,
        span_sentence_holds=True,
        sentence_p=0.5,
        sentence_holds=False,
    )
    monkeypatch.setattr(training, "dev_outcomes", lambda items, model: [outcome] * len(items))
    # The learned parts are not read: only the outcomes above are.
    fitted = training.AnswerModel(
        None, None, None, 0.0, 0.0, {"dev_questions": 378, "training_questions": 10}
    )

    chosen = training.choose_thresholds(fitted, [object()] * 5, io.StringIO())

    assert chosen.meta == {"dev_questions": 5, "training_questions": 10}
    assert chosen.answer_threshold == 0.9
