"""The digest service: a chat's on-demand and scheduled digests, its schedule and its source,
and the rule that a digest goes out at most once.

Every call that reads or writes the store runs in a worker thread from here, so the Telegram
edge awaits one call and only renders and sends. Sending is the edge's: it passes ``deliver``,
which sends the rendered digest and raises ``DeliveryFailed`` when the digest did not (or
only partly) go out, or ``ChatGone`` when the bot may no longer post in the chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from bot.services.digests import SOURCE_SETTING, Digest, chat_digest, digest_source
from bot.services.schedules import (
    DigestCommand,
    ScheduleSet,
    ScheduleStatus,
    default_zone_of,
    first_period_start,
    missed_run,
    parse_digest_args,
    parse_utc,
    schedule_set,
    schedule_status,
)
from bot.services.settings import TIMEZONE
from db.schedules import (
    Schedule,
    all_schedules,
    clear_schedule,
    iso_utc,
    last_digest_at,
    mark_sent,
    on_demand_mark,
    on_demand_start,
    record_run,
    restore_marks,
    save_schedule,
    schedule_for,
    sent_marks,
    set_on_demand_mark,
    set_source,
)
from db.store import Store

# The kind of chat a schedule was set in ("private", "group", …): a channel is never told
# that a slot had nothing new; people in a chat are, once (see send_scheduled).
CHAT_TYPE_SETTING = "digest_chat_type"
# Set once an empty slot was reported; cleared by the next digest that has news.
TOLD_NOTHING_NEW_SETTING = "digest_told_nothing_new"
PEOPLE_CHATS = ("private", "group", "supergroup")


class DeliveryFailed(Exception):
    """The digest did not go out whole; ``nothing_went_out`` when not even its first part did
    (raised from the edge's own error, which stays the cause)."""

    def __init__(self, nothing_went_out: bool) -> None:
        super().__init__("nothing went out" if nothing_went_out else "cut short")
        self.nothing_went_out = nothing_went_out


class ChatGone(Exception):
    """The bot may no longer post in the chat (removed, or blocked by the user)."""


Deliver = Callable[[Digest, str], Awaitable[object]]  # (digest, the chat's zone)


class Outcome(Enum):
    SENT = "sent"
    NOTHING_NEW = "nothing new"
    NOT_SCHEDULED = "not scheduled"  # turned off after the alarm was set
    NOT_SENT = "not sent"  # nothing went out: the mark is taken back, the next slot covers it
    CUT_SHORT = "cut short"  # some parts went out: it counts as sent
    CHAT_GONE = "chat gone"  # the schedule is dropped


@dataclass(frozen=True)
class DigestRun:
    """What became of a digest slot, and what the edge does next."""

    outcome: Outcome
    schedule: Schedule | None = None  # set the next alarm from it (None: no next alarm)
    tell_nothing_new: bool = False  # say once, in a private chat or a group, that none came
    error: DeliveryFailed | None = None


class DigestService:
    """Digests for any chat, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- sending, at most once ---------------------------------------------------------------

    async def send_scheduled(self, chat_id: int, now: datetime, deliver: Deliver) -> DigestRun:
        """A digest alarm: send the chat's digest if there is news, at most once.

        The digest is marked as sent before it goes out, so a crash or kill while it is being
        sent never sends it again after a restart (its stories are not repeated in the next
        digest either). Only when its first part surely did not arrive is the mark taken back,
        and the next slot covers those stories.
        """
        prepared = await asyncio.to_thread(self._prepare_scheduled, chat_id, now)
        if prepared is None:
            return DigestRun(Outcome.NOT_SCHEDULED)
        schedule, digest = prepared
        if not digest.items:
            tell = await asyncio.to_thread(self._nothing_new, chat_id, now)
            return DigestRun(Outcome.NOTHING_NEW, schedule, tell_nothing_new=tell)
        before = await asyncio.to_thread(self._before_sending, chat_id)
        try:
            await self._at_most_once(
                digest,
                schedule.timezone,
                deliver,
                mark=lambda: mark_sent(self.store, chat_id, parse_utc(digest.until)),
                unmark=lambda: restore_marks(self.store, chat_id, before),
            )
        except ChatGone:
            # Nobody can read the digests any more, so the schedule goes too.
            await asyncio.to_thread(clear_schedule, self.store, chat_id)
            return DigestRun(Outcome.CHAT_GONE)
        except DeliveryFailed as failed:
            outcome = Outcome.NOT_SENT if failed.nothing_went_out else Outcome.CUT_SHORT
            return DigestRun(outcome, schedule, error=failed)
        return DigestRun(Outcome.SENT, schedule)

    async def send_on_demand(self, chat_id: int, now: datetime, deliver: Deliver) -> DigestRun:
        """/digest: the chat's digest since the last one it asked for, sent at most once.
        Only the on-demand mark moves: the schedule's next digest still covers these stories.
        A failed delivery is raised (the edge's error handler tells the chat)."""
        digest, zone, before = await asyncio.to_thread(self._prepare_on_demand, chat_id, now)

        def mark() -> None:
            if digest.items:
                set_on_demand_mark(self.store, chat_id, digest.until)

        await self._at_most_once(
            digest,
            zone,
            deliver,
            mark=mark,
            unmark=lambda: set_on_demand_mark(self.store, chat_id, before),
        )
        return DigestRun(Outcome.SENT if digest.items else Outcome.NOTHING_NEW)

    async def _at_most_once(
        self,
        digest: Digest,
        zone: str,
        deliver: Deliver,
        *,
        mark: Callable[[], None],
        unmark: Callable[[], None],
    ) -> None:
        """Mark the digest as sent, send it, and take the mark back only when none of it
        went out: a crash mid-send never sends it twice."""
        await asyncio.to_thread(mark)
        try:
            await deliver(digest, zone)
        except DeliveryFailed as failed:
            if failed.nothing_went_out:
                await asyncio.to_thread(unmark)
            raise

    def _prepare_scheduled(self, chat_id: int, now: datetime) -> tuple[Schedule, Digest] | None:
        schedule = schedule_for(self.store, chat_id)
        if schedule is None:
            return None
        since = last_digest_at(self.store, chat_id) or iso_utc(first_period_start(schedule, now))
        return schedule, chat_digest(self.store, chat_id, now=now, since=since)

    def _prepare_on_demand(self, chat_id: int, now: datetime) -> tuple[Digest, str, str | None]:
        before = on_demand_mark(self.store, chat_id)
        since = on_demand_start(self.store, chat_id)
        digest = chat_digest(self.store, chat_id, now=now, since=since)
        return digest, self.zone(chat_id), before

    def _before_sending(self, chat_id: int) -> tuple[str | None, str | None]:
        """A slot with news: the next empty one is worth a word again; the marks to restore."""
        self.store.chat(chat_id).change_setting(TOLD_NOTHING_NEW_SETTING, "")
        return sent_marks(self.store, chat_id)

    def _nothing_new(self, chat_id: int, now: datetime) -> bool:
        """An empty slot: record the run; whether to say so (the first time, to people: a
        schedule that stays silent looks broken; a channel's readers need no such post).
        Chats whose schedule predates the recorded chat type stay silent, as before."""
        record_run(self.store, chat_id, now)
        chat = self.store.chat(chat_id)
        if chat.setting(CHAT_TYPE_SETTING) not in PEOPLE_CHATS:
            return False
        if chat.setting(TOLD_NOTHING_NEW_SETTING):
            return False
        chat.change_setting(TOLD_NOTHING_NEW_SETTING, "yes")
        return True

    def preview(self, chat_id: int, since: str | None = None) -> tuple[Digest, str]:
        """The digest the chat would get now, and its zone, without marking it as sent."""
        return chat_digest(self.store, chat_id, since=since), self.zone(chat_id)

    # -- schedules and sources ---------------------------------------------------------------

    def zone(self, chat_id: int) -> str:
        """The chat's time zone setting if valid, else UTC."""
        return default_zone_of(self.store.chat(chat_id).setting(TIMEZONE.key))

    def parse_command(self, args: list[str], chat_id: int) -> DigestCommand:
        """The /digest words, read in the chat's zone (raises ScheduleError, with the reason)."""
        return parse_digest_args(args, chat_id, self.zone(chat_id))

    def status(self, chat_id: int, now: datetime) -> ScheduleStatus:
        """The chat's schedule and its next run, or none."""
        return schedule_status(schedule_for(self.store, chat_id), now)

    def turn_off(self, chat_id: int) -> bool:
        """Drop the chat's schedule; False when there was none."""
        return clear_schedule(self.store, chat_id)

    def set_schedule(
        self, schedule: Schedule, chat_type: str, now: datetime, zone_defaulted: bool
    ) -> ScheduleSet:
        """Store the chat's schedule (from its digest source): the stored one and its first
        run, for the confirmation."""
        chat_id = schedule.chat_id
        source = digest_source(self.store, chat_id)
        schedule = replace(
            schedule, source_chat_id=None if source == chat_id else source, created_at=None
        )
        saved = save_schedule(self.store, schedule, now)
        self.store.chat(chat_id).change_setting(CHAT_TYPE_SETTING, str(chat_type))
        return schedule_set(saved, now, zone_defaulted)

    def use_own_stories(self, chat_id: int) -> None:
        """Digests here are made from this chat's stories."""
        self.store.chat(chat_id).change_setting(SOURCE_SETTING, str(chat_id))
        set_source(self.store, chat_id, None)

    def use_source(self, chat_id: int, source_id: int) -> None:
        """Digests here are made from another chat's (a channel's) stories."""
        self.store.chat(source_id).ensure_exists("channel")
        self.store.chat(chat_id).change_setting(SOURCE_SETTING, str(source_id))
        set_source(self.store, chat_id, source_id)

    def alarms_at_start(self, now: datetime) -> list[tuple[Schedule, bool]]:
        """Every stored schedule, and whether its last run was missed while the bot was down."""
        return [(schedule, missed_run(schedule, now)) for schedule in all_schedules(self.store)]
