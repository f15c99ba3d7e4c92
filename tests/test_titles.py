"""Cut titles: never inside a number or a name, and marked with "…" (issue 13, item 9)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.cleaning import derive_title
from bot.services.digests import HEADLINE_WORDS, _shorten

FILLERS = ["officials", "said", "on", "the", "region,", "plan", "would", "cost", "after", "and"]
# Each piece is one unit: a cut may fall before or after it, never inside.
WHOLES = [
    "Boris Johnson",
    "Prime Minister Boris Johnson",
    "New York",
    "Mr Smith",
    "25,000",
    "3 million",
    "£1.5 billion",
    "40 per cent",
    "1 000",
]

pieces = st.lists(
    st.tuples(
        st.lists(st.sampled_from(FILLERS), min_size=1, max_size=3),
        st.sampled_from(WHOLES),
    ),
    min_size=3,
    max_size=12,
)


def sentence_of(parts: list[tuple[list[str], str]]) -> tuple[str, set[int]]:
    """The sentence, and the word counts at which a cut keeps every piece whole."""
    words: list[str] = []
    boundaries = set()
    for fillers, whole in parts:
        for word in fillers:
            words.append(word)
            boundaries.add(len(words))
        words += whole.split()
        boundaries.add(len(words))
    return " ".join(words), boundaries


def assert_cut_cleanly(title: str, sentence: str, boundaries: set[int]) -> None:
    if title == sentence:
        return
    assert title.endswith("…"), title
    kept = title[:-1].split()
    words = sentence.split()
    assert kept and kept[:-1] == words[: len(kept) - 1], title
    assert words[len(kept) - 1].startswith(kept[-1]), title  # the last word, less its comma
    assert words[len(kept) - 1].rstrip(",") == kept[-1], f"cut inside a word: {title}"
    assert len(kept) in boundaries, f"cut inside a number or a name: {title}"


@settings(max_examples=300, deadline=None)
@given(pieces)
def test_titles_never_end_inside_a_number_or_a_name(parts) -> None:
    sentence, boundaries = sentence_of(parts)
    assert_cut_cleanly(derive_title([sentence + "."]), sentence, boundaries)
    assert_cut_cleanly(_shorten(sentence), sentence, boundaries)


def test_the_digest_headline_does_not_cut_a_number_at_its_comma() -> None:
    lead = "(CNN)Over the last year more than 25,000 people have fled the fighting " + " ".join(
        ["in the northern region"] * 3
    )
    assert len(lead.split()) > HEADLINE_WORDS
    made = _shorten(lead)
    assert "25,000" in made and made.endswith("…")
