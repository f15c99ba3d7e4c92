"""Replies as Telegram HTML: every piece of story or user text escaped, every message ≤ 4,096.

A reply is built from blocks (a paragraph of plain text with an optional wrapping tag), so a
long reply can be split between blocks, or inside a block's text, without cutting a tag.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import urlsplit

from bot.messages import NO_STORIES_YET
from bot.nlp.tokenizer import split_sentences
from bot.services.digests import Digest, DigestItem
from bot.services.schedules import local_time_text, parse_utc
from bot.services.stories import Saved, StoryFacts, StoryPage, StorySummary, shown_answer

MESSAGE_LIMIT = 4096  # Telegram counts UTF-16 code units: an emoji like 😀 counts 2


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units). Measured on the HTML source, which
    is never shorter than the text left after entity parsing, so it is a safe bound."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data: at most 64 bytes, checked against the pressing chat


@dataclass(frozen=True)
class Block:
    """Plain text, shown inside ``tag`` (b, i, blockquote, code) or bare."""

    text: str
    tag: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class Reply:
    """Messages to send, the buttons under the last, and the one story they show, if any: a
    reply to any of the messages is then about that story (handlers/replying.py records it)."""

    messages: list[str]
    buttons: list[list[Button]] = field(default_factory=list)
    about: int | None = None


def escape(text: str) -> str:
    """Text escaped for Telegram HTML, quotes included."""
    return html.escape(text, quote=True)


def render(
    blocks: Sequence[Block], buttons: list[list[Button]] | None = None, about: int | None = None
) -> Reply:
    """Join blocks into as few messages as fit, never splitting inside a tag; ``about`` is the
    one story the messages show."""
    pieces = [piece for block in blocks for piece in _render_block(block)]
    return Reply(pack(pieces), buttons or [], about)


def pack(pieces: Sequence[str]) -> list[str]:
    """As few messages as hold the HTML pieces whole, in order, each within Telegram's limit."""
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if telegram_length(candidate) <= MESSAGE_LIMIT:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages or ["…"]


def _render_block(block: Block) -> list[str]:
    """The block as one or more HTML pieces, each under the limit (none for blank text:
    Telegram refuses a message whose text is empty or only spaces, and a zero-width space
    alone shows nothing)."""
    if not any(not c.isspace() and unicodedata.category(c) != "Cf" for c in block.text):
        return []
    overhead = telegram_length(_wrap("", block))
    pieces = _split_plain(block.text, MESSAGE_LIMIT - overhead)
    return [_wrap(piece, block) for piece in pieces]


def is_web_link(url: str) -> bool:
    """Whether a link may become ``<a href>``: http(s) to a host, with no spaces or control
    characters. A stored URL comes from users' records and pages, so ``javascript:``,
    ``data:``, ``tg:`` and the rest would otherwise reach a reader's client as live links."""
    scheme, _, rest = url.partition("://")
    return (
        scheme.lower() in ("http", "https")
        and bool(rest)
        and not rest.startswith("/")
        and not any(c.isspace() or unicodedata.category(c)[0] == "C" for c in url)
    )


def _wrap(text: str, block: Block) -> str:
    escaped = escape(text)
    # Any other scheme is shown as the plain text it is.
    if block.href and is_web_link(block.href):
        return f'<a href="{escape(block.href)}">{escaped}</a>'
    if block.tag:
        return f"<{block.tag}>{escaped}</{block.tag}>"
    return escaped


def _split_plain(text: str, limit: int) -> list[str]:
    """Cut text into pieces whose escaped form fits, at sentence, then word, then char bounds."""
    if telegram_length(escape(text)) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        candidate = f"{current} {unit}" if current else unit
        if telegram_length(escape(candidate)) <= limit:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> list[str]:
    units: list[str] = []
    for sentence in split_sentences(text) or [text]:
        if telegram_length(escape(sentence)) <= limit:
            units.append(sentence)
            continue
        for word in sentence.split():
            # Escaping can grow a character up to 6 times ("&quot;"), so cut by that bound.
            step = max(1, limit // 6)
            units += (
                [word[i : i + step] for i in range(0, len(word), step)]
                if telegram_length(escape(word)) > limit
                else [word]
            )
    return units


# -- the bot's replies ---------------------------------------------------------------------


def story_buttons(story_id: int) -> list[list[Button]]:
    """The buttons under a story: Shorter, Longer, Facts and Delete."""
    return [
        [Button("Shorter", f"short:{story_id}"), Button("Longer", f"long:{story_id}")],
        [Button("Facts", f"facts:{story_id}"), Button("Delete", f"del:{story_id}")],
    ]


def summary_blocks(summary: StorySummary) -> list[Block]:
    """Title, any note, the sentences as bullets, the story number and source, the link."""
    story = summary.story
    blocks = [Block(story.title, "b")]
    if summary.note:
        blocks.append(Block(summary.note, "i"))
    blocks += [Block("• " + sentence) for sentence in summary.sentences]
    footer = f"Story #{story.id}"
    if story.source:
        footer += f" · {story.source}"
    blocks.append(Block(footer, "i"))
    if story.url:
        blocks.append(Block(story.url, href=story.url))
    return blocks


def summary_reply(summary: StorySummary, heading: str | None = None) -> Reply:
    """A story's summary, under an optional heading ("Saved."), with the story's buttons."""
    blocks = summary_blocks(summary)
    if heading:
        blocks.insert(0, Block(heading, "i"))
    return render(blocks, story_buttons(summary.story.id), summary.story.id)


def saved_reply(saved: Saved) -> Reply:
    """What the user sees after sending a story."""
    outcome = saved.outcome
    if outcome.status == "rejected":
        blocks = [Block(outcome.reason or "I couldn't save that.")]
        if outcome.too_short:
            blocks.append(Block("To ask about saved stories, end your question with '?'."))
        return render(blocks)
    if outcome.status == "duplicate":
        about = outcome.story.id if outcome.story else None  # "Already saved here as story #N"
        return render([Block(outcome.reason or "I already have that story.")], about=about)
    assert saved.summary is not None
    return summary_reply(saved.summary, "Saved.")


def file_report(results: Sequence[Saved]) -> Reply:
    """What became of a file's stories: how many were stored, and why the others were not
    (already saved, unreadable, over the chat's quota, over the sender's rate limit)."""
    added = sum(1 for saved in results if saved.outcome.added)
    lines = [f"Stored {added} of the {len(results)} stories in that file."]
    groups: dict[str, list[Saved]] = {}
    for saved in results:
        if not saved.outcome.added:
            groups.setdefault(saved.outcome.limit or saved.outcome.status, []).append(saved)
    for key, label in (
        ("duplicate", "already saved here"),
        ("rejected", "not saved"),
        ("quota", "not saved"),
        ("rate", "not read"),
    ):
        group = groups.get(key, [])
        reason = group[0].outcome.reason if group else None
        if not group:
            continue
        if key == "duplicate" or not reason:
            lines.append(f"{len(group)} {label}.")
        elif key == "rejected":
            lines.append(f"{len(group)} {label}, for example: {reason}")
        else:
            lines.append(f"{len(group)} {label}. {reason}")
    return render([Block(lines[0], "b")] + [Block(line) for line in lines[1:]])


def updated_reply(saved: Saved) -> Reply:
    """What the user sees after editing a story's message."""
    if saved.outcome.status == "rejected" or saved.summary is None:
        reason = saved.outcome.reason or "I couldn't read the edited text."
        about = saved.outcome.story.id if saved.outcome.story else None
        return render([Block(f"{reason} The story keeps its earlier text.")], about=about)
    return summary_reply(saved.summary, f"Updated story #{saved.summary.story.id}.")


def story_page_reply(page: StoryPage, asked: int | None = None) -> Reply:
    """One page of /list with Newer / Older buttons, or a hint when there are no stories.
    ``asked`` is the page index the user typed: past the last page, say so before showing it."""
    if page.total == 0:
        return render([Block(NO_STORIES_YET)])
    blocks = []
    if asked is not None and asked != page.page:
        blocks.append(Block(f"There's no page {asked + 1}: the last is page {page.pages}.", "i"))
    blocks.append(Block(f"Stories {page.page + 1}/{page.pages} ({page.total} in all)", "b"))
    blocks += [Block(f"#{s.id} {s.title}") for s in page.stories]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(Button("‹ Newer", f"list:{page.page - 1}"))
    if page.page + 1 < page.pages:
        nav.append(Button("Older ›", f"list:{page.page + 1}"))
    # A page naming one story is about it; a reply to a longer list names no one story.
    about = page.stories[0].id if len(page.stories) == 1 else None
    return render(blocks, [nav] if nav else [], about)


def text_reply(text: str, tag: str | None = None, about: int | None = None) -> Reply:
    """One text, bare or in a tag, as a reply (about one story, or none)."""
    return render([Block(text, tag)], about=about)


def answer_reply(result) -> Reply:  # result: answers.Answer
    """The short answer, the sentence it rests on, and the story's title; the closest sentence
    when no short answer is sure enough; or an honest 'no'."""
    if result.answer is None and result.sentence:
        return render(
            [
                Block(result.note or "The closest the stories come:"),
                Block(f"“{result.sentence}”", "blockquote"),
                Block(f"— {result.title} (story #{result.story_id})", "i"),
            ],
            about=result.story_id,
        )
    if result.answer is None:
        # A note about one story ("Story #N is in Russian") is about it.
        return render(
            [Block(result.note or "The stories in this chat don't say.")], about=result.story_id
        )
    blocks = [Block(shown_answer(result), "b"), Block(f"“{result.sentence}”", "blockquote")]
    blocks.append(Block(f"— {result.title} (story #{result.story_id})", "i"))
    if result.note:
        blocks.append(Block(result.note, "i"))
    return render(blocks, about=result.story_id)


def facts_reply(result: StoryFacts) -> Reply:
    """Who, what, when and where of one story's main event."""
    facts = result.facts
    blocks = [Block(result.story.title, "b")]
    if result.note:
        return render(
            [*blocks, Block(result.note, "i"), Block(f"Story #{result.story.id}", "i")],
            about=result.story.id,
        )
    for label in ("who", "what", "when", "where"):
        value = getattr(facts, label, None)
        blocks.append(Block(f"{label.capitalize()}: {value or 'the story does not say'}"))
    blocks.append(Block(f"Story #{result.story.id}", "i"))
    return render(blocks, about=result.story.id)


# -- digests


def digest_blocks(digest: Digest, zone: str = "UTC") -> list[list[Block]]:
    """The digest's parts: its header, one part per item, and how many were left out (or
    "nothing new"). Telegram gets each part whole in a message when it fits; the terminal
    gets them as paragraphs (bot/cli/plain.py)."""
    since = local_time_text(parse_utc(digest.since), zone)
    if not digest.items:
        return [[Block(f"Nothing new since {since}.")]]
    events = len(digest.items) + digest.more
    header = (
        f"Digest: {_count(events, 'event')} from {_count(digest.story_count, 'story')} "
        f"since {since}"
    )
    parts = [[Block(header, "b")]]
    parts += [item_blocks(number, item) for number, item in enumerate(digest.items, start=1)]
    if digest.more:
        parts.append([Block(f"…and {digest.more} more — see /list", "i")])
    return parts


def format_digest(digest: Digest, zone: str = "UTC") -> Reply:
    """The digest as Telegram HTML messages, split only between items (an item over the limit
    alone is split inside by ``render``)."""
    return Reply(pack([m for part in digest_blocks(digest, zone) for m in render(part).messages]))


def item_blocks(number: int, item: DigestItem) -> list[Block]:
    """Headline, summary, and who reported it with a link to the first source that has one."""
    blocks = [Block(f"{number}. {item.headline}", "b")]
    if item.summary:
        blocks.append(Block(" ".join(item.summary)))
    # Source names, else site names; "story #N" stand-ins would only repeat the numbers.
    named = [s for s in item.sources if not is_web_link(s) and not s.startswith("story #")]
    names = ", ".join(
        named or dict.fromkeys(_source_name(s) for s in item.sources if is_web_link(s))
    )
    reports = "1 report" if len(item.story_ids) == 1 else f"{len(item.story_ids)} reports"
    ids = ", ".join(f"#{story_id}" for story_id in item.story_ids)
    blocks.append(Block(f"{reports}: {names} · {ids}" if names else f"{reports} · {ids}", "i"))
    link = next((s for s in item.sources if is_web_link(s)), None)
    if link:
        blocks.append(Block(_source_name(link), href=link))
    return blocks


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def _source_name(source: str) -> str:
    """A URL's site name without "www."; other sources as they are."""
    if not is_web_link(source):
        # A file's absolute path (stored by ingest before it kept only the name): its name.
        return PurePath(source).name if source.startswith("/") else source
    host = urlsplit(source).hostname or source
    return host.removeprefix("www.")
