"""Hostile and malformed input: property tests of everything that reads user text.

Generated inputs mix any Unicode (astral emoji, combining marks, right-to-left text, bidi
overrides, control characters) with markup fragments (<b>, &amp;, unbalanced tags) and news
words; a few explicit 1 MB strings ride along. The properties: nothing raises (beyond the
documented refusals), every reply is Telegram HTML that Telegram accepts (allowed tags,
balanced, well-formed entities, 1–4,096 UTF-16 code units after entity parsing), summaries
only quote their story, and splitting never loses a word.

``make test`` runs a few hundred examples per property (the whole file in well under two
minutes on two cores). ``STORYBOT_SOAK=1`` runs 10,000 examples of every property.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.messages import Problem, Refusal, say
from bot.nlp.answers.question import MAX_QUESTION_CHARS, read_question
from bot.nlp.cleaning import clean_text, normalize_whitespace
from bot.nlp.summaries import (
    METHODS,
    StoryText,
    SummaryLength,
    TextTooShort,
    UnsupportedLanguage,
    summarize,
)
from bot.nlp.tokenizer import SyntokTokenizer, split_sentences, words
from bot.services.ingest import Ingestor
from bot.services.schedules import ScheduleError, parse_digest_args
from bot.services.settings import change, describe, parse_length
from bot.services.stories import (
    Saved,
    StoryFacts,
    StoryPage,
    StoryService,
    StorySummary,
    parse_story_id,
)
from db.store import Store, Story, fts_query
from handlers.render import (
    Block,
    answer_reply,
    facts_reply,
    render,
    saved_reply,
    story_page_reply,
    summary_reply,
    text_reply,
)
from tests.conftest import article
from tests.support.telegram_html import telegram_text

# -- profiles --------------------------------------------------------------------------------

SOAK = os.environ.get("STORYBOT_SOAK", "").strip().lower() in {"1", "true", "yes", "on"}
SOAK_EXAMPLES = 10_000

settings.register_profile(
    "storybot-properties",
    deadline=None,  # timing varies on a loaded CI box; the budget is the whole file's time
    # make test is a gate: the same examples every run, so a red CI run is never luck. The
    # soak profile explores afresh each time, and what it finds becomes an @example here.
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "storybot-soak",
    parent=settings.get_profile("storybot-properties"),
    max_examples=SOAK_EXAMPLES,
    derandomize=False,
)
# Not loaded globally: each property asks for its own count, so other test files are unchanged.
PROFILE = settings.get_profile("storybot-soak" if SOAK else "storybot-properties")


def examples(default: int) -> settings:
    """Settings for one property: ``default`` examples, or 10,000 under STORYBOT_SOAK."""
    return settings(PROFILE, max_examples=SOAK_EXAMPLES if SOAK else default)


# -- inputs ----------------------------------------------------------------------------------

HOSTILE = [
    "<b>",
    "</b>",
    "</a>",
    "<i>",
    '<a href="x">',
    "<script>alert(1)</script>",
    "<b>x</a><script>",
    "&amp;",
    "&",
    "&lt;",
    "&#",
    "&#x1F600;",
    "&bogus;",
    ";",
    "<",
    ">",
    '"',
    "'",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\n\n",
    "\n \n",
    "\u2028",
    "\u2029",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200f",
    "שלום עולם",
    "مرحبا بالعالم؟",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇺🇳",
    "𝕳𝖊𝖑𝖑𝖔",
    "𠜎𠜱",
    "e\u0301",
    "ﷺ",
    "²",
    "١٢٣",
    "İ",
    "ß",
    "\u00a0",
    "\u3000",
    ".",
    "?",
    "!",
    "…",
    "Dr.",
    "U.S.",
    '"Quote."',
    "—",
    "-\n",
    "*",
    "# ",
    "- ",
    "1. ",
    "(",
    ")",
    "@storybot",
    "/start",
    "https://example.com/a?b=1&c=<2>",
]
_NEWS = (
    "the council approved plan on Monday President Smith said water bridge satellite India "
    "missile tested in March 2019 officials confirmed project will go ahead after months of "
    "debate critics argue costs were underestimated Reuters London Paris minister signed a "
    "joint statement with Germany France about climate talks police arrested two men"
)
NEWS_WORDS = _NEWS.split()

pieces = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(NEWS_WORDS).map(lambda w: w + " "),
    st.text(max_size=6),  # any code point but lone surrogates, astral planes included
)
hostile_text = st.one_of(
    st.text(max_size=400),
    st.lists(pieces, max_size=120).map("".join),
)


@st.composite
def news_sentence(draw) -> str:
    """An English-looking sentence with hostile fragments mixed in."""
    tokens = draw(st.lists(st.one_of(st.sampled_from(NEWS_WORDS), pieces), min_size=3, max_size=25))
    text = " ".join(tokens).strip() or "The council met"
    return text[:1].upper() + text[1:] + draw(st.sampled_from([".", "!", "?", ".", "…", ""]))


news_paragraph = st.lists(news_sentence(), min_size=1, max_size=5).map(" ".join)
news_story = st.lists(news_paragraph, min_size=1, max_size=10)

MB = 1_000_000
HUGE = [
    "a" * MB,  # one endless word
    "word " * (MB // 5),  # one endless sentence
    "<b>&amp;</a>😀\u202e" * (MB // 12),  # markup, an astral emoji, a bidi override
    "\n\n".join(article(f"topic {i}") for i in range(MB // 730)),  # 1 MB of real paragraphs
]


# -- a Telegram HTML validator: tests/support/telegram_html.py


def check_reply(reply) -> list[str]:
    """Every message of a Reply is valid; their plain texts. Buttons' data fits Telegram."""
    assert reply.messages
    for row in reply.buttons:
        for button in row:
            assert 1 <= len(button.data.encode()) <= 64 and button.label
    return [telegram_text(message) for message in reply.messages]


def test_the_validator_refuses_what_telegram_refuses() -> None:
    for bad in [
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "<script>x</script>",
        "a & b",
        "a < b",
        "a > b",
        "",
    ]:
        with pytest.raises(AssertionError):
            telegram_text(bad)
    with pytest.raises(AssertionError):
        telegram_text("😀" * 2049)  # 4,098 UTF-16 units
    assert telegram_text('<a href="https://x/?a=1&amp;b">&lt;b&gt; 😀</a>') == "<b> 😀"


# -- the cleaner -----------------------------------------------------------------------------

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e]")


@examples(800)
@given(hostile_text)
@example(HUGE[0])
@example(HUGE[2])
@example(HUGE[3])
def test_cleaner_keeps_only_clean_lines_of_its_input(raw: str) -> None:
    cleaned = clean_text(raw)
    source_words = set(words(normalize_whitespace(raw)))
    for line in [*cleaned.paragraphs, *([cleaned.title] if cleaned.title else [])]:
        assert line and line == line.strip() and not _INVISIBLE.search(line), repr(line)
        assert set(words(line)) <= source_words
    assert cleaned.text == "\n\n".join(cleaned.paragraphs)


# -- the sentence splitter -------------------------------------------------------------------


def _visible(text: str) -> str:
    """The text without whitespace or invisible format characters (a lone zero-width space
    is no sentence)."""
    return "".join(c for c in "".join(text.split()) if unicodedata.category(c) != "Cf")


@examples(500)
@given(st.one_of(hostile_text, news_paragraph))
@example(HUGE[1])
@example(HUGE[2])
@example(HUGE[3])
@example("\u200b")  # found by hypothesis: a lone zero-width space
def test_splitter_keeps_every_character_in_order(text: str) -> None:
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    assert _visible("".join(sentences)) == _visible(text)  # no word lost, split or reordered
    if len(text) < 10_000:  # sumy's view of the same splitter (not re-run on the 1 MB ones)
        tokenizer = SyntokTokenizer()
        assert tokenizer.to_sentences(text) == tuple(sentences)
        assert [w for s in sentences for w in tokenizer.to_words(s)] == [
            w for s in sentences for w in words(s)
        ]


# -- the summarizer --------------------------------------------------------------------------

lengths = st.one_of(
    st.integers(1, 50).map(lambda n: SummaryLength(sentences=n)),
    st.integers(5, 1000).map(lambda n: SummaryLength(sentences=None, words=n)),
    st.tuples(st.integers(1, 50), st.integers(5, 1000)).map(
        lambda p: SummaryLength(sentences=p[0], words=p[1])
    ),
)


def check_summary(title: str | None, paragraphs: list[str], length, method: str) -> None:
    try:
        result = summarize(StoryText(title, paragraphs), length, method)
    except (TextTooShort, UnsupportedLanguage):
        return
    source = " ".join(" ".join(p.split()) for p in paragraphs)
    assert result.sentences, "a summary of a long enough story is never empty"
    if length.sentences is not None:
        assert len(result.sentences) <= length.sentences
    for sentence in result.sentences:
        # A leading dateline ("LONDON (CNN) --") may be cut from the first sentence; the rest
        # of every sentence is the story's own text, whitespace aside.
        assert sentence in source, f"{sentence!r} is not in the story"


@examples(150)
@given(st.sampled_from(METHODS), st.one_of(st.none(), hostile_text), news_story, lengths)
def test_summaries_only_quote_the_story(method, title, paragraphs, length) -> None:
    check_summary(title, paragraphs, length, method)


@examples(300)
@given(st.sampled_from(METHODS), st.lists(hostile_text, max_size=6), lengths)
def test_summarizer_refuses_noise_politely(method, paragraphs, length) -> None:
    check_summary(None, paragraphs, length, method)


@pytest.mark.parametrize("huge", [HUGE[1], HUGE[3]], ids=["one-sentence", "paragraphs"])
def test_summarizing_a_megabyte_is_quick(huge: str) -> None:
    check_summary("Title", huge.split("\n\n"), SummaryLength(3), "auto")  # what the bot uses


# -- questions and answers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def answer_store(tmp_path_factory) -> Store:
    """Chat 1 holds three stories; chat 2 holds one that chat 1 must never be answered from."""
    store = Store(Path(tmp_path_factory.mktemp("answers")) / "answers.db")
    ingestor = Ingestor(store)
    sample = (Path(__file__).parents[1] / "bot" / "samples" / "sputnik-asat-2019.txt").read_text()
    for text in (sample, article("harbour bridge"), article("water <b>&amp; power")):
        assert ingestor.add_text(1, text).added
    assert ingestor.add_text(2, article("secret tunnel")).added
    yield store
    store.close()


questions = st.one_of(
    hostile_text,
    st.tuples(
        st.sampled_from(["Who", "What", "When", "Where", "Why", "How many", "Which", "Did"]),
        st.lists(st.one_of(st.sampled_from(NEWS_WORDS), st.sampled_from(HOSTILE)), max_size=12),
    ).map(lambda q: f"{q[0]} {' '.join(q[1])}?"),
)
FTS_SYNTAX = ['"', "*", "NEAR(", ":", "(", ")", "-", "^", "OR", "AND NOT", '"unbalanced', "+"]


@examples(400)
@given(questions)
@example("x" * MB)
@example('who "tested NEAR(India OR missile) AND NOT * -^: ( "')
def test_answers_come_from_this_chats_stories(answer_store: Store, question: str) -> None:
    from bot.nlp.answers import answer

    chat = answer_store.chat(1)
    result = answer(chat, question)
    check_reply(answer_reply(result))
    if result.answer is None:
        assert result.reason
        if result.sentence is None:
            return
    story = chat.story(result.story_id)
    assert story is not None, "answered from another chat's story"
    assert result.sentence.strip()
    assert result.answer is None or result.answer.strip()


@examples(300)
@given(questions)
@example("x" * MB)
def test_question_parser_takes_anything(question: str) -> None:
    parsed = read_question(question)
    assert len(parsed.text) <= MAX_QUESTION_CHARS
    assert parsed.ok or parsed.problem
    assert all(t.lemma == t.lemma.lower() and t.stems for t in parsed.terms)


@examples(300)
@given(st.lists(st.one_of(st.sampled_from(FTS_SYNTAX), hostile_text), max_size=80).map(" ".join))
def test_search_never_passes_fts5_syntax(answer_store: Store, query: str) -> None:
    service = StoryService(answer_store)
    found = service.search(1, query)  # an FTS5 syntax error would raise sqlite3.OperationalError
    assert all(story.chat_id == 1 for story in found)
    safe = fts_query(query)
    if safe is not None:
        assert re.fullmatch(r'"\w+"(?: "\w+")*', safe) and safe.count('"') <= 128


# -- command arguments -----------------------------------------------------------------------


@examples(1200)
@given(st.one_of(hostile_text, st.from_regex(r"\s*\d{1,5}\s*(w|words?|s|sentences?)?\s*")))
@example("")
@example("9" * 5000)
def test_length_argument(text: str) -> None:
    length = parse_length(text)
    if length is not None:
        assert (length.sentences is None) != (length.words is None)
        assert length.sentences is None or 1 <= length.sentences <= 50
        assert length.words is None or 5 <= length.words <= 1000


@examples(1200)
@given(st.one_of(hostile_text, st.from_regex(r"\d{1,30}"), st.sampled_from(["²", "١٢", "0"])))
@example("9" * 5000)
def test_story_id_argument_and_callback_data(text: str) -> None:
    story_id = parse_story_id(text)
    assert story_id is None or 1 <= story_id < 2**63
    for data in (f"short:{text}", f"del:{text}"):  # the buttons' pattern, then their parse
        if re.fullmatch(r"(short|del):\d+", data):
            value = parse_story_id(data.partition(":")[2])
            assert value is None or value < 2**63


@pytest.fixture(scope="module")
def settings_store(tmp_path_factory) -> Store:
    store = Store(Path(tmp_path_factory.mktemp("settings")) / "settings.db")
    yield store
    store.close()


@examples(500)
@given(
    st.one_of(st.sampled_from(["length", "timezone", "tz", "saved", "LENGTH"]), hostile_text),
    st.one_of(
        hostile_text,
        st.sampled_from(["Europe", "Europe/", "a" * 300, "../etc/passwd", "UTC", "60w", "on"]),
    ),
)
def test_settings_arguments(settings_store: Store, name: str, value: str) -> None:
    chat = settings_store.chat(7)
    before = describe(chat)
    result = change(chat, name, value)
    assert result.message
    if not result.ok:
        assert describe(chat) == before, "a refused setting changed something"
    check_reply(text_reply(result.message))


digest_args = st.lists(
    st.one_of(
        st.sampled_from(["daily", "weekly", "off", "status", "from", "mon", "09:00", "25:00"]),
        st.sampled_from(["Europe", "Europe/Berlin", "a" * 300, "../../etc/passwd", "UTC"]),
        hostile_text,
    ),
    max_size=5,
)


@examples(1000)
@given(digest_args, st.one_of(st.none(), hostile_text))
@example(["daily", "09:00", "Europe"], None)
@example(["daily", "09:00", "x" * 300], "Europe")
def test_digest_arguments(args: list[str], zone: str | None) -> None:
    try:
        command = parse_digest_args(args, 5, zone)
    except ScheduleError as error:
        check_reply(text_reply(say(error)))
        return
    assert command.action in {"now", "set", "off", "status", "from"}


@examples(1000)
@given(st.lists(st.one_of(st.sampled_from(FTS_SYNTAX), hostile_text), max_size=200))
def test_search_and_forget_arguments(args: list[str]) -> None:
    # /search joins its words: however many, the FTS5 query keeps at most 64 quoted words.
    query = fts_query(" ".join(args))
    assert query is None or query.count('"') <= 128
    # /forget: "all", a story id, or nothing usable (then the replied story, or the usage).
    argument = " ".join(args).strip().lower()
    if argument != "all":
        story_id = parse_story_id(argument)
        assert story_id is None or 1 <= story_id < 2**63


# -- the HTML formatter and the message splitter ---------------------------------------------

tags = st.sampled_from([None, "b", "i", "code", "blockquote", "pre", "u", "s"])
blocks = st.builds(
    Block,
    text=hostile_text,
    tag=tags,
    href=st.one_of(st.none(), st.none(), st.sampled_from(["https://example.com/?a=1&b=<2>"])),
)


@examples(1000)
@given(st.lists(blocks, max_size=8))
@example([Block(HUGE[0])])
@example([Block(HUGE[1], "b")])
@example([Block(HUGE[2], "blockquote")])
@example([Block("😀" * 3000)])
@example([Block('" & <' * 1000, href="https://example.com/")])
def test_render_makes_valid_messages_that_keep_every_word(blocks: list[Block]) -> None:
    texts = check_reply(render(blocks))
    wanted = _visible("".join(b.text for b in blocks))
    got = _visible("".join(texts))
    assert got == (wanted or "…")  # nothing lost, nothing added but the empty reply's "…"


stories = st.builds(
    Story,
    id=st.integers(1, 2**63 - 1),
    chat_id=st.integers(-(2**52), 2**52),
    title=hostile_text,
    source=st.one_of(st.none(), hostile_text),
    source_kind=st.sampled_from(["text", "forward", "document", "channel"]),
    url=st.one_of(st.none(), st.just("https://example.com/a?b=1&c=<2>")),
    text=hostile_text,
    content_hash=st.just("x"),
    word_count=st.integers(0, 10_000),
    added_at=st.just("2024-01-01T00:00:00+00:00"),
    published=st.none(),
    added_by=st.none(),
    message_id=st.none(),
    language=st.none(),
)


@examples(300)
@given(
    stories,
    st.lists(hostile_text, max_size=6),
    st.one_of(st.none(), hostile_text),
    st.data(),
)
def test_every_reply_is_valid_telegram_html(story, sentences, note, data) -> None:
    from bot.nlp.answers import Answer, Facts
    from bot.services.ingest import IngestOutcome

    # A summary's reason whose wording quotes hostile text (a language's name).
    lead = None
    if note is not None:
        language = Refusal(Problem.STORY_NOT_ENGLISH, {"id": 1, "language": note})
        lead = Refusal(Problem.LEAD_INSTEAD, {"because": language})
    summary = StorySummary(story, sentences, SummaryLength(), lead)
    check_reply(summary_reply(summary))
    for status in ("added", "duplicate", "rejected"):
        # A refusal whose wording quotes hostile text (a stored story's title).
        reason = None if note is None else Refusal(Problem.ALREADY_SAVED, {"id": 1, "title": note})
        outcome = IngestOutcome(status, story, reason=reason)
        check_reply(saved_reply(Saved(outcome, summary if status == "added" else None)))
    page = data.draw(st.integers(0, 3))
    check_reply(story_page_reply(StoryPage([story] * data.draw(st.integers(0, 8)), page, 4, 30)))
    check_reply(story_page_reply(StoryPage([], 0, 1, 0)))
    check_reply(text_reply(story.title, data.draw(tags)))
    shown = data.draw(st.one_of(st.none(), hostile_text.filter(str.strip)))
    # A reason whose wording quotes hostile text (a language's name).
    why = None if note is None else Refusal(Problem.STORY_NOT_ENGLISH, {"id": 1, "language": note})
    result = Answer(
        shown, "who", data.draw(st.one_of(st.none(), hostile_text)), note or "", story.id,
        story.title, why,
    )  # fmt: skip
    check_reply(answer_reply(result))
    facts = Facts(*(data.draw(st.one_of(st.none(), hostile_text)) for _ in range(4)))
    check_reply(facts_reply(StoryFacts(story, facts)))
    if note is not None:
        refused = Refusal(Problem.FACTS_NOT_ENGLISH, {"language": note})
        check_reply(facts_reply(StoryFacts(story, None, refused)))
