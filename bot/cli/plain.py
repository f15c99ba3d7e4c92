"""Replies as plain text, for the terminal: the blocks the Telegram edge renders as HTML
(handlers/render.py), written out with no tags and no 4,096-character split. A link is its
text, followed by its address when the two differ. And the command line's complaints, worded
by bot/messages.py, on standard error."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.messages import Problem, Refusal, Refused, say
from bot.services.digests import Digest
from handlers.render import Block, digest_blocks, is_web_link


def plain_block(block: Block) -> str:
    """One block as text: a link as "text (address)" unless the text is the address."""
    if block.href and is_web_link(block.href) and block.text != block.href:
        return f"{block.text} ({block.href})"
    return block.text


def plain_text(blocks: Sequence[Block]) -> str:
    """Blocks as paragraphs; blank ones (nothing visible) left out, as Telegram would."""
    return "\n\n".join(plain_block(block) for block in blocks if _visible(block.text))


def refusal_text(refusal: Refusal | Refused | None) -> str | None:
    """Why something was refused, in the words a chat would read (bot/messages.py)."""
    return None if refusal is None else say(refusal)


def complain(problem: Problem | Refusal | Refused, **details: Any) -> None:
    """Say on standard error why a command can't go on (stdout stays the command's output)."""
    refusal = problem if isinstance(problem, Refusal | Refused) else Refusal(problem, details)
    print(say(refusal), file=sys.stderr)


def digest_text(digest: Digest, zone: str = "UTC") -> str:
    """The digest as the plain text of what a chat would read."""
    return plain_text([block for part in digest_blocks(digest, zone) for block in part])


def _visible(text: str) -> bool:
    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)
