"""``storybot ask`` and ``storybot facts``: questions about a chat's stories."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.inputs import read_lines
from bot.cli.plain import complain
from bot.cli.stories import open_service
from bot.messages import ASK_CLI_USAGE, Problem, say
from bot.services.stories import shown_answer
from handlers.render import why_unanswered


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``ask`` and ``facts`` commands."""
    ask = commands.add_parser("ask", help="answer a question from a chat's stories")
    ask.add_argument("--chat", type=int, required=True)
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--jsonl", metavar="FILE", help='one {"id", "question"} per line')
    ask.add_argument("question", nargs="?")
    ask.set_defaults(handler=ask_command)

    facts = commands.add_parser("facts", help="who, what, when and where of one stored story")
    facts.add_argument("id", type=int)
    facts.add_argument("--json", action="store_true")
    facts.set_defaults(handler=facts_command)


def answer_json(result) -> dict:
    """An answer as a JSON-ready dict: answer, type, date, sentence, story id, title."""
    return {
        "answer": result.answer,
        "type": result.type,
        "date": result.date,
        "sentence": result.sentence,
        "story_id": result.story_id,
        "title": result.title,
    }


def ask_command(args: argparse.Namespace) -> int:
    """Print the answer and the sentence it rests on (or JSON)."""
    stories = open_service(args)
    chat_id = args.chat
    if args.jsonl:
        try:
            lines = read_lines(args.jsonl)
        except (OSError, UnicodeDecodeError) as error:
            complain(Problem.CANT_READ_FILE, path=args.jsonl, why=str(error))
            return 1
        for line in filter(str.strip, lines):
            try:
                record = json.loads(line)
                question = str(record.get("question") or "")
            except (json.JSONDecodeError, AttributeError):
                record, question = {}, ""
            print(
                json.dumps(
                    {"id": record.get("id"), **answer_json(stories.answer(chat_id, question))},
                    ensure_ascii=False,
                ),
                flush=True,
            )
        return 0
    if not args.question:
        print(ASK_CLI_USAGE, file=sys.stderr)
        return 2
    result = stories.answer(chat_id, args.question)
    if args.json:
        print(json.dumps(answer_json(result), ensure_ascii=False))
    elif result.answer is None:
        print(why_unanswered(result))
        if result.sentence:
            print(f'"{result.sentence}" — {result.title}')
    else:
        print(shown_answer(result))
        print(f'"{result.sentence}" — {result.title}')
    return 0


def facts_command(args: argparse.Namespace) -> int:
    """Print who, what, when and where of one story."""
    result = open_service(args).facts_of_story(args.id)
    if result is None:
        complain(Problem.NO_STORY_WITH_ID, id=args.id)
        return 1
    if result.reason:  # a story in another language: no facts, and why
        note = say(result.reason)
        print(json.dumps({"note": note}, ensure_ascii=False) if args.json else note)
        return 0
    found = result.facts
    values = {k: getattr(found, k, None) for k in ("who", "what", "when", "where")}
    if args.json:
        print(json.dumps(values, ensure_ascii=False))
    else:
        for key, value in values.items():
            print(f"{key}: {value or '—'}")
    return 0
