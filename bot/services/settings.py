"""Per-chat settings: default summary length, time zone, and the 'saved' reaction in groups."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.messages import excerpt
from bot.nlp.summaries import SummaryLength
from bot.services.stories import parse_length
from db.store import ChatStories

SETTINGS_USAGE = (
    "Usage: /settings — show the settings\n"
    "/settings length N | Nw — default summary length (e.g. 3 or 60w)\n"
    "/settings timezone Area/City — e.g. Europe/Berlin (used by digests)\n"
    "/settings saved on | off — in groups, say 'Saved.' when a posted story is kept"
)


@dataclass(frozen=True)
class SettingChange:
    ok: bool
    message: str


def length_words(length: SummaryLength) -> str:
    """'3 sentences', '1 sentence' or '60 words': a length as a person says it."""
    if length.sentences is not None:
        return f"{length.sentences} sentence{'' if length.sentences == 1 else 's'}"
    return f"{length.words} word{'' if length.words == 1 else 's'}"


def describe(chat: ChatStories) -> str:
    """The chat's settings, one per line."""
    length = parse_length(chat.setting("summary_length", "3") or "3") or SummaryLength()
    return (
        f"Summary length: {length_words(length)}\n"
        f"Time zone: {chat.setting('timezone', 'UTC')}\n"
        f"'Saved' reaction in groups: {chat.setting('saved_reaction', 'off')}"
    )


def change(chat: ChatStories, name: str, value: str) -> SettingChange:
    """Validate and store one setting; a bad value changes nothing and says why."""
    name = name.lower()
    value = value.strip()
    if name == "length":
        length = parse_length(value)
        if length is None:
            return SettingChange(
                False, "The length is N sentences (1–50) or Nw words (5–1000), e.g. 3 or 60w."
            )
        chat.change_setting("summary_length", value.lower().replace(" ", ""))
        return SettingChange(True, f"Summaries will be {length_words(length)} long by default.")
    if name in ("timezone", "tz", "zone"):
        zone = canonical_zone(value)
        if zone is None:
            return SettingChange(
                False,
                f"“{excerpt(value)}” isn't a time zone I know. Use an IANA name such as Europe/Berlin or America/New_York.",
            )
        chat.change_setting("timezone", zone)
        return SettingChange(True, f"Time zone set to {zone}.")
    if name == "saved":
        if value.lower() not in ("on", "off"):
            return SettingChange(False, "Use /settings saved on or /settings saved off.")
        chat.change_setting("saved_reaction", value.lower())
        return SettingChange(True, f"The 'saved' reaction is {value.lower()}.")
    return SettingChange(False, SETTINGS_USAGE)


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
