"""``storybot ingest | list | show | reindex | clean``: the story store from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.inputs import InputError, read_bytes, read_cleaned
from bot.cli.plain import complain, refusal_text
from bot.config import Settings
from bot.messages import NO_CHATS_TO_REINDEX, Problem, Refusal, more_stories
from bot.nlp.cleaning import CleanedText
from bot.services.analysis_pool import IN_PROCESS, AnalysisPool
from bot.services.ingest import Ingestor, IngestOutcome
from bot.services.stories import StoryService
from db.store import Store, Story

INGESTIBLE = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``ingest``, ``list``, ``show`` and ``clean`` commands."""
    ingest = commands.add_parser("ingest", help="store stories from files (- for standard input)")
    ingest.add_argument("--chat", type=int, required=True, help="the chat id to store them for")
    ingest.add_argument("--json", action="store_true", help="one JSON object per story")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.set_defaults(handler=ingest_command)

    listing = commands.add_parser("list", help="a chat's stories, newest first")
    listing.add_argument("--chat", type=int, required=True)
    listing.add_argument(
        "--limit", type=int, default=50, help="at most this many, newest first (default 50)"
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_command)

    show = commands.add_parser("show", help="one stored story, cleaned")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_command)

    reindex = commands.add_parser(
        "reindex", help="re-clean and re-split the stored stories in place, keeping their ids"
    )
    reindex.add_argument("--chat", type=int, help="only this chat's stories (default: every chat)")
    reindex.add_argument("--json", action="store_true", help="the counts as one JSON object")
    reindex.set_defaults(handler=reindex_command)

    clean = commands.add_parser("clean", help="print the cleaned text of a file (- for stdin)")
    clean.add_argument("path", metavar="PATH")
    clean.add_argument(
        "--report", action="store_true", help="list what was cut and why, instead of the text"
    )
    clean.set_defaults(handler=clean_command)


def open_store(args: argparse.Namespace) -> Store:
    """The store the arguments (or the environment) name: for the operator's reindex."""
    return Store(Settings.from_env(args.db).db_path)


def open_service(args: argparse.Namespace) -> StoryService:
    """The story service over the database the arguments (or the environment) name, doing its
    work in this process: a command serves one request at a time, so a pool of warm workers
    only adds their start-up (``ask`` took 6.5 s with two workers against 4.9 s here) and
    leaves worker processes to stop as the interpreter exits."""
    settings = Settings.from_env(args.db)
    return StoryService(Store(settings.db_path), settings, pool=IN_PROCESS)


def ingest_command(args: argparse.Namespace) -> int:
    """Store every story in the given files and print one line per story."""
    settings = Settings.from_env(args.db)
    pool = AnalysisPool(settings.nlp_workers)
    ingestor = Ingestor(
        Store(settings.db_path),
        allow_loopback_fetch=settings.allow_loopback_fetch,
        pool=pool,
    )
    any_kept = False
    try:
        for path in expand_paths(args.paths):
            for outcome in ingest_path(ingestor, args.chat, path):
                any_kept |= outcome.status != "rejected"
                print(format_outcome(outcome, path, as_json=args.json), flush=True)
    finally:
        # Stopped here, not left to the interpreter's exit: on Python 3.11 a pool still open
        # at exit can print "Exception ignored ... Bad file descriptor" as it winds down.
        pool.close()
    return 0 if any_kept else 1


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; folders become the story files inside them, in name order."""
    expanded: list[str] = []
    for path in paths:
        folder = Path(path)
        if path != "-" and folder.is_dir():
            expanded += sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in INGESTIBLE)
        else:
            expanded.append(path)
    return expanded


def ingest_path(ingestor: Ingestor, chat_id: int, path: str) -> list[IngestOutcome]:
    """Store the stories in one file (- for stdin); an unreadable file is one rejection."""
    try:
        data = read_bytes(path)
    except OSError as error:
        why = Refusal(Problem.UNREADABLE_PATH, {"path": path, "why": error.strerror})
        return [IngestOutcome("rejected", reason=why)]
    name = "" if path == "-" else path
    return ingestor.add_document(chat_id, name, data, source_kind="bulk", added_by="cli")


def format_outcome(outcome: IngestOutcome, path: str, *, as_json: bool) -> str:
    """One output line per story: JSON, or id, title (else path) and status by tabs."""
    story_id = outcome.story.id if outcome.story else None
    if as_json:
        return json.dumps(
            {
                "id": story_id,
                "source_id": outcome.source_id,
                "title": outcome.title,
                "status": outcome.status,
                "reason": refusal_text(outcome.reason),
            },
            ensure_ascii=False,
        )
    rejected = outcome.status == "rejected"
    status = f"rejected: {refusal_text(outcome.reason)}" if rejected else outcome.status
    return f"{story_id if story_id is not None else '-'}\t{outcome.title or path}\t{status}"


def list_command(args: argparse.Namespace) -> int:
    """Print a chat's stories, newest first."""
    stories, total = open_service(args).latest_stories(args.chat, args.limit)
    for story in stories:
        if args.json:
            print(json.dumps(story_summary(story), ensure_ascii=False))
        else:
            print(f"{story.id}\t{story.added_at}\t{story.title}")
    if not stories and not args.json:
        complain(Problem.NO_STORIES_IN_CHAT, chat=args.chat)
    more = total - len(stories)
    if more > 0:  # on stderr: stdout stays one story per line for scripts
        print(more_stories(more), file=sys.stderr)
    return 0


def story_summary(story: Story) -> dict:
    """A story's listing fields as a JSON-ready dict, without its text."""
    return {
        "id": story.id,
        "title": story.title,
        "url": story.url,
        "source": story.source,
        "published": story.published,
        "added_at": story.added_at,
        "words": story.word_count,
    }


def show_command(args: argparse.Namespace) -> int:
    """Print one stored story, cleaned."""
    story = open_service(args).any_story(args.id)
    if story is None:
        complain(Problem.NO_STORY_WITH_ID, id=args.id)
        return 1
    if args.json:
        print(json.dumps(story.__dict__, ensure_ascii=False))
    else:
        print(f"{story.title}\n\n{story.text}")
    return 0


def reindex_command(args: argparse.Namespace) -> int:
    """Re-clean every stored story (or one chat's), one line per chat, then the totals."""
    from bot.services.reindex import ReindexReport, UnknownChat, reindex

    def line(label: str, counts: ReindexReport) -> str:
        return (
            f"{label}: {counts.stories} stories, {counts.changed} re-cleaned, "
            f"{counts.unchanged} already clean, {counts.kept} kept as they were (too short "
            f"once cleaned); {counts.furniture_cut} pieces of furniture cut"
        )

    def progress(chat_id: int, counts: ReindexReport) -> None:
        if not args.json:
            print(line(f"chat {chat_id}", counts), flush=True)

    try:
        report = reindex(open_store(args), args.chat, progress)
    except UnknownChat:
        complain(Problem.NO_CHAT_TO_REINDEX, chat=args.chat)
        return 1
    if args.json:
        print(json.dumps({k: v for k, v in report.__dict__.items()}, ensure_ascii=False))
    elif report.chats == 0:
        print(NO_CHATS_TO_REINDEX)
    elif report.chats > 1:
        print(line(f"all {report.chats} chats", report))
    return 0


def clean_command(args: argparse.Namespace) -> int:
    """Print the cleaned text: a title line, a blank line, then the paragraphs."""
    from bot.nlp.cleaning import derive_title

    try:
        cleaned = read_cleaned(args.path)
    except InputError as error:
        complain(error)
        return 1
    if args.report:
        print_report(cleaned)
        return 0
    if not cleaned.paragraphs:
        complain(Problem.NOTHING_LEFT_AFTER_CLEANING)
        return 1
    print(cleaned.title or derive_title(cleaned.paragraphs))
    print()
    print("\n\n".join(cleaned.paragraphs))
    return 0


def print_report(cleaned: CleanedText) -> None:
    """What cleaning cut, one line each (reason, tab, the text cut), then what it kept."""
    kept_words = sum(len(p.split()) for p in cleaned.paragraphs)
    print(
        f"kept: {len(cleaned.paragraphs)} paragraphs, {kept_words} words; "
        f"cut: {len(cleaned.cuts)} pieces"
    )
    if cleaned.title:
        print(f"title\t{cleaned.title}")
    for cut in cleaned.cuts:
        print(f"{cut.reason}\t{' '.join(cut.text.split())}")
