"""The words users read that more than one place says, and quoting what a user typed back
to them, short. (Messages said in one place only stay beside their handler, named.)

An error reply that repeats the user's input whole turns one 4,096-character command (or a
100,000-character one from a client that skips Telegram's limit) into several messages:
a flood the user did not ask for. A short excerpt still shows which part was not understood.

May import: nothing of the project.
"""

from __future__ import annotations

EXCERPT_CHARS = 40


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut to ``limit`` characters with "…" when it was longer."""
    flat = " ".join(text[: limit * 4].split())  # only the head is looked at, however long
    if len(flat) <= limit and len(text) <= limit * 4:
        return flat
    return flat[: limit - 1].rstrip() + "…"


NO_STORIES_YET = "No stories here yet. Send me an article, a link or a file."
NOT_IN_THIS_CHAT = "That story isn't in this chat (it may have been deleted)."


def file_too_big(size: float, limit: int) -> str:
    """A file over the size limit (both in bytes), in megabytes."""
    return (
        f"That file is {size / 1_000_000:.1f} MB; the limit is "
        f"{limit // 1_000_000} MB. Send a smaller file or a link instead."
    )
