"""The words users read, in one place: why input was refused or a command not understood
(:class:`Problem`, said by :func:`say`), the wording shared by the Telegram replies and the
terminal, and quoting what a user typed back to them, short.

The core never words a refusal: it raises or returns a :class:`Refusal` (a problem and the
details the wording needs), and each front end (handlers/render.py for Telegram, bot/cli for
the terminal) says it with :func:`say`. So the same refusal reads the same everywhere, and
an exception's text is never shown to anyone as it is.

An error reply that repeats the user's input whole turns one 4,096-character command (or a
100,000-character one from a client that skips Telegram's limit) into several messages:
a flood the user did not ask for. A short excerpt still shows which part was not understood.

May import: nothing of the project.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

EXCERPT_CHARS = 40


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut to ``limit`` characters with "…" when it was longer."""
    flat = " ".join(text[: limit * 4].split())  # only the head is looked at, however long
    if len(flat) <= limit and len(text) <= limit * 4:
        return flat
    return flat[: limit - 1].rstrip() + "…"


NO_STORIES_YET = "No stories here yet. Send me an article, a link or a file."
NOT_IN_THIS_CHAT = "That story isn't in this chat (it may have been deleted)."
COULD_NOT_SAVE = "I couldn't save that."
ALREADY_HAVE_IT = "I already have that story."
COULD_NOT_READ_EDIT = "I couldn't read the edited text."
HOW_TO_ASK = "To ask about saved stories, end your question with '?'."

DIGEST_USAGE = (
    "Usage:\n"
    "/digest – a digest of the stories since the last one\n"
    "/digest daily HH:MM [Area/City] – every day at that local time\n"
    "/digest weekly DAY HH:MM [Area/City] – every week, e.g. /digest weekly mon 08:30 "
    "Europe/Berlin\n"
    "/digest off – stop the scheduled digest\n"
    "/digest status – show the schedule\n"
    "/digest from @channel – make digests from a channel's stories (admins of both only)"
)
JSON_TOO_DEEP = (
    "That JSON nests too deeply for me to read. Send flat records: an object, a list of "
    "objects, or one object per line, with fields like title, text and url."
)
NO_INTERNET = (
    "I can't reach the internet from where I run (no website's name can be looked up), "
    "so I can't open links or feeds here. Paste the article's text or send it as a file."
)


def file_too_big(size: float, limit: int) -> str:
    """A file over the size limit (both in bytes), in megabytes."""
    return (
        f"That file is {size / 1_000_000:.1f} MB; the limit is "
        f"{limit // 1_000_000} MB. Send a smaller file or a link instead."
    )


class Problem(StrEnum):
    """Why input was refused, a command not understood or a question not answered: what the
    core reports, in no words (each value is its code in logs and in the command line's JSON)."""

    # /digest
    DIGEST_USAGE = "digest-usage"
    NOT_A_TIME = "not-a-time"
    NOT_A_WEEKDAY = "not-a-weekday"
    NOT_A_ZONE = "not-a-zone"
    # files and their records
    FILE_TOO_BIG = "file-too-big"
    FILE_TYPE = "file-type"
    BINARY_FILE = "binary-file"
    NOT_UTF8 = "not-utf8"
    EMPTY_FILE = "empty-file"
    JSON_TOO_DEEP = "json-too-deep"
    BAD_JSON_LINE = "bad-json-line"
    RECORD_NOT_AN_OBJECT = "record-not-an-object"
    RECORD_WITHOUT_TEXT = "record-without-text"
    # stories
    NO_WORDS = "no-words"
    TOO_SHORT = "too-short"
    EMPTY_TEXT = "empty-text"
    NO_ARTICLE = "no-article"
    LINK_SAVED = "link-saved"
    ALREADY_SAVED = "already-saved"
    SAME_IN_BATCH = "same-in-batch"
    OVER_QUOTA = "over-quota"
    OVER_RATE = "over-rate"
    UNREADABLE_PATH = "unreadable-path"
    # links
    TOO_MANY_REDIRECTS = "too-many-redirects"
    REDIRECT_NOWHERE = "redirect-nowhere"
    LINK_IS_A_FILE = "link-is-a-file"
    UNKNOWN_ENCODING = "unknown-encoding"
    TOO_SLOW = "too-slow"
    TOO_BIG = "too-big"
    NOT_A_LINK = "not-a-link"
    NOT_HTTP = "not-http"
    LINK_WITH_PASSWORD = "link-with-password"
    NO_HOST = "no-host"
    BAD_HOST = "bad-host"
    BAD_ADDRESS = "bad-address"
    PRIVATE_ADDRESS = "private-address"
    HOST_NOT_FOUND = "host-not-found"
    NO_INTERNET = "no-internet"
    HTTP_STATUS = "http-status"
    COMPRESSED = "compressed"
    CUT_OFF = "cut-off"
    BAD_CERTIFICATE = "bad-certificate"
    NO_TLS = "no-tls"
    CONNECTION_REFUSED = "connection-refused"
    BAD_RESPONSE = "bad-response"
    NO_CONNECTION = "no-connection"
    LINK_FAILED = "link-failed"
    # summaries
    UNKNOWN_LANGUAGE = "unknown-language"
    LANGUAGE_NOT_SUMMARIZED = "language-not-summarized"
    TEXT_TOO_SHORT = "text-too-short"
    STORIES_TOO_SHORT = "stories-too-short"
    # feeds
    NOT_A_FEED = "not-a-feed"
    NO_LONGER_A_FEED = "no-longer-a-feed"
    ALREADY_FOLLOWING = "already-following"
    TOO_MANY_FEEDS = "too-many-feeds"
    COULD_NOT_FOLLOW = "could-not-follow"
    # questions: why there is no short answer
    EMPTY_QUESTION = "empty-question"
    QUESTION_NOT_ENGLISH = "question-not-english"
    NO_STORIES_TO_ASK = "no-stories-to-ask"
    STORY_NOT_HERE = "story-not-here"
    STORY_NOT_ENGLISH = "story-not-english"
    NOT_SAID = "not-said"
    NO_SHORT_ANSWER = "no-short-answer"
    SENTENCE_NOT_ENGLISH = "sentence-not-english"
    # summaries and facts given another way than asked, and why
    SHORT_STORY_WHOLE = "short-story-whole"
    LEAD_INSTEAD = "lead-instead"
    OVER_WORD_BUDGET = "over-word-budget"
    FACTS_NOT_ENGLISH = "facts-not-english"
    # the command line (the operator's terminal)
    NO_TOKEN = "no-token"
    CANT_READ_FILE = "cant-read-file"
    MANY_STORIES_IN_FILE = "many-stories-in-file"
    LINE_NOT_AN_OBJECT = "line-not-an-object"
    NOTHING_LEFT_AFTER_CLEANING = "nothing-left-after-cleaning"
    BAD_SUMMARY_LENGTH = "bad-summary-length"
    NOT_AN_ISO_TIME = "not-an-iso-time"
    NO_STORY_WITH_ID = "no-story-with-id"
    NO_STORIES_IN_CHAT = "no-stories-in-chat"
    NO_CHAT_TO_REINDEX = "no-chat-to-reindex"
    NO_DATABASE_FILE = "no-database-file"
    CANT_OPEN_DATABASES = "cant-open-databases"
    TARGET_NOT_EMPTY = "target-not-empty"
    COUNT_MISMATCH = "count-mismatch"


def _supported(details: Mapping[str, Any]) -> str:
    return str(details.get("supported", ""))


_WORDING: dict[Problem, Callable[[Mapping[str, Any]], str]] = {
    Problem.DIGEST_USAGE: lambda d: DIGEST_USAGE,
    Problem.NOT_A_TIME: lambda d: (
        f"“{excerpt(d['typed'])}” isn't a time. Use 24-hour HH:MM, for example 08:30."
    ),
    Problem.NOT_A_WEEKDAY: lambda d: (
        f"“{excerpt(d['typed'])}” isn't a day of the week. Use mon, tue, wed, thu, fri, sat or sun."
    ),
    Problem.NOT_A_ZONE: lambda d: (
        f"“{excerpt(d['typed'])}” isn't a time zone I know. Use an Area/City name such as "
        "Europe/Berlin, America/New_York or Asia/Kolkata."
    ),
    Problem.FILE_TOO_BIG: lambda d: file_too_big(d["size"], d["limit"]),
    Problem.FILE_TYPE: lambda d: f"I can't read {d['suffix']} files. Send one of: {_supported(d)}.",
    Problem.BINARY_FILE: lambda d: (
        "That file looks binary, not text. Send a .txt, .md, .html or .json file."
    ),
    Problem.NOT_UTF8: lambda d: (
        "That file isn't UTF-8 text. Save it as UTF-8 (most editors offer this) and send it again."
    ),
    Problem.EMPTY_FILE: lambda d: "That file is empty.",
    Problem.JSON_TOO_DEEP: lambda d: JSON_TOO_DEEP,
    Problem.BAD_JSON_LINE: lambda d: f"Line {d['line']} of that file isn't valid JSON.",
    Problem.RECORD_NOT_AN_OBJECT: lambda d: (
        "That record isn't a JSON object, so it has no story text."
    ),
    Problem.RECORD_WITHOUT_TEXT: lambda d: (
        "That record has no story text: I read it from one of the fields "
        + ", ".join(f'"{name}"' for name in d["fields"])
        + ' (or "html").'
    ),
    Problem.NO_WORDS: lambda d: (
        "There are no words in that to keep as a story: send an article's text."
    ),
    Problem.TOO_SHORT: lambda d: (
        f"That's only {d['words']} word{'' if d['words'] == 1 else 's'}, too short to keep "
        f"as a story (I need at least {d['needed']}). Send the whole article, a link or "
        "a file."
    ),
    Problem.EMPTY_TEXT: lambda d: "There's nothing to save: the text is empty.",
    Problem.NO_ARTICLE: lambda d: (
        "I couldn't find an article on that page: it has no story text I can read."
    ),
    Problem.LINK_SAVED: lambda d: "That link is already saved here.",
    Problem.ALREADY_SAVED: lambda d: f"Already saved here as story #{d['id']}: “{d['title']}”.",
    Problem.SAME_IN_BATCH: lambda d: "The same story appears earlier in this batch.",
    Problem.OVER_QUOTA: lambda d: (
        f"This chat already keeps {d['limit']:,} stories, the most I keep for one "
        "chat. /forget some to make room."
    ),
    Problem.OVER_RATE: lambda d: (
        "That's more stories at once than I take in a minute. Send them again later."
    ),
    Problem.UNREADABLE_PATH: lambda d: f"can't read {d['path']}: {d['why']}",
    Problem.TOO_MANY_REDIRECTS: lambda d: "That link redirects too many times.",
    Problem.REDIRECT_NOWHERE: lambda d: "That link redirects without saying where to.",
    Problem.LINK_IS_A_FILE: lambda d: (
        f"That link is a file ({d['content_type']}), not a web page I can read."
    ),
    Problem.UNKNOWN_ENCODING: lambda d: "I couldn't work out how that page's text is encoded.",
    Problem.TOO_SLOW: lambda d: "That link took too long to answer.",
    Problem.TOO_BIG: lambda d: "That page is too big for me to read.",
    Problem.NOT_A_LINK: lambda d: "That doesn't look like a valid link.",
    Problem.NOT_HTTP: lambda d: "I can only open http:// and https:// links.",
    Problem.LINK_WITH_PASSWORD: lambda d: "I can't open links that contain a username or password.",
    Problem.NO_HOST: lambda d: "That link has no website name in it.",
    Problem.BAD_HOST: lambda d: "That link's website name isn't valid.",
    Problem.BAD_ADDRESS: lambda d: "That link's address isn't valid.",
    Problem.PRIVATE_ADDRESS: lambda d: "I can't open links to private or local network addresses.",
    Problem.HOST_NOT_FOUND: lambda d: "I couldn't find that website.",
    Problem.NO_INTERNET: lambda d: NO_INTERNET,
    Problem.HTTP_STATUS: lambda d: f"That link returned HTTP {d['status']}.",
    Problem.COMPRESSED: lambda d: "That website sent its page in a compressed form I can't read.",
    Problem.CUT_OFF: lambda d: "That website stopped sending the page halfway through.",
    Problem.BAD_CERTIFICATE: lambda d: "That website's security certificate isn't valid.",
    Problem.NO_TLS: lambda d: "I couldn't set up a secure connection to that website.",
    Problem.CONNECTION_REFUSED: lambda d: "That website refused the connection.",
    Problem.BAD_RESPONSE: lambda d: "That website sent a response I couldn't understand.",
    Problem.NO_CONNECTION: lambda d: "I couldn't connect to that website.",
    Problem.LINK_FAILED: lambda d: "Something went wrong while opening that link.",
    Problem.UNKNOWN_LANGUAGE: lambda d: (
        "I couldn't tell which language this is, so I can't summarize it."
    ),
    Problem.LANGUAGE_NOT_SUMMARIZED: lambda d: (
        f"This story looks {d['language']}, a language I can't summarize yet."
    ),
    Problem.TEXT_TOO_SHORT: lambda d: (
        "This text is too short to summarize: it needs at least "
        f"{d['sentences']} sentences and {d['words']} words."
    ),
    Problem.STORIES_TOO_SHORT: lambda d: "These stories are too short to summarize.",
    Problem.NOT_A_FEED: lambda d: (
        "that isn't an RSS or Atom feed, and the page doesn't link to one."
    ),
    Problem.NO_LONGER_A_FEED: lambda d: "it no longer looks like an RSS or Atom feed",
    Problem.ALREADY_FOLLOWING: lambda d: f"This chat already follows {excerpt(d['url'], 80)}.",
    Problem.TOO_MANY_FEEDS: lambda d: (
        f"A chat can follow at most {d['limit']} feeds. /unfollow one first."
    ),
    # ``fetch``: why the fetch failed (a Refusal), worded in turn.
    Problem.COULD_NOT_FOLLOW: lambda d: (
        f"I couldn't follow {excerpt(d['url'], 80)}: {say(d['fetch'])}"
    ),
    Problem.EMPTY_QUESTION: lambda d: "Ask me a question about the stories here.",
    Problem.QUESTION_NOT_ENGLISH: lambda d: (
        "I can only answer questions in English about the stories here."
    ),
    Problem.NO_STORIES_TO_ASK: lambda d: NO_STORIES_YET,
    Problem.STORY_NOT_HERE: lambda d: NOT_IN_THIS_CHAT,
    Problem.SHORT_STORY_WHOLE: lambda d: "The story is too short to summarize; here it is whole.",
    # The summary is the opening paragraph because of another refusal (the language).
    Problem.LEAD_INSTEAD: lambda d: f"{say(d['because'])} Showing the opening paragraph instead.",
    Problem.OVER_WORD_BUDGET: lambda d: (
        f"No sentence of this story fits in {d['asked']} words, so here is the shortest of "
        f"its key sentences ({d['given']} words)."
    ),
    Problem.FACTS_NOT_ENGLISH: lambda d: (
        f"This story is in {d['language']}; I find who, what, when and where only in English."
    ),
    Problem.STORY_NOT_ENGLISH: lambda d: (
        f"Story #{d['id']} is in {d['language']}; I answer questions only about English stories."
    ),
    Problem.NOT_SAID: lambda d: "The stories in this chat don't say.",
    # Said above the closest sentence, which follows it.
    Problem.NO_SHORT_ANSWER: lambda d: "No short answer, but this is the closest the stories come:",
    Problem.SENTENCE_NOT_ENGLISH: lambda d: (
        f"The closest sentence is in {d['language']}, which I can't answer from:"
    ),
    Problem.NO_TOKEN: lambda d: (
        "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather (see the README), "
        "or try the bot locally with: storybot chat"
    ),
    Problem.CANT_READ_FILE: lambda d: f"Can't read {d['path']}: {d['why']}",
    Problem.MANY_STORIES_IN_FILE: lambda d: (
        f"{d['path']} holds {d['count']} stories; use `storybot summarize --jsonl` or "
        "`storybot ingest` for a file of many stories."
    ),
    Problem.LINE_NOT_AN_OBJECT: lambda d: f"line {d['line']} is not a JSON object",
    Problem.NOTHING_LEFT_AFTER_CLEANING: lambda d: "No story text left after cleaning.",
    Problem.BAD_SUMMARY_LENGTH: lambda d: (
        "The length must be a positive number of sentences or words."
    ),
    Problem.NOT_AN_ISO_TIME: lambda d: (
        f"“{d['typed']}” isn't an ISO 8601 time, e.g. 2024-05-06T09:00+02:00."
    ),
    Problem.NO_STORY_WITH_ID: lambda d: f"No story with id {d['id']}.",
    Problem.NO_STORIES_IN_CHAT: lambda d: f"No stories in chat {d['chat']}.",
    Problem.NO_CHAT_TO_REINDEX: lambda d: (
        f"There is no chat {d['chat']} in this database: nothing to reindex."
    ),
    Problem.NO_DATABASE_FILE: lambda d: f"No database file at {d['path']}.",
    Problem.CANT_OPEN_DATABASES: lambda d: f"Can't open the databases: {d['why']}",
    Problem.TARGET_NOT_EMPTY: lambda d: (
        f"Nothing copied: the target database is not empty ({d['chats']} chats, "
        f"{d['stories']} stories, {d['feeds']} feeds): storybot copies only into an empty "
        "one, so an archive is never mixed with another or copied twice."
    ),
    Problem.COUNT_MISMATCH: lambda d: (
        f"Nothing copied: {d['table']}: {d['expected']} rows in the source, {d['found']} copied."
    ),
}


@dataclass(frozen=True)
class Refusal:
    """Why something was refused: the problem, and the details its wording needs (the text a
    user typed, a line number, a size). Plain data, so it crosses process pools and tests can
    compare it."""

    problem: Problem
    details: Mapping[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """An exception that says why by a :class:`Refusal`, never in words: ``str(error)`` is
    the problem's code and details, for logs; :func:`say` words it for a user."""

    def __init__(self, problem: Problem | Refusal, **details: Any) -> None:
        refusal = problem if isinstance(problem, Refusal) else Refusal(problem, details)
        # The one argument rebuilds the exception when it is pickled (the analysis pool).
        super().__init__(refusal)
        self.refusal = refusal

    @property
    def problem(self) -> Problem:
        return self.refusal.problem

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v!r}" for k, v in self.refusal.details.items())
        return f"{self.refusal.problem.value}({details})" if details else self.problem.value


def say(refusal: Refusal | Refused) -> str:
    """The refusal in the words a user reads."""
    if isinstance(refusal, Refused):
        refusal = refusal.refusal
    return _WORDING[refusal.problem](refusal.details)


# -- replies ---------------------------------------------------------------------------------
# What the bot says back, as the handlers (Telegram) and the command line use it. Styles are
# the renderer's tags: "b" bold, "i" italic (handlers/render.py draws them).

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
STORAGE_TROUBLE = (
    "I can't save stories right now: the storage is {state}. The admin has been told in the log."
)
ADMINS_ONLY = "Only this chat's admins can do that."
NO_TEXT = (
    "I keep stories as text, and this message has none I can read. Paste the article, "
    "send a link, or send it as a .txt, .md, .html or .json file."
)
SAVED = "Saved."
SETTINGS_HEADING = "Settings"
NO_SCHEDULE = "No digest is scheduled here. " + DIGEST_USAGE.splitlines()[2]
ASK_USAGE = "Usage: /ask question — for example: /ask Who signed the joint statement?"
SUMMARY_USAGE = (
    "Usage: /summary [#ID] [N | Nw] — N sentences (1–50) or N words (5–1000), for story #ID "
    "(as /list numbers them), the story you reply to, or the latest. "
    "Example: /summary 2, /summary 60w or /summary #9 2"
)
FACTS_USAGE = (
    "Usage: /facts [ID] — the facts of story ID (as /list numbers them), the story you reply "
    "to, or the latest. Example: /facts 9"
)
LIST_USAGE = "Usage: /list [page] — for example: /list 2 for the second page"
SEARCH_USAGE = "Usage: /search words — for example: /search satellite test"
FORGET_USAGE = "Usage: /forget (as a reply to a story), /forget ID, or /forget all"
NOT_YOURS = "Only this chat's admins and whoever saved the story can delete it."
STALE_BUTTON = "That button has expired. Ask again with /forget."
CANCELLED = "Cancelled."
NOTHING_DELETED = "Nothing was deleted."
DELETED = "Deleted."
DELETE = "Delete"
CANCEL = "Cancel"
FOLLOW_USAGE = "Usage: /follow URL — an RSS or Atom feed (or a site that links to one)"
UNFOLLOW_USAGE = "Usage: /unfollow ID or URL — see /feeds for the numbers"
NOTHING_NEW = (
    "No digest this time: nothing new since the last one. "
    "I'll stay quiet until there is news (/digest status shows the schedule)."
)
DIGESTS_OFF = "Scheduled digests are off."
NO_DIGEST_SCHEDULED = "No digest was scheduled here."
OWN_STORIES = "Digests here are made from this chat's stories."
ASK_IN_A_GROUP = "Ask in a group, as an admin of both chats."
NO_SUCH_FEED = "This chat follows no such feed."
NO_FEEDS = "This chat follows no feeds. " + FOLLOW_USAGE


def no_such_story(typed_id: int) -> str:
    return f"There's no story #{typed_id} in this chat. /list shows the stories kept here."


def no_match(words: str) -> str:
    return f"No stories here match “{excerpt(words)}”."


def matching_stories(count: int) -> str:
    return f"{count} matching stor{'y' if count == 1 else 'ies'}"


def delete_all_button(count: int) -> str:
    return f"Delete all {count}"


def delete_all_question(count: int) -> str:
    return f"Delete all {count} stories kept in this chat?"


def delete_story_question(story_id: int, title: str) -> str:
    return f"Delete story #{story_id} “{title}”?"


def deleted_stories(count: int) -> str:
    return f"Deleted {count} stories."


def unknown_command(name: str) -> str:
    return f"I don't know {excerpt(name)}. /help lists what I can do."


def cannot_see_chat(which: str) -> str:
    return f"I can't see {excerpt(which)}. Add me to it (as an admin, for a channel) first."


def admins_of_both(which: str) -> str:
    return f"Only admins of {excerpt(which)} and of this chat can."


def stories_from(which: str) -> str:
    return f"Digests here are now made from {which}'s stories."


def stopped_following(name: str) -> str:
    return f"Stopped following “{name}”."


def feeds_heading(count: int) -> str:
    return f"Feeds followed here ({count})"


def following(name: str, feed_id: int, added: int) -> str:
    text = f"Following “{name}” (feed #{feed_id})."
    if added:
        return text + f" Added {added} recent stor{'y' if added == 1 else 'ies'}."
    return text + " New items will arrive as stories here."


def feed_works_again(name: str) -> str:
    return f"The feed “{name}” works again."


def feed_failing(name: str, feed_id: int, failures: int, error: str) -> str:
    return (
        f"I couldn't read the feed “{name}” {failures} times in a row ({error}). "
        f"I'll keep trying less often; /unfollow {feed_id} stops it."
    )


# -- the command line ----------------------------------------------------------------------
# Its refusals are problems above; these are its usage lines and hints (bot/cli).

ASK_CLI_USAGE = 'Usage: storybot ask --chat ID "question"'
SUMMARIZE_CLI_USAGE = "Usage: storybot summarize PATH [-n N | --words N] or --jsonl FILE"
NO_CHATS_TO_REINDEX = "The database holds no chats yet: nothing to reindex."
SAME_DATABASE = "--from and --to name the same database."


def more_stories(more: int) -> str:
    """Under a listing cut at --limit."""
    return f"… {more} more, use --limit to see them"


# -- the local chat (storybot chat: bot/telegram/local_chat.py) ----------------------------

LOCAL_CHAT_INTRO = """storybot local chat: this talks to the same handlers as Telegram, with a local store.
Paste or type a story and end the paste with a line holding just '.' (blank lines inside are kept).
A link, a question ending in '?' or a /command goes at once, as does any single word.
The commands are in /help. Extra local commands:
  /sample        send the sample story (a real scraped article) to try the bot
  /file PATH     send a file as a document
  /press N       press button N under my last message (/press M N: under message M)
  /reply N TEXT  reply to the bot's message N (the number after 'bot'), as in Telegram:
                 /reply 3 /summary 2, or a question about that story
  /quit          leave (or Ctrl-D, or Ctrl-C)
"""
LOCAL_REPLY_USAGE = (
    "Use /reply N TEXT, where N is the number after 'bot' on one of my messages, "
    "for example: /reply 2 /summary 1"
)
NO_SAMPLE = "The sample story isn't installed here."


def no_such_file(path: object) -> str:
    return f"No such file: {path}"


def no_button(number: int, *, message_named: bool, has_buttons: bool) -> str:
    """/press asked for a button the message (the one named, else the last) doesn't have."""
    where = "That message" if message_named else "My last message"
    if has_buttons:
        return (
            f"{where} has no button {number}. Buttons are numbered under a message; "
            "/press M N presses button N under my message M."
        )
    return f"{where} has no buttons. /press M N presses button N under my message M."


HELP: list[tuple[str, str | None]] = [
    ("storybot keeps the news stories you send it and makes them useful.", "b"),
    (
        "Send me an article: paste its text, forward a channel post, send a link, or a "
        ".txt, .md, .html or .json file. I clean off the page junk, keep it for this chat "
        "and reply with a short summary.",
        None,
    ),
    ("Then ask about your stories in plain words, for example:", None),
    ("Who signed the joint statement?\nWhen did India test the missile?", "i"),
    (
        "/summary [#ID] [N | Nw] – summary of story #ID (or the one you reply to, or the "
        "latest), N sentences or N words\n"
        "/ask question – ask about the stories here\n"
        "/facts [ID] – who, what, when and where of a story\n"
        "/search words – find stories\n"
        "/list [page] – your stories, numbered\n"
        "/forget [all] – delete a story, or all of them\n"
        "/digest – a digest of recent stories; /digest daily 08:00 Europe/Berlin schedules one\n"
        "/follow URL, /unfollow, /feeds – follow news feeds for digests\n"
        "/settings – default summary length and time zone",
        None,
    ),
]
COMMANDS = [
    ("summary", "Summarize a story: /summary [#ID] [N | Nw]"),
    ("ask", "Ask a question about the stories here"),
    ("facts", "Who, what, when, where of a story"),
    ("search", "Find stories by words"),
    ("list", "List the stories kept here"),
    ("forget", "Delete a story, or all of them"),
    ("digest", "A digest of recent stories"),
    ("follow", "Follow an RSS or Atom feed for digests"),
    ("feeds", "The feeds this chat follows"),
    ("settings", "Summary length and time zone"),
    ("help", "How to use storybot"),
]

# The Telegram renderer's words (handlers/render.py), which the terminal shares for digests.
SHORTER, LONGER, FACTS, NEWER, OLDER = "Shorter", "Longer", "Facts", "‹ Newer", "Older ›"
FACT_NOT_SAID = "the story does not say"
FILE_GROUP_LABELS = {
    "duplicate": "already saved here",
    "rejected": "not saved",
    "quota": "not saved",
    "rate": "not read",
}


def story_footer(story_id: int, source: str | None = None) -> str:
    return f"Story #{story_id} · {source}" if source else f"Story #{story_id}"


def answer_source(title: str | None, story_id: int | None) -> str:
    return f"— {title} (story #{story_id})"


def stored_of_file(added: int, total: int) -> str:
    return f"Stored {added} of the {total} stories in that file."


def file_group(count: int, key: str, reason: str | None) -> str:
    """One line of a file's report: how many stories went one way, and why (an example)."""
    label = FILE_GROUP_LABELS[key]
    if key == "duplicate" or not reason:
        return f"{count} {label}."
    if key == "rejected":
        return f"{count} {label}, for example: {reason}"
    return f"{count} {label}. {reason}"


def edit_refused(reason: str) -> str:
    return f"{reason} The story keeps its earlier text."


def updated_story(story_id: int) -> str:
    return f"Updated story #{story_id}."


def no_such_page(asked: int, pages: int) -> str:
    """``asked`` as the user numbered it (from 1)."""
    return f"There's no page {asked}: the last is page {pages}."


def list_heading(page: int, pages: int, total: int) -> str:
    """``page`` as the user numbers it (from 1)."""
    return f"Stories {page}/{pages} ({total} in all)"


def nothing_new_since(since: str) -> str:
    return f"Nothing new since {since}."


def count_of(number: int, noun: str) -> str:
    """'1 story', '3 stories', '2 events'."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def digest_heading(events: int, stories: int, since: str) -> str:
    return f"Digest: {count_of(events, 'event')} from {count_of(stories, 'story')} since {since}"


def more_in_digest(more: int) -> str:
    return f"…and {more} more — see /list"


def reports_of(count: int) -> str:
    return "1 report" if count == 1 else f"{count} reports"


def how_often(weekday: str | None, time_of_day: str, zone: str) -> str:
    """'daily at 09:00 (Europe/Berlin)' or 'every Monday at 08:30 (UTC)'."""
    when = f"at {time_of_day} ({zone})"
    return f"every {weekday} {when}" if weekday else f"daily {when}"


def digest_status(often: str, upcoming: str, zone: str, source_chat: int | None) -> str:
    """The reply to /digest status; ``source_chat`` when the stories come from another chat."""
    text = f"Digest {often}. Next: {upcoming} (time zone used: {zone})."
    if source_chat is not None:
        text += f" Stories come from chat {source_chat}."
    return text


def digest_scheduled(often: str, upcoming: str, zone: str, zone_defaulted: bool) -> str:
    """The reply to /digest daily|weekly …, always naming the zone used."""
    text = f"Digest scheduled {often}. The first one arrives {upcoming}. Time zone used: {zone}"
    if zone_defaulted:
        text += " (this chat's default; add Area/City after the time to choose another)"
    return text + "."
