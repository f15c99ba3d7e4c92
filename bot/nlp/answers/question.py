"""Reading a question: the kind of answer it asks for, and the words a story must share with it.

This is the question's form only (the wh-word, the noun after it, its content words). Which
sentence and which words of it answer is left to the learned model (``model.py``); nothing here
decides an answer.

    q = read_question("Wher did Pakistan and Russia sign the statment?")
    q.type    # "where" (the misspelt wh-word is read as the nearest one)
    q.terms   # the content words, each with its lemma and index stems
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.messages import Problem
from bot.nlp.language import full_pipeline
from bot.nlp.languages import index_stem
from bot.nlp.languages import is_answer_stop_word as is_stop_word

MAX_QUESTION_CHARS = 500

TYPES = ("who", "what", "when", "where", "which", "how_many", "why", "how", "yesno", "other")
WH_WORDS = ("who", "whom", "whose", "what", "when", "where", "why", "how", "which")
# A yes/no question starts with one of these: "Was the boy attacked?"
YES_NO_STARTS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
    ]
)
# Auxiliaries and light verbs carry no content: "did", "has", "was" never need to match.
LIGHT_VERBS = frozenset({"be", "do", "have", "will", "would", "can", "could", "may", "might"})
# Words of the question's frame that a story sentence need not contain.
FRAME_WORDS = frozenset(
    {"happen", "story", "article", "report", "news", "tell", "know", "exactly", "name"}
)
# Nouns after "what"/"which" that make the question a when, where or number question.
WHEN_NOUNS = frozenset({"time", "date", "day", "year", "month", "week", "hour", "night", "season"})
WHERE_NOUNS = frozenset({"place", "location", "venue", "whereabouts"})
NUMBER_NOUNS = frozenset(
    {"percentage", "percent", "proportion", "number", "amount", "price", "cost", "score", "age"}
)
HOW_MEASURES = frozenset(
    {"old", "long", "often", "fast", "heavy", "far", "big", "large", "high", "deep", "tall", "much"}
)

# Question words of other languages, to say "I only understand English" instead of guessing.
FOREIGN_QUESTION_WORDS = frozenset(
    [
        "qui",
        "quoi",
        "quand",
        "où",
        "pourquoi",
        "comment",
        "quel",
        "quelle",
        "est-ce",
        "wer",
        "wen",
        "wem",
        "wann",
        "wo",
        "warum",
        "wie",
        "welche",
        "welcher",
        "wieso",
        "quién",
        "quien",
        "qué",
        "cuándo",
        "cuando",
        "dónde",
        "donde",
        "por",
        "cómo",
        "cuál",
        "chi",
        "cosa",
        "quando",
        "dove",
        "perché",
        "come",
        "quem",
        "onde",
        "porque",
        "kto",
        "wat",
        "waar",
        "wanneer",
        "waarom",
        "hoe",
    ]
)


@dataclass(frozen=True)
class Term:
    """A content word of the question."""

    text: str  # as written (after any spelling fix)
    lemma: str  # lower case
    stems: tuple[str, ...]  # the index's stems of the word and of its lemma
    is_name: bool  # a proper noun or part of a named entity
    is_verb: bool


@dataclass(frozen=True)
class Question:
    """A question's form and content words, or the problem that keeps it from being asked."""

    text: str
    type: str
    form: str = ""  # a finer kind: "who_is", "how_old", "what_happened", ...
    wh_role: str = ""  # the wh-phrase's dependency: nsubj, dobj, pobj, attr, advmod, ...
    head_noun: str = ""  # "which *company*", "what *percentage*", "how *old*"
    verb: str = ""  # the main content verb's lemma
    terms: tuple[Term, ...] = ()
    entities: tuple[tuple[str, str], ...] = ()  # (text, label) named in the question
    topic: tuple[str, ...] = ()  # "Who is *Sergei Lavrov*?": the words of the one asked about
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def stems(self) -> frozenset[str]:
        """Every index stem of the question's content words."""
        return frozenset(s for term in self.terms for s in term.stems)


def clean_question(text: str) -> str:
    """Normalised, length-capped question text (a 10,000-word paste is cut, not parsed)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUESTION_CHARS]


def looks_foreign(text: str) -> bool:
    """True when the question is plainly not English (its script or its question word)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.5:
        return True
    found = re.findall(r"[\w'-]+", text.lower())
    if not found or found[0] not in FOREIGN_QUESTION_WORDS or found[0] in WH_WORDS:
        return False
    # "wen" is German for whom and a typo of "when": the rest of the question decides.
    return not any(is_stop_word(word) for word in found[1:] if len(word) > 1)


def read_question(text: str) -> Question:
    """The question's type, form and content words; the problem when there is nothing to ask."""
    cleaned = clean_question(text)
    if not re.search(r"\w", cleaned):
        return Question(cleaned, "other", problem=Problem.EMPTY_QUESTION)
    if looks_foreign(cleaned):
        return Question(cleaned, "other", problem=Problem.QUESTION_NOT_ENGLISH)
    return _read(fix_wh_word(cleaned))


def fix_wh_word(text: str) -> str:
    """The question with a misspelt leading wh-word put right ("wher did" → "where did").

    Only a word that is not itself a common English word is changed: "were" stays "were"
    (a yes/no question), "wher" becomes "where".
    """
    from rapidfuzz import fuzz, process

    match = re.match(r"\s*([A-Za-z]+)", text)
    if match is None:
        return text
    word = match.group(1)
    lower = word.lower()
    if lower in WH_WORDS or is_stop_word(lower) or len(lower) < 2:
        return text
    best = process.extractOne(lower, WH_WORDS, scorer=fuzz.ratio, score_cutoff=74)
    if best is None or best[0][0] != lower[0]:
        return text
    fixed = best[0].capitalize() if word[0].isupper() else best[0]
    return text[: match.start(1)] + fixed + text[match.end(1) :]


@lru_cache(maxsize=4096)
def _read(text: str) -> Question:
    doc = full_pipeline()(text)
    wh = next((t for t in doc if t.lower_ in WH_WORDS), None)
    first = next((t for t in doc if not t.is_punct), None)
    if wh is None and first is not None and first.lower_ in YES_NO_STARTS:
        qtype, form, head = "yesno", "yesno", ""
    else:
        qtype, form, head = _classify(doc, wh)
    verb = _main_verb(doc)
    head_token = _head_token(doc, wh)
    terms = tuple(_term(t) for t in doc if _is_content(t, wh, head_token, qtype))
    topic: tuple[str, ...] = ()
    if form == "who_is":
        topic = tuple(t.text for t in doc if t.i > wh.i + 1 and not t.is_punct)
    return Question(
        text=text,
        type=qtype,
        form=form,
        wh_role=_wh_role(wh),
        head_noun=head,
        verb=verb.lemma_.lower() if verb is not None else "",
        terms=_unique(terms),
        entities=tuple(
            (e.text, e.label_) for e in doc.ents if e.label_ not in ("CARDINAL", "ORDINAL")
        ),
        topic=topic,
    )


def _unique(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    seen: set[str] = set()
    kept = []
    for term in terms:
        if term.lemma not in seen:
            seen.add(term.lemma)
            kept.append(term)
    return tuple(kept)


def _term(token) -> Term:
    lemma = token.lemma_.lower()
    stems = tuple(dict.fromkeys(s for s in (index_stem(token.text), index_stem(lemma)) if s))
    return Term(
        text=token.text,
        lemma=lemma,
        stems=stems,
        is_name=token.pos_ == "PROPN" or bool(token.ent_type_),
        is_verb=token.pos_ == "VERB",
    )


def _classify(doc, wh) -> tuple[str, str, str]:
    """(type, form, head noun) from the wh-word and the word after it."""
    if wh is None:
        return "other", "other", ""
    word = wh.lower_
    after = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    after_lemma = after.lemma_.lower() if after is not None else ""
    if word in ("what", "which"):
        noun = _wh_noun(doc, wh)
        if noun in WHEN_NOUNS:
            return "when", f"{word}_time", noun
        if noun in NUMBER_NOUNS:
            return "how_many", f"{word}_number", noun
        if noun in WHERE_NOUNS:
            return "where", f"{word}_place", noun
        if word == "which" or noun:
            return "which", f"{word}_noun", noun
        if any(t.lemma_ in ("happen", "occur") for t in doc):
            return "what", "what_happened", ""
        if wh.head.lemma_ == "be" and wh.dep_ in ("attr", "nsubj"):
            # "What is Lauren Davis's world *ranking*?": the noun the answer is an instance of.
            subject = next(
                (
                    c
                    for c in wh.head.children
                    if c.dep_ in ("nsubj", "attr") and c.i != wh.i and c.pos_ == "NOUN"
                ),
                None,
            )
            return "what", "what_is", subject.lemma_.lower() if subject is not None else ""
        if any(t.lemma_ == "do" and t.i > wh.i for t in doc):
            return "what", "what_did", ""
        return "what", "what", ""
    if word in ("who", "whom"):
        if _asks_who_is(doc, wh):
            return "who", "who_is", ""
        return "who", "who", ""
    if word == "whose":
        return "who", "whose", ""
    if word == "how" and after_lemma in ("many", "much"):
        return "how_many", f"how_{after_lemma}", after_lemma
    if word == "how" and after is not None and after.lower_ in HOW_MEASURES:
        return "how_many", f"how_{after.lower_}", after.lower_
    if word in ("when", "where", "why", "how"):
        return word, word, ""
    return "other", "other", ""


def _asks_who_is(doc, wh) -> bool:
    """ "Who is Sergei Lavrov?": who + be + a name and nothing else (asks for a role)."""
    root = wh.head
    if root.lemma_ != "be" or root.i != wh.i + 1:
        return False
    rest = [t for t in doc if t.i > root.i and not t.is_punct]
    return bool(rest) and all(t.pos_ in ("PROPN", "DET") or t.ent_type_ for t in rest)


def _wh_noun(doc, wh) -> str:
    """The noun a wh-determiner qualifies: "what *country*", "which *team*"."""
    token = _head_token(doc, wh)
    return token.lemma_.lower() if token is not None else ""


def _head_token(doc, wh):
    """The noun after "what"/"which", or the measure after "how"."""
    if wh is None or wh.i + 1 >= len(doc):
        return None
    after = doc[wh.i + 1]
    if wh.lower_ == "how":
        return after if after.lower_ in HOW_MEASURES or after.lower_ == "many" else None
    if wh.lower_ in ("what", "which"):
        if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
            return wh.head
        if after.pos_ == "NOUN":
            return after
    return None


def _main_verb(doc):
    """The question's content verb: the root, or the first content verb under a light root."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.pos_ in ("VERB", "AUX") and root.lemma_ not in LIGHT_VERBS:
        return root
    for token in root.subtree:
        if token.pos_ == "VERB" and token.lemma_ not in LIGHT_VERBS:
            return token
    return None


def _wh_role(wh) -> str:
    """The wh-phrase's role: subject ("Who signed?"), object ("Whom did he meet?"), ..."""
    if wh is None:
        return ""
    if wh.lower_ == "whose":
        return "poss"
    if wh.dep_ == "det":
        return wh.head.dep_
    return wh.dep_


def _is_content(token, wh, head_token, qtype: str) -> bool:
    """A word worth matching in a story: not a stop word, wh-word, light verb or punctuation."""
    if token.is_punct or token.is_space or not re.search(r"\w", token.text):
        return False
    if wh is not None and token.i == wh.i:
        return False
    if token.lower_ in WH_WORDS:
        return False
    # "what time", "how old" name the kind of answer, not a word the story must hold; but
    # "which company" keeps its noun ("the company which makes").
    if head_token is not None and token.i == head_token.i and qtype != "which":
        return False
    lemma = token.lemma_.lower()
    if lemma in LIGHT_VERBS or lemma in FRAME_WORDS:
        return False
    if token.pos_ in ("DET", "PART", "ADP", "CCONJ", "PRON", "AUX") or token.tag_ == "POS":
        return False
    # spaCy's stop list holds nouns and verbs too ("well", "call", "show"): keep those.
    return not (
        token.is_stop and not token.ent_type_ and token.pos_ not in ("NOUN", "PROPN", "VERB")
    )
