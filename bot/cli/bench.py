"""``storybot bench …``, ``storybot eval …`` and ``storybot train …``: the benchmarks, the
evaluation harnesses and the training of the learned models."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "ingest": "benchmarks.ingest",
    "answers": "benchmarks.answer_speed",
    "load": "benchmarks.load",
    "large-store": "benchmarks.large_store",
}
EVALUATIONS = {"summaries": "benchmarks.summaries", "answers": "benchmarks.answers"}
TRAINING = {"answers": "bot.nlp.answers.training"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bench``, ``eval`` and ``train``: each runs the named module with the rest of the
    line."""
    for name, table, help_text in (
        ("bench", BENCHMARKS, "speed benchmarks"),
        ("eval", EVALUATIONS, "quality evaluation harnesses"),
        ("train", TRAINING, "build the committed model files from the shared data"),
    ):
        parser = commands.add_parser(name, help=help_text, add_help=False)
        parser.add_argument("which", choices=sorted(table))
        parser.add_argument("rest", nargs=argparse.REMAINDER)
        parser.set_defaults(handler=lambda args, table=table: _run(table[args.which], args.rest))


def _run(module_name: str, argv: list[str]) -> int:
    return importlib.import_module(module_name).main(argv) or 0
