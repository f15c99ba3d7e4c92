"""Short answers to who/what/when/where questions, from the stories one chat has stored.

    result = answer(store.chat(chat_id), "Who signed the joint statement?")
    result.answer    # "Pakistani Foreign Minister Shah Mahmood Qureshi and ... Sergei Lavrov"
    result.sentence  # the sentence it comes from, to quote
    result.title     # the story's title

Retrieval never leaves the chat: candidate stories come from ``ChatStories.search`` (FTS5
BM25), or from the one story a reply points at. Sentences are ranked by how much of the
question they cover; only the best few are parsed (cached, in one batch, without NER: their
named entities are the ones stored at ingest), and the answer is read off the dependency
parse. When no sentence covers the question well enough the answer is None and
``note`` says the stories here don't say: an unrelated story is never used to guess.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.language import full_pipeline
from bot.questions import Question, parse_question
from bot.tokenizer import words
from db.store import ChatStories, StoredEntity, Story

CANDIDATE_STORIES = 8
ENOUGH_STORIES = 3  # all-word matches that make the any-word search unnecessary
CANDIDATE_SENTENCES = 8
PARSED_SENTENCES = 4
FALLBACK_SENTENCES = 3  # tried only when none of the parsed ones has an answer
PARSE_MARGIN = 0.25  # extraction adds at most 0.4; closer than this a sentence can still win
MAX_SHORT_WORDS = 10  # who/when/where answers
MAX_LONG_WORDS = 20  # what/why/how answers
# Share of the question's weighted keywords a sentence (with its story as context) must cover.
# Calibrated on the dev questions and the giveme5w1h training split (benchmarks/answers.py).
MIN_COVERAGE = 0.75
VERB_MISSING = 0.8  # coverage factor when the question's verb is nowhere near the sentence
MIN_QUALITY = 0.15  # below this an extracted candidate is too loosely tied to the question
MAX_QUALITY = 1.0  # extract() never rates a candidate higher
# Question types whose answers are read off the sentence's named entities.
ENTITY_TYPES = ("who", "which", "when", "where", "how_many")

NOT_SAID = "The stories in this chat don't say."
NO_STORIES = "There are no stories here yet. Send me a story (text, a link or a file) first."
NOT_HERE = "That story isn't saved in this chat."

PERSONISH = ("PERSON", "ORG", "NORP", "GPE")
PLACES = ("GPE", "LOC", "FAC")
TIMES = ("DATE", "TIME")
NAMED = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)


@dataclass(frozen=True)
class Answer:
    """A short answer with its evidence, or answer=None and a note saying why not."""

    answer: str | None
    type: str
    date: str | None = None  # YYYY-MM-DD, for when-answers that resolve to a day
    sentence: str | None = None
    story_id: int | None = None
    title: str | None = None
    note: str | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Facts:
    """The main event of one story."""

    who: str | None = None
    what: str | None = None
    when: str | None = None
    where: str | None = None
    date: str | None = None


@dataclass
class _Sentence:
    """A candidate sentence with its story and retrieval score."""

    story: Story
    story_rank: int
    position: int
    text: str
    entities: list[StoredEntity]
    story_has_entities: bool = True  # False: stored without NER, so the parse must find them
    coverage: float = 0.0
    score: float = 0.0


# -- words and stems -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stemmer():
    """Snowball (Porter 2) stemmer: pure Python and needs no data files."""
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer()


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """The model's stop words (those ``token.is_stop`` marks in a question)."""
    return frozenset(full_pipeline().Defaults.stop_words)


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    """Irregular verb forms ("met" → "meet") from the spaCy model's lemmatizer tables."""
    table = full_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_exc")
    verbs = table.get("verb", {})
    return {form: lemmas[0] for form, lemmas in verbs.items() if lemmas and form != lemmas[0]}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's stem, lower case, irregular verbs first brought to their lemma."""
    lower = word.lower().replace("’", "'")
    lower = lower[:-2] if lower.endswith("'s") else lower
    return _stemmer().stem(_irregular().get(lower, lower))


@lru_cache(maxsize=8192)
def sentence_stems(text: str) -> frozenset[str]:
    """The stems of a sentence's words, hyphen parts and demonym roots ("Indian" → "india")."""
    found: set[str] = set()
    for word in words(text):
        found |= word_stems(word)
    return frozenset(found)


@lru_cache(maxsize=65536)
def word_stems(word: str) -> frozenset[str]:
    """A word's stem, its hyphen parts' stems and, for names, the demonym's root."""
    found = {stem(word)}
    for part in re.split(r"[-'’.]", word):
        if part:
            found.add(stem(part))
    if word[:1].isupper() and len(word) >= 5:
        found.add(stem(word[:-1]))  # Indian → India, Pakistani → Pakistan
        if word.endswith("ian"):
            found.add(stem(word[:-3]))  # Brazilian → Brazil
    return frozenset(found)


def keyword_weights(question: Question) -> dict[str, float]:
    """Stem → weight: names count double, the main verb one and a half, other words once."""
    named = {stem(w) for text, _ in question.entities for w in words(text)}
    capitalised = {stem(w) for w in question.words if w[:1].isupper()}
    weights: dict[str, float] = {}
    for lemma, word in zip(question.keywords, question.words, strict=False):
        key = stem(word)
        if key in named or key in capitalised:
            weight = 2.0
        elif question.verb and stem(lemma) == stem(question.verb):
            weight = 1.5
        elif question.kind_noun and lemma == question.kind_noun:
            weight = 0.5  # "which company": helps ("the company which makes") but not needed
        else:
            weight = 1.0
        weights[key] = max(weights.get(key, 0.0), weight)
        weights.setdefault(stem(lemma), 0.0)  # the lemma matches too, at no extra weight
    return weights


def _matched(weights: dict[str, float], stems: frozenset[str], lemma_of: dict[str, str]) -> set:
    """Which weighted keys a set of stems covers (a key or its lemma's stem)."""
    return {key for key in weights if key in stems or lemma_of.get(key, key) in stems}


# -- the public entry points ---------------------------------------------------------------


def answer(chat: ChatStories, question_text: str, story_id: int | None = None) -> Answer:
    """The short answer to a question from this chat's stories, or a note saying why not."""
    question = parse_question(question_text or "")
    if not question.ok:
        return Answer(None, question.type, note=question.note)
    stories = _candidate_stories(chat, question, story_id)
    if not stories and chat.count() == 0:  # counted only when nothing matched
        return Answer(None, question.type, note=NO_STORIES)
    if story_id is not None and not stories:
        return Answer(None, question.type, note=NOT_HERE)
    if not question.keywords:
        return _answer_without_keywords(chat, question, stories, story_id)
    sentences = _rank_sentences(chat, question, stories)
    best = _best_answer(question, sentences)
    if best is None:
        return Answer(None, question.type, note=NOT_SAID)
    return best


def warm_up() -> None:
    """Load what the first question would otherwise wait for: the spaCy model, the stemmer
    tables and dateparser (its first call compiles its patterns: a few hundred ms)."""
    parse_question("Who met whom in London on Monday?")
    stem("met")
    _stop_words()
    base = datetime(2020, 1, 8, 12)
    for expression in ("8 January 2020", "two days ago", "last week"):
        _dateparse(expression, base)


def facts(chat: ChatStories, story_id: int) -> Facts | None:
    """The main event (who, what, when, where) of one of this chat's stories."""
    story = chat.story(story_id)
    if story is None:
        return None
    sentences = [s.text for s in chat.sentences(story_id)]
    return main_event(story.title, sentences, chat.entities(story_id), story.published)


# -- retrieval -----------------------------------------------------------------------------


def _candidate_stories(chat: ChatStories, question: Question, story_id: int | None) -> list:
    """A reply's one story, or the best few by BM25: all words first, then any word."""
    if story_id is not None:
        story = chat.story(story_id)
        return [story] if story is not None else []
    terms = list(dict.fromkeys(question.words + question.keywords))
    # All the words as written: a lemma beside its word ("built" and "build") would demand
    # both forms of the story.
    found = chat.search(_unique_terms(question.words or terms), limit=CANDIDATE_STORIES)
    # Stories holding every word are the strong candidates. Only when there are few of them
    # does the any-word search (which scores every story holding any one of the words, the
    # costliest query in a big chat) add more.
    if len(found) < ENOUGH_STORIES:
        seen = {s.id for s in found}
        for story in chat.search(
            _any_word_query(terms), limit=CANDIDATE_STORIES * 2, any_word=True
        ):
            if story.id not in seen and len(found) < CANDIDATE_STORIES:
                found.append(story)
                seen.add(story.id)
    return found


def _any_word_query(terms: Sequence[str]) -> str:
    """The words worth an any-word search: no stop words and no single characters.

    Any-word BM25 scores every story holding one of the words. A stop word ("the" of "the
    Berlin Wall") or a lone character ("m" of "19.1m") is in a large part of the stories, so
    it adds next to nothing to the ranking but makes the search score most of the chat.
    "US" in capitals is a name and stays. With nothing left, all the words are used.
    """
    stop = _stop_words()
    pieces = [piece for term in terms for piece in re.findall(r"\w+", term)]
    kept = [p for p in pieces if len(p) > 1 and (p.isupper() or p.lower() not in stop)]
    return _unique_terms(kept or pieces)


def _unique_terms(terms: Sequence[str]) -> str:
    """The words once each as the index sees them: it folds case and stems with Porter's
    algorithm, so "Eyre" and "eyre", "crossed" and "cross" are one term there, and each
    repeat would only cost another pass."""
    unique: dict[str, str] = {}
    for term in terms:
        for piece in re.findall(r"\w+", term):
            unique.setdefault(_porter(piece.lower()), piece)
    return " ".join(unique.values())


@lru_cache(maxsize=65536)
def _porter(word: str) -> str:
    """A word as the full-text index's Porter tokenizer stems it (the original algorithm)."""
    return _porter_stemmer().stem(word, to_lowercase=True)


@lru_cache(maxsize=1)
def _porter_stemmer():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


def _rank_sentences(
    chat: ChatStories, question: Question, stories: Sequence[Story]
) -> list[_Sentence]:
    """The stories' sentences, best first by weighted keyword coverage (no parsing yet)."""
    weights = keyword_weights(question)
    total = sum(weights.values()) or 1.0
    lemma_of = {
        stem(w): stem(lemma) for lemma, w in zip(question.keywords, question.words, strict=False)
    }
    needed = _named_stems(question)
    asked = _question_stems(question)  # an entity the question names is not its answer
    verb_key = _verb_key(question, weights)
    head_key = stem(question.head_noun) if question.head_noun else None
    focus_keys = [k for k in (verb_key, head_key) if k and k in weights]
    ranked: list[_Sentence] = []
    for rank, story in enumerate(stories):
        sentences = chat.sentences(story.id)
        title_stems = sentence_stems(story.title)
        stems = [sentence_stems(s.text) for s in sentences]
        story_stems = title_stems.union(*stems)
        # A question naming someone the story never mentions is not about this story.
        if needed and not all(any(n in story_stems for n in alts) for alts in needed):
            continue
        by_sentence: dict[int, list[StoredEntity]] = {}
        stored = chat.entities(story.id)
        for entity in stored:
            by_sentence.setdefault(entity.sentence, []).append(entity)
        # Each sentence's matched keywords once; its neighbours' and the title's are "near".
        title_matched = _matched(weights, title_stems, lemma_of)
        matched = [_matched(weights, found, lemma_of) for found in stems]
        for index, sentence in enumerate(sentences):
            own = matched[index]
            near = title_matched.union(*matched[max(0, index - 1) : index + 2])
            covered = sum(
                weights[k] * (1.0 if k in own else 0.6 if k in near else 0) for k in weights
            )
            for key in focus_keys:
                if key not in own and (key == head_key or key not in near):
                    # "Who replaced Comey?" – a sentence without replacing, nor its
                    # neighbours; "What is the *price* of ...?" – a sentence that names no
                    # price.
                    covered *= VERB_MISSING
            item = _Sentence(
                story,
                rank,
                sentence.position,
                sentence.text,
                by_sentence.get(index, []),
                story_has_entities=bool(stored),
            )
            item.coverage = covered / total
            has_type = any(
                e.label in question.wants_labels and not sentence_stems(e.text) <= asked
                for e in item.entities
            )
            item.score = (
                item.coverage
                + (0.1 if has_type or not question.wants_labels else 0.0)
                + 0.05 / (1 + sentence.position)
                - 0.01 * rank
                - _run_on_penalty(sentence.text)
            )
            ranked.append(item)
    ranked.sort(key=lambda s: (-s.score, -s.story.id, s.position))
    return ranked[:CANDIDATE_SENTENCES]


RUN_ON_WORDS = 45  # longer "sentences" are mostly photo captions run together


def _run_on_penalty(text: str) -> float:
    """Up to 0.15 off a very long sentence: captions glued into one line match many
    questions by chance, and their parse is unreliable."""
    count = text.count(" ") + 1
    return 0.15 * min(1.0, max(0, count - RUN_ON_WORDS) / 60)


def _verb_key(question: Question, weights: dict[str, float]) -> str | None:
    """The weighted key of the question's main verb, if it is one of the keywords."""
    if not question.verb:
        return None
    wanted = stem(question.verb)
    for word, lemma in zip(question.words, question.keywords, strict=False):
        if stem(lemma) == wanted and stem(word) in weights:
            return stem(word)
    return None


def _named_stems(question: Question) -> list[set[str]]:
    """For each named entity in the question, the stems any of which the story must contain."""
    needed = []
    for text, label in question.entities:
        if label in NAMED:
            alts = {stem(w) for w in words(text) if len(w) > 2}
            if alts:
                needed.append(alts)
    return needed


# -- parsing and extraction ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def parse(text: str):  # -> spacy.tokens.Doc
    """A sentence parsed with the full pipeline, cached by its text."""
    return full_pipeline()(text)


# A stored sentence's key: its text and its stored entities as (start, end, label), or None
# when its story was stored without entities (then NER runs on it at question time).
_SentenceKey = tuple[str, tuple[tuple[int, int, str], ...] | None]


class _ParseCache:
    """Parsed candidate sentences, least recently used dropped first; safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._docs: OrderedDict[_SentenceKey, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _SentenceKey):
        with self._lock:
            doc = self._docs.get(key)
            if doc is not None:
                self._docs.move_to_end(key)
            return doc

    def put(self, key: _SentenceKey, doc) -> None:
        with self._lock:
            self._docs[key] = doc
            self._docs.move_to_end(key)
            while len(self._docs) > self.size:
                self._docs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()


_parsed = _ParseCache(4096)


def _sentence_key(item: _Sentence) -> _SentenceKey:
    if not item.story_has_entities:
        return item.text, None
    return item.text, tuple((e.start, e.end, e.label) for e in item.entities)


def parse_sentences(keys: Sequence[_SentenceKey]) -> list:
    """Stored sentences parsed, cached: NER only where the story was stored without entities.

    Ingest already ran NER over the whole story (with more context than one sentence), so a
    sentence with stored entities is tagged and parsed without the NER component, its
    ``doc.ents`` set from the store. The uncached sentences go through ``nlp.pipe`` together.
    """
    docs = {key: _parsed.get(key) for key in keys}
    missing = [key for key, doc in docs.items() if doc is None]
    if missing:
        nlp = full_pipeline()
        with_ner = [key for key in missing if key[1] is None]
        without_ner = [key for key in missing if key[1] is not None]
        for group, disable in ((without_ner, ["ner"]), (with_ner, [])):
            if not group:
                continue
            for key, doc in zip(
                group, nlp.pipe([k[0] for k in group], disable=disable), strict=True
            ):
                if key[1] is not None:
                    doc = _with_entities(doc, key[1])
                _parsed.put(key, doc)
                docs[key] = doc
    return [docs[key] for key in keys]


def _own_entities(text: str, doc):
    """The sentence with the entities NER finds in it alone (a copy of its stored-entity doc).

    The NER component has its own token encoder here, so running it on the tagged and parsed
    doc gives exactly what the full pipeline would; only the NER cost is paid.
    """
    key = (text, None)
    cached = _parsed.get(key)
    if cached is not None:
        return cached
    own = doc.copy()
    own.set_ents([], default="missing")
    own = full_pipeline().get_pipe("ner")(own)
    _parsed.put(key, own)
    return own


def _with_entities(doc, stored: Sequence[tuple[int, int, str]]):
    """The doc with its entities set from stored (start, end, label) character offsets."""
    spans = []
    last_end = -1
    for start, end, label in sorted(stored):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None or span.start < last_end:
            continue  # out of range (the text changed) or overlapping the previous one
        spans.append(span)
        last_end = span.end
    doc.set_ents(spans, default="outside")
    return doc


def _best_answer(question: Question, sentences: Sequence[_Sentence]) -> Answer | None:
    """Parse the top sentences, extract a candidate from each, keep the best supported one."""
    top = sentences[0].score if sentences else 0.0
    # Parsing is the cost: a sentence too far behind the best cannot win, so skip it.
    chosen = [
        item
        for item in sentences[:PARSED_SENTENCES]
        if item.coverage >= MIN_COVERAGE
        and item.score >= top - PARSE_MARGIN
        and not _has_no_answer_entity(question, item)
    ]
    best: tuple[float, str, _Sentence] | None = None
    # The best sentence first, alone: when its answer's quality is high, no sentence behind
    # it can still win (quality is at most 1), and the rest need no parsing. Those that can
    # are parsed together.
    # Only when none of those has an answer, the other well-covered candidates are tried:
    # the margin saves parsing, it is no reason to abstain.
    rest = [
        item
        for item in sentences
        if item not in chosen
        and item.coverage >= MIN_COVERAGE
        and not _has_no_answer_entity(question, item)
    ][:FALLBACK_SENTENCES]
    batches = [chosen[:1], chosen[1:], rest]
    for n, batch in enumerate(batches):
        if n == 2 and best is not None:
            break
        if best is not None:
            batch = [i for i in batch if i.score + 0.4 * MAX_QUALITY > best[0]]
        if not batch:
            continue
        for item, doc in zip(
            batch, parse_sentences([_sentence_key(i) for i in batch]), strict=True
        ):
            found = extract(question, doc)
            if found is None and _may_relabel(question, item):
                # Story-wide NER may label a name differently ("Mondelez International" as
                # FAC, not the company asked for): with no answer, try the sentence's own NER.
                found = extract(question, _own_entities(item.text, doc))
            if found is None:
                continue
            text, quality = found
            score = item.score + 0.4 * quality
            if best is None or score > best[0]:
                best = (score, text, item)
    if best is None:
        return None
    score, text, item = best
    result = Answer(
        text,
        question.type,
        sentence=item.text,
        story_id=item.story.id,
        title=item.story.title,
        score=round(score, 3),
    )
    if question.type == "when":
        date, note = resolve_date(text, item.story.published)
        result = _with(result, date=date, note=note)
    return result


def _has_no_answer_entity(question: Question, item: _Sentence) -> bool:
    """A when/where/how-many question and a sentence with no stored entity of a kind that
    answers it: only such entities can be the answer, so the sentence needs no parse."""
    if not item.story_has_entities or question.type not in ("when", "where", "how_many"):
        return False
    return not any(e.label in question.wants_labels for e in item.entities)


def _may_relabel(question: Question, item: _Sentence) -> bool:
    """True when the sentence's own NER might find an answer its stored entities lack: an
    entity question, and no stored entity in the sentence has a label the question wants."""
    if not item.story_has_entities or question.type not in ENTITY_TYPES:
        return False
    return not any(e.label in question.wants_labels for e in item.entities)


def _with(result: Answer, **changes) -> Answer:
    """A copy of an answer with some fields changed."""
    from dataclasses import replace

    return replace(result, **changes)


def _answer_without_keywords(
    chat: ChatStories, question: Question, stories: Sequence[Story], story_id: int | None
) -> Answer:
    """ "What happened?" names nothing: answer from the replied-to story, else ask which one."""
    if story_id is None or not stories:
        return Answer(
            None,
            question.type,
            note="Which story do you mean? Reply to it, or name who or what it is about.",
        )
    story = stories[0]
    event = facts(chat, story.id)
    value = getattr(event, question.type, None) if event else None
    if question.type == "what" and event is not None:
        value = " ".join(p for p in (event.who, event.what) if p)
    if not value:
        return Answer(None, question.type, story_id=story.id, title=story.title, note=NOT_SAID)
    date = event.date if question.type == "when" else None
    return Answer(value, question.type, date=date, story_id=story.id, title=story.title)


def extract(question: Question, doc) -> tuple[str, float] | None:
    """(answer text, quality 0..1) from one parsed sentence, or None when it has no answer."""
    anchors = _anchors(question, doc)
    if question.type in ("who", "which", "when", "where", "how_many"):
        return _extract_entity(question, doc, anchors)
    if question.type == "what":
        return _extract_what(question, doc, anchors)
    if question.type == "why":
        return _extract_why(doc, anchors)
    if question.type == "how":
        return _extract_how(doc, anchors)
    return None


def _anchors(question: Question, doc) -> list:
    """The sentence tokens the answer should hang from: the question's verb, else its words."""
    keys = {stem(k) for k in question.keywords} | {stem(w) for w in question.words}
    matched = [t for t in doc if (word_stems(t.text) | {stem(t.lemma_)}) & keys]
    if question.verb:
        verb = stem(question.verb)
        verbs = [t for t in matched if stem(t.lemma_) == verb or stem(t.text) == verb]
        if verbs:
            # With the verb more than once ("celebrate winning ... Zobrist won the award"),
            # the one whose own words match most of the question's comes first.
            others = [t for t in matched if t not in verbs]

            def support(v) -> int:
                return sum(1 for t in others if _clause_verb(t) == v or t.head == v)

            return sorted(verbs, key=lambda t: (t.pos_ != "VERB", -support(t), t.i))
    return matched


def _tree_distance(a, b) -> int:
    """Edges between two tokens in the dependency tree."""
    path_a = [a, *a.ancestors]
    depth = {t.i: n for n, t in enumerate(path_a)}
    for n, t in enumerate([b, *b.ancestors]):
        if t.i in depth:
            return n + depth[t.i]
    return len(path_a) + 10


def _question_stems(question: Question) -> set[str]:
    """Stems of every content word in the question (an answer must add something new)."""
    return set().union(*(word_stems(w) for w in words(question.text)))


def _entity_spans(question: Question, doc) -> list:
    """The sentence's entities of the wanted labels that the question does not already name."""
    asked = _question_stems(question) - {stem(question.measure or "")}
    asked_words = {w.lower() for w in words(question.text)}
    spans = []
    for ent in doc.ents:
        if ent.label_ not in question.wants_labels or _is_credit(ent.text):
            continue
        ent_stems = {stem(t.text) for t in ent if t.is_alpha and not t.is_stop}
        if not any(t.text.isalnum() for t in ent) or not ent_stems and ent.label_ in PERSONISH:
            continue  # "THE", "'s": tagging noise
        if ent_stems and len(ent_stems & asked) * 2 >= len(ent_stems):
            continue  # the question already names it: "the Brazilian Formula One Grand Prix"
        numbers = {t.lower_ for t in ent if t.like_num}
        if ent.label_ in NUMBERS and numbers and numbers <= asked_words:
            continue  # "How heavy are the *two* bars?": not the answer
        if question.measure == "old" and not _looks_like_age(ent):
            continue  # "how old": "42-year-old", "Donald Collett, 62," but not "2004"
        spans.append(ent)
    return spans


NUMBERS = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL")
_AGE = re.compile(r"^(aged\s+)?\d{1,3}([- ]years?[- ]old)?$", re.I)


# Photo credits glued into captions ("Getty Images 9 Chicago Cubs celebrate ..."): NER
# calls them people and organisations, but they never answer a question about the story.
_CREDIT = re.compile(
    r"^(getty( images)?|afp|ap|epa|pa|reuters|alamy|rex( features)?|shutterstock|"
    r"splash news|usa today( sports)?)\b",
    re.I,
)


def _is_credit(text: str) -> bool:
    return bool(_CREDIT.match(text.strip()))


def _looks_like_age(span) -> bool:
    """ "42-year-old", "62", "aged 19" (not a year, a date or a duration)."""
    text = span.text.strip()
    if not _AGE.match(text):
        return False
    return int(re.match(r"\D*(\d+)", text).group(1)) <= 120


def _extract_entity(question: Question, doc, anchors: list) -> tuple[str, float] | None:
    """Who/which/when/where/how many: the entity best placed relative to the matched verb."""
    if question.type == "who" and question.verb is None:
        found = _who_is(question, doc)
        if found is not None:
            return found
    if question.possessed:
        found = _owner(question, doc)
        if found is not None:
            return found
    candidates: list[tuple[float, str]] = []
    for span in _entity_spans(question, doc):
        if question.type == "where" and _part_of_name(span):
            continue
        distance = min((_tree_distance(span.root, a) for a in anchors), default=6)
        quality = 1.0 / (1.0 + 0.5 * distance) + _role_bonus(question, span.root, anchors)
        quality += _outside_event_penalty(question, span.root, anchors)
        quality += _attachment_bonus(question, span.root, anchors)
        if question.type in ("when", "where", "how_many") and _other_subject(question, span.root):
            continue  # "the Indians, who last won in 1948": not when *the Cubs* won
        if question.type == "how_many" and span.label_ == question.wants_labels[0]:
            quality += 0.15  # "how heavy": a quantity before a bare number
        if question.type == "when" and not _is_point_in_time(span.text):
            quality -= 0.3  # "a month", "two years": durations, not answers to "when"
        elif question.type == "when" and re.search(rf"\d|{_WEEKDAY.pattern}", span.text, re.I):
            quality += 0.2  # "Sunday" over "morning" in "on Sunday morning"
        candidates.append((quality, _render_entity(question, span)))
    if question.type in ("who", "which") and question.wh_role in ("nsubj", "nsubjpass", None):
        for span in _subject_phrases(question, doc, anchors):
            candidates.append((0.4, _phrase_text(span)))
    candidates = [(q, t) for q, t in candidates if t and q >= MIN_QUALITY]
    if not candidates:
        return None
    quality, text = max(candidates, key=lambda c: c[0])
    return text, min(quality, 1.0)


PLACE_PREPOSITIONS = ("in", "at", "near", "outside", "inside", "across", "from", "into", "on")
TIME_PREPOSITIONS = ("on", "in", "at", "by", "since", "until", "before", "after", "during")


def _clause_verb(token):
    """The nearest verb at or above a token: which clause it belongs to."""
    for node in [token, *token.ancestors]:
        if node.pos_ in ("VERB", "AUX"):
            return node
    return None


def _attachment_bonus(question: Question, token, anchors: list) -> float:
    """Credit for sharing a clause with the matched words and, for when/where, for the
    preposition that introduces a time or place ("in Bishkek", "on Wednesday")."""
    bonus = 0.0
    clause = _clause_verb(token)
    if clause is not None and clause in {_clause_verb(a) for a in anchors}:
        bonus += 0.3
    if question.type in ("where", "when"):
        wanted = PLACE_PREPOSITIONS if question.type == "where" else TIME_PREPOSITIONS
        if token.dep_ == "pobj" and token.head.lower_ in wanted:
            bonus += 0.2
        elif token.dep_ in ("nsubj", "nsubjpass", "dobj", "poss"):
            bonus -= 0.4
    return bonus


def _other_subject(question: Question, token) -> bool:
    """True when the clause holding the token has a named subject the question's subject is
    not ("When did the Cubs win?" and "the Indians, who last won a title in 1948")."""
    if not question.subject or not question.verb:
        return False  # "How old is the driver?": no event whose subject could differ
    verb = _clause_verb(token)
    if verb is None:
        return False
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects:
        return False
    subject = subjects[0]
    if subject.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
        subject = verb.head  # the relative pronoun stands for the noun the clause describes
    if subject.pos_ != "PROPN" and subject.ent_type_ == "":
        return False  # "he", "the team": may well be the question's subject
    wanted = {stem(w) for w in question.subject}
    said = {stem(t.text) for t in subject.subtree if t.is_alpha} | word_stems(subject.text)
    return not wanted & said


def _owner(question: Question, doc) -> tuple[str, float] | None:
    """ "Whose laptop ...?": the possessor of the laptop ("Weiner's laptop", "the laptop of
    Anthony Weiner")."""
    wanted = stem(question.possessed or "")
    asked = _question_stems(question)
    for token in doc:
        if stem(token.lemma_) != wanted and stem(token.text) != wanted:
            continue
        owners = [c for c in token.children if c.dep_ == "poss" and c.pos_ != "PRON"]
        owners += [
            g
            for c in token.children
            if c.dep_ == "prep" and c.lower_ == "of"
            for g in c.children
            if g.dep_ == "pobj" and g.pos_ == "PROPN"
        ]
        for owner in owners:
            text = _phrase_text(owner) or owner.text
            if text and not sentence_stems(text) <= asked:
                return text, 1.0
    return None


def _who_is(question: Question, doc) -> tuple[str, float] | None:
    """ "Who is/was X?": X's apposition when X is a name, else the name X describes."""
    people = [text for text, label in question.entities if label == "PERSON"]
    named = question.words and all(w[:1].isupper() for w in question.words)
    if not people and named and not question.entities:
        people = [" ".join(question.words)]  # "Who is Navin Nayak?": a name NER missed
    if people:
        wanted = {stem(w) for w in words(people[0])}
        for token in doc:
            if stem(token.text) not in wanted or token.dep_ in ("compound", "flat"):
                continue
            for child in token.children:
                if child.dep_ == "appos":
                    return _render_tokens(child.subtree, MAX_SHORT_WORDS), 1.0
            if token.dep_ == "nsubj" and token.head.lemma_ == "be":
                for child in token.head.children:
                    if child.dep_ == "attr":
                        return _render_tokens(child.subtree, MAX_SHORT_WORDS), 1.0
        return None
    keys = {stem(k) for k in question.keywords} - {stem(question.kind_noun or "")}
    best: tuple[float, str] | None = None
    for ent in doc.ents:
        if (
            ent.label_ != "PERSON"
            or ent.root.head.ent_type_ == "PERSON"
            and ent.root.dep_
            in (
                "compound",
                "flat",
            )
        ):
            continue
        described = sentence_stems(_phrase_text(ent.root))
        overlap = len(keys & described) / max(1, len(keys))
        if overlap >= 0.5 and (best is None or overlap > best[0]):
            best = (overlap, ent.text)
    return (best[1], best[0]) if best else None


def _part_of_name(span) -> bool:
    """A "place" that is really part of a person's name (NER tags "Qureshi" as GPE)."""
    root = span.root
    neighbours = [*root.lefts, *root.rights, root.head]
    return any(t.ent_type_ == "PERSON" and t.dep_ in ("compound", "flat") for t in neighbours)


def _is_point_in_time(text: str) -> bool:
    """True for "Wednesday", "27 March", "2016", "6am", "yesterday"; False for "a month"."""
    lower = text.lower()
    if _is_age_or_length(text):
        return False
    return bool(
        _WEEKDAY.search(lower)
        or re.search(rf"\b({MONTHS})\b", lower)
        or re.search(r"\d", lower)
        or _RELATIVE_DAY.search(lower)
        or re.search(r"\b(last|this|next|earlier|later)\b", lower)
        or re.search(r"\b(morning|afternoon|evening|night|noon|midnight)\b", lower)
    )


def _outside_event_penalty(question: Question, token, anchors: list) -> float:
    """A when/where that hangs off another verb, when the asked verb is only a noun here.

    "After Islamabad criticised India's missile *test*, the ministers signed on *Wednesday*":
    Wednesday dates the signing, not the test.
    """
    verbs = [a for a in anchors if a.pos_ in ("VERB", "AUX")]
    asked = stem(question.verb) if question.verb else None
    nouns = [a for a in anchors if a.pos_ == "NOUN" and asked and stem(a.lemma_) == asked]
    if verbs or not nouns:
        return 0.0
    for noun in nouns:
        event = noun.head if noun.dep_ in ("dobj", "nsubj", "nsubjpass") else noun
        if token == event or event in token.ancestors:
            return 0.0
    return -0.5


def _role_bonus(question: Question, token, anchors: list) -> float:
    """Extra credit when the entity fills the role the wh-word has (subject, object, ...)."""
    verbs = [a for a in anchors if a.pos_ in ("VERB", "AUX")]
    if not verbs:
        return 0.0
    verb = verbs[0]
    role = _role_under(token, verb)
    if role is None and verb.dep_ == "conj":
        # "Raikkonen spun and crashed": the first verb's subject is the second's too.
        inherited = _role_under(token, verb.head)
        role = inherited if inherited in ("nsubj", "nsubjpass") else None
    if role is None and verb.dep_ == "ccomp" and _pronoun_subject(verb):
        # "The Taliban said *it* carried out the attack": the speaker is the pronoun's subject.
        role = "nsubj" if _role_under(token, verb.head) == "nsubj" else None
    if role is None:
        return -0.1
    if question.type == "who" or question.type == "which":
        wanted = question.wh_role or "nsubj"
        subject_roles = ("nsubj", "nsubjpass", "agent")
        if wanted in ("nsubj", "nsubjpass") and role in subject_roles:
            return 0.5 if wanted == "nsubj" or role != "nsubjpass" else 0.3
        if wanted in ("dobj", "pobj", "dative") and role in ("dobj", "dative", "prep", "attr"):
            return 0.4
        if wanted == "poss" and role in ("dobj", "nsubjpass", "nsubj"):
            return 0.3
        return 0.0
    if question.type in ("when", "where") and role in ("prep", "npadvmod", "advmod", "pobj"):
        return 0.3
    if question.type in ("when", "where") and role in ("nsubj", "nsubjpass", "dobj"):
        return -0.4  # "Islamabad expressed concern": a subject is not where something happened
    return 0.1


def _pronoun_subject(verb) -> bool:
    """True when the verb's subject is a third-person pronoun ("it", "he", "they")."""
    return any(
        c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("it", "he", "she", "they")
        for c in verb.children
    )


def _role_under(token, verb) -> str | None:
    """The dependency of the verb's child whose subtree holds the token, or None."""
    node = token
    while node.head.i != node.i:
        if node.head == verb:
            return node.dep_
        node = node.head
    return None


def _subject_phrases(question: Question, doc, anchors: list) -> list:
    """Non-entity subjects of the matched verb ("A gunman opened fire"), for who-questions."""
    spans = []
    asked = _question_stems(question)
    verbs = [a for a in anchors if a.pos_ == "VERB"]
    if not verbs and (root := _main_clause_verb(doc)) is not None:
        verbs = [root]  # "Which company said ...?" – "FirstGroup confirmed ..."
    for verb in verbs:
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass") and child.pos_ in ("NOUN", "PROPN"):
                if stem(child.text) in asked or not (_is_actor(child) or child.pos_ == "PROPN"):
                    continue
                spans.append(child)
            if child.dep_ == "agent":
                spans += [g for g in child.children if g.dep_ == "pobj"]
    return spans


def _render_entity(question: Question, span) -> str:
    """The answer text for an entity: who-answers widened with titles, names and appositions."""
    if question.type in ("who", "which"):
        phrase = _phrase_text(span.root)
        named = {t.lower_ for t in span if t.is_alpha and not t.is_stop}
        if not phrase or not named <= {w.lower() for w in words(phrase)}:
            return _clip(span.text, MAX_SHORT_WORDS)  # the parse lost part of the name
        return phrase
    if question.type == "how_many":
        doc = span.doc
        if span.end < len(doc) and not span[-1].whitespace_ and _is_unit(doc[span.end]):
            return doc[span.start : span.end + 1].text  # "150" + "g": the unit is glued on
        head = span.root.head
        if span.root.dep_ == "nummod" and head.pos_ == "NOUN":
            return _clip(f"{span.text} {head.text}", MAX_SHORT_WORDS)
    if question.type == "where":
        return _clip(_with_following_place(span), MAX_SHORT_WORDS)
    return _clip(_strip_preposition(span.text), MAX_SHORT_WORDS)


def _is_unit(token) -> bool:
    """A short unit written against its number: "g", "kg", "m", "cm", "mph", "ft", "bn"."""
    return token.is_alpha and len(token.text) <= 3 and token.text.lower() == token.text


def _with_following_place(span) -> str:
    """ "Croydon, south London", "Trump Tower in New York City": a place and the larger
    place it is in; a hyphenated name whole ("Mazar-i-Sharif", which NER cuts at "Mazar")."""
    doc = span.doc
    start, end = _hyphen_whole(span)
    if end + 1 < len(doc) and (doc[end].text == "," or doc[end].lower_ == "in"):
        for ent in doc.ents:
            if ent.start == end + 1 and ent.label_ in PLACES:
                return doc[start : _hyphen_whole(ent)[1]].text
    return doc[start:end].text


def _hyphen_whole(span) -> tuple[int, int]:
    """(start, end) of a span widened over names glued to it by hyphens ("Mazar-i-Sharif",
    not "US-based")."""
    doc = span.doc

    def glued(i: int) -> bool:  # doc[i] is a hyphen between two words, no spaces
        return (
            0 < i < len(doc) - 1
            and doc[i].text == "-"
            and not doc[i - 1].whitespace_
            and not doc[i].whitespace_
            and doc[i - 1].is_alpha
            and doc[i + 1].is_alpha
        )

    start, end = span.start, span.end
    probe = end
    while glued(probe):
        probe += 2
        if doc[probe - 1].text[:1].isupper():
            end = probe
    probe = start
    while glued(probe - 1):
        probe -= 2
        if doc[probe].text[:1].isupper():
            start = probe
    return start, end


def _strip_preposition(text: str) -> str:
    """ "on Wednesday" → "Wednesday" (but "at least 90" keeps its "at")."""
    return re.sub(
        r"^(on|in|at|by|since|until)\s+(?!(least|most|about|around)\b)",
        "",
        text.strip(),
        flags=re.IGNORECASE,
    )


HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady"})
NOUN_PHRASE_DEPS = ("compound", "amod", "nmod", "flat", "nummod", "poss", "case", "det", "quantmod")


def _phrase_text(token) -> str:
    """A name widened to its noun phrase: "Pakistani Foreign Minister Shah Mahmood Qureshi"."""
    head = token
    while head.dep_ in ("compound", "flat", "amod") and head.head.pos_ in ("PROPN", "NOUN"):
        if head.head.i == head.i:
            break
        head = head.head
    core = _noun_phrase(head)
    conjuncts = [c for c in head.children if c.dep_ == "conj" and c.pos_ in ("PROPN", "NOUN")]
    parts = [core]
    for conj in conjuncts:
        parts.append(_noun_phrase(conj))
    text = " and ".join(p for p in parts if p)
    appos = [c for c in head.children if c.dep_ == "appos"]
    if appos and not conjuncts and head.pos_ != "NOUN":  # a noun's is in its core already
        widened = f"{core}, {_noun_phrase(appos[0])}"
        if len(widened.split()) <= MAX_SHORT_WORDS:
            text = widened
    if len(text.split()) > MAX_SHORT_WORDS:
        names = [_noun_phrase(c, names_only=True) for c in conjuncts]
        text = " and ".join(n for n in [core, *names] if n)
    if len(text.split()) > MAX_SHORT_WORDS:
        names = [_noun_phrase(head, names_only=True), *names]
        text = " and ".join(n for n in names if n)
    return _clip(text, MAX_SHORT_WORDS)


def _noun_phrase(head, *, names_only: bool = False) -> str:
    """The head's premodifiers and the head (no determiners, clauses or prepositions)."""
    keep = [head]
    for child in head.lefts:
        if child.dep_ in NOUN_PHRASE_DEPS and child.dep_ not in ("det", "case"):
            if child.dep_ == "poss" and child.pos_ == "PRON":
                continue
            keep += [t for t in child.subtree if t.dep_ != "det" and t.text not in ",()"]
    for child in head.rights:
        if child.dep_ in ("flat", "compound") or (child.dep_ == "appos" and head.pos_ == "NOUN"):
            keep += list(child.subtree)
    if names_only:
        keep = [t for t in keep if t.pos_ == "PROPN" or t == head]
    return _join_tokens(keep)


def _join_tokens(tokens: Iterable) -> str:
    """Tokens in sentence order as text; a space wherever a left-out token stood between two
    that were glued to it ("father" + "Jos" of "father, Jos", not "fatherJos")."""
    ordered = sorted(set(tokens), key=lambda t: t.i)
    parts = []
    for token, after in zip(ordered, [*ordered[1:], None], strict=True):
        gap = after is not None and after.i != token.i + 1
        parts.append(token.text + (" " if gap and not token.whitespace_ else token.whitespace_))
    return "".join(parts).strip()


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` words."""
    parts = text.split()
    return " ".join(parts[:limit])


def _render_tokens(tokens: Iterable, limit: int = MAX_LONG_WORDS) -> str:
    """Tokens in sentence order as text, clipped, without dangling punctuation."""
    text = _clip(_join_tokens(tokens), limit)
    return text.strip(" ,;:-\"'“”")


CLAUSE_EXTRAS = ("advcl", "relcl", "acl", "ccomp", "parataxis", "punct", "cc", "conj", "mark")


def _predicate(verb, limit: int = MAX_LONG_WORDS) -> str:
    """The verb with its auxiliaries, particle, negation and object (else one complement)."""
    keep = [verb]
    has_object = False
    for child in verb.children:
        if child.dep_ in ("aux", "auxpass", "neg", "prt"):
            keep.append(child)
        elif child.dep_ in ("dobj", "attr", "acomp", "oprd", "dative"):
            keep += list(child.subtree)
            has_object = True
    if not has_object:
        later = [c for c in verb.children if c.i > verb.i]
        for child in later:
            if child.dep_ in ("xcomp", "ccomp", "prep", "advmod"):
                keep += list(child.subtree)
                break
    return _render_tokens(keep, limit)


def _extract_what(question: Question, doc, anchors: list) -> tuple[str, float] | None:
    """What: an object, an action, an event or a definition, read off the parse."""
    verbs = [a for a in anchors if a.pos_ in ("VERB", "AUX")]
    focus = question.focus
    if focus == "object" and verbs:
        verb = verbs[0]
        asked = _question_stems(question)
        trailing = _trailing_preposition(question)
        for child in verb.children:
            # "What did Pakistan accuse India *of*?" – the answer is that preposition's object.
            if trailing and child.dep_ == "prep" and child.lower_ == trailing:
                return _render_tokens(t for c in child.children for t in c.subtree), 1.0
        for dep in ("dobj", "attr", "oprd", "xcomp", "ccomp"):
            for child in verb.children:
                if child.dep_ != dep or child.pos_ == "PRON":
                    continue
                said = {stem(t.text) for t in child.subtree if t.is_alpha}
                if said - HONORIFICS <= asked:
                    continue  # the question's own object: "accuse *India*", "call *Mr Trump*"
                return _render_tokens(child.subtree), 1.0
        if verb.lemma_ in ("say", "tell", "announce", "claim", "warn"):
            return _quoted_or_clause(doc), 0.8
        return _predicate(verb), 0.5
    if focus == "event" and question.wh_role in ("nsubj", "nsubjpass") and verbs:
        children = list(verbs[0].children)
        for child in children:
            if child.dep_ == "agent":  # "efforts were hampered *by soft soil*"
                return _render_tokens(t for c in child.children for t in c.subtree), 1.0
        for child in children:
            if child.dep_ == "nsubj":
                return _render_tokens(child.subtree), 1.0
    if focus == "definition":
        found = _definition(question, doc)
        if found:
            return found, 1.0
    if focus == "action":
        verb = _verb_of_subject(question, doc)
        if verb is not None:
            return _predicate(verb), 1.0
    root = _main_clause_verb(doc)
    if root is None:
        return None
    return _event_clause(root), 0.6


def _trailing_preposition(question: Question) -> str | None:
    """ "... accuse India of?" → "of": a question ending in a preposition."""
    found = re.search(r"\b(of|on|for|about|with|to|into|from|at|in)\s*\?*\s*$", question.text, re.I)
    return found.group(1).lower() if found else None


def _quoted_or_clause(doc) -> str:
    """What was said: the quotation in the sentence, else its main clause."""
    match = re.search(r"[\"“]([^\"”]{8,})[\"”]", doc.text)
    if match:
        return _clip(match.group(1), MAX_LONG_WORDS)
    root = _main_clause_verb(doc)
    return _event_clause(root) if root is not None else doc.text


def _definition(question: Question, doc) -> str | None:
    """ "What is X?": an apposition of X, or the attribute of "X is ..."."""
    targets = {stem(h) for h in question.object_hints} | {stem(k) for k in question.keywords}
    for token in doc:
        if stem(token.text) not in targets:
            continue
        for child in token.children:
            if child.dep_ == "appos":
                return _render_tokens(child.subtree)
        if token.dep_ == "nsubj" and token.head.lemma_ == "be":
            for child in token.head.children:
                if child.dep_ == "attr":
                    return _render_tokens(child.subtree)
        if token.dep_ == "appos":
            return _noun_phrase(token.head)
    return None


def _verb_of_subject(question: Question, doc):
    """The verb whose subject is what the question asks about ("What did *Clinton* do?")."""
    targets = {stem(h) for h in question.object_hints}
    for token in doc:
        if token.dep_ in ("nsubj", "nsubjpass") and stem(token.text) in targets:
            return token.head
    return None


def _main_clause_verb(doc):
    """The sentence's main verb (its root, or the root's first verbal complement)."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.lemma_ in ("say", "tell", "report", "claim", "confirm"):
        for child in root.children:
            if child.dep_ == "ccomp":
                return child
    return root


def _event_clause(verb) -> str:
    """Subject and predicate of a clause: "a tram derailed and overturned in Croydon"."""
    subject = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    head = _phrase_text(subject[0]) if subject else ""
    predicate = _predicate(verb, MAX_LONG_WORDS)
    return _clip(f"{head} {predicate}".strip(), MAX_LONG_WORDS)


CAUSE_MARKS = ("because", "since", "as", "after", "so")


def _extract_why(doc, anchors: list) -> tuple[str, float] | None:
    """Why: a because/since clause, "because of"/"due to", or a purpose "to ..." clause."""
    verbs = [a for a in anchors if a.pos_ in ("VERB", "AUX")] or list(doc)
    for verb in verbs:
        for child in verb.subtree:
            if child.dep_ == "advcl" and any(
                m.lower_ in CAUSE_MARKS for m in child.children if m.dep_ == "mark"
            ):
                return _render_tokens(child.subtree), 1.0
            if child.dep_ == "prep" and child.lower_ in ("because", "due", "over", "amid"):
                return _render_tokens(child.subtree), 0.9
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "for" and verb.pos_ == "VERB":
                return _render_tokens(child.subtree), 0.6  # "delayed for rain"
        for child in verb.children:
            if child.dep_ in ("advcl", "xcomp") and any(t.lower_ == "to" for t in child.lefts):
                return _render_tokens(child.subtree), 0.7
    return None


def _extract_how(doc, anchors: list) -> tuple[str, float] | None:
    """How: a by/with/through phrase on the verb, else the predicate."""
    verbs = [a for a in anchors if a.pos_ in ("VERB", "AUX")]
    for verb in verbs:
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in ("by", "with", "through", "using"):
                return _render_tokens(child.subtree), 1.0
            if child.dep_ == "advmod" and child.lower_.endswith("ly"):
                return child.text, 0.7
        return _predicate(verb), 0.5
    return None


# -- dates -----------------------------------------------------------------------------------

_FULL_DATE = re.compile(
    rf"\b(\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS})\.?,?\s+\d{{4}}|({MONTHS})\.?\s+\d{{1,2}}"
    rf"(st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS})\b\.?|({MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_RELATIVE_DAY = re.compile(r"\b(today|yesterday|tomorrow|tonight|\d+\s+days?\s+ago)\b", re.I)
_RELATIVE_COARSE = re.compile(
    r"\b((last|next|this|past)\s+(week|month|year)|\d+\s+(weeks|months|years)\s+ago)\b", re.I
)


def resolve_date(expression: str, published: str | None) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD or None, note): absolute dates as they are, relative ones from ``published``."""
    text = expression.strip()
    if match := _FULL_DATE.search(text):
        day = _dateparse(match.group(0), None)
        return (day.date().isoformat() if day else None), None
    base = _published_datetime(published)
    relative = _DAY_MONTH.search(text) or _WEEKDAY.search(text) or _RELATIVE_DAY.search(text)
    coarse = _RELATIVE_COARSE.search(text)
    if not relative and not coarse:
        return None, None
    if base is None:
        return None, (
            f"The story's publication date is unknown, so I can't tell which date "
            f"“{expression}” is."
        )
    if relative is not None:
        day = _resolve_day(relative.group(0), base)
        return (day.isoformat() if day else None), None
    month = _dateparse(coarse.group(0), base)
    if month is None:
        return None, None
    return None, f"“{expression}” is around {month:%B %Y}, counting from the story's date."


def _resolve_day(expression: str, base: datetime):
    """A day-level relative expression as a date: weekdays count back from the base day."""
    lower = expression.lower()
    if lower in WEEKDAYS:
        back = (base.weekday() - WEEKDAYS.index(lower)) % 7
        return (base - timedelta(days=back)).date()
    parsed = _dateparse(expression, base)
    return parsed.date() if parsed else None


def _published_datetime(published: str | None) -> datetime | None:
    """The story's publication time as a naive datetime, or None."""
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


@lru_cache(maxsize=2048)
def _dateparse(text: str, base: datetime | None) -> datetime | None:
    """dateparser, relative to ``base`` and preferring the past; None on failure."""
    import dateparser

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    try:
        return dateparser.parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None


# -- the main event of one story -----------------------------------------------------------


def main_event(
    title: str | None,
    sentences: Sequence[str],
    entities: Sequence[StoredEntity] | None = None,
    published: str | None = None,
) -> Facts:
    """Who did what, when and where, from the headline and the lead sentences.

    ``entities`` (stored at ingest) are accepted for callers that have them; the lead is
    re-parsed anyway because the answer is read off the dependency parse.
    """
    lead = [s for s in sentences[:4] if s.strip()]
    headline = _usable_title(title, lead)
    docs = [parse(headline)] if headline else []
    docs += [parse(s) for s in lead[:3]]
    if not docs:
        return Facts()
    who = _event_who(docs)
    what = _event_what(docs)
    base = _published_datetime(published)
    when = _event_when(docs, base.year if base else None)
    where = _event_where(docs)
    date = resolve_date(when, published)[0] if when else None
    if when is None and (day := base) is not None:
        # No time of the event in the lead: news reports the day it is published, so that is
        # the event's day as far as the story says; it is the story's own date, not a guess.
        when, date = f"{day:%B} {day.day}, {day.year}", day.date().isoformat()
    return Facts(who=who, what=what, when=when, where=where, date=date)


def _usable_title(title: str | None, lead: Sequence[str]) -> str | None:
    """The headline, unless it was derived from the first sentence (then it adds nothing)."""
    if not title or not title.strip():
        return None
    stripped = title.rstrip("…. ")
    if lead and lead[0].startswith(stripped[: max(20, len(stripped) - 2)]):
        return None
    return title.strip()


PERSON_NOUNS = frozenset(
    [
        "people",
        "person",
        "man",
        "men",
        "woman",
        "women",
        "boy",
        "girl",
        "child",
        "children",
        "driver",
        "drivers",
        "police",
        "officer",
        "officers",
        "bomber",
        "gunman",
        "gunmen",
        "attacker",
        "attackers",
        "victim",
        "victims",
        "fan",
        "fans",
        "player",
        "players",
        "minister",
        "president",
        "leader",
        "leaders",
        "official",
        "officials",
        "spokesman",
        "spokeswoman",
        "militant",
        "militants",
        "family",
        "families",
        "passenger",
        "passengers",
        "survivor",
        "survivors",
        "team",
        "rescuer",
        "rescuers",
        "investigator",
        "investigators",
        "teenager",
        "student",
        "mother",
        "father",
        "son",
        "daughter",
        "singer",
        "star",
        "candidate",
        "director",
        "chief",
        "troops",
        "soldiers",
        "residents",
        "protesters",
        "voters",
        "workers",
        "staff",
    ]
)


def _is_actor(token) -> bool:
    """A subject that can be a "who": a person, group or place name, or a person noun."""
    if token.ent_type_ in PERSONISH:
        return True
    if token.lemma_.lower() in PERSON_NOUNS or token.lower_ in PERSON_NOUNS:
        return True
    return any(c.dep_ == "nummod" for c in token.children) and token.pos_ == "NOUN"


def _subjects(doc) -> list:
    """Subjects of a headline's or sentence's main clause (past a "Topic: clause" prefix)."""
    verb = _headline_verb(doc)
    if verb is None:
        return []
    found = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    for child in verb.children:
        if child.dep_ == "agent":
            found += [g for g in child.children if g.dep_ == "pobj"]
    return [t for t in found if t.pos_ in ("PROPN", "NOUN", "NUM")]


def _event_who(docs) -> str | None:
    """The first actor-like subject of the headline or lead, widened to its phrase, with
    surnames completed from the lead ("Trump and Obama" → "Donald Trump and Barack Obama")."""
    found = _event_who_phrase(docs)
    return _full_names(found, docs) if found else None


def _event_who_phrase(docs) -> str | None:
    for doc in docs:
        for subject in _subjects(doc):
            if _is_actor(subject):
                return _phrase_text(subject) or subject.text
    for doc in docs[:1]:
        for ent in doc.ents:
            if ent.label_ in ("PERSON", "ORG", "NORP"):
                return _phrase_text(ent.root) or ent.text
    for doc in docs:
        for subject in _subjects(doc):
            return _phrase_text(subject) or subject.text
    return None


def _full_names(text: str, docs) -> str:
    """Lone surnames in an answer replaced by the full name the story gives them."""
    full: dict[str, str] = {}
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            parts = re.sub(r"['’]s$", "", ent.text).split()
            if 2 <= len(parts) <= 4 and all(p[:1].isupper() for p in parts):
                key = parts[-1]
                if len(parts) > len(full.get(key, "").split()):
                    full[key] = " ".join(parts)
    if not full:
        return text
    tokens = text.split()
    out: list[str] = []
    for n, token in enumerate(tokens):
        bare = re.sub(r"['’]s$", "", token)
        name = full.get(bare)
        before = tokens[n - 1] if n else ""
        if name and not before[:1].isupper() or name and n == 0:
            out.append(name + token[len(bare) :])
        else:
            out.append(token)
    return _clip(" ".join(out), MAX_SHORT_WORDS)


def _headline_verb(doc):
    """The main verb of a headline or sentence, looking past a "Topic: clause" prefix."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.pos_ in ("VERB", "AUX"):
        return root
    for token in doc:
        if token.pos_ == "VERB" and token.dep_ in ("ccomp", "acl", "relcl", "appos", "conj"):
            return token
    return None


def _event_what(docs) -> str | None:
    """The headline's predicate: verb, particle, object and a short first complement."""
    for doc in docs:
        verb = _headline_verb(doc)
        if verb is None:
            continue
        keep = [verb]
        for child in verb.children:
            if child.dep_ in ("dobj", "prt", "acomp", "oprd", "attr", "neg", "auxpass", "dative"):
                keep += list(child.subtree)
        later = [c for c in verb.children if c.i > verb.i and c.dep_ in ("prep", "xcomp")]
        if later and len(list(later[0].subtree)) <= 6:
            keep += list(later[0].subtree)
        return _render_tokens(keep, 12)
    return None


def _event_when(docs, year: int | None = None) -> str | None:
    """The main event's point in time in the headline or lead.

    Each candidate is a whole time expression ("the early hours of Thursday", "two days
    before the election", see ``time_expressions``). A day or clock time beats a vaguer one
    ("Sunday" over "this month"); one in a relative clause or a quotation ("Jos, who competed
    ...") more likely dates something else and comes last. A year other than the
    publication's ("an image from 2011") is background, never the answer: with nothing else,
    None (the caller falls back on the publication date). Ties go to the earliest.
    """
    best: tuple[float, int, str] | None = None
    order = 0
    for doc in docs:
        for span, text in time_expressions(doc):
            order += 1
            rank = _when_rank(span, text, year)
            if rank is not None and (best is None or rank > best[0]):
                best = (rank, order, text)
    return _clip(_strip_preposition(best[2]), MAX_SHORT_WORDS) if best else None


def _when_rank(span, text: str, year: int | None = None) -> float | None:
    """How surely a time expression dates the main event (higher first; None: not at all)."""
    rank = 0.0
    years = [int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", text)]
    if year is not None and years and year not in years:
        return None  # background: "since 1908", "from 1994 to 2003"
    if _WEEKDAY.search(text) or _CLOCK.search(text) or _FULL_DATE.search(text):
        rank += 1.0
    elif re.search(r"\b(before|after)\b", text, re.I) and _DURATION.search(text):
        rank += 1.0  # "two days before the election" pins a day as well as a weekday does
    elif _DAY_MONTH.search(text) or _RELATIVE_DAY.search(text):
        rank += 0.8
    if _in_side_clause(span.root):
        rank -= 1.5
    return rank


def _in_side_clause(token) -> bool:
    """True inside a relative clause, an apposition or quoted speech: not the main event."""
    for node in [token, *token.ancestors]:
        if node.dep_ == "appos" or (node.dep_ == "relcl" and _has_relative_word(node)):
            return True
    doc = token.doc
    before = doc[: token.i].text
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _has_relative_word(verb) -> bool:
    """A finite relative clause ("who competed ..."), not an infinitive ("an honour to meet")."""
    return any(c.tag_ in ("WDT", "WP", "WP$", "WRB") or c.lower_ == "that" for c in verb.children)


# A counted stretch of time: "108 years", "two days" (not a point in time by itself).
_DURATION = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+"
    r"(second|minute|hour|day|week|month|year)s?\b",
    re.I,
)
# Clock times NER may miss or call CARDINAL: "00:48", "6.10am", "11 p.m.".
_CLOCK = re.compile(r"\b\d{1,2}(:\d{2}|[.:]\d{2}\s*[ap]\.?m\b\.?|\s*[ap]\.?m\b\.?)", re.I)
# Words that may join two time expressions into one: "11am local time on Sunday".
_TIME_JOINERS = frozenset({"on", "of", "at", ",", "local", "time"})


def time_expressions(doc) -> list[tuple[object, str]]:
    """(span, text) of each point in time in a parsed sentence, whole.

    DATE and TIME entities are joined when only joiners stand between them ("the early
    hours" + "of" + "Thursday"), a clock time NER called a number counts ("At 00:48"), and a
    duration followed by before/after takes the event it counts from ("two days before the
    election"). Ages, lengths and bare durations ("a month") are left out.
    """
    ents = [
        e
        for e in doc.ents
        if e.label_ in TIMES or (e.label_ == "CARDINAL" and _CLOCK.fullmatch(e.text.strip()))
    ]
    merged: list[list[int]] = []
    for ent in ents:
        if _is_age_or_length(ent.text):
            continue
        if merged:
            gap = doc[merged[-1][1] : ent.start]
            joinable = not _DURATION.search(doc[merged[-1][0] : merged[-1][1]].text)
            if joinable and len(gap) <= 3 and all(t.lower_ in _TIME_JOINERS for t in gap):
                merged[-1][1] = ent.end
                continue
        merged.append([ent.start, ent.end])
    found = []
    for start, end in merged:
        span = doc[start:end]
        if (
            end < len(doc)
            and doc[end].lower_ in ("before", "after")
            and not _is_point_in_time(span.text)
        ):
            objects = [c for c in doc[end].children if c.dep_ == "pobj"]
            if objects:
                last = max(t.i for t in objects[0].subtree)
                if last - start < MAX_SHORT_WORDS:
                    span = doc[start : last + 1]
                    found.append((span, span.text))
                    continue
        if _is_point_in_time(span.text):
            found.append((span, span.text))
    return found


def _is_age_or_length(text: str) -> bool:
    """ "five-year-old", "90-minute", "62": DATE entities that are no date."""
    lower = text.lower()
    if re.search(r"(year|month|week|day|hour|minute)s?[- ]old|-minute|-hour|-day|-year\b", lower):
        return True
    if re.fullmatch(
        r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(year|minute|hour)", lower
    ):
        return True
    bare = re.fullmatch(r"\d+", lower.strip())
    return bool(bare) and not 1900 <= int(lower) <= 2100


def _event_where(docs) -> str | None:
    """Where the main event happened, from the headline and the lead.

    In order: a dateline ("WASHINGTON, Nov 6 (Reuters) -", "LONDON --"); the first place the
    event is *in* ("in Bishkek"); any other place that is not a modifier; a modifier of a
    noun that is itself in a place ("in the *Detroit* suburbs"); last, a place named only as
    a modifier ("the UK-only change").
    """
    for doc in docs:
        if (line := _dateline(doc.text)) is not None:
            return line
    tiers: list[str | None] = [None, None, None]
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ not in PLACES or _part_of_name(ent):
                continue
            root = ent.root
            text = _clip(_with_following_place(ent), MAX_SHORT_WORDS)
            if root.dep_ in ("compound", "amod", "nmod", "poss") and root.head.pos_ == "NOUN":
                head = root.head
                in_place = head.dep_ == "pobj" and head.head.lower_ in PLACE_PREPOSITIONS
                tier = 1 if in_place else 2
            elif root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPOSITIONS:
                return text
            else:
                tier = 0
            tiers[tier] = tiers[tier] or text
    return next((t for t in tiers if t), None)


# A news dateline at the start of a story's text: "WASHINGTON, Nov 6 (Reuters) -",
# "LONDON --", "NEW DELHI (AP) —".
_DATELINE = re.compile(
    r"(?:^|\s)((?:[A-Z][A-Z'-]+\s){0,2}[A-Z][A-Z'-]{2,})(?:,\s*[A-Z][a-zA-Z.]*\.?\s*\d{0,2})?"
    r"\s*(?:\([A-Za-z. ]+\))?\s*(?:--|—|–|-)\s"
)


def _dateline(text: str) -> str | None:
    """The place of a dateline within the first words of a text, as written."""
    match = _DATELINE.search(text[:200])
    if match is None:
        return None
    place = match.group(1)
    if place in ("AP", "AFP", "UPDATE", "BREAKING", "EXCLUSIVE", "PHOTO", "VIDEO", "WATCH"):
        return None
    return place
