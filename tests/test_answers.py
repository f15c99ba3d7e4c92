"""Short answers from a chat's stories: types, scoping, abstention, dates and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import (
    NO_STORIES,
    NOT_HERE,
    NOT_SAID,
    Answer,
    answer,
    facts,
    main_event,
    resolve_date,
)
from bot.documents import RawStory
from bot.ingest import Ingestor
from db.store import Store

SPUTNIK = Path(__file__).parent / "data" / "cleaning" / "sputnik-asat-2019.txt"

TRAM = (
    "At least seven people were killed when a tram derailed in Croydon, south London, on "
    "Wednesday. The tram overturned on a sharp bend near the Sandilands stop at about 6.10am. "
    "British Transport Police arrested the driver, a 42-year-old man from Beckenham, on "
    "suspicion of manslaughter. Investigators said the tram was travelling at a significantly "
    "higher speed than permitted on the bend, which has a 12mph limit. More than 50 people "
    "were taken to hospital after the crash."
)
TOBLERONE = (
    "Toblerone has widened the gaps between the triangles of its chocolate bars in the UK. "
    "Mondelez International, the company which makes the bar, said the change was made "
    "because of the rising cost of ingredients. The 400g bars have been reduced to 360g, while "
    "the packaging stays the same. Many fans called the move obscene and blamed it on Brexit, "
    "which the company denied on Tuesday in a statement on its Facebook page."
)
UNDATED = (
    "The city council approved a new cycling plan on Monday after a long debate. Councillor "
    "Maria Lopez said the plan would add forty kilometres of protected bike lanes across the "
    "city over the next three years, paid for by the regional transport fund. Residents will "
    "be able to comment on the routes at public meetings in the town hall this spring."
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    """Chat 1: Sputnik, tram and Toblerone stories; chat 2: the undated council story."""
    from bot.language import full_pipeline

    full_pipeline()  # load spaCy once for the module
    store = Store(tmp_path_factory.mktemp("answers") / "answers.db")
    ingestor = Ingestor(store)
    outcomes = ingestor.ingest(
        1,
        [
            RawStory(text=SPUTNIK.read_text(encoding="utf-8"), source_id="sputnik"),
            RawStory(
                text=TRAM,
                title="Croydon tram crash: seven dead",
                published="2016-11-10T08:00:00",
                source_id="tram",
            ),
            RawStory(
                text=TOBLERONE,
                title="Toblerone shrinks chocolate bar",
                published="2016-11-08T17:04:00",
                source_id="toblerone",
            ),
        ],
    )
    assert all(o.added for o in outcomes), outcomes
    ingestor.ingest(2, [RawStory(text=UNDATED, title="Council approves cycling plan")])
    return store


def ids(store: Store, chat: int) -> dict[str, int]:
    """Story ids of a chat by the first word of their title."""
    return {s.title.split()[0].lower(): s.id for s in store.chat(chat).latest_stories(10)}


def ask(store: Store, question: str, chat: int = 1, story_id: int | None = None) -> Answer:
    return answer(store.chat(chat), question, story_id=story_id)


# -- each question type -----------------------------------------------------------------


def test_who(store: Store) -> None:
    result = ask(store, "Who signed the joint statement?")
    assert result.answer and "Shah Mahmood Qureshi" in result.answer
    assert "Pakistani Foreign Minister" in result.answer
    assert len(result.answer.split()) <= 10
    assert result.sentence and "signed a joint statement" in result.sentence
    assert result.title and result.story_id is not None


def test_who_subject_of_passive_and_arrest(store: Store) -> None:
    result = ask(store, "Who arrested the tram driver?")
    assert result.answer == "British Transport Police"


def test_when_with_calendar_date(store: Store) -> None:
    result = ask(store, "When did Pakistan and Russia sign the joint statement?")
    assert result.answer == "Wednesday"
    # The cleaner reads the scraped header "13:34 GMT16 May 2021" (a Sunday) as published.
    assert result.date == "2021-05-12"


def test_when_india_tested_the_missile(store: Store) -> None:
    result = ask(store, "When did India test the missile?")
    assert result.answer in ("26 March", "27 March")


def test_where(store: Store) -> None:
    assert ask(store, "Where was the joint statement signed?").answer == "Bishkek"
    assert "Croydon" in (ask(store, "Where did the tram derail?").answer or "")


def test_what_object(store: Store) -> None:
    result = ask(store, "What did Pakistan and Russia sign?")
    assert result.answer and "joint statement" in result.answer


def test_what_happened(store: Store) -> None:
    result = ask(store, "What happened in Croydon?")
    assert result.answer and ("tram" in result.answer or "killed" in result.answer)


def test_why_and_how_many(store: Store) -> None:
    why = ask(store, "Why did Toblerone change its bars?")
    assert why.answer and "cost of ingredients" in why.answer
    many = ask(store, "How many people were taken to hospital?")
    assert many.answer and "50" in many.answer


def test_which(store: Store) -> None:
    result = ask(store, "Which company makes Toblerone?")
    assert result.answer and "Mondelez" in result.answer


# -- scoping ----------------------------------------------------------------------------------


def test_story_id_restricts_to_that_story(store: Store) -> None:
    story = ids(store, 1)
    inside = ask(store, "Where did the tram derail?", story_id=story["croydon"])
    assert inside.story_id == story["croydon"]
    outside = ask(store, "Where did the tram derail?", story_id=story["toblerone"])
    assert outside.answer is None and outside.note == NOT_SAID


def test_another_chats_story_is_never_used(store: Store) -> None:
    # Chat 2 holds only the council story: the tram story of chat 1 must not answer.
    result = ask(store, "Where did the tram derail?", chat=2)
    assert result.answer is None
    council = ask(store, "Who said the plan would add bike lanes?", chat=2)
    assert council.answer and "Maria Lopez" in council.answer
    # A story id from chat 1, asked in chat 2, is not found there.
    foreign = ask(store, "Where did the tram derail?", chat=2, story_id=ids(store, 1)["croydon"])
    assert foreign.answer is None and foreign.note == NOT_HERE


# -- abstention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Tour de France?",
        "When did the Berlin Wall fall?",
        "What did Angela Merkel say about the tram crash?",
        "Where did Lady Gaga get married?",
    ],
)
def test_unrelated_questions_abstain(store: Store, question: str) -> None:
    result = ask(store, question)
    assert result.answer is None
    assert result.note == NOT_SAID


# -- dates ------------------------------------------------------------------------------------


def test_relative_weekday_resolved_against_published(store: Store) -> None:
    result = ask(store, "When did the tram derail?")
    assert result.answer and "Wednesday" in result.answer
    assert result.date == "2016-11-09"  # published Thursday 10 November 2016


def test_unknown_published_gives_no_date(store: Store) -> None:
    result = ask(store, "When did the council approve the cycling plan?", chat=2)
    assert result.answer == "Monday"
    assert result.date is None
    assert result.note and "publication date is unknown" in result.note


def test_resolve_date_rules() -> None:
    assert resolve_date("Wednesday", "2016-11-10T08:00:00") == ("2016-11-09", None)
    assert resolve_date("Thursday", "2016-11-10T08:00:00")[0] == "2016-11-10"
    assert resolve_date("March 27, 2019", None) == ("2019-03-27", None)
    assert resolve_date("26 March", "2019-05-15T00:00:00")[0] == "2019-03-26"
    date, note = resolve_date("last month", "2019-05-15T00:00:00")
    assert date is None and note and "April 2019" in note
    date, note = resolve_date("on Wednesday", None)
    assert date is None and "unknown" in (note or "")
    assert resolve_date("a month", "2019-05-15T00:00:00") == (None, None)


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["", "   ", '"', "*", "NEAR", "title:tram", "(tram", 'tram" OR "x', "NEAR(tram crash)"],
)
def test_bad_or_fts_syntax_input_never_raises(store: Store, question: str) -> None:
    result = ask(store, question)
    assert isinstance(result, Answer)
    assert result.answer is None or result.sentence


def test_empty_question_note(store: Store) -> None:
    assert ask(store, "").note == "Ask me a question about the stories here."


def test_very_long_question_is_truncated(store: Store) -> None:
    result = ask(store, "Who signed the joint statement? " + "blah " * 1000)
    assert isinstance(result, Answer)


def test_other_language(store: Store) -> None:
    result = ask(store, "Qui a signé la déclaration commune ?")
    assert result.answer is None and "English" in (result.note or "")


def test_chat_without_stories(store: Store) -> None:
    result = ask(store, "Who signed the joint statement?", chat=99)
    assert result.answer is None and result.note == NO_STORIES


# -- main event -------------------------------------------------------------------------------


def test_facts_of_a_story(store: Store) -> None:
    story = ids(store, 1)
    event = facts(store.chat(1), story["toblerone"])
    assert event is not None
    assert event.who == "Toblerone"
    assert event.what and "chocolate bar" in event.what
    assert facts(store.chat(2), story["toblerone"]) is None


def test_main_event_from_text() -> None:
    event = main_event(
        "Taliban bomber rams truck into German consulate in Afghanistan",
        [
            "A suicide bomber crashed a truck into the German consulate in Mazar-e-Sharif on Thursday."
        ],
        published="2016-11-11T01:11:34",
    )
    assert event.who and "bomber" in event.who
    assert event.what and "truck" in event.what
    assert event.when == "Thursday" and event.date == "2016-11-10"
    assert event.where in ("Afghanistan", "Mazar-e-Sharif")


# -- parsing with stored entities --------------------------------------------------------------


def test_sentences_take_their_entities_from_the_store() -> None:
    from bot.answers import parse_sentences

    text = "Mondelez International said on Tuesday that it makes the bar."
    stored = ((0, 22, "ORG"), (31, 38, "DATE"))
    (doc,) = parse_sentences([(text, stored)])
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Mondelez International", "ORG"),
        ("Tuesday", "DATE"),
    ]
    assert doc[0].dep_  # tagged and parsed all the same
    (plain,) = parse_sentences([(text, None)])  # stored without entities: NER runs
    assert any(e.text == "Tuesday" for e in plain.ents)


def test_story_stored_without_entities_is_still_answered(tmp_path: Path) -> None:
    from db.store import NewStory, StoryAnalysis

    store = Store(tmp_path / "plain.db")
    chat = store.chat(5)
    sentences = [(0, s) for s in TRAM.replace("Wednesday. ", "Wednesday.\n").split("\n")]
    new = NewStory("Croydon tram crash", TRAM, "bulk", "tram-plain", len(TRAM.split()))
    chat.add_story(new, StoryAnalysis(sentences=sentences))  # no entities stored
    assert chat.entities(1) == []
    result = answer(chat, "Who arrested the tram driver?")
    assert result.answer == "British Transport Police"
    store.close()


def test_any_word_search_leaves_out_stop_words_and_lone_characters() -> None:
    from bot.answers import _any_word_query

    assert _any_word_query(["the", "Berlin", "Wall", "fall"]) == "Berlin Wall fall"
    assert _any_word_query(["US", "took", "£9.9", "m"]) == "US took"
    assert _any_word_query(["the", "are"]) == "the are"  # nothing left: every word


# -- numbers, measures and what a question's answer must be --------------------------------


def test_how_old_wants_an_age_not_a_year(store: Store) -> None:
    result = ask(store, "How old is the tram driver?")
    assert result.answer and "42" in result.answer


def test_the_questions_own_number_is_not_the_answer(store: Store) -> None:
    result = ask(store, "How heavy are the 400g bars now?")
    assert result.answer is None or "400" not in result.answer


def test_what_is_the_x_of_needs_a_sentence_naming_x(store: Store) -> None:
    # The Toblerone story is about the bar but names no price: abstain, don't guess.
    result = ask(store, "What is the price of a Toblerone bar?")
    assert result.answer is None and result.note == NOT_SAID


# -- the main event's when, where and who ---------------------------------------------------


def test_main_event_when_is_the_whole_time_expression() -> None:
    event = main_event(
        "Boy trapped in well",
        [
            "A boy fell into a 40-metre-deep well while picking cabbages.",
            "The six-year-old plummeted into the well at around 11am local time on Sunday in "
            "a rural village of Hebei Province.",
        ],
        published="2016-11-08T12:00:00",
    )
    assert event.when == "11am local time on Sunday"
    assert event.date == "2016-11-06"


def test_main_event_when_counted_from_an_event() -> None:
    event = main_event(
        "FBI clears Clinton in email review two days before election",
        ["The FBI said it stood by its earlier finding."],
        published="2016-11-07T02:36:29",
    )
    assert event.when == "two days before election"


def test_main_event_when_skips_side_clauses_and_other_years() -> None:
    event = main_event(
        "Jos proud of his son",
        ['"He surprised me," said his father, Jos, who competed in Formula One from 1994 to 2003.'],
        published="2016-11-13T21:29:29",
    )
    # 1994 to 2003 is background: the story's own date is the event's as far as it says.
    assert event.when == "November 13, 2016" and event.date == "2016-11-13"
    obama = main_event(
        None,
        [
            "Mr Trump, who won the election on Wednesday, said it was an honour to meet Mr "
            "Obama at the White House during the transition talks on Thursday."
        ],
        published="2016-11-10T21:00:00",
    )
    assert obama.when == "Thursday"


def test_main_event_clock_time_that_ner_calls_a_number() -> None:
    event = main_event(
        None,
        ["At 00:48 in Cleveland, Ohio, the Indians hit a groundball to third base."],
        published="2016-11-03T08:00:00",
    )
    assert event.when == "00:48"
    assert event.where == "Cleveland, Ohio"


def test_main_event_where_dateline_and_hyphenated_names() -> None:
    dateline = main_event(
        None,
        ["WASHINGTON, Nov 6 (Reuters) - The FBI said on Sunday it stood by its finding."],
        published="2016-11-07T02:36:29",
    )
    assert dateline.where == "WASHINGTON"
    hyphen = main_event(
        None,
        ["Taliban insurgents struck the German consulate in the city of Mazar-i-Sharif."],
        published="2016-11-11T08:00:00",
    )
    assert hyphen.where == "Mazar-i-Sharif"


def test_main_event_who_completes_surnames() -> None:
    event = main_event(
        None,
        [
            "Trump and Obama met at the White House.",
            "Donald Trump said it was an honour to meet President Barack Obama.",
        ],
        published="2016-11-10T21:29:29",
    )
    assert event.who == "Donald Trump and Barack Obama"


def test_any_word_search_asks_each_index_term_once() -> None:
    from bot.answers import _any_word_query

    # The index folds case and stems with Porter: these pairs are one term each there.
    assert _any_word_query(["Eyre", "eyre", "crossed", "cross", "issued", "issue"]) == (
        "Eyre crossed issued"
    )


def test_whose_names_the_owner_and_credits_are_never_answers() -> None:
    from bot.answers import _is_credit, extract, parse
    from bot.questions import parse_question

    question = parse_question("Whose laptop were the emails found on?")
    assert question.possessed == "laptop"
    doc = parse("The emails were found on the laptop of Anthony Weiner, a former congressman.")
    found = extract(question, doc)
    assert found and "Anthony Weiner" in found[0]
    assert _is_credit("Getty Images") and _is_credit("AFP")
    assert not _is_credit("Gettysburg College")


def test_when_of_another_subjects_clause_is_not_the_answer() -> None:
    from bot.answers import extract, parse
    from bot.questions import parse_question

    question = parse_question("When did the Cubs last win the championship?")
    doc = parse(
        "The Cubs, without a title since 1908, beat the Indians, who last won a championship "
        "in 1948."
    )
    found = extract(question, doc)
    assert found is None or found[0] != "1948"


def test_rendering_keeps_at_least_and_whole_names() -> None:
    from bot.answers import _strip_preposition

    assert _strip_preposition("on Wednesday") == "Wednesday"
    assert _strip_preposition("at least 90") == "at least 90"
    assert _strip_preposition("at around 6am") == "at around 6am"


def test_pronoun_subject_of_a_reported_clause_is_the_speaker() -> None:
    from bot.answers import extract, parse
    from bot.questions import parse_question

    question = parse_question("Who carried out the attack on the consulate?")
    doc = parse("The Taliban said it carried out the attack in retaliation for air strikes.")
    found = extract(question, doc)
    assert found and found[0] == "Taliban"
