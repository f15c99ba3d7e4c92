"""Misspelt question words matched to the words the stories use ("statment" → "statement").

A question word that no stored sentence holds is compared, with rapidfuzz, to the index's
own terms that begin with the same letter; the closest one above a similarity cut-off takes
its place (on a tie, the commoner term). The index's vocabulary covers every chat, but it only
steers the search: what is found still comes from this chat's stories alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.nlp.answers.question import Question, Term
from db.store import Store

MIN_LETTERS = 4  # shorter words have too many neighbours one letter away
MIN_SIMILARITY = 80.0  # rapidfuzz ratio, 0-100: "statment"/"statement" is 94


def correct_spelling(store: Store, question: Question) -> tuple[Question, int]:
    """The question with unknown words replaced by their nearest index terms, and how many."""
    stems = [s for term in question.terms for s in term.stems]
    known = store.sentence_counts(stems)
    fixed: list[Term] = []
    text = question.text
    changes = 0
    for term in question.terms:
        if any(known.get(s) for s in term.stems) or len(term.lemma) < MIN_LETTERS:
            fixed.append(term)
            continue
        nearest = _nearest_term(store, term.stems[0] if term.stems else term.lemma)
        if nearest is None:
            fixed.append(term)
            continue
        fixed.append(replace(term, text=nearest, stems=(nearest,)))
        # The reader reads the question's words, not its stems: "derial" is pieces it has no
        # meaning for, the matched term ("derail") is a word it knows.
        text = re.sub(rf"\b{re.escape(term.text)}\b", nearest, text, count=1)
        changes += 1
    if not changes:
        return question, 0
    return replace(question, text=text, terms=tuple(fixed)), changes


def _nearest_term(store: Store, stem: str) -> str | None:
    from rapidfuzz import fuzz, process

    if not stem or not stem[0].isalnum():
        return None
    low = stem[0]
    high = chr(ord(low) + 1)
    terms = store.terms_between(low, high)
    if not terms:
        return None
    counts = dict(terms)
    matches = process.extract(
        stem, list(counts), scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY, limit=5
    )
    if not matches:
        return None
    best = max(matches, key=lambda m: (m[1], counts[m[0]]))
    return best[0]
