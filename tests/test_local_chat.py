"""The local chat goes through the Telegram handlers: a newcomer's first minute."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.local_chat import LocalChat
from tests.conftest import article


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


def test_sample_story_summary_buttons_and_list(tmp_path: Path) -> None:
    out = chat_session(tmp_path, ["/sample", "/press 1", "/list", "/quit"])
    assert "Saved." in out
    assert "[1] Shorter  [2] Longer  [3] Facts  [4] Delete" in out
    assert "(edited)" in out
    assert "Stories 1/1 (1 in all)" in out


def test_a_stale_delete_confirmation_is_refused(tmp_path: Path) -> None:
    # Delete, then its confirmation, then the same confirmation again once it is answered.
    out = chat_session(tmp_path, ["/sample", "/press 4", "/press 1", "/press 1", "/quit"])
    assert out.count("Deleted.") == 1
    assert "That button has expired" in out


def test_pasted_multi_paragraph_story_and_too_short_text(tmp_path: Path) -> None:
    paragraphs = article("harbour bridge").split("\n\n")
    pasted = [paragraphs[0], ""] + [p for para in paragraphs[1:] for p in (para, "")] + ["."]
    out = chat_session(tmp_path, pasted + ["Bridge delayed again.", ".", "/summary 9x", "/quit"])
    assert "Saved." in out and "harbour bridge" in out
    assert "too short to keep as a story" in out
    assert "Usage: /summary" in out


def test_scheduled_digests_can_fire_in_the_local_chat(tmp_path: Path) -> None:
    chat = LocalChat(Settings(db_path=str(tmp_path / "chat.db")), write=lambda _: None)
    running: list[bool] = []

    def read(prompt: str) -> str:
        if not running:
            running.append(chat.application.job_queue.scheduler.running)
            return "/quit"
        raise EOFError

    asyncio.run(chat.run(read))
    assert running == [True]
    assert not chat.application.job_queue.scheduler.running
