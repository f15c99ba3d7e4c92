"""Settings from the environment (and command-line overrides), read in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from db.store import DEFAULT_PATH


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


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

    @classmethod
    def from_env(cls, db_path: str | None = None) -> Settings:
        """Settings from the environment; db_path, when given, overrides $STORYBOT_DB."""
        return cls(
            db_path=db_path or os.environ.get("STORYBOT_DB") or DEFAULT_PATH,
            token=os.environ.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or None,
            allowed_chats=_chat_ids(os.environ.get("STORYBOT_ALLOWED_CHATS", "")),
            allow_loopback_fetch=_flag("STORYBOT_ALLOW_LOOPBACK_FETCH"),
        )

    def chat_allowed(self, chat_id: int) -> bool:
        """With no allow-list every chat may use the bot; with one, only those listed."""
        return not self.allowed_chats or chat_id in self.allowed_chats
