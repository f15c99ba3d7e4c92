"""Sentence boundaries without punctuation (issue 12, item 2): captions and headings glued to
the next sentence are cut apart; ordinary long sentences stay whole."""

from __future__ import annotations

import json

import pytest

from bot.nlp.cleaning import clean_text
from bot.nlp.segmentation import LONG_SENTENCE_WORDS, split_run_on
from bot.nlp.tokenizer import split_paragraph_sentences, split_sentences
from bot.services.ingest import Ingestor
from tests.conftest import shared_dir

GIVEME = shared_dir() / "eval" / "giveme5w1h" / "gold_standard_flat.jsonl"

CAPTIONS = [
    "Firefighters work through the night at the collapsed warehouse on the edge of the town",
    "The relatives of the missing workers wait for news outside the police cordon near the site",
    "The mayor speaks to reporters at the scene on Tuesday morning after visiting the families",
]
BODY = [
    "As the search went on, officials said twelve people were still missing.",
    "The company that owns the warehouse said it was helping the investigation.",
]


def test_glued_captions_are_split_from_the_body() -> None:
    run_on = " ".join(CAPTIONS) + " " + BODY[0]
    assert len(run_on.split()) > LONG_SENTENCE_WORDS
    pieces = split_run_on(run_on)
    assert pieces == [*CAPTIONS, BODY[0]]


def test_a_heading_in_capitals_ends_where_ordinary_case_resumes() -> None:
    text = (
        "The singer has sold more than ten million records in a career that began in a small "
        "club in her home town twenty years ago WHO IS ANNA MORENO The singer was born in "
        "Seville in 1985 and moved to Madrid at the age of sixteen to study music"
    )
    pieces = split_run_on(text)
    assert len(pieces) == 2
    assert pieces[0].endswith("WHO IS ANNA MORENO")
    assert pieces[1].startswith("The singer was born")


@pytest.mark.parametrize(
    "sentence",
    [
        # Long, but real prose: pronoun "I", "Mr", titles of works and names after nouns.
        "I said at the time that I would stand down if the party lost, and when the result came "
        "I kept my word, but Mr Jones and the rest of the committee asked me to stay on until a "
        "new leader was chosen by the members in the spring.",
        "The festival will show The Right Thing and A Girl in A Car With A Man alongside new "
        "work, while the director Maria Lopez said the programme would travel to six cities "
        "across the country before the end of the year, including two in the north.",
        "Shares in the company, which employs 4,000 people in the region and has been looking "
        "for a buyer since the spring, rose by 12% on Tuesday after the chief executive Anna "
        "Berg said talks with two investors were at an advanced stage.",
    ],
)
def test_long_prose_sentences_stay_whole(sentence: str) -> None:
    assert len(sentence.split()) > LONG_SENTENCE_WORDS
    assert split_run_on(sentence) == [sentence]
    assert split_sentences(sentence) == [sentence]


def test_short_sentences_are_never_looked_at() -> None:
    sentence = "Rescue teams searched the building A spokesman said five people were hurt."
    assert split_run_on(sentence) == [sentence]


def test_stored_sentences_do_not_glue_captions_to_the_body(ingestor: Ingestor) -> None:
    paragraph = " ".join(CAPTIONS) + " " + " ".join(BODY)
    text = (
        f"Warehouse collapse: twelve missing\n\n{paragraph}\n\n{paragraph.replace('twelve', 'ten')}"
    )
    outcome = ingestor.add_text(1, text)
    assert outcome.status == "added"
    sentences = [s.text for s in ingestor.store.chat(1).sentences(outcome.story.id)]
    assert BODY[0] in sentences and CAPTIONS[0] in sentences
    assert all(len(s.split()) <= LONG_SENTENCE_WORDS for s in sentences)


def test_a_very_long_run_of_captions_is_split_at_names_too() -> None:
    # Past 80 words, a capitalised name after a lowercase word and before a verb opens a
    # sentence: a string of picture captions, as Daily Mail pages flatten into.
    captions = [
        "Rescue workers search the rubble of the collapsed warehouse on the edge of the town",
        "Maria Lopez waits for news of her brother outside the police cordon near the site",
        "Firefighters carry equipment past the gates of the industrial estate on Tuesday",
        "Carlos Ruiz comforts a colleague after hearing that two of the missing were found",
        "Volunteers hand out blankets and hot drinks to families gathered at the school hall",
    ]
    run_on = " ".join(captions) + " " + BODY[1]
    assert len(run_on.split()) > 80
    pieces = split_run_on(run_on)
    assert all(len(piece.split()) <= 40 for piece in pieces)
    assert BODY[1] in pieces or pieces[-1].endswith(BODY[1])


@pytest.mark.skipif(not GIVEME.is_file(), reason="shared Giveme5W1H data not found")
def test_no_sentence_over_80_words_in_the_giveme5w1h_articles() -> None:
    longest = 0
    for line in GIVEME.read_text(encoding="utf-8").splitlines():
        paragraphs = clean_text(json.loads(line)["text"]).paragraphs
        for _, sentence in split_paragraph_sentences(paragraphs):
            longest = max(longest, len(sentence.split()))
    assert longest <= 80


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("The tram overturned near the stop at about 6.10am.", "British Transport Police came."),
        ("Shares in the bank rose 6.5pc.", "Traders cheered the figures."),
        ("The parcel weighed 2.5kg.", '"It was heavy," the postman said.'),
        ("Цена выросла на 6.5kg.", "Потом она упала."),
    ],
)
def test_a_sentence_ends_after_a_number_glued_to_its_unit(first: str, second: str) -> None:
    # syntok reads "6.10am." as an abbreviation and glues the next sentence on.
    assert split_sentences(f"{first} {second}") == [first, second]


@pytest.mark.parametrize(
    "sentence",
    [
        "Shares rose 6.5pc in May and fell again in June.",
        "The update to version 2.0b. is out today.",  # no capital after it: not an end
        "He paid 6.50 for the ticket.",
    ],
)
def test_a_number_with_a_unit_inside_a_sentence_does_not_end_it(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]
