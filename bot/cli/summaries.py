"""``storybot summarize``: summaries of files, standard input or JSON Lines batches."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.inputs import InputError, read_cleaned, read_lines
from bot.cli.plain import complain, refusal_text
from bot.messages import SUMMARIZE_CLI_USAGE, Problem, Refusal, say
from bot.nlp.cleaning import derive_title
from bot.nlp.summaries import (
    METHODS,
    StoryText,
    SummaryLength,
    TextTooShort,
    UnsupportedLanguage,
    summarize,
)
from bot.services.ingest import clean_raw
from bot.services.stories import over_budget_reason
from bot.sources.documents import Rejected, record_to_raw


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``summarize`` command."""
    parser = commands.add_parser(
        "summarize", help="summarize a story file, stdin (-) or a JSONL batch"
    )
    parser.add_argument(
        "path", nargs="?", metavar="PATH", help="a text file, or - for standard input"
    )
    parser.add_argument("--jsonl", metavar="FILE", help='one {"id", "title", "text"} per line')
    size = parser.add_mutually_exclusive_group()
    size.add_argument("-n", "--sentences", type=int, help="number of sentences (default 3)")
    size.add_argument("--words", type=int, help="at most this many words")
    parser.add_argument("--method", default="auto", choices=METHODS)
    parser.add_argument(
        "--json", action="store_true", help='print {"title", "sentences", "method"}'
    )
    parser.set_defaults(handler=summarize_command)


def summarize_command(args: argparse.Namespace) -> int:
    """Print a summary, one sentence per line (or JSON)."""
    if (args.path is None) == (args.jsonl is None):
        print(SUMMARIZE_CLI_USAGE, file=sys.stderr)
        return 2
    if (args.sentences is not None and args.sentences < 1) or (
        args.words is not None and args.words < 1
    ):
        complain(Problem.BAD_SUMMARY_LENGTH)
        return 2
    length = (
        SummaryLength(sentences=None, words=args.words)
        if args.words
        else SummaryLength(sentences=args.sentences or 3)
    )
    if args.jsonl:
        return summarize_batch(args.jsonl, length, args.method)
    try:
        cleaned = read_cleaned(args.path)
    except InputError as error:
        complain(error)
        return 1
    try:
        summary = summarize(StoryText(cleaned.title, cleaned.paragraphs), length, args.method)
    except (TextTooShort, UnsupportedLanguage) as error:
        complain(error)
        return 1
    reason = over_budget_reason(summary, length)
    note = say(reason) if reason else None
    if args.json:
        result = {
            "title": cleaned.title or derive_title(cleaned.paragraphs),
            "sentences": summary.sentences,
            "method": summary.method,
        }
        print(json.dumps(result | ({"note": note} if note else {}), ensure_ascii=False))
    else:
        print("\n".join(summary.sentences))
    if note:
        # On stderr, so the summary on stdout stays the story's sentences only.
        print(note, file=sys.stderr)
    return 0


def summarize_batch(path: str, length: SummaryLength, method: str) -> int:
    """One JSON line out per story in; a story that can't be summarized gets an error field."""
    try:
        lines = read_lines(path)
    except (OSError, UnicodeDecodeError) as error:
        complain(Problem.CANT_READ_FILE, path=path, why=str(error))
        return 1
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            why = refusal_text(Refusal(Problem.LINE_NOT_AN_OBJECT, {"line": number}))
            result = {"id": None, "sentences": [], "error": why}
            print(json.dumps(result, ensure_ascii=False), flush=True)
            continue
        try:
            # The same fields and cleaning as `storybot ingest` (text, article, content, body).
            raw = record_to_raw(record)
            cleaned, _site = clean_raw(raw)
            title = raw.title or cleaned.title
            summary = summarize(StoryText(title, cleaned.paragraphs), length, method)
            result = {"id": record.get("id"), "sentences": summary.sentences}
            reason = over_budget_reason(summary, length)
            if reason:
                result["note"] = say(reason)
        except (Rejected, TextTooShort, UnsupportedLanguage) as error:
            result = {"id": record.get("id"), "sentences": [], "error": refusal_text(error)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0
