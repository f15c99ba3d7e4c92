"""What every handler and job shares, as PTB's typed ``bot_data`` (``ContextTypes``, as in
python-telegram-bot's ``examples/contexttypesbot.py``): named fields, not string keys.

The application is built with ``ContextTypes(bot_data=BotData)`` (bot/telegram/app.py), which
makes one ``BotData()`` and fills it in; handlers take a ``Context``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.rate_limits import RateLimiter
from bot.services.digest_service import DigestService
from bot.services.feeds import FeedFollower
from bot.services.settings import SettingsService
from bot.services.stories import StoryService


def utc_now() -> datetime:
    """The real time now, in UTC."""
    return datetime.now(UTC)


@dataclass
class BotData:
    """The application's shared objects. ``digests``, ``feeds`` and ``chat_settings`` are made
    on first use over the story service's store."""

    service: StoryService | None = None
    settings: Settings | None = None
    rate_limiter: RateLimiter | None = None
    journal: Any = None  # bot.telegram.journal.JournaledUpdates, when updates are journaled
    clock: Callable[[], datetime] = utc_now  # a test's fake clock goes here
    _digests: DigestService | None = field(default=None, repr=False)
    _feeds: FeedFollower | None = field(default=None, repr=False)
    _chat_settings: SettingsService | None = field(default=None, repr=False)

    @property
    def stories(self) -> StoryService:
        assert self.service is not None, "the application was built without a story service"
        return self.service

    @property
    def digests(self) -> DigestService:
        if self._digests is None:
            self._digests = DigestService(self.stories.store)
        return self._digests

    @property
    def feeds(self) -> FeedFollower:
        if self._feeds is None:
            self._feeds = FeedFollower(self.stories.store, self.stories.ingestor)
        return self._feeds

    @property
    def chat_settings(self) -> SettingsService:
        """/settings by chat id (``settings`` is the bot's own configuration)."""
        if self._chat_settings is None:
            self._chat_settings = SettingsService(self.stories.store)
        return self._chat_settings


Context = CallbackContext[ExtBot[None], dict, dict, BotData]
