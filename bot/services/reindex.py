"""Re-cleaning stories already stored, with today's cleaner, in place and keeping their ids.

A store written by an older storybot keeps the text that older cleaner let through (inline
page furniture, captions glued to sentences, "(CNN)" in titles) and the sentences, entities,
full-text rows and language that went with it. ``reindex`` runs the current furniture cut,
sentence splitting, title rule and language detection over each stored story and, where
anything comes out different, rewrites the story's row, sentences (and with them, through
their triggers, both full-text indexes), entities and near-duplicate buckets in one
transaction: a crash leaves every story either as it was or fully redone, and a second run
finds nothing to do.

The stored text is what an earlier cleaning kept, not the page it came from, so the line
classifier (which judges the lines of a pasted page, and takes a headline-like first line for
the title) is not run again: its lines are gone, and run on stored paragraphs it could take a
story's lead for a headline. The inline furniture cut is what a fetched page's text gets too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from bot.nlp.cleaning import derive_title, normalize_whitespace, real_headline
from bot.nlp.furniture import strip_furniture
from bot.nlp.languages import story_language
from bot.nlp.near_duplicates import buckets, content_hash, shingles
from bot.nlp.source_tags import strip_source_tag
from bot.nlp.tokenizer import split_paragraph_sentences, words
from bot.services.ingest import MIN_STORY_WORDS, entities_of
from db.store import ChatStories, NewStory, Store, StoredEntity, Story, StoryAnalysis

# Stories re-cleaned between two entity passes: spaCy reads a batch faster than one by one.
BATCH_SIZE = 32


@dataclass
class ReindexReport:
    """What a reindex did, over all the chats it went through."""

    chats: int = 0
    stories: int = 0
    changed: int = 0  # rewritten with the new cleaning
    unchanged: int = 0  # already as today's cleaner leaves them
    kept: int = 0  # would be too short once cleaned, so left as they were
    furniture_cut: int = 0  # pieces of furniture cut, over all changed stories
    kept_ids: list[int] = field(default_factory=list)

    def add(self, other: ReindexReport) -> None:
        """Fold another chat's counts into this report."""
        self.chats += other.chats
        self.stories += other.stories
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.kept += other.kept
        self.furniture_cut += other.furniture_cut
        self.kept_ids += other.kept_ids


@dataclass(frozen=True)
class _Redone:
    """A story as today's cleaner leaves it, before its entities are found."""

    story: Story
    new: NewStory
    sentences: list[tuple[int, str]]
    cuts: int


class UnknownChat(LookupError):
    """No chat with that id has ever used the bot."""


def reindex(
    store: Store,
    chat_id: int | None = None,
    progress: Callable[[int, ReindexReport], None] | None = None,
) -> ReindexReport:
    """Re-clean every story of one chat (or of every chat) in place; ``progress`` is called
    after each chat with its id and counts. UnknownChat when the chat has no record."""
    known = [row["id"] for row in store.chats()]
    if chat_id is not None and chat_id not in known:
        raise UnknownChat(chat_id)
    report = ReindexReport()
    for chat in [chat_id] if chat_id is not None else known:
        counts = reindex_chat(store.chat(chat))
        report.add(counts)
        if progress is not None:
            progress(chat, counts)
    return report


def reindex_chat(chat: ChatStories) -> ReindexReport:
    """Re-clean one chat's stories, oldest first, one transaction per story."""
    report = ReindexReport(chats=1)
    for ids in _batches(chat.story_ids(), BATCH_SIZE):
        stories = chat.stories_by_id(ids)
        stored = chat.sentences_of(ids)
        pending: list[_Redone] = []
        for story_id in ids:
            story = stories.get(story_id)
            if story is None:  # deleted while we ran
                continue
            report.stories += 1
            redone = redo(story)
            if redone is None:
                report.kept += 1
                report.kept_ids.append(story_id)
            elif _same(story, stored.get(story_id, []), redone):
                report.unchanged += 1
            else:
                pending.append(redone)
        entity_lists = entities_of([r.new for r in pending], [r.sentences for r in pending])
        for redone, entities in zip(pending, entity_lists, strict=True):
            analysis = StoryAnalysis(
                sentences=redone.sentences,
                entities=[
                    StoredEntity(e.sentence, e.text, e.label, e.start, e.end) for e in entities
                ],
                buckets=buckets(shingles(redone.new.text)),
            )
            if chat.replace_story(redone.story.id, redone.new, analysis) is not None:
                report.changed += 1
                report.furniture_cut += redone.cuts
    return report


def redo(story: Story) -> _Redone | None:
    """The story as today's cleaner would store it; None when too little would be left."""
    old_paragraphs = story.paragraphs
    paragraphs, cuts = strip_furniture(old_paragraphs)
    paragraphs = [p for p in paragraphs if p.strip()]
    text = "\n\n".join(paragraphs)
    word_count = len(words(text))
    if word_count < MIN_STORY_WORDS:
        return None
    # A title derived from the lead follows the lead; a real headline only loses its wire tag.
    if real_headline(story.title, old_paragraphs) is None:
        title = derive_title(paragraphs)
    else:
        title = strip_source_tag(normalize_whitespace(story.title)) or derive_title(paragraphs)
    new = NewStory(
        title=title[:300],
        text=text,
        source_kind=story.source_kind,
        content_hash=content_hash(text),
        word_count=word_count,
        url=story.url,
        source=story.source,
        published=story.published,
        added_by=story.added_by,
        message_id=story.message_id,
        language=story_language(text),
    )
    return _Redone(story, new, split_paragraph_sentences(paragraphs), len(cuts))


def _same(story: Story, sentences: Sequence, redone: _Redone) -> bool:
    """Whether the stored story already is what the cleaner makes of it."""
    new = redone.new
    return (
        story.title == new.title
        and story.text == new.text
        and story.language == new.language
        and story.word_count == new.word_count
        and [(s.paragraph, s.text) for s in sentences] == [tuple(s) for s in redone.sentences]
    )


def _batches(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
