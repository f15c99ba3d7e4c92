"""News-first summaries (issue 12, item 4): sentences that carry the news (named actors,
numbers, attribution, the dateline sentence) beat colour leads and kickers, and furniture is
never picked. The stories are written for these tests in the shapes the issue reports."""

from __future__ import annotations

import pytest

from bot.nlp.news_cues import cues, dateline_at
from bot.nlp.summaries import StoryText, SummaryLength, summarize
from bot.nlp.tokenizer import words


def cue(sentence: str):
    return cues(sentence, words(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "New Delhi (Sputnik): A month after Islamabad expressed concern, the ministers met.",
        "WASHINGTON (Reuters) - The Senate voted on Tuesday.",
        "LONDON, March 3 (AP) -- Prices rose again.",
        "(CNN) -- A storm hit the coast.",
        "KABUL — Taliban fighters took the town.",
    ],
)
def test_wire_datelines_are_recognised(sentence: str) -> None:
    assert dateline_at(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Prime Minister (PM) said the plan would work.",
        "Britain (and France) agreed.",
        "As birthday parties go, it was quite something.",
    ],
)
def test_sentences_that_only_contain_brackets_are_no_datelines(sentence: str) -> None:
    assert not dateline_at(sentence)


def test_cues_of_a_news_sentence_and_of_a_colour_lead() -> None:
    news = cue(
        "Organisers said 4,000 volunteers from Lagos joined the chain, Mayor Ade Bello said."
    )
    assert news.numbers and news.reporting and news.names >= 2
    colour = cue("As birthday parties go, it was quite something.")
    assert not colour.numbers and not colour.reporting and colour.names == 0
    kicker = cue("But for those who stayed, the town will never be the same.")
    assert kicker.opener
    column = cue('I think the council got this wrong, and "we will fix it" is no answer.')
    assert column.first_person
    assert not cue('"We will fix it," the mayor said.').first_person


COLOUR_LEAD = StoryText(
    "Lagos lantern chain breaks world record",
    [
        "As birthday parties go, it was quite something.",
        "More than 4,000 volunteers in Lagos built a chain of paper lanterns 6,000 metres long "
        "on Saturday, beating the record of 4,200 metres set in Manila in 2019, organisers said.",
        "Adjudicators from Guinness World Records measured the chain over three hours before "
        "confirming the new record.",
        "The lanterns were made from recycled paper collected by 60 schools across the city.",
        "Lagos Governor Babajide Sanwo-Olu called the event a celebration of the city's 50th "
        "anniversary.",
    ],
)

KICKER = StoryText(
    "Ebola cases in Guinea fall to lowest level in a year",
    [
        "Guinea recorded 30 new Ebola cases last week, the World Health Organization said on "
        "Wednesday. "
        "The outbreak has killed more than 2,500 people in the country since March 2014. "
        "But for those who have survived, life will never be the same.",
        "The 30 cases were the lowest weekly total since May 2014, the WHO said in its latest "
        "update.",
        "Health workers in Conakry said survivors still faced stigma in their villages.",
        "Sierra Leone and Liberia reported 12 and 4 new cases over the same period.",
    ],
)


def test_the_colour_lead_gives_way_to_the_news() -> None:
    one = summarize(COLOUR_LEAD, SummaryLength(sentences=1)).sentences
    assert "6,000 metres" in one[0]
    two = summarize(COLOUR_LEAD, SummaryLength(sentences=2)).sentences
    assert not any(s.startswith("As birthday parties go") for s in two)


def test_the_kicker_gives_way_to_the_figures() -> None:
    three = summarize(KICKER, SummaryLength(sentences=3)).sentences
    assert not any(s.startswith("But for those") for s in three)
    assert any("lowest weekly total" in s for s in three)


def test_the_dateline_sentence_leads_a_one_sentence_summary() -> None:
    story = StoryText(
        "Ministers sign space pact",
        [
            "The two countries signed a statement only weeks after a missile test raised "
            "tensions in the region and drew protests from neighbours.",
            "BISHKEK (Wire): Foreign Minister Ana Ruiz and her counterpart Ivan Petrov on "
            "Wednesday signed a pact on weapons in outer space at the ministers' meeting.",
            "The pact commits both sides to talks on a treaty next year.",
        ],
    )
    one = summarize(story, SummaryLength(sentences=1)).sentences
    assert "Ana Ruiz" in one[0]


def test_a_furniture_sentence_is_never_picked_even_to_fill_a_budget() -> None:
    standfirst = "BBC Sport examines the challenges facing the team ahead of the final."
    story = StoryText(None, [COLOUR_LEAD.paragraphs[1], standfirst, *COLOUR_LEAD.paragraphs[2:]])
    for length in (SummaryLength(sentences=10), SummaryLength(sentences=None, words=1000)):
        assert standfirst not in summarize(story, length).sentences


def test_skipping_the_unweighted_cues_changes_no_score() -> None:
    import numpy as np

    from bot.nlp.summaries import (
        CUE_SIGNALS,
        NewsSummarizer,
        NewsWeights,
        _prepare,
        news_signals,
        weighted_scores,
    )

    weights = NewsWeights()
    assert not any(getattr(weights, name) for name in CUE_SIGNALS)
    for document in (COLOUR_LEAD, KICKER):
        story = _prepare(document)
        full = news_signals(story, weights.lead_decay, weights.length_target, with_cues=True)
        assert set(CUE_SIGNALS) <= set(full)
        expected = weighted_scores(weights, full, story)
        assert np.array_equal(np.array(NewsSummarizer(weights).score(story)), expected)
    # With a cue weighted, the cues are read and count.
    bare = NewsWeights(bare=3.0)
    story = _prepare(KICKER)
    assert NewsSummarizer(bare).score(story) != NewsSummarizer(weights).score(story)
