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

from bot.messages import (
    ALREADY_HAVE_IT,
    COULD_NOT_READ_EDIT,
    COULD_NOT_SAVE,
    DELETE,
    FACT_NOT_SAID,
    FACTS,
    HOW_TO_ASK,
    LONGER,
    NEWER,
    NO_FEEDS,
    NO_SCHEDULE,
    NO_STORIES_YET,
    OLDER,
    SAVED,
    SHORTER,
    Problem,
    Refusal,
    answer_source,
    digest_heading,
    digest_scheduled,
    digest_status,
    edit_refused,
    feed_failing,
    feed_works_again,
    feeds_heading,
    file_group,
    following,
    how_often,
    list_heading,
    more_in_digest,
    no_such_page,
    nothing_new_since,
    reports_of,
    say,
    stored_of_file,
    story_footer,
    updated_story,
)
from bot.services.digests import Digest, DigestItem
from bot.services.feeds import Feed, FeedNotice, FollowResult, PollResult, last_error
from bot.services.schedules import (
    Schedule,
    ScheduleSet,
    ScheduleStatus,
    local_time_text,
    parse_utc,
    weekday_name,
)
from bot.services.stories import (
    Saved,
    StoryFacts,
    StoryPage,
    StorySummary,
    shown_answer,
    split_sentences,
)

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
        [Button(SHORTER, f"short:{story_id}"), Button(LONGER, f"long:{story_id}")],
        [Button(FACTS, f"facts:{story_id}"), Button(DELETE, f"del:{story_id}")],
    ]


def summary_blocks(summary: StorySummary) -> list[Block]:
    """Title, any note, the sentences as bullets, the story number and source, the link."""
    story = summary.story
    blocks = [Block(story.title, "b")]
    if summary.reason:
        blocks.append(Block(say(summary.reason), "i"))
    blocks += [Block("• " + sentence) for sentence in summary.sentences]
    blocks.append(Block(story_footer(story.id, story.source), "i"))
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
        blocks = [Block(say(outcome.reason) if outcome.reason else COULD_NOT_SAVE)]
        if outcome.too_short:
            blocks.append(Block(HOW_TO_ASK))
        return render(blocks)
    if outcome.status == "duplicate":
        about = outcome.story.id if outcome.story else None  # "Already saved here as story #N"
        reason = say(outcome.reason) if outcome.reason else ALREADY_HAVE_IT
        return render([Block(reason)], about=about)
    assert saved.summary is not None
    return summary_reply(saved.summary, SAVED)


def file_report(results: Sequence[Saved]) -> Reply:
    """What became of a file's stories: how many were stored, and why the others were not
    (already saved, unreadable, over the chat's quota, over the sender's rate limit)."""
    added = sum(1 for saved in results if saved.outcome.added)
    lines = [stored_of_file(added, len(results))]
    groups: dict[str, list[Saved]] = {}
    for saved in results:
        if not saved.outcome.added:
            groups.setdefault(saved.outcome.limit or saved.outcome.status, []).append(saved)
    for key in ("duplicate", "rejected", "quota", "rate"):
        group = groups.get(key, [])
        if not group:
            continue
        refusal = group[0].outcome.reason
        lines.append(file_group(len(group), key, say(refusal) if refusal else None))
    return render([Block(lines[0], "b")] + [Block(line) for line in lines[1:]])


def updated_reply(saved: Saved) -> Reply:
    """What the user sees after editing a story's message."""
    if saved.outcome.status == "rejected" or saved.summary is None:
        reason = say(saved.outcome.reason) if saved.outcome.reason else COULD_NOT_READ_EDIT
        about = saved.outcome.story.id if saved.outcome.story else None
        return render([Block(edit_refused(reason))], about=about)
    return summary_reply(saved.summary, updated_story(saved.summary.story.id))


def story_page_reply(page: StoryPage, asked: int | None = None) -> Reply:
    """One page of /list with Newer / Older buttons, or a hint when there are no stories.
    ``asked`` is the page index the user typed: past the last page, say so before showing it."""
    if page.total == 0:
        return render([Block(NO_STORIES_YET)])
    blocks = []
    if asked is not None and asked != page.page:
        blocks.append(Block(no_such_page(asked + 1, page.pages), "i"))
    blocks.append(Block(list_heading(page.page + 1, page.pages, page.total), "b"))
    blocks += [Block(f"#{s.id} {s.title}") for s in page.stories]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(Button(NEWER, f"list:{page.page - 1}"))
    if page.page + 1 < page.pages:
        nav.append(Button(OLDER, f"list:{page.page + 1}"))
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
                Block(why_unanswered(result)),
                Block(f"“{result.sentence}”", "blockquote"),
                Block(answer_source(result.title, result.story_id), "i"),
            ],
            about=result.story_id,
        )
    if result.answer is None:
        # A reason about one story ("Story #N is in Russian") is about it.
        return render([Block(why_unanswered(result))], about=result.story_id)
    blocks = [Block(shown_answer(result), "b"), Block(f"“{result.sentence}”", "blockquote")]
    blocks.append(Block(answer_source(result.title, result.story_id), "i"))
    if result.reason:
        blocks.append(Block(say(result.reason), "i"))
    return render(blocks, about=result.story_id)


def why_unanswered(result) -> str:  # result: answers.Answer with no short answer
    """Why there is no short answer, in words: the answer's reason (the answers always give
    one), else that the stories don't say, or offer only the closest sentence."""
    default = Problem.NO_SHORT_ANSWER if result.sentence else Problem.NOT_SAID
    return say(result.reason or Refusal(default))


def facts_reply(result: StoryFacts) -> Reply:
    """Who, what, when and where of one story's main event."""
    facts = result.facts
    blocks = [Block(result.story.title, "b")]
    if result.reason:
        return render(
            [*blocks, Block(say(result.reason), "i"), Block(story_footer(result.story.id), "i")],
            about=result.story.id,
        )
    for label in ("who", "what", "when", "where"):
        value = getattr(facts, label, None)
        blocks.append(Block(f"{label.capitalize()}: {value or FACT_NOT_SAID}"))
    blocks.append(Block(story_footer(result.story.id), "i"))
    return render(blocks, about=result.story.id)


# -- digests


def digest_blocks(digest: Digest, zone: str = "UTC") -> list[list[Block]]:
    """The digest's parts: its header, one part per item, and how many were left out (or
    "nothing new"). Telegram gets each part whole in a message when it fits; the terminal
    gets them as paragraphs (bot/cli/plain.py)."""
    since = local_time_text(parse_utc(digest.since), zone)
    if not digest.items:
        return [[Block(nothing_new_since(since))]]
    events = len(digest.items) + digest.more
    parts = [[Block(digest_heading(events, digest.story_count, since), "b")]]
    parts += [item_blocks(number, item) for number, item in enumerate(digest.items, start=1)]
    if digest.more:
        parts.append([Block(more_in_digest(digest.more), "i")])
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
    reports = reports_of(len(item.story_ids))
    ids = ", ".join(f"#{story_id}" for story_id in item.story_ids)
    blocks.append(Block(f"{reports}: {names} · {ids}" if names else f"{reports} · {ids}", "i"))
    link = next((s for s in item.sources if is_web_link(s)), None)
    if link:
        blocks.append(Block(_source_name(link), href=link))
    return blocks


def _source_name(source: str) -> str:
    """A URL's site name without "www."; other sources as they are."""
    if not is_web_link(source):
        # A file's absolute path (stored by ingest before it kept only the name): its name.
        return PurePath(source).name if source.startswith("/") else source
    host = urlsplit(source).hostname or source
    return host.removeprefix("www.")


# -- schedules and feeds


def how_often_text(schedule: Schedule) -> str:
    """'daily at 09:00 (Europe/Berlin)' or 'every Monday at 08:30 (UTC)'."""
    return how_often(weekday_name(schedule), schedule.time_of_day, schedule.timezone)


def schedule_status_text(status: ScheduleStatus) -> str:
    """The reply to /digest status."""
    schedule = status.schedule
    if schedule is None or status.upcoming is None:
        return NO_SCHEDULE
    upcoming = local_time_text(status.upcoming, schedule.timezone)
    often = how_often_text(schedule)
    return digest_status(often, upcoming, schedule.timezone, status.source_elsewhere)


def schedule_set_text(result: ScheduleSet) -> str:
    """The reply to /digest daily|weekly …, always naming the zone used."""
    schedule = result.schedule
    upcoming = local_time_text(result.first_run, schedule.timezone)
    often = how_often_text(schedule)
    return digest_scheduled(often, upcoming, schedule.timezone, result.zone_defaulted)


def follow_text(result: FollowResult) -> str:
    """The reply to /follow: what was followed and added, or why not."""
    if result.feed is None:
        assert result.refused is not None
        return say(result.refused)
    return following(result.feed.name, result.feed.id, result.added)


def feed_error_text(why: Refusal | str | None) -> str:
    """Why a feed failed, as a clause ("That link returned HTTP 500"); stored words as they
    are."""
    if why is None or isinstance(why, str):
        return why or ""
    return say(why).rstrip(".")


def feed_notice_text(result: PollResult) -> str | None:
    """What a chat is told after its feed was polled, if anything."""
    feed = result.feed
    if result.notice is FeedNotice.WORKS_AGAIN:
        return feed_works_again(feed.name)
    if result.notice is FeedNotice.FAILING:
        return feed_failing(feed.name, feed.id, feed.failures, feed_error_text(result.error))
    return None


def feeds_reply(feeds: Sequence[Feed]) -> Reply:
    """/feeds: the chat's feeds, numbered, with why any of them is failing."""
    if not feeds:
        return render([Block(NO_FEEDS)])
    blocks = [Block(feeds_heading(len(feeds)), "b")]
    for feed in feeds:
        line = f"#{feed.id} {feed.name}"
        if feed.title:
            line += f" — {feed.url}"
        if feed.failures:
            line += f" (failing: {feed_error_text(last_error(feed))})"
        blocks.append(Block(line))
    return render(blocks)
