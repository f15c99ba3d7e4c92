"""A scripted local chat (``storybot chat``): lines typed in, everything it printed out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.telegram.local_chat import LocalChat


def chat_session(tmp_path: Path, lines: list[str]) -> str:
    """Feed lines to a local chat as a user would type them; return all it printed."""
    printed: list[str] = []
    script = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    chat = LocalChat(Settings(db_path=str(tmp_path / "chat.db")), write=printed.append)
    asyncio.run(chat.run(read))
    return "\n".join(printed)
