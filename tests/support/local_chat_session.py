"""A scripted local chat (``storybot chat``): lines typed in, everything it printed out."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bot.config import Settings
from bot.telegram.local_chat import LocalChat


def _run(tmp_path: Path, lines: list[str]) -> tuple[list[str], list[int]]:
    """Feed lines to a local chat as a user would type them; return what it printed, and how
    many lines it had printed each time it asked for input."""
    printed: list[str] = []
    marks: list[int] = []
    script = iter(lines)

    def read(prompt: str) -> str:
        marks.append(len(printed))
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    chat = LocalChat(Settings(db_path=str(tmp_path / "chat.db")), write=printed.append)
    asyncio.run(chat.run(read))
    return printed, marks


def chat_session(tmp_path: Path, lines: list[str]) -> str:
    """Feed lines to a local chat as a user would type them; return all it printed."""
    printed, _ = _run(tmp_path, lines)
    return "\n".join(printed)


def chat_replies(tmp_path: Path, lines: list[str]) -> list[str]:
    """Feed lines to a local chat; return, for each line, what was printed in answer to it."""
    printed, marks = _run(tmp_path, lines)
    return ["\n".join(printed[start:end]) for start, end in itertools.pairwise(marks)]
