"""Tests for bot.nlp.cleaning: a real scraped page, handwritten page pastes, noisy real articles."""

from __future__ import annotations

import json
import os
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlp.cleaning import (
    CleanedText,
    clean_text,
    derive_title,
    normalize_whitespace,
    real_headline,
)
from bot.nlp.furniture import strip_furniture
from bot.nlp.tokenizer import split_sentences

DATA = Path(__file__).parent / "data" / "cleaning"
SHARED = Path(os.environ.get("STORYBOT_SHARED") or Path(__file__).parents[1].parent / "shared")
BBC = SHARED / "eval" / "bbc-news-summary" / "News Articles"
CNNDM = SHARED / "eval" / "cnndm-test-250" / "cnndm_test_frank250.jsonl"


# --------------------------------------------------------------------------------------------
# The real scraped article


def _sputnik_lines() -> list[str]:
    """The fixture's lines, whitespace-normalized, blank lines removed, in file order."""
    text = (DATA / "sputnik-asat-2019.txt").read_text(encoding="utf-8")
    return [normalize_whitespace(line) for line in text.splitlines() if line.strip()]


# Indexes into _sputnik_lines(): the seven body paragraphs, and everything else is junk.
SPUTNIK_BODY = [4, 5, 6, 9, 11, 12, 13]


def test_sputnik_keeps_exactly_the_seven_body_paragraphs() -> None:
    lines = _sputnik_lines()
    result = clean_text((DATA / "sputnik-asat-2019.txt").read_text(encoding="utf-8"))
    assert result.paragraphs == [lines[i] for i in SPUTNIK_BODY]
    # Spot-check the indexes point where the task says they do.
    assert result.paragraphs[0].startswith("The two countries signed a joint statement")
    assert result.paragraphs[3].startswith("The development came against")
    assert result.paragraphs[-1].startswith("The state-funded Defence Research")
    assert "\xa0" not in result.text and "  " not in result.text


def test_sputnik_drops_every_junk_line() -> None:
    lines = _sputnik_lines()
    result = clean_text((DATA / "sputnik-asat-2019.txt").read_text(encoding="utf-8"))
    junk = [line for i, line in enumerate(lines) if i not in SPUTNIK_BODY]
    assert len(junk) == 13
    assert result.dropped == junk
    assert result.title is None
    assert result.published_hint == "13:34 GMT16 May 2021"
    assert "© REUTERS / India's Press Information Bureau" in result.dropped
    assert any(d.startswith("READ MORE:") for d in result.dropped)


# --------------------------------------------------------------------------------------------
# Handwritten page pastes with a sidecar .expected file (paragraphs separated by blank lines;
# an optional first line "TITLE: ..." gives the expected title).

PAGE_FIXTURES = sorted(p.stem for p in DATA.glob("*.txt") if p.with_suffix(".expected").exists())


def _expected(name: str) -> tuple[str | None, list[str]]:
    text = (DATA / f"{name}.expected").read_text(encoding="utf-8")
    title = None
    if text.startswith("TITLE: "):
        first, _, text = text.partition("\n")
        title = first.removeprefix("TITLE: ").strip()
    return title, [normalize_whitespace(p) for p in text.split("\n\n") if p.strip()]


def test_page_fixtures_exist() -> None:
    assert len(PAGE_FIXTURES) >= 4


@pytest.mark.parametrize("name", PAGE_FIXTURES)
def test_page_fixture(name: str) -> None:
    raw = (DATA / f"{name}.txt").read_bytes().decode("utf-8")
    title, paragraphs = _expected(name)
    result = clean_text(raw)
    assert result.paragraphs == paragraphs
    assert result.title == title


def test_reuters_trailer_and_cnn_dateline() -> None:
    reuters = clean_text((DATA / "reuters-style.txt").read_bytes().decode("utf-8"))
    assert any(d.startswith("Reporting by") for d in reuters.dropped)
    assert reuters.paragraphs[0].startswith("LONDON (Reuters) -")
    cnn = clean_text((DATA / "cnn-style.txt").read_text(encoding="utf-8"))
    assert cnn.paragraphs[0].startswith("(CNN) —")
    assert cnn.published_hint is not None and "2024" in cnn.published_hint


# --------------------------------------------------------------------------------------------
# Small behaviours


def test_normalize_whitespace() -> None:
    assert normalize_whitespace("\ta\xa0\xa0b \u200bc\x00d\r\n") == "a b c d"
    assert normalize_whitespace("") == ""


def test_no_junk_text_comes_back_unchanged() -> None:
    paragraphs = [
        "The council met on Tuesday to discuss the budget.",
        "Members agreed to raise spending on roads by 4%, the chair said.",
        "A final vote is expected next month.",
    ]
    result = clean_text("\n\n".join(paragraphs))
    assert result.paragraphs == paragraphs
    assert result.title is None and result.dropped == []


def test_single_paragraph_and_windows_line_endings() -> None:
    assert clean_text("Just one short paragraph here.").paragraphs == [
        "Just one short paragraph here."
    ]
    raw = "First paragraph is here and it is long enough.\r\n\r\nSecond\tone\u200b too.\r\n"
    assert clean_text(raw).paragraphs == [
        "First paragraph is here and it is long enough.",
        "Second one too.",
    ]


def test_headline_first_line_becomes_title() -> None:
    raw = "Council Backs New Budget\n\nThe council backed the new budget on Tuesday evening."
    result = clean_text(raw)
    assert result.title == "Council Backs New Budget"
    assert result.paragraphs == ["The council backed the new budget on Tuesday evening."]


def test_markdown_heading_and_bullets() -> None:
    raw = (
        "# Water bills to rise\n\nBills will rise by 8% from April, the industry said today.\n\n"
        "- Average bill up £35 a year\n* Support for low-income homes\n"
    )
    result = clean_text(raw)
    assert result.title == "Water bills to rise"
    assert result.paragraphs == [
        "Bills will rise by 8% from April, the industry said today.",
        "Average bill up £35 a year",
        "Support for low-income homes",
    ]


def test_hard_wrapped_lines_are_joined() -> None:
    raw = (
        "Households will see their water bills rise by an\n"
        "average of 8% from April, the industry body has said, the biggest\n"
        "increase in almost two decades.\n\nA second paragraph follows here, as it should."
    )
    assert clean_text(raw).paragraphs == [
        "Households will see their water bills rise by an average of 8% from April, the "
        "industry body has said, the biggest increase in almost two decades.",
        "A second paragraph follows here, as it should.",
    ]


def test_empty_and_blank_input() -> None:
    for raw in ("", "   \n\n\t", "\x00\x01\u200b"):
        result = clean_text(raw)
        assert isinstance(result, CleanedText)
        assert result.paragraphs == [] and result.text == ""


def test_rtl_and_huge_input() -> None:
    arabic = "قالت الحكومة يوم الثلاثاء إنها ستخفض الضرائب على الوقود. وأضافت أن القرار نهائي."
    assert clean_text(arabic).paragraphs == [arabic]
    paragraph = "The minister said the plan would cost more than expected, officials added. "
    huge = ("\n\n".join([paragraph * 3] * 3500))[:1_000_000]
    started = time.perf_counter()
    result = clean_text(huge)
    assert time.perf_counter() - started < 10
    assert len(result.paragraphs) > 3000
    one_line = clean_text("word " * 200_000)  # a single 1 MB line
    assert len(one_line.paragraphs) == 1


def test_derive_title() -> None:
    lead = (
        "The two countries signed a joint statement on Wednesday only a month after Pakistan "
        "accused India of weaponising space. More followed."
    )
    title = derive_title([lead])
    assert title == (
        "The two countries signed a joint statement on Wednesday only a month after Pakistan…"
    )
    assert derive_title(["Short lead sentence. Another one."]) == "Short lead sentence"
    assert derive_title([]) == ""


def test_real_headline_tells_a_headline_from_a_derived_title() -> None:
    paragraphs = ["Short lead sentence. Another one."]
    assert real_headline(derive_title(paragraphs), paragraphs) is None
    assert real_headline("Flood barrier fails", paragraphs) == "Flood barrier fails"
    assert real_headline(None, paragraphs) is None
    assert real_headline("", paragraphs) is None


# Pieces of page furniture and prose, so the generated text exercises the classifier's rules.
_FRAGMENTS = [
    "\n\n",
    "Read more: ",
    "Share this article",
    "© AFP / Getty Images",
    "13:34 GMT 16 May 2021",
    "The minister said the plan would cost more than expected.",
    "and then the council",
    "Related Stories",
    "India, Russia, Pakistan, space, weapons",
    "By Jane Smith",
    "Image caption ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(list("\n\r\t -#*•.,:©|\xa0\u200b") + _FRAGMENTS),
        ),
        max_size=40,
    ).map("".join)
)
def test_property_never_raises_and_keeps_input_text(raw: str) -> None:
    result = clean_text(raw)
    flat = normalize_whitespace(raw)
    for paragraph in result.paragraphs:
        assert paragraph and paragraph in flat
    if result.title is not None:
        assert result.title in flat
    assert isinstance(derive_title(result.paragraphs), str)


# --------------------------------------------------------------------------------------------
# Noisy versions of real articles: body recall and junk removal.
#
# The classifier was developed against BBC "business" and "entertainment" articles only
# (see DEV_SETS); the asserted figures come from BBC "politics", "tech" and CNN/DailyMail,
# which were not looked at while tuning.

DEV_SETS = ("business", "entertainment")
TEST_SETS = ("politics", "tech")

_TIMESTAMPS = [
    "Published 14:02 GMT, 3 March 2005",
    "Updated 2 hours ago",
    "Tuesday 12 April 2016 09.30 BST",
    "Last modified on Wed 4 May 2022 11.15 EDT",
    "16 May 2021, 13:34 GMT",
    "March 3, 2005 / 2:15 PM / Updated 4 hours ago",
    "2005-03-03 14:02",
]
_TOP_NAV = [
    ["Share"],
    ["Share this article"],
    ["Listen Live"],
    ["Facebook", "Twitter", "Email"],
    ["Skip to main content"],
    ["Share on Facebook", "Share on Twitter"],
    ["5 min read"],
    ["Copy link"],
]
_SECTIONS = ["Business", "World", "Politics", "Technology", "UK Politics", "Entertainment & Arts"]
_BYLINES = ["By Jane Smith", "By Tom Brown, Business reporter", "By Alice Green and Bob White"]
_CREDITS = [
    "© AFP / Getty Images",
    "Photo: Reuters",
    "Getty Images",
    "REUTERS/Kevin Lamarque",
    "Photograph: Joe Bloggs/PA",
    "© Sputnik / Ivan Petrov",
]
_PROMPTS = [
    "Sign up for our morning newsletter to get the top stories every day.",
    "Subscribe to our newsletter",
    "Share this article",
    "Click here to read more",
    "Follow us on Twitter and Facebook",
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
]
_FOOTERS = [
    ["Comments (12)"],
    ["© 2021 Example News Ltd. All rights reserved."],
    ["Reporting by Jane Smith; Editing by Tom Brown"],
    ["Community standards"],
    ["Share this article"],
    ["Cookie settings"],
]


@dataclass
class Noisy:
    """A noisy page paste built from one article, with what should survive and what not."""

    text: str
    title: str | None
    body: list[str]
    junk: list[str]


def _bbc_articles(category: str, count: int) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of evenly spaced articles from one BBC category."""
    files = sorted((BBC / category).glob("*.txt"))
    step = max(1, len(files) // count)
    articles = []
    for path in files[::step][:count]:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        title = lines[0].strip()
        paragraphs = [p.strip() for p in lines[1:] if p.strip()]
        articles.append((title, paragraphs))
    return articles


def _cnndm_articles(count: int) -> list[tuple[str | None, list[str]]]:
    """Untitled CNN/DailyMail articles, sentences grouped into paragraphs of 2-3 sentences."""
    rows = [json.loads(line) for line in CNNDM.read_text(encoding="utf-8").splitlines()]
    # Skip stories whose text still carries DailyMail's own page header ("By . ... PUBLISHED:").
    rows = [r for r in rows if "PUBLISHED:" not in r["article"] and "By ." not in r["article"]]
    step = max(1, len(rows) // count)
    articles: list[tuple[str | None, list[str]]] = []
    for row in rows[::step][:count]:
        sentences = split_sentences(row["article"])
        groups = [sentences[i : i + 3] for i in range(0, len(sentences), 3)]
        paragraphs = [normalize_whitespace(" ".join(group)) for group in groups]
        articles.append((None, paragraphs[:12]))
    return articles


def _tag_line(paragraphs: list[str], rng: random.Random) -> str:
    """A site's comma-separated tag line, made of capitalised words from the story."""
    names = sorted({w for p in paragraphs for w in re.findall(r"\b[A-Z][a-z]{3,}\b", p)})
    picked = rng.sample(names, min(len(names), rng.randint(4, 8)))
    picked += rng.sample(["economy", "politics", "markets", "technology", "elections"], 2)
    while len(picked) < 4:
        picked.append("news")
    rng.shuffle(picked)
    return ", ".join(picked)


def _caption(donor: list[str], rng: random.Random) -> str:
    """A photo caption: the start of a sentence from another story, without end punctuation."""
    sentence = rng.choice(split_sentences(rng.choice(donor)))
    return " ".join(sentence.rstrip(".!?\"'").split()[: rng.randint(8, 22)])


def make_noisy(
    title: str | None,
    paragraphs: list[str],
    headlines: list[str],
    donor: list[str],
    rng: random.Random,
) -> Noisy:
    """Wrap an article in realistic page junk: header, in-body widgets and footer."""
    blocks: list[list[str]] = []  # each block is a run of adjacent lines
    junk: list[str] = []

    def add(lines: list[str], is_junk: bool) -> None:
        blocks.append(lines)
        if is_junk:
            junk.extend(lines)

    header: list[str] = []
    if rng.random() < 0.5:
        header += [rng.choice(_SECTIONS)]
    header += rng.choice(_TOP_NAV) if rng.random() < 0.7 else []
    if header:
        add(header, True)
    if title is not None:
        add([title], False)
    meta = [rng.choice(_TIMESTAMPS)] if rng.random() < 0.7 else []
    meta += [rng.choice(_BYLINES)] if rng.random() < 0.4 else []
    if meta:
        add(meta, True)

    for index, paragraph in enumerate(paragraphs):
        add([paragraph], False)
        if index == len(paragraphs) - 1 or rng.random() > 0.45:
            continue
        kind = rng.randrange(6)
        if kind == 0:
            prefix = rng.choice(["Read more: ", "READ MORE: ", "RELATED: ", "See also: "])
            add([prefix + rng.choice(headlines)], True)
        elif kind == 1:
            header_line = [rng.choice(["Related stories", "More on this story", "Most read"])]
            links = rng.sample(headlines, rng.randint(2, 4))
            add((header_line if rng.random() < 0.6 else []) + links, True)
        elif kind == 2:
            add([_caption(donor, rng), rng.choice(_CREDITS)], True)
        elif kind == 3:
            add(["Image copyright " + rng.choice(["Getty Images", "AFP", "Reuters"])], True)
            add(["Image caption " + _caption(donor, rng)], True)
        else:
            add([rng.choice(_PROMPTS)], True)

    footer = rng.choice(_FOOTERS) if rng.random() < 0.6 else []
    if rng.random() < 0.6:
        footer = [_tag_line(paragraphs, rng), *footer]
    if rng.random() < 0.4:
        footer = ["Most read", *rng.sample(headlines, 3), *footer]
    if footer:
        add(footer, True)

    # Vary how the page was pasted: blank-line or single-newline blocks, indents, CRLF, NBSP.
    separator = rng.choice(["\n\n", "\n\n", "\n"])
    indent = rng.choice(["", "", "    ", "\t"])
    text = separator.join("\n".join(indent + line for line in block) for block in blocks)
    if rng.random() < 0.3:
        text = text.replace(" of ", " of\xa0")
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    body = [normalize_whitespace(p) for p in paragraphs]
    return Noisy(text, title, body, [normalize_whitespace(j) for j in junk])


@dataclass
class Score:
    """Counts over a set of noisy articles."""

    body_kept: int = 0
    body_total: int = 0
    junk_dropped: int = 0
    junk_total: int = 0
    titles_right: int = 0
    titles_total: int = 0

    @property
    def recall(self) -> float:
        return self.body_kept / max(1, self.body_total)

    @property
    def junk_removal(self) -> float:
        return self.junk_dropped / max(1, self.junk_total)


def evaluate(articles: list[tuple[str | None, list[str]]], seed: int, rounds: int = 3) -> Score:
    """Clean noisy versions of the articles and count what survived."""
    rng = random.Random(seed)
    # Untitled sets (CNN/DM) borrow headline-like snippets: each story's first eight words.
    headlines = [title for title, _ in articles if title] or [
        " ".join(paragraphs[0].split()[:8]).rstrip(",;:-–— ") for _, paragraphs in articles
    ]
    score = Score()
    for _ in range(rounds):
        for index, (title, paragraphs) in enumerate(articles):
            donor = articles[(index + 1) % len(articles)][1]
            others = [h for h in headlines if h != title]
            noisy = make_noisy(title, paragraphs, others, donor, rng)
            result = clean_text(noisy.text)
            kept = set(result.paragraphs)
            # A body paragraph comes back less the furniture printed inside it (issue 12:
            # "Scroll down for video" mid-paragraph), as the pieces either side of each cut.
            score.body_kept += sum(set(strip_furniture([p])[0]) <= kept for p in noisy.body)
            score.body_total += len(noisy.body)
            dropped = set(result.dropped)
            score.junk_dropped += sum(j in dropped for j in noisy.junk)
            score.junk_total += len(noisy.junk)
            if title is not None:
                score.titles_total += 1
                score.titles_right += result.title == normalize_whitespace(title)
    return score


def _require_shared() -> None:
    if not BBC.is_dir() or not CNNDM.is_file():
        pytest.skip(f"shared evaluation data not found under {SHARED}")


def _ends_sentence(text: str) -> bool:
    return text.rstrip("\"'’” ").endswith((".", "!", "?"))


INLINE_REASONS = {
    "widget",
    "share-prompt",
    "photo-credit",
    "caption",
    "byline",
    "timestamp",
    "standfirst",
}


def test_clean_articles_come_back_unchanged() -> None:
    _require_shared()
    for title, paragraphs in _bbc_articles("politics", 15) + _bbc_articles("tech", 15):
        result = clean_text(title + "\n\n" + "\n\n".join(paragraphs))
        assert result.title == title
        assert result.paragraphs == [normalize_whitespace(p) for p in paragraphs]
    for _, paragraphs in _cnndm_articles(15):
        result = clean_text("\n\n".join(paragraphs))
        # Daily Mail copy carries "Scroll down for video" inside its paragraphs (issue 12):
        # that, and only inline furniture, may go; every other word comes back in order.
        # With run-ons split (issue 12, item 2) a photo caption glued to a sentence becomes a
        # line of its own, which the line cleaner drops: a caption has no end punctuation.
        assert all(
            cut.reason in INLINE_REASONS or not _ends_sentence(cut.text) for cut in result.cuts
        )
        expected = " ".join(" ".join(paragraphs).split())
        for cut in result.cuts:
            expected = expected.replace(cut.text, " ", 1)
        assert " ".join(result.paragraphs).split() == expected.split()


@pytest.mark.parametrize(
    ("name", "recall", "removal"),
    [("bbc-politics-tech", 0.97, 0.9), ("cnndm", 0.97, 0.9)],
)
def test_noisy_articles(name: str, recall: float, removal: float) -> None:
    _require_shared()
    if name == "cnndm":
        articles = _cnndm_articles(30)
    else:
        articles = [a for category in TEST_SETS for a in _bbc_articles(category, 15)]
    score = evaluate(articles, seed=20240516)
    print(f"{name}: recall={score.recall:.3f} junk_removal={score.junk_removal:.3f}")
    assert score.recall >= recall
    assert score.junk_removal >= removal
    if score.titles_total:
        assert score.titles_right / score.titles_total >= 0.9
