"""Understanding a question: what kind of answer it wants and which words must match.

Only the question is parsed here (it is short); the stories' sentences are parsed later, and
only the few that retrieval picks.

    q = parse_question("Who signed the joint statement?")
    q.type      # "who"
    q.verb      # "sign"
    q.keywords  # ("sign", "joint", "statement")
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from bot.language import full_pipeline

MAX_QUESTION_CHARS = 500

# Question types an answer can be extracted for; "other" still retrieves a sentence.
TYPES = ("who", "what", "when", "where", "why", "how", "how_many", "which", "other")

# Auxiliaries and light verbs carry no content: "did", "has", "was" never need to match.
LIGHT_VERBS = frozenset({"be", "do", "have", "will", "would", "can", "could", "may", "might"})
WH_WORDS = frozenset({"who", "whom", "whose", "what", "when", "where", "why", "how", "which"})
# Words of the question's frame that a story sentence need not contain.
FRAME_WORDS = frozenset(
    {"happen", "story", "article", "report", "news", "say", "tell", "know", "exactly", "time"}
)

# Verbs that report another clause: "What did police *say* caused it?"
REPORTING_VERBS = frozenset({"say", "tell", "think", "believe", "claim", "report", "suggest"})
# Nouns after "what"/"which" that turn the question into a when or where question.
WHEN_NOUNS = frozenset({"time", "date", "day", "year", "month", "week", "hour", "night"})
WHERE_NOUNS = frozenset(
    {"place", "city", "country", "town", "location", "state", "region", "venue", "area"}
)
WHO_NOUNS = frozenset(
    {
        "person",
        "people",
        "man",
        "woman",
        "minister",
        "official",
        "leader",
        "company",
        "group",
        "organisation",
        "organization",
        "team",
        "party",
        "player",
        "driver",
        "president",
    }
)
# Of those, the ones that are always a person.
PERSON_KIND_NOUNS = frozenset(
    {"person", "man", "woman", "minister", "official", "leader", "player", "driver", "president"}
)
# The entity labels that can answer a "which <noun>" question.
NOUN_LABELS = {
    "country": ("GPE",),
    "city": ("GPE",),
    "town": ("GPE",),
    "state": ("GPE",),
    "company": ("ORG",),
    "team": ("ORG",),
    "organisation": ("ORG",),
    "organization": ("ORG",),
    "party": ("ORG", "NORP"),
    "newspaper": ("ORG",),
}

# "How old/long/deep ..." asks for a number or a measure: the entity labels that answer
# each, the likeliest first.
MEASURE_LABELS = {
    "old": ("DATE", "CARDINAL"),  # ages: "42-year-old", "Donald Collett, 62,"
    "long": ("DATE", "TIME", "QUANTITY"),
    "often": ("DATE", "CARDINAL"),
    "fast": ("QUANTITY", "CARDINAL"),
    "heavy": ("QUANTITY", "CARDINAL"),
    "far": ("QUANTITY", "CARDINAL"),
    "big": ("QUANTITY", "CARDINAL"),
    "large": ("QUANTITY", "CARDINAL"),
    "high": ("QUANTITY", "CARDINAL"),
    "deep": ("QUANTITY", "CARDINAL"),
    "wide": ("QUANTITY", "CARDINAL"),
    "tall": ("QUANTITY", "CARDINAL"),
}
HOW_MEASURES = frozenset(MEASURE_LABELS)
# Nouns after "what"/"which" that ask for a number: "what percentage", "which lap".
NUMBER_NOUNS = {
    "percentage": ("PERCENT", "CARDINAL"),
    "percent": ("PERCENT", "CARDINAL"),
    "proportion": ("PERCENT", "CARDINAL"),
    "share": ("PERCENT", "CARDINAL"),
    "price": ("MONEY", "CARDINAL"),
    "cost": ("MONEY", "CARDINAL"),
    "amount": ("MONEY", "QUANTITY", "CARDINAL"),
    "number": ("CARDINAL", "ORDINAL"),
    "score": ("CARDINAL",),
    "lap": ("CARDINAL", "ORDINAL"),
    "round": ("CARDINAL", "ORDINAL"),
    "age": ("DATE", "CARDINAL"),
}

# Question words of other languages, to say "I only understand English" instead of guessing.
FOREIGN_QUESTION_WORDS = frozenset(
    {
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
    }
)


@dataclass(frozen=True)
class Question:
    """A parsed question: its type and the words an answering sentence should contain."""

    text: str
    type: str
    keywords: tuple[str, ...] = ()  # content lemmas, lower case, in question order
    words: tuple[str, ...] = ()  # the same content words as written, for full-text search
    entities: tuple[tuple[str, str], ...] = ()  # (text, label) named in the question
    verb: str | None = None  # the main verb's lemma, None for "what is X"
    object_hints: tuple[str, ...] = ()  # lemmas of the question's object / subject phrase
    focus: str | None = None  # what-questions: event, action, object, definition
    wants_labels: tuple[str, ...] = field(default=())  # entity labels that fit the answer
    wh_role: str | None = None  # the wh-word's dependency: nsubj, dobj, poss, ...
    kind_noun: str | None = None  # "which *company*": names the answer's kind, weighs less
    measure: str | None = None  # "how *old*", "how *heavy*": the measure asked for
    head_noun: str | None = None  # "What is the *price* of ...": what the answer must be
    possessed: str | None = None  # "Whose *laptop* ...": the answer is its owner
    subject: tuple[str, ...] = ()  # "When did *the Cubs* win?": lemmas of the verb's subject
    note: str | None = None  # why the question cannot be answered at all

    @property
    def ok(self) -> bool:
        return self.note is None


def clean_question(text: str) -> str:
    """Normalised, length-capped question text (a 5,000-character paste is cut, not parsed)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUESTION_CHARS]


def looks_foreign(text: str) -> bool:
    """True when the question is plainly not English (script or question word)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.5:
        return True
    first = re.findall(r"[\w'-]+", text.lower())[:2]
    english = {"who", "what", "when", "where", "why", "how", "which", "whom", "whose"}
    return bool(first) and first[0] in FOREIGN_QUESTION_WORDS and first[0] not in english


def parse_question(text: str) -> Question:
    """The question's type, keywords, entities, verb and object hints."""
    cleaned = clean_question(text)
    if not re.search(r"\w", cleaned):
        return Question(cleaned, "other", note="Ask me a question about the stories here.")
    if looks_foreign(cleaned):
        return Question(
            cleaned,
            "other",
            note="I can only answer questions in English about the stories here.",
        )
    return _parse(cleaned)


@lru_cache(maxsize=2048)
def _parse(text: str) -> Question:
    doc = full_pipeline()(text)
    wh = _wh_token(doc)
    qtype, focus, labels = _classify(doc, wh)
    verb = _main_verb(doc)
    wh_noun = _wh_noun_token(doc, wh)
    # "Which company": a "which" noun stays a keyword (stories say "the company which makes"),
    # but "what time", "how old" only name the kind of answer.
    keep_noun = wh is not None and wh.lower_ == "which"
    skip = wh_noun.i if wh_noun is not None and not keep_noun else -1
    keyword_tokens = [t for t in doc if _is_content(t, wh) and t.i != skip]
    keywords = tuple(dict.fromkeys(t.lemma_.lower() for t in keyword_tokens))
    words = tuple(dict.fromkeys(t.text for t in keyword_tokens))
    entities = tuple(
        (e.text, e.label_) for e in doc.ents if e.label_ not in ("CARDINAL", "ORDINAL")
    )
    head_noun = _head_noun(doc, wh)
    if qtype == "what" and head_noun == "name":
        # "What is the name of the driver?" asks who: a name, which the sentence need not
        # introduce with the word "name".
        qtype, labels, head_noun = "who", ("PERSON", "ORG", "NORP", "GPE"), None
    if qtype == "what" and focus is None:
        focus = _what_focus(doc, wh, verb)
    return Question(
        text=text,
        type=qtype,
        keywords=keywords,
        words=words,
        entities=entities,
        verb=verb.lemma_.lower() if verb is not None and verb.lemma_ not in LIGHT_VERBS else None,
        object_hints=_object_hints(verb, wh),
        focus=focus,
        wants_labels=labels,
        wh_role=_wh_role(wh),
        kind_noun=wh_noun.lemma_.lower() if wh_noun is not None and keep_noun else None,
        measure=_measure(doc, wh),
        head_noun=head_noun,
        subject=_subject_lemmas(verb, wh),
        possessed=wh.head.lemma_.lower()
        if wh is not None and wh.lower_ == "whose" and wh.head.pos_ == "NOUN"
        else None,
    )


def _head_noun(doc, wh) -> str | None:
    """ "What is the price of X?", "Who is the mayor of Y?": the noun the answer is an
    instance of (lemma), when the question is "wh + be + the <noun> ..."."""
    if wh is None or wh.dep_ not in ("attr", "nsubj") or wh.head.lemma_ != "be":
        return None
    for child in wh.head.children:
        if child.dep_ in ("nsubj", "attr") and child != wh and child.pos_ == "NOUN":
            return child.lemma_.lower()
    return None


def _measure(doc, wh) -> str | None:
    """The measure of "how old/long/heavy ...", None for other questions."""
    if wh is None or wh.lower_ != "how" or wh.i + 1 >= len(doc):
        return None
    word = doc[wh.i + 1].lower_
    return word if word in HOW_MEASURES else None


def _wh_token(doc):
    """The first wh-word of the question ("And who signed it?" still finds "who")."""
    for token in doc:
        if token.lower_ in WH_WORDS:
            return token
    return None


def _classify(doc, wh) -> tuple[str, str | None, tuple[str, ...]]:
    """(type, what-focus, wanted entity labels) from the wh-word and the noun after it."""
    if wh is None:
        return "other", None, ()
    word = wh.lower_
    nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    nxt_lemma = nxt.lemma_.lower() if nxt is not None else ""
    # "In what country/year ..." and "What day ..." ask for a place or time, not a thing.
    if word in ("what", "which"):
        noun = _wh_noun(doc, wh)
        if noun in WHEN_NOUNS:
            return "when", None, ("DATE", "TIME")
        if noun in NUMBER_NOUNS:
            return "how_many", None, NUMBER_NOUNS[noun]
        if noun in WHERE_NOUNS and _after_preposition(doc, wh):
            return "where", None, ("GPE", "LOC", "FAC")
        if noun in WHERE_NOUNS:
            return "which", None, ("GPE", "LOC", "FAC")
        if noun in NOUN_LABELS:
            return "which", None, NOUN_LABELS[noun]
        if noun in PERSON_KIND_NOUNS:
            return "who", None, ("PERSON",)  # "which driver": a person, not a team or place
        if noun in WHO_NOUNS:
            return "who", None, ("PERSON", "ORG", "NORP", "GPE")
        if word == "which":
            return "which", None, ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT")
        return "what", None, ()
    if word in ("who", "whom", "whose"):
        return "who", None, ("PERSON", "ORG", "NORP", "GPE")
    if word == "when":
        return "when", None, ("DATE", "TIME")
    if word == "where":
        return "where", None, ("GPE", "LOC", "FAC")
    if word == "why":
        return "why", None, ()
    if word == "how" and nxt_lemma == "much":
        if {"cost", "pay", "price", "spend", "charge", "worth", "sell"} & {t.lemma_ for t in doc}:
            return "how_many", None, ("MONEY", "CARDINAL")
        return "how_many", None, ("MONEY", "QUANTITY", "PERCENT", "CARDINAL")
    if word == "how" and nxt_lemma == "many":
        return "how_many", None, ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
    if word == "how" and nxt is not None and nxt.lower_ in HOW_MEASURES:
        return "how_many", None, MEASURE_LABELS[nxt.lower_]
    return "how", None, ()


def _after_preposition(doc, wh) -> bool:
    """ "In what city ...": the wh-phrase is the object of a preposition."""
    return wh.i > 0 and doc[wh.i - 1].pos_ == "ADP"


def _wh_noun(doc, wh) -> str:
    """The noun a wh-determiner qualifies: "what *country*", "which *team*"."""
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        return wh.head.lemma_.lower()
    nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    if nxt is not None and nxt.pos_ == "NOUN":
        return nxt.lemma_.lower()
    return ""


def _wh_noun_token(doc, wh):
    """The noun of "what <noun>" (the answer's kind) or the measure of "how old/many"."""
    if wh is None:
        return None
    if wh.lower_ == "how":
        nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if nxt is not None and (nxt.lower_ in HOW_MEASURES or nxt.lower_ in ("many", "much")):
            return nxt
        return None
    if wh.lower_ not in ("what", "which"):
        return None
    nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    if nxt is not None and nxt.pos_ == "NOUN":
        return nxt
    return None


def _main_verb(doc):
    """The question's content verb: the root, or the verb a light root governs."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    asks_speaker = any(c.lower_ in WH_WORDS and c.dep_ == "nsubj" for c in root.children)
    if root.lemma_ in REPORTING_VERBS and not asks_speaker:
        # "What did police say *caused* the shooting?": the reported clause holds the event
        # (but "Who said ...?" asks for the speaker).
        for child in root.children:
            if (
                child.dep_ in ("ccomp", "xcomp")
                and child.pos_ == "VERB"
                and child.lemma_ not in LIGHT_VERBS
            ):
                return child
    if root.pos_ in ("VERB", "AUX") and root.lemma_ not in LIGHT_VERBS:
        return root
    if root.is_lower and any(c.dep_ == "aux" for c in root.children):
        return root  # "When will the line *reopen*?" tagged as a name: an auxiliary's verb
    # "Who was it that signed ...", "What did X do to ..." – look for a content verb below.
    for token in root.subtree:
        if token.pos_ == "VERB" and token.lemma_ not in LIGHT_VERBS:
            return token
    return root if root.pos_ in ("VERB", "AUX") else None


def _what_focus(doc, wh, verb) -> str:
    """Which part of a sentence answers "what": the event, an action, an object, a definition."""
    lemmas = {t.lemma_.lower() for t in doc}
    if "happen" in lemmas or "occur" in lemmas:
        return "event"
    if verb is None or verb.lemma_ in ("be",):
        return "definition"
    if verb.lemma_ == "do":
        return "action"
    if wh is not None and wh.dep_ in ("nsubj", "nsubjpass"):
        return "event"  # "What caused the crash?" – the answer is the subject
    return "object"


def _subject_lemmas(verb, wh) -> tuple[str, ...]:
    """Lemmas of the content verb's active subject, unless the subject is what is asked (a
    passive subject is a story's object as often as its subject: "the statement was signed")."""
    if verb is None or any(c.dep_ == "auxpass" for c in verb.children):
        return ()
    for child in verb.children:
        if child.dep_ == "nsubj" and child.lower_ not in WH_WORDS:
            return tuple(t.lemma_.lower() for t in child.subtree if t.is_alpha and not t.is_stop)
    return ()


def _object_hints(verb, wh) -> tuple[str, ...]:
    """Lemmas of the verb's noun phrases that are not the wh-word: what the answer is about."""
    if verb is None:
        return ()
    hints: list[str] = []
    for child in verb.children:
        if child.dep_ in ("dobj", "nsubj", "nsubjpass", "attr", "pobj", "prep", "dative"):
            for token in child.subtree:
                if token.lower_ not in WH_WORDS and not token.is_stop and token.is_alpha:
                    hints.append(token.lemma_.lower())
    return tuple(dict.fromkeys(hints))


def _wh_role(wh) -> str | None:
    """The wh-word's role: subject ("Who signed?") or object ("Whom did he meet?")."""
    if wh is None:
        return None
    if wh.lower_ == "whose":
        return "poss"
    if wh.dep_ == "det":
        return wh.head.dep_
    return wh.dep_


def _is_content(token, wh) -> bool:
    """A word worth matching in a story: not a stop word, wh-word, light verb or punctuation."""
    if token.is_punct or token.is_space or not re.search(r"\w", token.text):
        return False
    if token.lower_ in WH_WORDS or (wh is not None and token.i == wh.i):
        return False
    lemma = token.lemma_.lower()
    if lemma in LIGHT_VERBS or lemma in FRAME_WORDS:
        return False
    if token.pos_ in ("DET", "PART", "ADP", "CCONJ") or token.tag_ == "POS":
        return False  # "the" of "the Brazilian Grand Prix", "'s" of "Gaga's"
    # spaCy's stop list holds nouns and verbs too ("well", "name", "call", "show"): keep those.
    content = ("NOUN", "PROPN", "VERB")
    return not (token.is_stop and token.ent_type_ == "" and token.pos_ not in content)
