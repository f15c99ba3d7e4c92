"""The answer pipeline end to end over stored stories: short answers with their sentence,
the closest sentence when no short answer is sure, abstention, scoping, dates, bad input and
the main event. The model is the committed one; these are questions nobody trained on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.messages import Problem, Refusal, say
from bot.nlp.answers import Answer, answer, facts, main_event
from bot.nlp.answers.question import read_question
from bot.nlp.answers.typos import correct_spelling
from bot.nlp.dates import resolve_date
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory) -> Store:
    """Chat 1: Sputnik, tram and Toblerone stories; chat 2: the undated council story; on
    SQLite and on a real PostgreSQL (whose ranking and vocabulary are its own)."""
    from bot.nlp.language import full_pipeline

    full_pipeline()  # load spaCy once for the module
    if request.param == "sqlite":
        store = Store(tmp_path_factory.mktemp("answers") / "answers.db")
    else:
        store = Store(request.getfixturevalue("postgres_server").fresh_url())
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
    yield store
    store.close()


def ids(store: Store, chat: int) -> dict[str, int]:
    """Story ids of a chat by the first word of their title."""
    return {s.title.split()[0].lower(): s.id for s in store.chat(chat).latest_stories(10)}


def ask(store: Store, question: str, chat: int = 1, story_id: int | None = None) -> Answer:
    return answer(store.chat(chat), question, story_id=story_id)


def names_one_of(text: str, accepted: str) -> bool:
    """Whether the text holds one of the ``|``-separated accepted answers."""
    return any(word.lower() in text.lower() for word in accepted.split("|"))


# -- right, or honest -------------------------------------------------------------------------

# (question, words a right short answer holds, words of the sentence that answers it). Both
# ministers signed the joint statement, so either name is a right answer.
ANSWERABLE = [
    ("Who signed the joint statement?", "Qureshi|Lavrov", "signed a joint statement"),
    ("Who arrested the tram driver?", "British Transport Police", "arrested the driver"),
    ("Where was the joint statement signed?", "Bishkek", "Bishkek"),
    ("Where did the tram derail?", "Croydon", "tram derailed in Croydon"),
    ("What did Pakistan and Russia sign?", "joint statement", "signed a joint statement"),
    ("Why did Toblerone change its bars?", "cost of ingredients", "rising cost of ingredients"),
    ("How many people were taken to hospital?", "50", "taken to hospital"),
    ("Which company makes Toblerone?", "Mondelez", "the company which makes the bar"),
    ("How heavy were the Toblerone bars before the change?", "400g", "400g bars"),
    ("How fast is the limit on the bend where the tram crashed?", "12mph", "12mph limit"),
]


@pytest.mark.parametrize(("question", "expected", "evidence"), ANSWERABLE)
def test_a_short_answer_is_right_and_rests_on_its_sentence(
    store: Store, question: str, expected: str, evidence: str
) -> None:
    """The model may hold back (the closest sentence, or "don't say"), but a short answer it
    gives must be right, short, and quoted with the sentence and story it comes from."""
    result = ask(store, question)
    if result.answer is not None:
        assert names_one_of(result.answer, expected), result
        assert result.sentence and result.answer in result.sentence
        assert evidence.lower() in result.sentence.lower()
        assert result.title and result.story_id is not None
        assert len(result.answer.split()) <= 25
    elif result.sentence is not None:
        assert result.reason == Refusal(Problem.NO_SHORT_ANSWER) and result.story_id is not None
    else:
        assert result.reason == Refusal(Problem.NOT_SAID)


def test_plain_questions_mostly_get_the_answer_or_its_sentence(store: Store) -> None:
    """A floor, not the measure (the harness is, on blind questions): on these plain
    questions the committed model gave 4 right short answers and 7 answering sentences of 10
    when this was written; a model that falls below the floor here has regressed."""
    results = [(ask(store, q), e, ev) for q, e, ev in ANSWERABLE]
    answered = [r for r, e, _ in results if r.answer and names_one_of(r.answer, e)]
    held = [r for r, _, ev in results if r.sentence and ev.lower() in r.sentence.lower()]
    assert len(answered) >= 3, results
    assert len(held) >= 6, results


def test_who_is_answers_with_the_title(store: Store) -> None:
    result = ask(store, "Who is Shah Mahmood Qureshi?")
    assert result.sentence and "Qureshi" in result.sentence
    if result.answer is not None:
        assert "Foreign Minister" in result.answer and "Lavrov" not in result.answer


def test_how_old_answers_with_the_age(store: Store) -> None:
    result = ask(store, "How old is the tram driver?")
    assert result.sentence and "42-year-old" in result.sentence
    if result.answer is not None:
        assert "42" in result.answer


def test_typo_in_the_question_is_matched_to_the_stories_words(store: Store) -> None:
    result = ask(store, "wher did the tram derial?")
    assert result.sentence and "Croydon" in result.sentence
    if result.answer is not None:
        assert "Croydon" in result.answer


def test_the_reader_reads_the_question_with_its_typo_put_right(store: Store) -> None:
    """The reader reads words, not index stems: a misspelt word it has no meaning for is
    replaced in the question's text by the stories' word it was matched to."""
    fixed, changes = correct_spelling(store, read_question("wher did the tram derial?"))
    assert changes == 1
    assert fixed.text.startswith("where did the tram derail") and "derial" not in fixed.text


def test_yes_no_question_gets_no_short_answer_and_only_the_deciding_sentence(store: Store) -> None:
    """A yes/no question is answered with its deciding sentence when the sentence model is sure
    enough (on dev it never was for the committed model: the README says so), never with a
    short answer or with another sentence."""
    result = ask(store, "Was the tram driver arrested?")
    assert result.answer is None
    if result.sentence is not None:
        assert "arrested the driver" in result.sentence
        assert result.reason == Refusal(Problem.NO_SHORT_ANSWER)
    else:
        assert result.reason == Refusal(Problem.NOT_SAID)


# -- scoping ----------------------------------------------------------------------------------


def test_story_id_restricts_to_that_story(store: Store) -> None:
    story = ids(store, 1)
    inside = ask(store, "Where did the tram derail?", story_id=story["croydon"])
    assert inside.story_id == story["croydon"]
    assert inside.sentence and "Croydon" in inside.sentence
    outside = ask(store, "Where did the tram derail?", story_id=story["toblerone"])
    assert outside.answer is None
    assert outside.story_id in (None, story["toblerone"])


def test_another_chats_story_is_never_used(store: Store) -> None:
    # Chat 2 holds only the council story: the tram story of chat 1 must not answer.
    result = ask(store, "Where did the tram derail?", chat=2)
    assert result.answer is None
    assert result.story_id in (None, ids(store, 2)["council"])
    council = ask(store, "Who said the plan would add bike lanes?", chat=2)
    assert council.sentence and "Maria Lopez" in council.sentence
    assert council.answer is None or "Maria Lopez" in council.answer
    # A story id from chat 1, asked in chat 2, is not found there.
    foreign = ask(store, "Where did the tram derail?", chat=2, story_id=ids(store, 1)["croydon"])
    assert foreign.answer is None and foreign.reason == Refusal(Problem.STORY_NOT_HERE)


# -- abstention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Tour de France?",
        "When did the Berlin Wall fall?",
        "Where did Lady Gaga get married?",
        "How many goals did Lionel Messi score last season?",
    ],
)
def test_unrelated_questions_abstain(store: Store, question: str) -> None:
    result = ask(store, question)
    assert result.answer is None
    assert result.reason == Refusal(Problem.NOT_SAID), result


# -- dates ------------------------------------------------------------------------------------


def test_when_answers_resolve_against_the_published_date(store: Store) -> None:
    result = ask(store, "When did the tram derail?")
    assert result.sentence and "Wednesday" in result.sentence
    if result.answer is not None:
        assert "Wednesday" in result.answer
        assert result.date == "2016-11-09"  # published Thursday 10 November 2016


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
    [
        "",
        "   ",
        '"',
        "*",
        "NEAR",
        "title:tram",
        "(tram",
        'tram" OR "x',
        "NEAR(tram crash)",
        "-",
        "tram*",
    ],
)
def test_bad_or_fts_syntax_input_never_raises(store: Store, question: str) -> None:
    result = ask(store, question)
    assert isinstance(result, Answer)
    assert result.answer is None or result.sentence


def test_empty_question_reason(store: Store) -> None:
    reason = ask(store, "").reason
    assert reason == Refusal(Problem.EMPTY_QUESTION)
    assert say(reason) == "Ask me a question about the stories here."


def test_ten_thousand_word_question_gets_a_reply(store: Store) -> None:
    result = ask(store, "Who signed the joint statement? " + "blah " * 10_000)
    assert isinstance(result, Answer)
    assert result.answer is None or result.sentence


def test_other_language(store: Store) -> None:
    result = ask(store, "Qui a signé la déclaration commune ?")
    assert result.answer is None and result.reason == Refusal(Problem.QUESTION_NOT_ENGLISH)
    assert "English" in say(result.reason)


def test_chat_without_stories(store: Store) -> None:
    result = ask(store, "Who signed the joint statement?", chat=99)
    assert result.answer is None and result.reason == Refusal(Problem.NO_STORIES_TO_ASK)


# -- main event -------------------------------------------------------------------------------


def test_facts_of_a_story(store: Store) -> None:
    story = ids(store, 1)
    event = facts(store.chat(1), story["toblerone"])
    assert event is not None
    assert event.who and "Toblerone" in event.who
    assert event.what
    assert facts(store.chat(2), story["toblerone"]) is None


def test_main_event_from_text() -> None:
    event = main_event(
        "Taliban bomber rams truck into German consulate in Afghanistan",
        [
            "A suicide bomber crashed a truck into the German consulate in Mazar-e-Sharif on "
            "Thursday."
        ],
        published="2016-11-11T01:11:34",
    )
    assert event.who and "bomber" in event.who
    assert event.what and "truck" in event.what
    assert event.when and "Thursday" in event.when and event.date == "2016-11-10"
    assert event.where and ("Afghanistan" in event.where or "Mazar-e-Sharif" in event.where)


def test_main_event_without_a_time_is_the_publication_day() -> None:
    event = main_event(
        "Council approves cycling plan",
        ["The city council approved a new cycling plan after a long debate."],
        published="2019-05-15T09:00:00",
    )
    assert event.when == "May 15, 2019" and event.date == "2019-05-15"


def test_main_event_of_nothing_is_empty() -> None:
    assert main_event(None, []) == main_event("", ["   "])
    assert main_event(None, []).who is None


# -- parsing with stored entities --------------------------------------------------------------


def test_sentences_take_their_entities_from_the_store() -> None:
    from bot.nlp.answers.spans import parse_sentences

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
    assert result.sentence and "arrested the driver" in result.sentence
    assert result.answer is None or "British Transport Police" in result.answer
    store.close()
