"""Settings from the environment (and command-line overrides), read in one place.

May import: ``db`` (the default database path).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from db.store import DEFAULT_PATH


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _count(name: str, default: int) -> int:
    """A whole number ≥ 0 from the environment; the default when unset or not a number."""
    value = os.environ.get(name, "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else default


# Stories one chat may keep: thousands of stories is an archive, far past what a news chat
# reads, while one 2 MB file of records could otherwise add 5,000 in a minute.
DEFAULT_MAX_STORIES_PER_CHAT = 2_000


def _chat_ids(value: str) -> frozenset[int]:
    ids = set()
    for part in value.split(","):
        part = part.strip()
        if re.fullmatch(r"-?[0-9]{1,19}", part):
            ids.add(int(part))
    return frozenset(ids)


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    db_path: str = DEFAULT_PATH
    token: str | None = None
    api_base_url: str | None = None
    allowed_chats: frozenset[int] = field(default_factory=frozenset)
    allow_loopback_fetch: bool = False
    # $STORYBOT_MAX_STORIES_PER_CHAT; 0 means no limit (an operator's private bot).
    max_stories_per_chat: int = DEFAULT_MAX_STORIES_PER_CHAT
    # $STORYBOT_NLP_WORKERS: processes for ingest's cleaning and entity pass; 0 or 1 run it
    # in the bot's own process. Settings() (tests, library use) stays in process.
    nlp_workers: int = 1

    @classmethod
    def from_env(cls, db_path: str | None = None) -> Settings:
        """Settings from the environment; db_path, when given, overrides $STORYBOT_DB."""
        return cls(
            db_path=db_path or os.environ.get("STORYBOT_DB") or DEFAULT_PATH,
            token=os.environ.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or None,
            allowed_chats=_chat_ids(os.environ.get("STORYBOT_ALLOWED_CHATS", "")),
            allow_loopback_fetch=_flag("STORYBOT_ALLOW_LOOPBACK_FETCH"),
            max_stories_per_chat=_count(
                "STORYBOT_MAX_STORIES_PER_CHAT", DEFAULT_MAX_STORIES_PER_CHAT
            ),
            # One per core: spaCy holds the GIL, so only processes use a second core.
            nlp_workers=_count("STORYBOT_NLP_WORKERS", os.cpu_count() or 1),
        )

    def chat_allowed(self, chat_id: int) -> bool:
        """With no allow-list every chat may use the bot; with one, only those listed."""
        return not self.allowed_chats or chat_id in self.allowed_chats
