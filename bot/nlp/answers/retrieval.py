"""Candidate sentences for a question, from one chat's stories, with their story as context.

Sentences come from the full-text index over sentences (BM25, any of the question's words as
written and as lemmas, misspellings corrected first), and the lead sentences of the stories
that match best as a whole, since a lead often answers in other words than the question's.
Every read goes through ``ChatStories``, so nothing of another chat is ever a candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.nlp.answers.question import Question
from bot.nlp.answers.typos import correct_spelling
from db.store import ChatStories, StoredEntity, Story

SENTENCE_HITS = 40  # sentences taken from the sentence index
STORY_HITS = 8  # stories taken from the story index, for their BM25 and their leads
LEAD_STORIES = 3  # of those, the ones whose lead sentences become candidates
LEAD_SENTENCES = 3
MAX_STORIES = 16  # stories whose sentences are read for context


@dataclass
class Candidate:
    """A sentence that may answer, with what the features need to know of its story."""

    story: Story
    position: int
    text: str
    bm25: float  # the sentence's BM25 in the sentence index (0: a lead added as context)
    search_rank: int  # its rank in the sentence search (SENTENCE_HITS when not found there)
    story_bm25: float  # the story's BM25 in the story index (0 when not among STORY_HITS)
    story_rank: int  # the story's rank there (STORY_HITS when not among them)
    story_hits: int  # how many of the sentence hits are from this story
    story_sentences: list[str] = field(repr=False, default_factory=list)
    entities: list[StoredEntity] = field(repr=False, default_factory=list)
    story_has_entities: bool = True


@dataclass
class Retrieval:
    """The question as searched (spelling put right) and its candidates."""

    question: Question
    candidates: list[Candidate]
    idf: dict[str, float]  # index stem → inverse sentence frequency
    spelling_fixes: int = 0
    # Each story's stems (title and first sentences), computed once per question: every
    # candidate of a story reads them, and the union of 60 sentences' stems is not free.
    story_stems: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)


def retrieve(chat: ChatStories, question: Question, story_id: int | None = None) -> Retrieval:
    """The question's candidate sentences from this chat (from one story when story_id is set)."""
    store = chat.store
    question, fixes = correct_spelling(store, question)
    query = " ".join(dict.fromkeys(s for term in question.terms for s in term.stems))
    idf = _idf(chat, question)
    if story_id is not None:
        hits = chat.search_sentences(query, limit=SENTENCE_HITS, story_id=story_id)
        # The story the user replied to is the best story there is: it gets the top story
        # score the features are normalised to, as the best-matching story would.
        scored = [(s, 1.0) for s in chat.stories_by_id([story_id]).values()]
        leads = [story_id]
        all_of = [story_id]
    else:
        hits = chat.search_sentences(query, limit=SENTENCE_HITS) if query else []
        scored = chat.search_scored(query, limit=STORY_HITS) if query else []
        leads = [story.id for story, _ in scored[:LEAD_STORIES]]
        all_of = []
    story_ids = list(dict.fromkeys([h.story_id for h in hits] + [s.id for s, _ in scored]))
    story_ids = story_ids[:MAX_STORIES]
    stories = chat.stories_by_id(story_ids)
    sentences = chat.sentences_of(story_ids)
    entities = chat.entities_of(story_ids)
    story_rank = {story.id: rank for rank, (story, _) in enumerate(scored)}
    story_bm25 = {story.id: score for story, score in scored}
    hits_per_story: dict[int, int] = {}
    for hit in hits:
        hits_per_story[hit.story_id] = hits_per_story.get(hit.story_id, 0) + 1

    texts = {sid: [s.text for s in sentences.get(sid, [])] for sid in story_ids}
    by_sentence: dict[tuple[int, int], list[StoredEntity]] = {}
    for sid, found in entities.items():
        for entity in found:
            by_sentence.setdefault((sid, entity.sentence), []).append(entity)

    def candidate(story_id: int, position: int, bm25: float, rank: int) -> Candidate | None:
        story = stories.get(story_id)
        own = texts.get(story_id, [])
        if story is None or position >= len(own):
            return None
        return Candidate(
            story=story,
            position=position,
            text=own[position],
            bm25=bm25,
            search_rank=rank,
            story_bm25=story_bm25.get(story_id, 0.0),
            story_rank=story_rank.get(story_id, STORY_HITS),
            story_hits=hits_per_story.get(story_id, 0),
            story_sentences=own,
            entities=by_sentence.get((story_id, position), []),
            story_has_entities=bool(entities.get(story_id)),
        )

    found: dict[tuple[int, int], Candidate] = {}
    for rank, hit in enumerate(hits):
        if (c := candidate(hit.story_id, hit.position, hit.score, rank)) is not None:
            found[(hit.story_id, hit.position)] = c
    for sid in leads:
        for position in range(LEAD_SENTENCES):
            if (sid, position) not in found and (c := candidate(sid, position, 0.0, SENTENCE_HITS)):
                found[(sid, position)] = c
    for sid in all_of:  # a question about one story: every sentence of it may answer
        for position in range(len(texts.get(sid, []))):
            if (sid, position) not in found and (c := candidate(sid, position, 0.0, SENTENCE_HITS)):
                found[(sid, position)] = c
    return Retrieval(question, list(found.values()), idf, fixes)


def _idf(chat: ChatStories, question: Question) -> dict[str, float]:
    """BM25's inverse document frequency of each question stem, over the store's sentences."""
    store = chat.store
    stems = [s for term in question.terms for s in term.stems]
    counts = store.sentence_counts(stems)
    total = max(store.sentence_total(), 1)
    return {
        stem: math.log(1 + (total - counts.get(stem, 0) + 0.5) / (counts.get(stem, 0) + 0.5))
        for stem in stems
    }
