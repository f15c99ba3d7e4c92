"""Tests of bot.nlp.summaries: length control, order, redundancy, bad input, methods, languages."""

from __future__ import annotations

import pytest

from bot.messages import say
from bot.nlp import summaries
from bot.nlp.summaries import (
    METHODS,
    StoryText,
    SummaryLength,
    TextTooShort,
    UnsupportedLanguage,
    detect_language,
    get_summarizer,
    longer,
    shorter,
    summarize,
    summarize_many,
)
from bot.nlp.tokenizer import words
from tests.support.story_texts import STORY

GERMAN = StoryText(
    "Hochwasser in Köln",
    [
        "Der Rhein ist in der Nacht über die Ufer getreten und hat mehrere Straßen in der "
        "Kölner Altstadt überflutet. Die Feuerwehr war mit hunderten Einsatzkräften vor Ort.",
        "Nach Angaben der Stadt wurden die Bewohner von etwa vierzig Häusern in Sicherheit "
        "gebracht. Es gab keine Verletzten, aber der Schaden ist noch nicht abzusehen.",
        "Der Pegel soll nach der Vorhersage des Wetterdienstes bis Mittwoch weiter steigen, "
        "weil es in den Bergen noch immer stark regnet.",
    ],
)

FRENCH = StoryText(
    None,
    [
        "Le gouvernement a annoncé mardi une nouvelle aide pour les agriculteurs touchés par la "
        "sécheresse. Les éleveurs du sud de la France sont les plus concernés par cette mesure.",
        "Selon le ministre, le plan sera financé par le budget de l'État et versé avant la fin "
        "de l'année. Les syndicats agricoles ont salué une décision qu'ils jugent nécessaire.",
    ],
)


def _word_total(sentences: list[str]) -> int:
    """Words in a list of sentences, counted the way the summarizer counts them."""
    return sum(len(words(s)) for s in sentences)


def _all_sentences(document: StoryText) -> list[str]:
    """Every sentence of a story, in order (the lead method with a huge budget)."""
    return summarize(document, SummaryLength(sentences=100), "lead").sentences


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_sentence_limit_is_respected(count: int) -> None:
    assert len(summarize(STORY, SummaryLength(sentences=count)).sentences) == count


@pytest.mark.parametrize("budget", [30, 45, 60])
def test_word_limit_is_respected(budget: int) -> None:
    result = summarize(STORY, SummaryLength(sentences=None, words=budget))
    assert result.sentences
    assert _word_total(result.sentences) <= budget


def test_word_limit_too_small_still_returns_one_sentence() -> None:
    result = summarize(STORY, SummaryLength(sentences=None, words=3))
    assert len(result.sentences) == 1


def test_both_limits_apply_together() -> None:
    result = summarize(STORY, SummaryLength(sentences=2, words=1000))
    assert len(result.sentences) == 2


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_sentences_in_story_order(method: str) -> None:
    order = _all_sentences(STORY)
    result = summarize(STORY, SummaryLength(sentences=3), method)
    assert result.method == method
    assert result.language == "english"
    assert len(result.sentences) == 3
    positions = [order.index(s) for s in result.sentences]
    assert positions == sorted(positions)


@pytest.mark.parametrize("method", METHODS)
def test_summarizer_classes_share_one_call_signature(method: str) -> None:
    summarizer = get_summarizer(method)
    assert (
        summarizer(STORY, SummaryLength(sentences=2))
        == summarize(STORY, SummaryLength(sentences=2), method).sentences
    )


@pytest.mark.parametrize("method", METHODS)
def test_duplicated_sentences_never_both_returned(method: str) -> None:
    # Each paragraph twice in a row, so even the lead would meet the copies first.
    repeated = StoryText(STORY.title, [p for p in STORY.paragraphs for _ in range(2)])
    result = summarize(repeated, SummaryLength(sentences=6), method)
    assert len(result.sentences) == len(set(result.sentences))


def test_near_duplicate_is_suppressed() -> None:
    lead = STORY.paragraphs[0].split(". ")[0] + "."
    echo = lead.replace("on Sunday", "late on Sunday")
    story = StoryText(STORY.title, [*STORY.paragraphs, echo])
    result = summarize(story, SummaryLength(sentences=5))
    assert not (lead in result.sentences and echo in result.sentences)


def test_shorter_and_longer_step_from_current_length() -> None:
    assert shorter(SummaryLength(sentences=3)) == SummaryLength(sentences=2)
    assert shorter(SummaryLength(sentences=1)) == SummaryLength(sentences=1)
    assert longer(SummaryLength(sentences=3)) == SummaryLength(sentences=4)
    assert shorter(SummaryLength(sentences=None, words=60)).words == 40
    assert longer(SummaryLength(sentences=None, words=60)).words == 90
    assert longer(SummaryLength(sentences=None, words=1)).words == 2


def test_longer_summary_contains_no_fewer_words() -> None:
    base = SummaryLength(sentences=None, words=40)
    short = summarize(STORY, shorter(base)).sentences
    long = summarize(STORY, longer(base)).sentences
    assert _word_total(short) <= _word_total(long)


def test_length_needs_some_limit() -> None:
    with pytest.raises(ValueError):
        SummaryLength(sentences=None, words=None)
    with pytest.raises(ValueError):
        SummaryLength(sentences=0)


@pytest.mark.parametrize(
    "document",
    [
        StoryText(None, []),
        StoryText("Title only", ["", "   "]),
        StoryText(None, ["One sentence is not a story, however long it happens to be in words."]),
        StoryText(None, ["Too short. Really."]),
    ],
)
def test_too_short_text_raises_friendly_error(document: StoryText) -> None:
    with pytest.raises(TextTooShort) as raised:
        summarize(document)
    assert "too short to summarize" in say(raised.value)
    assert issubclass(TextTooShort, ValueError)


def test_text_shorter_than_asked_returns_everything() -> None:
    story = StoryText(None, [STORY.paragraphs[0], STORY.paragraphs[1]])
    result = summarize(story, SummaryLength(sentences=10))
    assert result.sentences == _all_sentences(story)
    assert len(result.sentences) == 3


def test_unknown_method_raises_value_error() -> None:
    with pytest.raises(ValueError, match="Unknown summary method"):
        summarize(STORY, method="magic")


def test_dateline_is_dropped_from_the_first_sentence() -> None:
    story = StoryText(None, ["LONDON, England (CNN) -- " + STORY.paragraphs[0], *STORY.paragraphs])
    first = summarize(story, SummaryLength(sentences=1), "lead").sentences[0]
    assert first.startswith("A flood barrier")


def test_no_nltk_data_is_needed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    nltk = pytest.importorskip("nltk")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])

    def forbidden(*args, **kwargs):
        raise AssertionError("NLTK data was looked up")

    monkeypatch.setattr(nltk.data, "find", forbidden)
    monkeypatch.setattr(nltk.data, "load", forbidden)
    monkeypatch.setattr(nltk, "download", forbidden)
    summaries._stemmer.cache_clear()  # rebuild the stemmers under the patch
    for method in METHODS:
        assert summarize(STORY, SummaryLength(sentences=2), method).sentences


@pytest.mark.parametrize(("document", "language"), [(GERMAN, "german"), (FRENCH, "french")])
def test_other_languages_use_their_own_stop_words(document: StoryText, language: str) -> None:
    result = summarize(document, SummaryLength(sentences=2))
    assert result.language == language
    assert len(result.sentences) == 2


def test_detects_english() -> None:
    assert detect_language(" ".join(STORY.paragraphs)) == "english"


@pytest.mark.parametrize(
    "text",
    [
        "Xq zvlor pemtak urrn bodiq. Fentra wolp ikkum zarbo meltrap quon. Dribb sklorn vatu.",
        # Turkish and Polish: told apart by the detector, but NLTK has no Snowball stemmer
        # for them, so they are refused rather than summarized unstemmed.
        "Belediye başkanı dün yaptığı açıklamada yeni metro hattının gelecek yıl açılacağını "
        "söyledi. Hat şehrin doğusunu havalimanına bağlayacak. Proje için bütçe ayrıldı.",
        "Burmistrz miasta poinformował we wtorek, że nowa linia tramwajowa zostanie otwarta w "
        "przyszłym roku. Linia połączy centrum z lotniskiem. Koszt budowy wyniesie miliard.",
    ],
)
def test_unrecognised_language_is_refused(text: str) -> None:
    with pytest.raises(UnsupportedLanguage):
        summarize(StoryText(None, [text, text.replace(".", "!")]))


def test_summarize_many_repeats_no_fact() -> None:
    retold = StoryText(
        "York flood barrier fails",
        [
            STORY.paragraphs[0],
            "Ministers promised an inquiry into the failure on Monday. The transport secretary "
            "will visit the city on Wednesday to meet residents and engineers.",
        ],
    )
    other = StoryText(
        "Train strike called off",
        [
            "Rail workers called off Friday's strike after a late pay offer from the operator. "
            "Union leaders said members would vote on the deal next week.",
            "Services across the north are expected to run normally.",
        ],
    )
    result = summarize_many([STORY, retold, other], SummaryLength(sentences=5))
    texts = [text for _, text in result]
    assert len(texts) == len(set(texts))
    assert {index for index, _ in result} == {0, 1, 2}
    lead_copies = [t for t in texts if t.startswith("A flood barrier in York failed")]
    assert len(lead_copies) <= 1
    assert [index for index, _ in result] == sorted(index for index, _ in result)
