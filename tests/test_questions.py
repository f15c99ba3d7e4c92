"""Reading a question: its type and form, its content words, typos and foreign questions."""

from __future__ import annotations

import pytest

from bot.messages import Problem
from bot.nlp.answers.question import (
    MAX_QUESTION_CHARS,
    clean_question,
    fix_wh_word,
    looks_foreign,
    read_question,
)


@pytest.fixture(scope="module", autouse=True)
def _model():
    """Load spaCy once for the module."""
    from bot.nlp.language import full_pipeline

    full_pipeline()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Who signed the joint statement?", "who"),
        ("Whom did Trump meet at the White House?", "who"),
        ("Whose mobile phone records will police check?", "who"),
        ("When did India test the missile?", "when"),
        ("What day did the tram crash?", "when"),
        ("Where was the statement signed?", "where"),
        ("What did Pakistan and Russia sign?", "what"),
        ("What happened in Croydon?", "what"),
        ("Why did Toblerone change its shape?", "why"),
        ("How many people died in the crash?", "how_many"),
        ("How old is the tram driver?", "how_many"),
        ("How did the bomber attack the consulate?", "how"),
        ("Which company makes Toblerone?", "which"),
        ("Was the boy attacked?", "yesno"),
        ("Did the council approve the plan?", "yesno"),
        ("Tell me about the tram", "other"),
    ],
)
def test_question_types(text: str, expected: str) -> None:
    assert read_question(text).type == expected


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Who is Sergei Lavrov?", "who_is"),
        ("Who signed the statement?", "who"),
        ("How old is the tram driver?", "how_old"),
        ("What happened in Croydon?", "what_happened"),
        ("What time did the tram crash?", "what_time"),
    ],
)
def test_question_forms(text: str, form: str) -> None:
    assert read_question(text).form == form


def test_content_words_verb_and_role() -> None:
    q = read_question("Who signed the joint statement?")
    assert q.verb == "sign"
    assert {t.lemma for t in q.terms} >= {"sign", "joint", "statement"}
    assert "who" not in {t.lemma for t in q.terms}
    assert q.wh_role == "nsubj"
    assert all(t.stems for t in q.terms)


def test_names_in_the_question_are_marked() -> None:
    q = read_question("When did India test the missile?")
    assert ("India", "GPE") in q.entities
    assert next(t for t in q.terms if t.lemma == "india").is_name


def test_who_is_keeps_the_topic() -> None:
    assert read_question("Who is Sergei Lavrov?").topic == ("Sergei", "Lavrov")


def test_what_is_reads_the_head_noun() -> None:
    q = read_question("What is the price of a Toblerone bar?")
    assert q.form == "what_is" and q.head_noun == "price"


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("wher did they sign the statment?", "where did they sign the statment?"),
        ("Whn did the tram crash?", "When did the tram crash?"),
        ("were the bars smaller?", "were the bars smaller?"),  # a real word: left alone
        ("Who signed it?", "Who signed it?"),
    ],
)
def test_misspelt_wh_word_is_put_right(typed: str, fixed: str) -> None:
    assert fix_wh_word(typed) == fixed


@pytest.mark.parametrize("text", ["", "   ", "?!", '"*:( )'])
def test_empty_questions_get_a_reason(text: str) -> None:
    q = read_question(text)
    assert not q.ok and q.problem is Problem.EMPTY_QUESTION


def test_long_question_is_truncated() -> None:
    assert len(clean_question("Who signed it? " * 400)) == MAX_QUESTION_CHARS
    assert read_question("Who signed it? " * 400).ok


@pytest.mark.parametrize(
    "text",
    [
        "Qui a signé la déclaration commune ?",
        "Кто подписал заявление?",
        "¿Quién firmó la declaración?",
    ],
)
def test_other_languages_are_recognised(text: str) -> None:
    assert looks_foreign(text)
    q = read_question(text)
    assert not q.ok and q.problem is Problem.QUESTION_NOT_ENGLISH


def test_english_is_not_foreign() -> None:
    assert not looks_foreign("Who signed the joint statement in Bishkek?")
    assert not looks_foreign("wen did the tram crash?")
