"""Per-chat settings, in one table: each ``Setting`` names how it is typed, stored, shown,
checked and confirmed, so /settings, its help text and every reader come from the same row.

    SETTINGS = (LENGTH, TIMEZONE, SAVED)
    value_of(chat, LENGTH) → SummaryLength(sentences=3)

The handlers reach them by chat id through :class:`SettingsService`; the story and digest
services read a setting with ``value_of`` over the chat they already hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.messages import excerpt
from bot.nlp.summaries import SummaryLength
from db.store import ChatStories, Store

T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One chat setting: ``/settings NAME VALUE`` stores ``stored(value, parsed)`` under
    ``key``; readers get ``parse`` of the stored text (of ``default`` when unset)."""

    name: str  # as typed after /settings
    key: str  # as stored for the chat
    default: str
    parse: Callable[[str], T | None]  # the typed value; None when the text isn't one
    help: str  # its line of the usage, after "/settings "
    label: str  # how /settings shows it
    refused: Callable[[str], str]  # why a value was refused
    confirmed: Callable[[T], str]
    stored: Callable[[str, T], str]  # the text kept, from what was typed and its value
    shown: Callable[[str], str] = str  # the stored text, as /settings shows it
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingChange:
    ok: bool
    message: str


_LENGTH = re.compile(r"^\s*(\d{1,4})\s*(w|words?|s|sentences?)?\s*$", re.IGNORECASE)


def parse_length(text: str) -> SummaryLength | None:
    """'3' or '3s' → three sentences; '60w' → sixty words; None when it isn't a length."""
    match = _LENGTH.match(text or "")
    if not match:
        return None
    number = int(match.group(1))
    unit = (match.group(2) or "s").lower()
    if unit.startswith("w"):
        return SummaryLength(sentences=None, words=number) if 5 <= number <= 1000 else None
    return SummaryLength(sentences=number) if 1 <= number <= 50 else None


def length_words(length: SummaryLength) -> str:
    """'3 sentences', '1 sentence' or '60 words': a length as a person says it."""
    if length.sentences is not None:
        return f"{length.sentences} sentence{'' if length.sentences == 1 else 's'}"
    return f"{length.words} word{'' if length.words == 1 else 's'}"


def canonical_zone(name: str) -> str | None:
    """The IANA zone with that name (any letter case), or None."""
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        ZoneInfo(name)
        return name
    # A directory ("Europe") fails as IsADirectoryError, an OSError, not as "not found".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        lowered = name.lower()
        return next((zone for zone in available_timezones() if zone.lower() == lowered), None)


def _on_off(text: str) -> str | None:
    return text.lower() if text.lower() in ("on", "off") else None


LENGTH: Setting[SummaryLength] = Setting(
    name="length",
    key="summary_length",
    default="3",
    parse=parse_length,
    help="length N | Nw — default summary length (e.g. 3 or 60w)",
    label="Summary length",
    refused=lambda _: "The length is N sentences (1–50) or Nw words (5–1000), e.g. 3 or 60w.",
    confirmed=lambda length: f"Summaries will be {length_words(length)} long by default.",
    stored=lambda text, _: text.lower().replace(" ", ""),
    shown=lambda text: length_words(parse_length(text) or SummaryLength()),
)
TIMEZONE: Setting[str] = Setting(
    name="timezone",
    key="timezone",
    default="UTC",
    parse=canonical_zone,
    help="timezone Area/City — e.g. Europe/Berlin (used by digests)",
    label="Time zone",
    refused=lambda text: (
        f"“{excerpt(text)}” isn't a time zone I know. "
        "Use an IANA name such as Europe/Berlin or America/New_York."
    ),
    confirmed=lambda zone: f"Time zone set to {zone}.",
    stored=lambda _, zone: zone,
    aliases=("tz", "zone"),
)
SAVED: Setting[str] = Setting(
    name="saved",
    key="saved_reaction",
    default="off",
    parse=_on_off,
    help="saved on | off — in groups, say 'Saved.' when a posted story is kept",
    label="'Saved' reaction in groups",
    refused=lambda _: "Use /settings saved on or /settings saved off.",
    confirmed=lambda value: f"The 'saved' reaction is {value}.",
    stored=lambda _, value: value,
)
SETTINGS: tuple[Setting[Any], ...] = (LENGTH, TIMEZONE, SAVED)

SETTINGS_USAGE = "Usage: /settings — show the settings\n" + "\n".join(
    f"/settings {setting.help}" for setting in SETTINGS
)


def value_of(chat: ChatStories, setting: Setting[T]) -> T:
    """The chat's value of the setting; the default's when unset or no longer valid."""
    value = setting.parse(chat.setting(setting.key, setting.default) or setting.default)
    if value is None:
        value = setting.parse(setting.default)
    assert value is not None
    return value


def describe(chat: ChatStories) -> str:
    """The chat's settings, one per line."""
    return "\n".join(
        f"{setting.label}: {setting.shown(chat.setting(setting.key, setting.default) or setting.default)}"
        for setting in SETTINGS
    )


def change(chat: ChatStories, name: str, value: str) -> SettingChange:
    """Validate and store one setting; a bad value changes nothing and says why."""
    name = name.lower()
    value = value.strip()
    setting = next((s for s in SETTINGS if name == s.name or name in s.aliases), None)
    if setting is None:
        return SettingChange(False, SETTINGS_USAGE)
    parsed = setting.parse(value)
    if parsed is None:
        return SettingChange(False, setting.refused(value))
    chat.change_setting(setting.key, setting.stored(value, parsed))
    return SettingChange(True, setting.confirmed(parsed))


class SettingsService:
    """/settings for any chat, by its id, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self, chat_id: int) -> str:
        """The chat's settings, one per line."""
        return describe(self.store.chat(chat_id))

    def change(self, chat_id: int, name: str, value: str) -> SettingChange:
        """Validate and store one of the chat's settings; a bad value changes nothing."""
        return change(self.store.chat(chat_id), name, value)
