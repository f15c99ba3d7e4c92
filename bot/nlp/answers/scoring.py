"""What counts as a right answer: the rule the harness reports and the training labels use.

A short answer is right when it is short enough for its kind (10 words for who / when / where /
which / how many, 25 for the rest) and it contains an accepted answer or overlaps one with
token F1 ≥ 0.5; a when-answer is also right when it resolves to the expected calendar date.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

HIT_F1 = 0.5
SHORT_TYPES = frozenset({"who", "when", "where", "which", "how_many"})
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def tokens(text: str | None) -> list[str]:
    """Lower-case word tokens."""
    return re.findall(r"\w+", (text or "").translate(_QUOTES).lower())


def token_f1(predicted: str | None, gold: str | None) -> float:
    """Token-overlap F1 (SQuAD style, without article stripping)."""
    a, b = tokens(predicted), tokens(gold)
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def contains(text: str | None, piece: str | None) -> bool:
    """Whether text holds piece as a run of whole tokens."""
    inner = tokens(piece)
    if not inner:
        return False
    return f" {' '.join(inner)} " in f" {' '.join(tokens(text))} "


def word_limit(kind: str) -> int:
    """The most words a right answer of this kind may have."""
    return 10 if kind in SHORT_TYPES else 25


def is_right(
    predicted: str | None,
    accepted: Iterable[str],
    kind: str,
    *,
    date: str | None = None,
    expected_date: str | None = None,
) -> bool:
    """The harness's rule for a short answer (module notes)."""
    if not predicted:
        return False
    if kind == "when" and date and expected_date and date == expected_date:
        return True
    if len(predicted.split()) > word_limit(kind):
        return False
    return any(token_f1(predicted, a) >= HIT_F1 or contains(predicted, a) for a in accepted)


def is_tight(span: str, accepted: Iterable[str]) -> bool:
    """A training label: the span is a right answer and not much longer than an accepted one
    (so the model learns to give "Bishkek", not the whole clause that holds it)."""
    for answer in accepted:
        if token_f1(span, answer) >= HIT_F1:
            return True
        if contains(span, answer) and len(tokens(span)) <= len(tokens(answer)) + 3:
            return True
    return False


def holds(sentence: str | None, accepted: Iterable[str], evidence: str | None = None) -> bool:
    """Whether a quoted sentence holds the answer: it contains an accepted answer; for a yes/no
    question (whose answer is not a span of the text), it is the evidence sentence."""
    if not sentence:
        return False
    spans = [a for a in accepted if a.lower() not in ("yes", "no")]
    if spans:
        return any(contains(sentence, a) for a in spans)
    return bool(evidence) and (token_f1(sentence, evidence) >= 0.6 or contains(sentence, evidence))
