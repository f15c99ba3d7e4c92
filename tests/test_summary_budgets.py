"""Word budgets (`/summary 60w`, `--words N`): the most informative sentences, never more words
than asked, and a note when not even one sentence fits (issue 12, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.nlp.cleaning import clean_text
from bot.nlp.summaries import StoryText, SummaryLength, summarize
from tests.support.cli_runs import run
from tests.support.local_chat_session import chat_session
from tests.support.story_texts import STORY

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "sputnik-asat-2019.txt"


def reader_words(sentences: list[str]) -> int:
    """Words as a person counts them: whitespace-separated pieces with a letter or digit."""
    return sum(1 for s in sentences for piece in s.split() if any(c.isalnum() for c in piece))


def sample_story() -> StoryText:
    cleaned = clean_text(SAMPLE.read_text(encoding="utf-8"))
    return StoryText(cleaned.title, cleaned.paragraphs)


@pytest.mark.parametrize("document", [STORY, sample_story()], ids=["york", "sample"])
@pytest.mark.parametrize("budget", [5, 12, 20, 35, 40, 60, 90, 150, 400])
def test_never_more_words_than_asked_unless_one_sentence_is_over(
    document: StoryText, budget: int
) -> None:
    result = summarize(document, SummaryLength(sentences=None, words=budget))
    assert result.sentences
    if result.over_budget:
        # Only when no sentence of the story fits: then one sentence, and it is flagged.
        assert len(result.sentences) == 1
        shortest = min(reader_words([s]) for s in summarize(document, SummaryLength(100)).sentences)
        assert shortest > budget
        assert reader_words(result.sentences) > budget
    else:
        assert reader_words(result.sentences) <= budget


def test_a_budget_that_fits_keeps_the_wire_lead_of_the_sample() -> None:
    result = summarize(sample_story(), SummaryLength(sentences=None, words=60))
    assert any("Qureshi" in s and "Lavrov" in s for s in result.sentences)
    assert reader_words(result.sentences) <= 60
    assert not result.over_budget


def test_summary_60w_and_5w_in_the_chat(tmp_path: Path) -> None:
    out = chat_session(tmp_path, ["/sample", "/summary 60w", "/summary 5w", "/quit"])
    sixty = out[out.index("bot 2>") : out.index("bot 3>")]
    five = out[out.index("bot 3>") :]
    bullets = [line.strip()[2:] for line in sixty.splitlines() if line.strip().startswith("• ")]
    assert any("Qureshi" in b for b in bullets) and reader_words(bullets) <= 60
    # 5 words: one sentence, and the reader is told why it is longer than asked.
    assert five.count("• ") == 1
    assert "No sentence of this story fits in 5 words" in five


def test_cli_words_note_goes_to_stderr_and_json(capsys, monkeypatch) -> None:
    code, out, err = run(capsys, monkeypatch, "summarize", str(SAMPLE), "--words", "5", "--json")
    printed = json.loads(out)
    assert code == 0 and len(printed["sentences"]) == 1
    assert "fits in 5 words" in printed["note"]
    assert "fits in 5 words" in err
    code, out, err = run(capsys, monkeypatch, "summarize", str(SAMPLE), "--words", "80")
    assert code == 0 and err == ""
    assert reader_words(out.splitlines()) <= 80
