"""Question understanding: type, keywords, entities, verb and focus."""

from __future__ import annotations

import pytest

from bot.questions import MAX_QUESTION_CHARS, clean_question, looks_foreign, parse_question


@pytest.fixture(scope="module", autouse=True)
def _model():
    """Load spaCy once for the module."""
    from bot.language import full_pipeline

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
        ("In what city did the ministers meet?", "where"),
        ("What did Pakistan and Russia sign?", "what"),
        ("What happened in Croydon?", "what"),
        ("Why did Toblerone change its shape?", "why"),
        ("How many people died in the crash?", "how_many"),
        ("How did the bomber attack the consulate?", "how"),
        ("Which company makes Toblerone?", "which"),
        ("Tell me about the tram", "other"),
    ],
)
def test_question_types(text: str, expected: str) -> None:
    assert parse_question(text).type == expected


def test_keywords_verb_and_hints() -> None:
    q = parse_question("Who signed the joint statement?")
    assert q.verb == "sign"
    assert set(q.keywords) >= {"sign", "joint", "statement"}
    assert "statement" in q.object_hints
    assert q.wh_role == "nsubj"
    assert "who" not in q.keywords


def test_entities_in_question() -> None:
    q = parse_question("When did India test the missile?")
    assert ("India", "GPE") in q.entities
    assert q.wants_labels == ("DATE", "TIME")


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        ("What happened in Croydon?", "event"),
        ("What did Hillary Clinton do?", "action"),
        ("What did Pakistan and Russia sign?", "object"),
        ("What is the DRDO?", "definition"),
    ],
)
def test_what_focus(text: str, focus: str) -> None:
    assert parse_question(text).focus == focus


def test_which_noun_is_not_a_required_keyword_for_places() -> None:
    q = parse_question("Which country tested an anti-satellite missile?")
    assert q.type == "which"
    assert "GPE" in q.wants_labels


@pytest.mark.parametrize("text", ["", "   ", "?!", '"*:( )'])
def test_empty_questions_get_a_note(text: str) -> None:
    q = parse_question(text)
    assert not q.ok and q.note


def test_long_question_is_truncated() -> None:
    assert len(clean_question("Who signed it? " * 400)) == MAX_QUESTION_CHARS
    assert parse_question("Who signed it? " * 400).ok


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
    q = parse_question(text)
    assert not q.ok and "English" in (q.note or "")


def test_english_is_not_foreign() -> None:
    assert not looks_foreign("Who signed the joint statement in Bishkek?")


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("What percentage of voters support Clinton?", ("PERCENT", "CARDINAL")),
        ("On which lap was the race suspended?", ("CARDINAL", "ORDINAL")),
        ("How heavy are the bars now?", ("QUANTITY", "CARDINAL")),
        ("How old is the tram driver?", ("DATE", "CARDINAL")),
        ("How much does a Toblerone bar cost?", ("MONEY", "CARDINAL")),
    ],
)
def test_number_questions_want_number_labels(text: str, labels: tuple[str, ...]) -> None:
    q = parse_question(text)
    assert q.type == "how_many"
    assert q.wants_labels == labels


def test_which_person_noun_wants_a_person() -> None:
    assert parse_question("Which driver crashed first?").wants_labels == ("PERSON",)
    assert "ORG" in parse_question("Which company makes Toblerone?").wants_labels


def test_head_noun_measure_and_verbs_the_tagger_misses() -> None:
    assert parse_question("What is the price of a Toblerone bar?").head_noun == "price"
    assert parse_question("Who is the mayor of London?").head_noun == "mayor"
    assert parse_question("Who signed the statement?").head_noun is None
    assert parse_question("How old is the driver?").measure == "old"
    # "reopen" comes out as a proper noun; its auxiliary shows it is the verb.
    assert parse_question("When will the Croydon tram line reopen?").verb == "reopen"


def test_keywords_keep_stop_list_verbs_but_not_articles_in_names() -> None:
    q = parse_question("What did Obama call Trump during the campaign?")
    assert "call" in q.keywords
    q = parse_question("Where was the Brazilian Grand Prix held?")
    assert "the" not in q.keywords and "brazilian" in q.keywords


def test_reported_clause_and_subject() -> None:
    q = parse_question("What did police say caused the Seattle shooting?")
    assert q.verb == "cause"
    assert parse_question("Who said the change is not related to Brexit?").verb == "say"
    assert parse_question("When did the Cubs win the championship?").subject == ("cubs",)


def test_what_is_the_name_of_asks_who() -> None:
    q = parse_question("What is the name of the tram driver?")
    assert q.type == "who" and "PERSON" in q.wants_labels
