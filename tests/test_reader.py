"""The reader: the published encoder loads (sha256 checked), fine-tuning is deterministic and
learns, its scores map onto the parse's spans, and its picks become candidate spans."""

from __future__ import annotations

import io

import pytest
import torch

from bot.nlp.answers import encoder, reader_training
from bot.nlp.answers.reader import Reader, load_reader
from bot.nlp.answers.reader_training import (
    Pair,
    answer_characters,
    fine_tune,
    question_pairs,
    save_reader,
)
from bot.nlp.answers.reading import Reading
from bot.nlp.answers.spans import candidate_spans, parse_sentences

RACE = "Lewis Hamilton won the Italian Grand Prix in Monza on Sunday."
# A few small batches, many times over: enough for twelve pairs to be learnt.
SHORT = {"epochs": 6, "batch": 4, "learning_rate": 3e-4}
TRIAL = "The court in Leeds jailed the former banker for six years on Friday."


def training_pairs() -> list[Pair]:
    return [
        Pair("Who won the race in Italy?", "F1", RACE, answer_characters(RACE, ["Lewis Hamilton"])),
        Pair("Where was the Grand Prix held?", "F1", RACE, answer_characters(RACE, ["Monza"])),
        Pair(
            "How long will the banker spend in prison?",
            "Court",
            TRIAL,
            answer_characters(TRIAL, ["six years"]),
        ),
        Pair("Who won the race in Italy?", "Court", TRIAL, None),
    ] * 3


def test_the_published_weights_load_and_are_checked(monkeypatch):
    base = encoder.base_model()
    assert base.config["hidden_size"] == 384
    assert "embeddings.word_embeddings.weight" in base.weights
    encoder.base_model.cache_clear()
    monkeypatch.setattr(encoder, "BASE_SHA256", "0" * 64)
    try:
        with pytest.raises(encoder.EncoderMissing, match="sha256"):
            encoder.base_model()
    finally:
        monkeypatch.undo()
        encoder.base_model.cache_clear()


def test_answer_characters_skip_yes_and_no():
    assert answer_characters(RACE, ["yes", "monza"]) == (
        RACE.index("Monza"),
        RACE.index("Monza") + 5,
    )
    assert answer_characters(RACE, ["no"]) is None


def test_question_pairs_take_holding_and_other_sentences():
    item = {"question": "Where?", "type": "where", "answers": ["Monza"], "answerable": True}
    ranked = [("T", TRIAL, False), ("T", RACE, True), ("T", "Other.", False)]
    pairs = question_pairs(item, ranked, "T")
    assert [p.answer is not None for p in pairs] == [True, False, False]
    assert pairs[0].sentence[slice(*pairs[0].answer)] == "Monza"
    assert question_pairs({**item, "type": "yesno"}, ranked, "T") == []
    # No candidate holds it: the writer's evidence sentence is the positive.
    evidence = question_pairs({**item, "evidence": RACE}, [("T", TRIAL, False)], "T")
    assert evidence[0].sentence == RACE and evidence[0].answer is not None


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> tuple[Reader, bytes]:
    model = fine_tune(training_pairs(), io.StringIO(), **SHORT)
    path = tmp_path_factory.mktemp("reader") / "reader.safetensors"
    save_reader(model, path)
    return load_reader.__wrapped__(path), path.read_bytes()


def test_fine_tuning_is_deterministic(tuned, tmp_path):
    _, first = tuned
    path = tmp_path / "again.safetensors"
    save_reader(fine_tune(training_pairs(), io.StringIO(), **SHORT), path)
    assert path.read_bytes() == first


class Stopped(Exception):
    """The run is killed part-way."""


def test_a_stopped_fine_tuning_resumes_to_the_same_weights(tuned, tmp_path, monkeypatch):
    _, unbroken = tuned
    checkpoint = tmp_path / "reader.checkpoint"
    real = reader_training._targets
    steps: list[int] = []

    def stopping_after_seven(reader, batch):  # one call per step
        if len(steps) == 7:
            raise Stopped
        steps.append(1)
        return real(reader, batch)

    monkeypatch.setattr(reader_training, "_targets", stopping_after_seven)
    with pytest.raises(Stopped):
        fine_tune(training_pairs(), io.StringIO(), checkpoint=checkpoint, every=4, **SHORT)
    assert checkpoint.exists()  # saved at step 4, in the middle of the second pass

    steps.clear()
    monkeypatch.setattr(reader_training, "_targets", lambda r, b: steps.append(1) or real(r, b))
    log = io.StringIO()
    model = fine_tune(training_pairs(), log, checkpoint=checkpoint, every=4, **SHORT)

    assert "resumed at step 4/18" in log.getvalue()
    assert len(steps) == 14
    path = tmp_path / "resumed.safetensors"
    save_reader(model, path)
    assert path.read_bytes() == unbroken
    # The same pairs at another learning rate start again.
    other = io.StringIO()
    fine_tune(training_pairs(), other, checkpoint=checkpoint, **{**SHORT, "learning_rate": 1e-4})
    assert "resumed" not in other.getvalue()


def test_the_tuned_reader_finds_what_it_was_taught(tuned):
    reader, _ = tuned
    race, trial = reader.read("Who won the race in Italy?", [("F1", RACE), ("Court", TRIAL)])
    assert RACE[slice(*race.best)] == "Lewis Hamilton"
    assert race.best_score > trial.best_score
    # The score of a span the parse offers is the reader's score of the pieces covering it.
    assert race.span_score(*race.best) == pytest.approx(race.best_score)
    assert all(0 <= a < b <= len(RACE) for a, b in race.offsets)


def test_the_reader_reads_titles_but_answers_from_the_sentence(tuned):
    reader, _ = tuned
    (reading,) = reader.read("Who won?", [("Lewis Hamilton wins", "He won in Monza.")])
    assert 0 <= reading.best[0] < reading.best[1] <= len("He won in Monza.")
    assert reader.read("Who won?", []) == []


def test_long_contexts_are_cut_not_refused(tuned):
    reader, _ = tuned
    (reading,) = reader.read("Who won?", [(None, "word " * 400 + RACE)])
    assert reading.offsets and reading.offsets[-1][1] <= len("word " * 400 + RACE)


def test_span_scores_outside_the_pieces_are_the_floor():
    reading = Reading(((0, 5), (6, 9)), (1.0, 2.0), (0.5, 3.0), 1.0, (6, 9), 4.0)
    assert reading.span_score(6, 9) == pytest.approx(2.0 + 3.0 - 1.0)
    assert reading.span_score(0, 9) == pytest.approx(1.0 + 3.0 - 1.0)
    assert reading.span_score(20, 30) == -20.0


def test_reader_picks_become_candidate_spans():
    (doc,) = parse_sentences([(TRIAL, None)])
    start = TRIAL.index("six years")
    spans = candidate_spans(doc, [(start, start + len("six years"))])
    picked = [s for s in spans if "READER" in s.kinds]
    assert [s.text for s in picked] == ["six years"]
    assert picked[0].characters(doc) == (start, start + len("six years"))


def test_the_committed_model_reads_with_its_reader():
    from bot.nlp.answers.model import load_model

    model = load_model()
    assert model.meta["reader"] is True
    assert isinstance(model.reader, Reader)
    assert "reader" in model.span_ranker.names and "reader" in model.calibrator.names
    assert torch.get_num_threads() == 1
