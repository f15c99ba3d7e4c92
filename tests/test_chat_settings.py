"""Per-chat settings: validated, stored per chat, used as the default summary length."""

from __future__ import annotations

import pytest

from bot.services.settings import SettingsService, canonical_zone, change, describe
from bot.services.stories import StoryService
from db.store import Store
from tests.conftest import article


@pytest.fixture
def store(backend_store: Store) -> Store:
    """Every test here runs on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return backend_store


def test_settings_are_validated_and_kept_per_chat(store: Store) -> None:
    chat = store.chat(1)
    assert change(chat, "length", "60w").ok
    assert change(chat, "timezone", "europe/berlin").ok
    assert not change(chat, "timezone", "Mars/Olympus").ok
    assert not change(chat, "length", "0").ok
    assert not change(chat, "colour", "blue").ok
    assert "60 words" in describe(chat) and "Europe/Berlin" in describe(chat)
    assert "UTC" in describe(store.chat(2))


def test_the_settings_service_takes_a_chat_id(store: Store) -> None:
    settings = SettingsService(store)
    assert settings.change(4, "tz", "Asia/Kolkata").ok
    assert not settings.change(4, "length", "9999").ok
    assert "Asia/Kolkata" in settings.describe(4) and "Asia/Kolkata" not in settings.describe(5)
    assert settings.describe(4) == describe(store.chat(4))


def test_the_default_length_applies_to_new_summaries(store: Store) -> None:
    service = StoryService(store)
    change(store.chat(3), "length", "1")
    saved = service.save_text(3, article("harbour"))
    assert len(saved.summary.sentences) == 1


def test_zone_names() -> None:
    assert canonical_zone("America/New_York") == "America/New_York"
    assert canonical_zone("../etc/passwd") is None
    assert canonical_zone("") is None
