"""Digest schedules: parsing, local wall times across DST, restarts and missed digests.

Nothing sleeps: a fake clock is moved by hand, and the jobs the handlers set are kept by a fake
job queue, then run by the test at the time they were set for.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.messages import Problem, say
from bot.services.digest_service import CHAT_TYPE_SETTING
from bot.services.ingest import Ingestor
from bot.services.schedules import (
    USAGE,
    ScheduleError,
    missed_run,
    next_run,
    parse_digest_args,
    previous_run,
    schedule_set,
    schedule_status,
)
from bot.services.stories import StoryService
from db.schedules import (
    Schedule,
    all_schedules,
    clear_schedule,
    mark_sent,
    save_schedule,
    schedule_for,
)
from db.store import Store
from handlers import digests as handlers
from handlers.bot_data import BotData
from handlers.render import how_often_text, schedule_set_text, schedule_status_text
from tests.support.reports import REPORTS, raw

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def daily(chat_id: int, at: str, zone: str, **more: Any) -> Schedule:
    return Schedule(chat_id, "daily", at, zone, **more)


# -- parsing ---------------------------------------------------------------------------------


def test_parsing_daily_weekly_off_status_and_from() -> None:
    command = parse_digest_args(["daily", "9:05", "Europe/Berlin"], 7, None)
    assert command.action == "set" and not command.zone_defaulted
    assert command.schedule == Schedule(7, "daily", "09:05", BERLIN, None)
    weekly = parse_digest_args(["weekly", "Mon", "08:30", "America/New_York"], 7, None)
    assert weekly.schedule == Schedule(7, "weekly", "08:30", NEW_YORK, 0)
    assert parse_digest_args(["weekly", "sunday", "20:00"], 7, None).schedule.weekday == 6
    assert parse_digest_args([], 7, None).action == "now"
    assert parse_digest_args(["off"], 7, None).action == "off"
    assert parse_digest_args(["STATUS"], 7, None).action == "status"
    source = parse_digest_args(["from", "@worldnews"], 7, None)
    assert (source.action, source.source) == ("from", "@worldnews")


def test_the_zone_defaults_to_the_chat_setting_then_utc_and_is_always_named() -> None:
    now = utc("2024-07-01T00:00:00")
    from_setting = parse_digest_args(["daily", "07:00"], 7, "Asia/Kolkata")
    assert from_setting.schedule.timezone == "Asia/Kolkata" and from_setting.zone_defaulted
    plain = parse_digest_args(["daily", "07:00"], 7, None)
    assert plain.schedule.timezone == "UTC"
    stale = parse_digest_args(["daily", "07:00"], 7, "Not/AZone")
    assert stale.schedule.timezone == "UTC"
    for command in (from_setting, plain, parse_digest_args(["daily", "7:00", BERLIN], 7, None)):
        text = schedule_set_text(schedule_set(command.schedule, now, command.zone_defaulted))
        assert f"Time zone used: {command.schedule.timezone}" in text
    reply = schedule_set_text(schedule_set(from_setting.schedule, now, True))
    assert "Mon 1 Jul, 07:00 IST" in reply  # the first run, in local time


@pytest.mark.parametrize(
    ("args", "problem", "message"),
    [
        (["daily"], Problem.DIGEST_USAGE, "Usage"),
        (["daily", "25:00"], Problem.NOT_A_TIME, "“25:00” isn't a time"),
        (["daily", "9"], Problem.NOT_A_TIME, "isn't a time"),
        (["daily", "09:00", "Mars/Olympus_Mons"], Problem.NOT_A_ZONE, "isn't a time zone"),
        (["daily", "09:00", "../../etc/passwd"], Problem.NOT_A_ZONE, "isn't a time zone"),
        (["weekly", "funday", "09:00"], Problem.NOT_A_WEEKDAY, "“funday” isn't a day"),
        (["weekly", "t", "09:00"], Problem.NOT_A_WEEKDAY, "isn't a day"),
        (["weekly", "09:00"], Problem.DIGEST_USAGE, "Usage"),
        (["hourly", "09:00"], Problem.DIGEST_USAGE, "Usage"),
        (["off", "now"], Problem.DIGEST_USAGE, "Usage"),
    ],
)
def test_bad_arguments_get_a_clear_message(args: list[str], problem: Problem, message: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_digest_args(args, 7, None)
    # The error carries the reason, not the words; the messages module words it.
    assert raised.value.problem is problem
    assert message not in str(raised.value) and message in say(raised.value)
    assert "/digest daily HH:MM" in USAGE


# -- when it runs ----------------------------------------------------------------------------


def test_berlin_daily_keeps_its_local_time_across_both_dst_changes() -> None:
    schedule = daily(1, "09:00", BERLIN)
    # Spring forward on 31 March 2024: 09:00 CET is 08:00 UTC, 09:00 CEST is 07:00 UTC.
    assert next_run(schedule, utc("2024-03-30T00:00:00")) == utc("2024-03-30T08:00:00")
    assert next_run(schedule, utc("2024-03-30T08:00:00")) == utc("2024-03-31T07:00:00")
    # Fall back on 27 October 2024.
    assert next_run(schedule, utc("2024-10-26T07:00:00")) == utc("2024-10-27T08:00:00")


def test_new_york_daily_across_dst_and_at_skipped_and_repeated_hours() -> None:
    schedule = daily(2, "09:00", NEW_YORK)
    assert next_run(schedule, utc("2024-03-09T15:00:00")) == utc("2024-03-10T13:00:00")
    assert next_run(schedule, utc("2024-03-08T00:00:00")) == utc("2024-03-08T14:00:00")
    # 02:30 does not exist on 10 March: the run happens once, an hour of offset later.
    skipped = daily(2, "02:30", NEW_YORK)
    runs = _runs(skipped, utc("2024-03-09T12:00:00"), 3)
    assert runs == [utc("2024-03-10T07:30:00"), utc("2024-03-11T06:30:00"), runs[2]]
    # 01:30 happens twice on 3 November: the run happens once, at the first.
    repeated = daily(2, "01:30", NEW_YORK)
    runs = _runs(repeated, utc("2024-11-02T12:00:00"), 2)
    assert runs == [utc("2024-11-03T05:30:00"), utc("2024-11-04T06:30:00")]


def _runs(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    runs, moment = [], start
    for _ in range(count):
        moment = next_run(schedule, moment)
        runs.append(moment)
    return runs


def test_weekly_runs_on_its_day_and_previous_run_mirrors_next() -> None:
    schedule = Schedule(3, "weekly", "08:30", BERLIN, weekday=0)
    after = utc("2024-07-02T12:00:00")  # a Tuesday
    upcoming = next_run(schedule, after)
    assert upcoming == utc("2024-07-08T06:30:00") and upcoming.weekday() == 0
    assert previous_run(schedule, after) == utc("2024-07-01T06:30:00")
    assert previous_run(schedule, upcoming) == upcoming
    assert how_often_text(schedule) == "every Monday at 08:30 (Europe/Berlin)"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        next_run(daily(1, "09:00", BERLIN), datetime(2024, 7, 1))


def test_a_missed_run_is_one_run_however_many_slots_passed() -> None:
    schedule = daily(1, "09:00", "UTC", created_at="2024-07-01T08:00:00+00:00")
    assert not missed_run(schedule, utc("2024-07-01T08:59:59"))
    assert missed_run(schedule, utc("2024-07-01T09:00:00"))
    assert missed_run(schedule, utc("2024-07-05T12:00:00"))  # four slots: still one yes
    sent = Schedule(**{**schedule.__dict__, "last_sent_at": "2024-07-05T12:00:00+00:00"})
    assert not missed_run(sent, utc("2024-07-05T12:00:01"))
    assert missed_run(sent, utc("2024-07-06T09:00:00"))


def test_two_chats_in_different_zones() -> None:
    berlin, new_york = daily(1, "09:00", BERLIN), daily(2, "09:00", NEW_YORK)
    after = utc("2024-07-01T00:00:00")
    assert next_run(berlin, after) == utc("2024-07-01T07:00:00")
    assert next_run(new_york, after) == utc("2024-07-01T13:00:00")


# -- storage ---------------------------------------------------------------------------------


def test_schedules_are_stored_replaced_and_cleared(backend_store: Store) -> None:
    store = backend_store
    first = save_schedule(store, daily(-100, "09:00", BERLIN))
    assert first.created_at is not None
    save_schedule(store, Schedule(-100, "weekly", "18:00", NEW_YORK, weekday=4))
    save_schedule(store, daily(-200, "07:00", "UTC", source_chat_id=-300))
    assert [s.chat_id for s in all_schedules(store)] == [-200, -100]
    assert schedule_for(store, -100).frequency == "weekly"
    assert schedule_for(store, -200).source == -300
    mark_sent(store, -100, utc("2024-07-01T09:00:00"))
    assert schedule_for(store, -100).last_sent_at == "2024-07-01T09:00:00+00:00"
    assert clear_schedule(store, -100) and not clear_schedule(store, -100)
    assert schedule_for(store, -100) is None
    status = schedule_status(None, utc("2024-07-01T00:00:00"))
    assert status.schedule is None and "No digest is scheduled" in schedule_status_text(status)


# -- the jobs, with a fake clock and a fake job queue ----------------------------------------


class Clock:
    """A clock the test moves; the store's timestamps follow it too."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def iso(self) -> str:
        return self.now.replace(microsecond=0).isoformat()


@dataclass
class FakeJob:
    callback: Any
    when: Any
    data: Any
    name: str | None
    chat_id: int | None = None
    removed: bool = False

    def schedule_removal(self) -> None:
        self.removed = True


@dataclass
class FakeJobQueue:
    jobs: list[FakeJob] = field(default_factory=list)

    def run_once(self, callback, when, data=None, name=None, chat_id=None, job_kwargs=None):
        job = FakeJob(callback, when, data, name, chat_id)
        self.jobs.append(job)
        return job

    def run_repeating(self, callback, interval, first=None, name=None, job_kwargs=None):
        job = FakeJob(callback, interval, None, name)
        self.jobs.append(job)
        return job

    def get_jobs_by_name(self, name: str) -> list[FakeJob]:
        return [job for job in self.jobs if job.name == name and not job.removed]

    def pending_digests(self) -> list[FakeJob]:
        return [j for j in self.jobs if not j.removed and j.name and j.name.startswith("digest:")]


@dataclass
class FakeBot:
    sent: list[tuple[int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.sent.append((chat_id, text))


class Bot:
    """The pieces of a running bot the jobs touch, over one database file."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.store = Store(path)
        self.clock = clock
        self.queue = FakeJobQueue()
        self.bot = FakeBot()
        self.application = SimpleNamespace(
            bot_data=BotData(service=StoryService(self.store), clock=clock),
            job_queue=self.queue,
            bot=self.bot,
        )

    def start(self) -> None:
        handlers.register_jobs(self.application)  # type: ignore[arg-type]

    def slot(self, chat_id: int) -> datetime:
        [job] = [j for j in self.queue.pending_digests() if j.chat_id == chat_id]
        return datetime.fromisoformat(job.data["slot"])

    def run_due(self) -> int:
        """Run every digest job whose time has come; how many ran."""
        due = [j for j in self.queue.pending_digests() if self.slot_of(j) <= self.clock.now]
        for job in due:
            job.removed = True  # a run_once job is gone once it has run
            context = SimpleNamespace(application=self.application, bot=self.bot, job=job)
            asyncio.run(job.callback(context))
        return len(due)

    @staticmethod
    def slot_of(job: FakeJob) -> datetime:
        return datetime.fromisoformat(job.data["slot"])

    def add_story(self, chat_id: int, number: int) -> str:
        """Store one of the digest tests' reports; returns its title."""
        report = REPORTS[number]
        Ingestor(self.store).ingest(chat_id, [raw(report)])
        return report.title

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(utc("2024-07-01T06:00:00"))
    monkeypatch.setattr("db.store.utc_now", fake.iso)
    return fake


def test_a_schedule_fires_at_its_local_time_and_sets_the_next(tmp_path: Path, clock: Clock) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    save_schedule(bot.store, daily(-100, "09:00", BERLIN), clock.now)
    title = bot.add_story(-100, 0)
    bot.start()
    assert bot.slot(-100) == utc("2024-07-01T07:00:00")  # 09:00 CEST
    clock.now = utc("2024-07-01T06:59:59")
    assert bot.run_due() == 0 and bot.bot.sent == []
    clock.now = utc("2024-07-01T07:00:00")
    assert bot.run_due() == 1
    [(chat_id, text)] = bot.bot.sent
    assert chat_id == -100 and title in text and "CEST" in text
    assert bot.slot(-100) == utc("2024-07-02T07:00:00")
    # Nothing new by the next morning: no message, but the slot is done and the next one set.
    clock.now = utc("2024-07-02T07:00:00")
    assert bot.run_due() == 1 and len(bot.bot.sent) == 1
    assert bot.slot(-100) == utc("2024-07-03T07:00:00")
    bot.close()


def test_a_restart_restores_schedules_and_sends_a_missed_digest_once(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "bot.db"
    first = Bot(path, clock)
    save_schedule(first.store, daily(-100, "09:00", BERLIN), clock.now)
    save_schedule(first.store, daily(-200, "09:00", NEW_YORK), clock.now)
    old_news = first.add_story(-100, 2)
    first.start()
    first.close()  # the bot goes down before any digest is due

    clock.now = utc("2024-07-04T10:00:00")  # three mornings later in both zones
    second = Bot(path, clock)
    news = second.add_story(-100, 24)
    second.start()
    assert len(second.queue.pending_digests()) == 2  # one job per chat, not one per slot
    assert second.slot(-100) == second.slot(-200) == clock.now  # missed: right away
    assert second.run_due() == 2
    [(chat_id, text)] = second.bot.sent  # New York's chat has no stories: no message
    assert chat_id == -100 and old_news in text and news in text
    assert second.slot(-100) == utc("2024-07-05T07:00:00")  # 09:00 CEST
    assert second.slot(-200) == utc("2024-07-04T13:00:00")  # 09:00 EDT, later today
    second.close()

    clock.now = utc("2024-07-04T10:05:00")  # and again: nothing is sent twice
    third = Bot(path, clock)
    third.start()
    assert third.slot(-100) == utc("2024-07-05T07:00:00")
    assert third.slot(-200) == utc("2024-07-04T13:00:00")
    assert third.run_due() == 0 and third.bot.sent == []
    third.close()


def test_a_schedule_turned_off_does_not_fire(tmp_path: Path, clock: Clock) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    save_schedule(bot.store, daily(-100, "09:00", "UTC"), clock.now)
    bot.add_story(-100, 0)
    bot.start()
    clear_schedule(bot.store, -100)
    clock.now = utc("2024-07-01T09:00:00")
    assert bot.run_due() == 1 and bot.bot.sent == []
    assert bot.queue.pending_digests() == []
    bot.close()


def test_jobs_follow_dst_from_one_run_to_the_next(tmp_path: Path, clock: Clock) -> None:
    clock.now = utc("2024-03-30T06:00:00")
    bot = Bot(tmp_path / "bot.db", clock)
    save_schedule(bot.store, daily(-100, "09:00", BERLIN), clock.now)
    save_schedule(bot.store, daily(-200, "09:00", NEW_YORK), clock.now)
    bot.start()
    assert bot.slot(-100) == utc("2024-03-30T08:00:00")  # CET
    clock.now = bot.slot(-100)
    bot.run_due()
    assert bot.slot(-100) == utc("2024-03-31T07:00:00")  # CEST from the 31st
    assert bot.slot(-200) == utc("2024-03-30T13:00:00")  # EDT since the 10th
    bot.close()


# -- the /digest command ---------------------------------------------------------------------


class CommandBot(FakeBot):
    """A fake bot that also answers getChatMember and getChat."""

    def __init__(self, admins: dict[int, set[int]]) -> None:
        super().__init__()
        self.admins = admins

    async def send_chat_action(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def get_chat_member(self, chat_id: int, user_id: int) -> Any:
        role = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        return SimpleNamespace(status=role)

    async def get_chat(self, name: str) -> Any:
        return SimpleNamespace(id={"@worldnews": -500}[name])


def command(bot: Bot, chat_id: int, kind: str, user_id: int, *args: str) -> str:
    """Run /digest ARGS as that user in that chat; the bot's reply text."""
    bot.bot.sent.clear()
    update = SimpleNamespace(
        effective_chat=SimpleNamespace(id=chat_id, type=kind),
        effective_user=SimpleNamespace(id=user_id),
        effective_message=SimpleNamespace(message_id=1),
    )
    context = SimpleNamespace(
        args=list(args), application=bot.application, bot=bot.bot, job_queue=bot.queue
    )
    asyncio.run(handlers.digest_command(update, context))
    return html.unescape("\n".join(text for _, text in bot.bot.sent))


def test_only_admins_schedule_in_groups_and_the_reply_names_the_zone(
    tmp_path: Path, clock: Clock
) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    bot.bot = bot.application.bot = CommandBot({-100: {7}, -500: {7}, -300: {9}})
    assert "Only this chat's admins" in command(bot, -100, "group", 8, "daily", "09:00")
    assert schedule_for(bot.store, -100) is None
    reply = command(bot, -100, "group", 7, "daily", "09:00", "Europe/Berlin")
    assert "Time zone used: Europe/Berlin" in reply and "09:00 CEST" in reply
    assert bot.slot(-100) == utc("2024-07-01T07:00:00")
    bot.store.chat(-200).change_setting("timezone", "America/New_York")
    reply = command(bot, -200, "private", 8, "weekly", "fri", "18:00")
    assert "Time zone used: America/New_York (this chat's default" in reply
    assert "isn't a time" in command(bot, -100, "group", 8, "daily", "9")
    assert "Next:" in command(bot, -100, "group", 8, "status")
    # /digest from: an admin of both chats only.
    assert "Only this chat's admins" in command(bot, -300, "group", 7, "from", "@worldnews")
    assert "Only admins of @worldnews" in command(bot, -300, "group", 9, "from", "@worldnews")
    assert "now made from @worldnews" in command(bot, -100, "group", 7, "from", "@worldnews")
    assert schedule_for(bot.store, -100).source_chat_id == -500
    assert "Scheduled digests are off" in command(bot, -100, "group", 7, "off")
    assert [job.chat_id for job in bot.queue.pending_digests()] == [-200]
    bot.close()


def test_digest_now_reports_news_once_then_nothing_new(tmp_path: Path, clock: Clock) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    bot.bot = bot.application.bot = CommandBot({})
    title = bot.add_story(-100, 4)
    assert title in command(bot, -100, "private", 8)
    assert "Nothing new since Mon 1 Jul, 06:00 UTC" in command(bot, -100, "private", 8)
    bot.close()


def test_an_empty_slot_is_told_once_in_chats_and_never_in_channels(
    tmp_path: Path, clock: Clock
) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    kinds = {5: "private", -300: "group", -100: "channel"}
    for chat_id, kind in kinds.items():
        save_schedule(bot.store, daily(chat_id, "09:00", "UTC"), clock.now)
        bot.store.chat(chat_id).change_setting(CHAT_TYPE_SETTING, kind)
    bot.start()

    def told() -> dict[int, int]:
        return {
            c: [t for c2, t in bot.bot.sent if c2 == c].count(handlers.NOTHING_NEW) for c in kinds
        }

    for day in ("2024-07-01", "2024-07-02"):  # two empty mornings: told the first time only
        clock.now = utc(f"{day}T09:00:00")
        assert bot.run_due() == 3
    assert told() == {5: 1, -300: 1, -100: 0}

    title = bot.add_story(5, 0)  # news: a digest, and the next empty slot is told again
    clock.now = utc("2024-07-03T09:00:00")
    bot.run_due()
    assert any(c == 5 and title in t for c, t in bot.bot.sent)
    clock.now = utc("2024-07-04T09:00:00")
    bot.run_due()
    assert told() == {5: 2, -300: 1, -100: 0}
    bot.close()


def test_an_on_demand_digest_never_changes_what_the_schedule_sends(
    tmp_path: Path, clock: Clock
) -> None:
    bot = Bot(tmp_path / "bot.db", clock)
    bot.bot = bot.application.bot = CommandBot({-100: {7}})
    save_schedule(bot.store, daily(-100, "09:00", BERLIN), clock.now)
    title = bot.add_story(-100, 4)
    bot.start()
    # A member (not an admin) asks for a digest before the scheduled one.
    assert title in command(bot, -100, "group", 8)
    assert "Nothing new since" in command(bot, -100, "group", 8)
    bot.bot.sent.clear()
    clock.now = utc("2024-07-01T07:00:00")  # 09:00 CEST: the scheduled digest
    assert bot.run_due() == 1
    [(chat_id, text)] = bot.bot.sent
    assert chat_id == -100 and title in text, "the scheduled digest still has the story"
    # After the scheduled digest, an on-demand one starts from it.
    assert "Nothing new since" in command(bot, -100, "group", 8)
    bot.close()
