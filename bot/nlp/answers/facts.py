"""The main event of one story (``/facts``): who did what, when and where.

The same machinery as answers, without a question: the headline and the lead sentences are
parsed, every candidate span of them is offered (``spans.candidate_spans``, plus the clauses a
"what" can be), and one learned model per W scores them. The models are logistic regressions
fitted on the Giveme5W1H training split's coder annotations (``training.fit_facts``) and are
stored in ``model.json`` beside the answer model.

When no time is named in the lead, ``when`` is the story's publication day: news reports the
day it is published, so that is the event's day as far as the story says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlp.answers.model import LinearModel, load_model
from bot.nlp.answers.spans import Span, candidate_spans, parse_sentences
from bot.nlp.dates import published_datetime, resolve_date
from db.store import ChatStories

FACT_KINDS = ("who", "what", "when", "where")
LEAD_SENTENCES = 3
MAX_WHAT_TOKENS = 25
MAX_SHORT_WORDS = 10


@dataclass(frozen=True)
class Facts:
    """The main event of one story; a field is None when the story does not say."""

    who: str | None = None
    what: str | None = None
    when: str | None = None
    where: str | None = None
    date: str | None = None  # YYYY-MM-DD of ``when``, when it resolves to a day


@dataclass(frozen=True)
class EventSpan:
    """A candidate for one of the Ws, with the features the fact models read."""

    text: str
    features: dict[str, float]


def facts(chat: ChatStories, story_id: int) -> Facts | None:
    """The main event of one of this chat's stories (None when it isn't stored here)."""
    story = chat.story(story_id)
    if story is None:
        return None
    sentences = [s.text for s in chat.sentences(story_id)]
    return main_event(story.title, sentences, story.published)


def main_event(
    title: str | None,
    sentences: Sequence[str],
    published: str | None = None,
    models: dict[str, LinearModel] | None = None,
) -> Facts:
    """Who did what, when and where, from the headline and the lead sentences."""
    models = models if models is not None else load_model().facts
    candidates = event_candidates(title, sentences, published)
    chosen: dict[str, str | None] = {}
    for kind in FACT_KINDS:
        model = models.get(kind)
        scored = (
            [
                (model.probability(c.features), -i, c.text)
                for i, c in enumerate(candidates.get(kind, []))
            ]
            if model is not None
            else []
        )
        chosen[kind] = max(scored)[2] if scored else None
    when, date = chosen["when"], None
    if when:
        date, _ = resolve_date(when, published)
    elif (day := published_datetime(published)) is not None:
        when, date = day_text(day), day.date().isoformat()
    return Facts(chosen["who"], chosen["what"], when, chosen["where"], date)


def usable_title(title: str | None, lead: Sequence[str]) -> str | None:
    """The headline, unless it was cut from the first sentence (then it adds nothing)."""
    if not title or not title.strip():
        return None
    stripped = title.rstrip("…. ")
    if lead and lead[0].startswith(stripped[: max(20, len(stripped) - 2)]):
        return None
    return title.strip()


def event_candidates(
    title: str | None, sentences: Sequence[str], published: str | None = None
) -> dict[str, list[EventSpan]]:
    """Every candidate span of the headline and lead, with its features, for each W; and the
    publication day for ``when`` (news mostly reports what happened the day it appears)."""
    lead = [s for s in sentences if s.strip()][:LEAD_SENTENCES]
    headline = usable_title(title, lead)
    texts = ([headline] if headline else []) + lead
    if not texts:
        return {}
    docs = parse_sentences([(text, None) for text in texts])
    lowered = [text.lower() for text in texts]
    found: dict[str, list[EventSpan]] = {kind: [] for kind in FACT_KINDS}
    seen: set[tuple[str, str]] = set()
    for index, doc in enumerate(docs):
        place = "title" if headline and index == 0 else f"lead{index - bool(headline)}"
        for span in candidate_spans(doc):
            if len(span.text.split()) > MAX_SHORT_WORDS:
                continue  # who, when and where are short, as the answers to such questions are
            features = span_features(doc, span, place, lowered)
            if {"DATE", "TIME"} & set(span.inner_labels):
                features.update(date_features(span.text, published))
            for kind in ("who", "when", "where"):
                if (kind, span.text) not in seen:
                    seen.add((kind, span.text))
                    found[kind].append(EventSpan(span.text, features))
        for text, features in what_candidates(doc, place):
            if ("what", text) not in seen:
                seen.add(("what", text))
                found["what"].append(EventSpan(text, features))
    if (day := published_datetime(published)) is not None:
        found["when"].append(EventSpan(day_text(day), {"published_day": 1.0}))
    return found


def date_features(text: str, published: str | None) -> dict[str, float]:
    """Whether a time expression names a day, and whether that is the publication day."""
    day, _ = resolve_date(text, published)
    if day is None:
        return {"no_day": 1.0}
    same = published is not None and published.startswith(day)
    return {"names_day": 1.0, "publication_day": float(same)}


def day_text(day) -> str:
    """A day as a reader writes it: "November 8, 2016"."""
    return f"{day:%B} {day.day}, {day.year}"


def span_features(doc, span: Span, place: str, texts: Sequence[str]) -> dict[str, float]:
    """What a W model reads of one span: its kind, its role in the clause, where it stands."""
    root = doc[span.root]
    before = doc[span.start - 1] if span.start > 0 else None
    features: dict[str, float] = {
        f"place={place}": 1.0,
        f"label={span.label or 'none'}": 1.0,
        f"dep={root.dep_}": 1.0,
        f"dep={root.dep_}|head={root.head.dep_}": 1.0,
        f"pos={root.pos_}": 1.0,
        f"start={_bucket(span.start, (0, 1, 4, 11))}": 1.0,
        f"length={_bucket(span.end - span.start, (1, 2, 4, 8))}": 1.0,
        # Repeated in the headline and lead: the main event's actors and places recur.
        "repeated": float(sum(span.text.lower() in t for t in texts) > 1),
        "subject_of_root": float(root.dep_ in ("nsubj", "nsubjpass") and root.head.dep_ == "ROOT"),
    }
    for kind in span.kinds:
        features[f"kind={kind}"] = 1.0
    for label in set(span.inner_labels):
        features[f"inner={label}"] = 1.0
    if before is not None and before.pos_ == "ADP":
        features[f"after={before.lower_}"] = 1.0
    if doc[span.start].pos_ == "ADP":
        features[f"starts={doc[span.start].lower_}"] = 1.0
    return features


def what_candidates(doc, place: str) -> list[tuple[str, dict[str, float]]]:
    """The clauses a "what" can be: the predicate (root verb onwards), the clause, the line."""
    found = []
    for token in doc:
        if token.dep_ not in ("ROOT", "ccomp", "conj") or token.pos_ not in ("VERB", "AUX"):
            continue
        for kind, start in (("predicate", token.i), ("clause", token.left_edge.i)):
            end = min(token.right_edge.i + 1, start + MAX_WHAT_TOKENS)
            while end > start and doc[end - 1].is_punct:
                end -= 1
            if end - start < 2:
                continue
            text = doc[start:end].text
            found.append(
                (
                    text,
                    {
                        f"place={place}": 1.0,
                        f"what={kind}": 1.0,
                        f"what={kind}|dep={token.dep_}": 1.0,
                        f"length={_bucket(end - start, (2, 5, 10, 18))}": 1.0,
                        "cut": float(end < token.right_edge.i + 1),
                    },
                )
            )
    if 2 <= len(doc) <= MAX_WHAT_TOKENS:
        found.append((doc.text.strip(), {f"place={place}": 1.0, "what=line": 1.0}))
    return found


def _bucket(value: int, edges: Sequence[int]) -> str:
    """The first edge the value is below, as a label ("<4"), or the last as "≥"."""
    for edge in edges[1:]:
        if value < edge:
            return f"<{edge}"
    return f">={edges[-1]}"
