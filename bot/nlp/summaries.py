"""Extractive summaries of news stories.

Every algorithm is one class with the same call, ``summarizer(document, length) -> list[str]``,
returning sentences of the story in the story's order. ``NewsSummarizer`` (method ``"auto"``)
combines a centrality signal (LexRank, computed with sumy's power method over a vectorised
similarity graph) with what news writing gives away for free: the lead, overlap with the
headline, names and numbers, a sentence-length prior and penalties for quotes, captions,
questions, fragments and bylines. Sentences are then picked greedily with a redundancy penalty
(MMR) under a sentence and/or word budget. The plain sumy algorithms are wrapped behind the same
call for comparison. Tokenizing goes through ``bot.nlp.tokenizer`` (syntok), so NLTK data is never
needed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from bot.messages import Problem, Refused
from bot.nlp.furniture import sentence_reason
from bot.nlp.languages import UnsupportedLanguage, stemmer, stop_words, summary_language
from bot.nlp.news_cues import cues, dateline_at
from bot.nlp.tokenizer import SyntokTokenizer, paragraph_sentences, words

__all__ = [
    "METHODS",
    "SUMY_METHODS",
    "SumyMethod",
    "EdmundsonWrapper",
    "LeadSummarizer",
    "NewsSummarizer",
    "StoryText",
    "Summary",
    "SummaryLength",
    "TextTooShort",
    "UnsupportedLanguage",
    "detect_language",
    "display_words",
    "get_summarizer",
    "longer",
    "shorter",
    "summarize",
    "summarize_many",
]

METHODS: tuple[str, ...] = (
    "auto",
    "lead",
    "lexrank",
    "textrank",
    "lsa",
    "luhn",
    "kl",
    "sumbasic",
    "edmundson",
)

# Fewer than this many sentences or words is not worth summarizing: the story is its own summary.
MIN_SENTENCES = 2
MIN_WORDS = 15
# More sentences than any news story has; beyond them the text is not read. The similarity
# matrix is n x n, so a 1 MB file (8,400 sentences) took 20 s and 2.3 GB to summarize.
MAX_SENTENCES = 600


class TextTooShort(Refused, ValueError):
    """The text has too few sentences or words to summarize (``error.refusal`` says why)."""


@dataclass(frozen=True)
class StoryText:
    """A cleaned story: optional headline plus its paragraphs."""

    title: str | None
    paragraphs: Sequence[str]


@dataclass(frozen=True)
class SummaryLength:
    """How long a summary may be: at most ``sentences`` sentences and/or ``words`` words."""

    sentences: int | None = 3
    words: int | None = None

    def __post_init__(self) -> None:
        if self.sentences is None and self.words is None:
            raise ValueError("SummaryLength needs a sentence or a word limit")
        if self.sentences is not None and self.sentences < 1:
            raise ValueError("SummaryLength.sentences must be at least 1")
        if self.words is not None and self.words < 1:
            raise ValueError("SummaryLength.words must be at least 1")


@dataclass
class Summary:
    """Sentences of a summary in story order, with the method and language used."""

    sentences: list[str]
    method: str
    language: str
    # A word budget no sentence fits: the one sentence returned is longer than asked.
    over_budget: bool = False

    @property
    def words(self) -> int:
        """Words in the summary, counted as a reader counts them (``display_words``)."""
        return sum(display_words(s) for s in self.sentences)


def display_words(text: str) -> int:
    """Words as a reader counts them: whitespace-separated pieces holding a letter or digit.

    Word budgets are promises to the reader ("60w"), so they are kept in these words, not in
    the tokenizer's (which splits "Kalam/Island" and joins "A.P.J.").
    """
    return sum(1 for piece in text.split() if any(c.isalnum() for c in piece))


def shorter(length: SummaryLength) -> SummaryLength:
    """One step shorter: one sentence fewer (min 1), a third fewer words (min 10)."""
    sentences = None if length.sentences is None else max(1, length.sentences - 1)
    word_count = None if length.words is None else max(10, round(length.words * 0.67))
    return SummaryLength(sentences=sentences, words=word_count)


def longer(length: SummaryLength) -> SummaryLength:
    """One step longer: one sentence more, half as many words again."""
    sentences = None if length.sentences is None else length.sentences + 1
    word_count = None if length.words is None else max(length.words + 1, round(length.words * 1.5))
    return SummaryLength(sentences=sentences, words=word_count)


# --------------------------------------------------------------------------------------------
# Language


# Which language a story is in, and its stop words and stemmer: bot.nlp.languages.
_stop_words = stop_words
_stemmer = stemmer


def detect_language(text: str) -> str:
    """The name of the text's language ('english'), if it can be summarized; else
    UnsupportedLanguage says so in one line."""
    return summary_language(text)


# --------------------------------------------------------------------------------------------
# Preparing a story

# Wire-service datelines and bylines that open a story and are no part of a sentence's content.
_LEADING_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z .,'-]{0,60}\s)?"
    r"\((?:CNN|AP|Reuters|AFP|EW\.com|CNNMoney)\)\s*(?:--|—|-)?\s*"
)
_BYLINE = re.compile(
    r"^\s*(?:By\s+[.\w]|PUBLISHED:|UPDATED:|Last updated|Follow @|Click here|Scroll down|"
    r"Share this|READ MORE|Read more|Sign up|Copyright|\(?Photo:|Image:)",
)
_QUOTE_CHARS = "\"“”‘’'«»„"
_TERMINAL = (".", "!", "?", "…", '"', "”", "’", "'", ")", "»")
_NUMBER = re.compile(r"\d")


@dataclass
class _Story:
    """A story split into sentences, with the per-sentence token data every method needs."""

    sentences: list[str]
    paragraph_of: list[int]
    language: str
    title_text: str
    title_stems: frozenset[str]
    tokens: list[list[str]] = field(default_factory=list)
    content: list[list[str]] = field(default_factory=list)
    # Per sentence: it opened with a wire dateline (before _clean_sentence cut it), and it is
    # page furniture by bot.nlp.furniture's sentence rules (left by text stored before them).
    datelines: list[bool] = field(default_factory=list)
    furniture: list[bool] = field(default_factory=list)

    @property
    def word_counts(self) -> list[int]:
        """Number of word tokens per sentence."""
        return [len(t) for t in self.tokens]

    @property
    def display_sizes(self) -> list[int]:
        """Words per sentence as a reader counts them: what word budgets are kept in."""
        return [display_words(s) for s in self.sentences]


def _clean_sentence(sentence: str, first: bool) -> str:
    """Drop a leading dateline such as "LONDON (CNN) --" from the story's first sentence."""
    if first:
        sentence = _LEADING_DATELINE.sub("", sentence, count=1)
    return " ".join(sentence.split())


def _prepare(document: StoryText) -> _Story:
    """Split a story into sentences, detect its language and tokenize and stem every sentence."""
    paragraphs = [p for p in (document.paragraphs or []) if p and p.strip()]
    sentences: list[str] = []
    paragraph_of: list[int] = []
    datelines: list[bool] = []
    for index, paragraph in enumerate(paragraphs):
        if len(sentences) >= MAX_SENTENCES:
            break
        for raw in paragraph_sentences(paragraph):
            text = _clean_sentence(raw, first=not sentences)
            if words(text) and len(sentences) < MAX_SENTENCES:
                sentences.append(text)
                paragraph_of.append(index)
                datelines.append(dateline_at(raw))
    all_tokens = [words(s) for s in sentences]
    total = sum(len(t) for t in all_tokens)
    if len(sentences) < MIN_SENTENCES or total < MIN_WORDS:
        raise TextTooShort(Problem.TEXT_TOO_SHORT, sentences=MIN_SENTENCES, words=MIN_WORDS)
    language = detect_language(" ".join(sentences[:12]))
    stop, stem = _stop_words(language), _stemmer(language)
    lowered = [[t.lower() for t in toks] for toks in all_tokens]
    content = [[stem(t) for t in toks if t not in stop] for toks in lowered]
    title_tokens = [t.lower() for t in words(document.title or "")]
    title_stems = frozenset(stem(t) for t in title_tokens if t not in stop)
    title_text = " ".join((document.title or "").split())
    furniture = [sentence_reason(s) is not None for s in sentences]
    return _Story(
        sentences,
        paragraph_of,
        language,
        title_text,
        title_stems,
        all_tokens,
        content,
        datelines,
        furniture,
    )


# --------------------------------------------------------------------------------------------
# Selecting sentences under a length budget


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine similarity of two sets of stems (binary vectors)."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


# Sentences this similar are the same fact told twice, whatever the method.
_DUPLICATE = 0.7


def _select(
    scores: Sequence[float],
    sizes: Sequence[int],
    stems: Sequence[frozenset[str]],
    length: SummaryLength,
    redundancy: float = 0.0,
    groups: Sequence[int] | None = None,
    spread: float = 0.0,
) -> list[int]:
    """Greedy MMR: take the best sentence that fits the budget and repeats no chosen fact.

    With ``groups`` (the story of each sentence), a sentence from a story not yet in the summary
    gets ``spread`` extra, so several stories share the budget instead of the strongest one.
    """
    max_count = length.sentences if length.sentences is not None else len(scores)
    budget = length.words
    chosen: list[int] = []
    chosen_stems: list[frozenset[str]] = []
    represented: set[int] = set()
    used = 0
    candidates = set(range(len(scores)))
    while candidates and len(chosen) < max_count:
        best, best_value = -1, -math.inf
        for i in candidates:
            if scores[i] == -math.inf or (budget is not None and used + sizes[i] > budget):
                continue
            similarity = max((_overlap(stems[i], s) for s in chosen_stems), default=0.0)
            if similarity >= _DUPLICATE:
                continue
            value = scores[i] - redundancy * similarity
            if groups is not None and groups[i] not in represented:
                value += spread
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        chosen_stems.append(stems[best])
        if groups is not None:
            represented.add(groups[best])
        used += sizes[best]
        candidates.discard(best)
    if not chosen and scores:
        # Nothing fits the word budget: the shortest of the top candidates beats an empty summary.
        top = sorted(range(len(scores)), key=lambda i: -scores[i])[:3]
        chosen = [min(top, key=lambda i: sizes[i])]
    return sorted(chosen)


# --------------------------------------------------------------------------------------------
# Summarizers


class _Summarizer:
    """Base: score every sentence, then pick under the budget; subclasses define ``score``."""

    name = ""
    redundancy = 0.0

    def __call__(self, document: StoryText, length: SummaryLength = SummaryLength()) -> list[str]:
        story = _prepare(document)
        return [story.sentences[i] for i in self.pick(story, length)]

    def score(self, story: _Story) -> list[float]:
        """One score per sentence, higher is better."""
        raise NotImplementedError

    def pick(self, story: _Story, length: SummaryLength) -> list[int]:
        """Indices of the chosen sentences, in story order."""
        stems = [frozenset(c) for c in story.content]
        return _select(self.score(story), story.display_sizes, stems, length, self.redundancy)


class LeadSummarizer(_Summarizer):
    """The first sentences of the story: the baseline every news summarizer must beat."""

    name = "lead"

    def score(self, story: _Story) -> list[float]:
        """Earlier is better."""
        n = len(story.sentences)
        return [1.0 - i / n for i in range(n)]


def _tfidf_similarity(content: Sequence[Sequence[str]]) -> np.ndarray:
    """Cosine similarity of sentences as TF-IDF vectors (sentences as documents, like LexRank)."""
    vocabulary: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, stems in enumerate(content):
        for stem, count in Counter(stems).items():
            rows.append(r)
            cols.append(vocabulary.setdefault(stem, len(vocabulary)))
            vals.append(count)
    n = len(content)
    matrix = np.zeros((n, max(1, len(vocabulary))))
    if vals:
        matrix[rows, cols] = vals
    document_frequency = (matrix > 0).sum(axis=0)
    matrix *= np.log((n + 1) / (document_frequency + 0.5))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1.0)
    return matrix @ matrix.T


def _lexrank(similarity: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """LexRank centrality, run with sumy's power method, scaled so the mean is 1."""
    n = len(similarity)
    adjacency = (similarity > threshold).astype(float)
    degrees = adjacency.sum(axis=1, keepdims=True)
    transition = adjacency / np.where(degrees > 0, degrees, 1.0)
    # Damping keeps the chain irreducible, so power iteration converges on any graph.
    transition = 0.85 * transition + 0.15 / n
    scores = LexRankSummarizer.power_method(transition, 1e-4)
    return scores / max(scores.mean(), 1e-9)


@dataclass(frozen=True)
class NewsWeights:
    """Weights of the news summarizer's signals.

    Picked by coordinate descent over a small grid (``python -m benchmarks.tune_summaries``) on
    the development sets only: a seeded sample of 300 BBC News Summary articles, xsum-test-251
    and the writer summaries (minus the 3 articles shared with a held-out set), the writer
    summaries split into three seeded parts. The objective is the worst part's ROUGE-2 relative
    to the lead baseline, so no set is won by losing another, and a change must gain 0.1% to be
    kept. The CNN/DM and SummEval sets were never tuned on. The news cues (names, numbers,
    reporting verbs, openers, first person, vague subjects, sentences naming and counting
    nothing, the last sentence) are offered to the tuner and got no weight: each helped BBC and
    XSum but cost a part of the CNN/DM-like writer summaries. News comes first through the lead
    prior instead, which counts from where the news starts (see ``news_signals``). A nested
    two-fold check on the writer summaries (tune on half, score the other half) gave the
    unseen half 0.99 and 1.07 of the lead against 1.08 and 1.10 in-sample (both runs started
    from weights fitted on all of them, so even that is optimistic): the weights overfit, and
    the README says so.
    """

    lead: float = 2.0
    lead_decay: float = 0.8
    first: float = 0.0
    centrality: float = 0.75
    centroid: float = 0.5
    lede: float = 0.25
    title: float = 0.8
    entities: float = 0.6
    length_target: float = 15.0
    length: float = 0.4
    quote: float = 0.5
    question: float = 1.0
    caption: float = 0.3
    byline: float = 2.0
    fragment: float = 1.5
    redundancy: float = 0.0
    names: float = 0.0
    numbers: float = 0.0
    reporting: float = 0.0
    dateline: float = 0.0
    opener: float = 0.0
    first_person: float = 0.0
    vague: float = 0.0
    bare: float = 0.0
    last: float = 0.0


class NewsSummarizer(_Summarizer):
    """Lead-biased centrality with news-structure features and MMR redundancy removal."""

    name = "auto"

    def __init__(self, weights: NewsWeights | None = None) -> None:
        self.weights = weights or NewsWeights()
        self.redundancy = self.weights.redundancy

    def score(self, story: _Story) -> list[float]:
        """Weighted sum of the news signals (penalties carry negative weights)."""
        weights = self.weights
        with_cues = any(getattr(weights, name) for name in CUE_SIGNALS)
        signals = news_signals(story, weights.lead_decay, weights.length_target, with_cues)
        return weighted_scores(self.weights, signals, story).tolist()


def weighted_scores(
    weights: NewsWeights, signals: dict[str, np.ndarray], story: _Story
) -> np.ndarray:
    """The weighted sum of the signals; furniture scores -inf, so it is never picked."""
    total = np.zeros(len(story.sentences))
    for name, values in signals.items():
        total += getattr(weights, name) * values
    total[np.array(story.furniture, dtype=bool)] = -math.inf
    return total


def news_signals(
    story: _Story, lead_decay: float, length_target: float, with_cues: bool = True
) -> dict[str, np.ndarray]:
    """Per-sentence signals, each roughly in [0, 1]; penalties are positive and weighted down.

    ``with_cues=False`` leaves out the ``CUE_SIGNALS`` (the tuner gave them no weight, and
    reading every sentence's cues costs about half a millisecond a story).
    """
    n = len(story.sentences)
    similarity = _tfidf_similarity(story.content)
    english = story.language == "english"
    # The colour-lead test needs the cues of the first two sentences only.
    read = n if with_cues else min(n, 2)
    found = [
        cues(s, t, english)
        for s, t in zip(story.sentences[:read], story.tokens[:read], strict=True)
    ]
    names = np.array([min(c.names, 3) / 3 for c in found])
    numbers = np.array([float(c.numbers) for c in found])
    colour = _colour_lead(story, names, numbers)
    # Where the news starts: a wire dateline near the top ("New Delhi (Sputnik): ...") marks
    # the real lead, and what comes before it is the site's own standfirst; after a colour
    # lead, the sentence that follows it; else sentence 0. The lead prior counts from there.
    anchor = next((i for i in range(min(n, _DATELINE_WINDOW)) if story.datelines[i]), int(colour))
    position = np.abs(np.arange(n) - anchor)
    signals = {
        "lead": np.exp(-lead_decay * position),
        "first": (position == 0).astype(float),
        "centrality": np.log1p(_lexrank(similarity)),
        "centroid": similarity.mean(axis=1),
        "lede": similarity[:, anchor] * (position > 0),
        "title": np.zeros(n),
        "entities": np.array([_entity_density(t) for t in story.tokens]),
        "length": np.array([-_length_penalty(len(t), length_target) for t in story.tokens]),
    }
    if with_cues:
        signals |= {
            "names": names,
            "numbers": numbers,
            "reporting": np.array([float(c.reporting) for c in found]),
            "dateline": np.array(story.datelines, dtype=float),
            "opener": -np.array([float(c.opener) for c in found]),
            "first_person": -np.array([float(c.first_person) for c in found]),
            "vague": -np.array([float(c.vague_subject) for c in found]),
            "bare": -((names == 0) & (numbers == 0)).astype(float),
            "last": -((np.arange(n) == n - 1) & (n > 3)).astype(float),
        }
    if story.title_stems:
        title = story.title_stems
        signals["title"] = np.array([len(title & set(c)) / len(title) for c in story.content])
    flags = [_flags(s, t) for s, t in zip(story.sentences, story.tokens, strict=True)]
    for k, name in enumerate(_FLAGS):
        signals[name] = np.array([-float(f[k]) for f in flags])
    return signals


# The signals read from bot.nlp.news_cues, computed only when one of them has a weight.
CUE_SIGNALS = (
    "names",
    "numbers",
    "reporting",
    "dateline",
    "opener",
    "first_person",
    "vague",
    "bare",
    "last",
)


def _colour_lead(story: _Story, names: np.ndarray, numbers: np.ndarray) -> bool:
    """Whether the story opens on a colour lead: a short first sentence that names nobody and
    counts nothing ("As birthday parties go, it was quite something."), followed by one that
    does. Feature writing opens so; the news is in the sentence after it."""
    if len(story.sentences) < 3 or len(story.tokens[0]) > _COLOUR_WORDS:
        return False
    bare = names[0] == 0 and numbers[0] == 0
    return bool(bare and (names[1] > 0 or numbers[1] > 0) and not story.datelines[0])


# A colour lead is a short sentence: a long bare one is more likely a real summary lead.
_COLOUR_WORDS = 15
# A dateline further down than this is a quoted wire item inside the story, not its lead.
_DATELINE_WINDOW = 4


def _entity_density(tokens: Sequence[str]) -> float:
    """Share of tokens that look like names or numbers (capitalised past the first, or digits)."""
    if len(tokens) < 2:
        return 0.0
    hits = sum(1 for t in tokens[1:] if t[0].isupper() or _NUMBER.search(t))
    return hits / len(tokens)


def _length_penalty(count: int, target: float) -> float:
    """Log-distance from the target length: short fragments and run-ons both cost."""
    return abs(math.log((count + 1) / (target + 1)))


_FLAGS = ("byline", "quote", "question", "caption", "fragment")


def _flags(sentence: str, tokens: Sequence[str]) -> tuple[bool, ...]:
    """Is the sentence a byline, a quote, a question, a caption (no end mark), a fragment?"""
    stripped = sentence.strip()
    return (
        bool(_BYLINE.match(stripped)),
        stripped[:1] in _QUOTE_CHARS,
        stripped.rstrip(_QUOTE_CHARS).endswith("?"),
        not stripped.endswith(_TERMINAL),
        len(tokens) < 6 or not any(c.islower() for c in stripped),
    )


class _SumyWrapper(_Summarizer):
    """A plain sumy algorithm behind the common call; its ranking becomes the score."""

    def build(self, language: str) -> Callable:
        """The configured sumy summarizer for a language."""
        raise NotImplementedError

    def score(self, story: _Story) -> list[float]:
        """Rank by the sumy algorithm: the best sentence scores 1, the worst close to 0."""
        summarizer = self.build(story.language)
        tokenizer = SyntokTokenizer(story.language)
        # One sentence object per position: sumy keys its ratings by sentence text, so repeated
        # sentences would collapse otherwise; a zero-width marker keeps them apart.
        objects = [
            Sentence(text + "\u200b" * repeat, tokenizer)
            for text, repeat in _mark_repeats(story.sentences)
        ]
        document = ObjectDocumentModel(_sumy_paragraphs(story, objects, tokenizer))
        ranking: list = []

        def capture(infos: list) -> list:
            """Keep every sentence sumy rated, best first (sumy calls this as the count)."""
            ranking.extend(infos)
            return infos

        summarizer(document, capture)
        position = {id(s): i for i, s in enumerate(objects)}
        n = len(objects)
        scores = [0.0] * n
        for rank, info in enumerate(ranking):
            index = position.get(id(info.sentence))
            if index is not None:
                scores[index] = 1.0 - rank / n
        return scores


def _mark_repeats(sentences: Sequence[str]) -> list[tuple[str, int]]:
    """Each sentence with how many times the same text came before it."""
    seen: Counter[str] = Counter()
    marked = []
    for text in sentences:
        marked.append((text, seen[text]))
        seen[text] += 1
    return marked


def _sumy_paragraphs(story: _Story, objects: list[Sentence], tokenizer: SyntokTokenizer) -> list:
    """sumy paragraphs mirroring the story's, the headline as a heading (Edmundson reads both)."""
    paragraphs: list[Paragraph] = []
    if story.title_text:
        paragraphs.append(Paragraph([Sentence(story.title_text, tokenizer, is_heading=True)]))
    current: list[Sentence] = []
    for i, sentence in enumerate(objects):
        if current and story.paragraph_of[i] != story.paragraph_of[i - 1]:
            paragraphs.append(Paragraph(current))
            current = []
        current.append(sentence)
    paragraphs.append(Paragraph(current))
    return paragraphs


# sumy's algorithms by name, as sumy's own ``__main__`` keeps them (AVAILABLE_METHODS): each is
# built with the language's stemmer and given its stop words. Edmundson, which needs cue words
# and reads stop words as its null words, has its own wrapper below.
SUMY_METHODS: dict[str, type] = {
    "lexrank": LexRankSummarizer,  # eigenvector centrality on a thresholded cosine graph
    "textrank": TextRankSummarizer,  # PageRank on word-overlap similarity
    "lsa": LsaSummarizer,  # sentences weighted by the SVD topics they carry
    "luhn": LuhnSummarizer,  # clusters of significant (frequent) words
    "kl": KLSummarizer,  # keeps the summary's word distribution close to the text's
    "sumbasic": SumBasicSummarizer,  # average probability of a sentence's words
}


class SumyMethod(_SumyWrapper):
    """One of ``SUMY_METHODS``, with the language's stemmer and stop words."""

    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, language: str) -> Callable:
        """The sumy summarizer with stop words."""
        summarizer = SUMY_METHODS[self.name](_stemmer(language))
        summarizer.stop_words = _stop_words(language)
        return summarizer


# Edmundson's cue words for news: bonus words mark the gist of a story, stigma words mark hedging,
# asides and reader-service lines. English only; other languages use title and location alone.
_EDMUNDSON_BONUS = (
    "announced", "said", "says", "first", "new", "major", "killed", "died", "won", "found",
    "will", "after", "police", "government", "million", "billion", "percent", "report",
    "according", "officials", "president", "minister", "court", "record", "deal",
)  # fmt: skip
_EDMUNDSON_STIGMA = (
    "perhaps", "maybe", "hardly", "probably", "seemed", "anyway", "meanwhile", "incidentally",
    "click", "subscribe", "follow", "photo", "pictured", "scroll", "read", "copyright",
    "advertisement", "video", "watch", "email",
)  # fmt: skip


class EdmundsonWrapper(_SumyWrapper):
    """sumy's Edmundson: cue words, headline words and location (first/last of paragraphs)."""

    name = "edmundson"

    def build(self, language: str) -> Callable:
        """Edmundson with news cue words (English), the stop words as null words."""
        english = language == "english"
        summarizer = EdmundsonSummarizer(
            _stemmer(language), cue_weight=1.0 if english else 0.0, key_weight=0.0
        )
        if english:
            summarizer.bonus_words = _EDMUNDSON_BONUS
            summarizer.stigma_words = _EDMUNDSON_STIGMA
        summarizer.null_words = _stop_words(language)
        return summarizer


_SUMMARIZERS: dict[str, Callable[[], _Summarizer]] = {
    "auto": NewsSummarizer,
    "lead": LeadSummarizer,
    **{name: (lambda name=name: SumyMethod(name)) for name in SUMY_METHODS},
    "edmundson": EdmundsonWrapper,
}


def get_summarizer(method: str = "auto") -> _Summarizer:
    """The summarizer for a method name from ``METHODS``."""
    try:
        return _SUMMARIZERS[method]()
    except KeyError:
        raise ValueError(
            f"Unknown summary method {method!r}; choose one of {', '.join(METHODS)}."
        ) from None


def summarize(
    document: StoryText, length: SummaryLength = SummaryLength(), method: str = "auto"
) -> Summary:
    """Summarize one story with the named method."""
    summarizer = get_summarizer(method)
    story = _prepare(document)
    chosen = summarizer.pick(story, length)
    summary = Summary([story.sentences[i] for i in chosen], method, story.language)
    # _select returns one sentence over the budget only when no sentence fits it.
    summary.over_budget = length.words is not None and summary.words > length.words
    return summary


def summarize_many(
    stories: Sequence[StoryText], length: SummaryLength = SummaryLength()
) -> list[tuple[int, str]]:
    """One summary across several stories, each fact once: (story index, sentence) pairs.

    Each story's scores are scaled so its best sentence scores 1, then one MMR pass runs over
    all sentences, so the stories share the budget and a fact a second story repeats is dropped.
    Stories too short to summarize or in an unsupported language are left out; if that leaves
    nothing, ``TextTooShort`` is raised.
    """
    news = NewsSummarizer()
    owners: list[tuple[int, int]] = []
    texts: list[str] = []
    scores: list[float] = []
    sizes: list[int] = []
    stems: list[frozenset[str]] = []
    for story_index, document in enumerate(stories):
        try:
            story = _prepare(document)
        except (TextTooShort, UnsupportedLanguage):
            continue
        raw = news.score(story)
        finite = [value for value in raw if value > -math.inf] or [0.0]
        top, bottom = max(finite), min(finite)
        span = (top - bottom) or 1.0
        for i, value in enumerate(raw):
            owners.append((story_index, i))
            texts.append(story.sentences[i])
            scores.append((value - bottom) / span)
            sizes.append(display_words(story.sentences[i]))
            stems.append(frozenset(story.content[i]))
    if not texts:
        raise TextTooShort(Problem.STORIES_TOO_SHORT)
    groups = [owner[0] for owner in owners]
    chosen = _select(
        scores, sizes, stems, length, max(news.redundancy, 0.8), groups=groups, spread=0.5
    )
    chosen.sort(key=lambda k: owners[k])
    return [(owners[k][0], texts[k]) for k in chosen]
