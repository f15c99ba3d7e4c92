"""/digest, /follow, /unfollow and /feeds, and the jobs that send digests and poll feeds.

Schedules live in the database; jobs are only the in-memory alarm clock. At start-up
``register_jobs`` sets one alarm per schedule from the database (sending a missed digest once,
straight away) and a repeating feed poll. Each digest job, when it fires, sets the next alarm
from the schedule's local wall time, so DST changes never shift it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.messages import excerpt
from bot.services.digests import SOURCE_SETTING, chat_digest, digest_source
from bot.services.feeds import FeedFollower
from bot.services.schedules import (
    TIMEZONE_SETTING,
    ScheduleError,
    default_zone_of,
    first_period_start,
    missed_run,
    next_run,
    parse_digest_args,
    parse_utc,
    schedule_confirmation,
    schedule_status,
)
from bot.services.stories import StoryService
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
from handlers.browsing import ADMINS_ONLY, is_admin
from handlers.render import Block, Reply, format_digest, render, text_reply
from handlers.replying import (
    in_save_pool,
    in_save_worker,
    in_worker,
    send,
    send_message_reliably,
    service,
)

log = logging.getLogger(__name__)

FEED_POLL_SECONDS = 60
FOLLOW_USAGE = "Usage: /follow URL — an RSS or Atom feed (or a site that links to one)"
UNFOLLOW_USAGE = "Usage: /unfollow ID or URL — see /feeds for the numbers"
# The kind of chat a schedule was set in ("private", "group", …): a channel is never told
# that a slot had nothing new; people in a chat are, once (see send_scheduled_digest).
CHAT_TYPE_SETTING = "digest_chat_type"
# Set once an empty slot was reported; cleared by the next digest that has news.
TOLD_NOTHING_NEW_SETTING = "digest_told_nothing_new"
NOTHING_NEW = (
    "No digest this time: nothing new since the last one. "
    "I'll stay quiet until there is news (/digest status shows the schedule)."
)
# Late alarms still run (a busy loop, a start-up burst) and a backlog runs once, not per slot.
_JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True}


# -- the clock and shared objects ----------------------------------------------------------


def utc_now() -> datetime:
    """The real time now, in UTC."""
    return datetime.now(UTC)


def clock(application: Application) -> Callable[[], datetime]:
    """The application's clock: ``bot_data["clock"]`` when a test sets one, else real time."""
    return application.bot_data.get("clock", utc_now)


def store_of(application: Application) -> Store:
    """The store behind the application's story service."""
    story_service: StoryService = application.bot_data["service"]
    return story_service.store


def follower(application: Application) -> FeedFollower:
    """The feed follower, made once per application over the service's store and ingestor."""
    if "feeds" not in application.bot_data:
        story_service: StoryService = application.bot_data["service"]
        application.bot_data["feeds"] = FeedFollower(story_service.store, story_service.ingestor)
    return application.bot_data["feeds"]


def chat_zone(store: Store, chat_id: int) -> str:
    """The chat's time zone setting if valid, else UTC."""
    return default_zone_of(store.chat(chat_id).setting(TIMEZONE_SETTING))


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats: yes. Channels: whoever posts is an admin. Groups: admins only."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.CHANNEL:
        return True
    return await is_admin(update, context)


# -- /digest ---------------------------------------------------------------------------------


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest [daily HH:MM [Zone] | weekly DAY HH:MM [Zone] | off | status | from @channel]."""
    chat = update.effective_chat
    if chat is None:
        return
    store = service(context).store
    try:
        command = parse_digest_args(list(context.args or []), chat.id, chat_zone(store, chat.id))
    except ScheduleError as error:
        await send(update, context, text_reply(str(error)))
        return
    now = clock(context.application)()
    if command.action == "now":
        # Marked as shown before it goes out (a crash mid-send doesn't show it again);
        # unmarked if it surely never arrived. Only the on-demand mark moves: the schedule's
        # next digest still covers these stories.
        before = on_demand_mark(store, chat.id)
        reply = await in_worker(update, context, digest_now, store, chat.id, now)
        await send(update, context, reply, undo=lambda: set_on_demand_mark(store, chat.id, before))
        return
    if command.action == "status":
        await send(update, context, text_reply(schedule_status(schedule_for(store, chat.id), now)))
        return
    if not await may_change(update, context):
        await send(update, context, text_reply(ADMINS_ONLY))
        return
    if command.action == "off":
        removed = clear_schedule(store, chat.id)
        cancel_job(context.application, chat.id)
        text = "Scheduled digests are off." if removed else "No digest was scheduled here."
        await send(update, context, text_reply(text))
    elif command.action == "set" and command.schedule is not None:
        source = digest_source(store, chat.id)
        schedule = replace(
            command.schedule, source_chat_id=None if source == chat.id else source, created_at=None
        )
        saved = save_schedule(store, schedule, now)
        store.chat(chat.id).change_setting(CHAT_TYPE_SETTING, chat.type)
        schedule_job(context.application, saved, now)
        reply = schedule_confirmation(saved, now, command.zone_defaulted)
        await send(update, context, text_reply(reply))
    elif command.action == "from" and command.source is not None:
        await _set_source(update, context, command.source)


def digest_now(store: Store, chat_id: int, now: datetime | None = None) -> Reply:
    """Build the chat's on-demand digest, remember it was shown (apart from the schedule's
    mark), and format it in the chat's zone."""
    digest = chat_digest(store, chat_id, now=now, since=on_demand_start(store, chat_id))
    if digest.items:
        set_on_demand_mark(store, chat_id, digest.until)
    return format_digest(digest, chat_zone(store, chat_id))


async def _set_source(update: Update, context: ContextTypes.DEFAULT_TYPE, which: str) -> None:
    """/digest from @channel: digests here are made from that chat's stories (admins of both)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    store = service(context).store
    if which.lower() in ("here", "off", "none", "this"):
        store.chat(chat.id).change_setting(SOURCE_SETTING, str(chat.id))
        set_source(store, chat.id, None)
        await send(update, context, text_reply("Digests here are made from this chat's stories."))
        return
    if user is None:
        await send(update, context, text_reply("Ask in a group, as an admin of both chats."))
        return
    source_id = await _resolve_chat(context, which)
    if source_id is None:
        await send(
            update,
            context,
            text_reply(
                f"I can't see {excerpt(which)}. Add me to it (as an admin, for a channel) first."
            ),
        )
        return
    if not await _is_admin_of(context, source_id, user.id):
        await send(
            update, context, text_reply(f"Only admins of {excerpt(which)} and of this chat can.")
        )
        return
    store.chat(source_id).ensure_exists("channel")
    store.chat(chat.id).change_setting(SOURCE_SETTING, str(source_id))
    set_source(store, chat.id, source_id)
    await send(update, context, text_reply(f"Digests here are now made from {which}'s stories."))


async def _resolve_chat(context: ContextTypes.DEFAULT_TYPE, which: str) -> int | None:
    """A chat id from '@username' or a numeric id, if the bot can see that chat."""
    # ASCII digits only: '²' passes str.isdigit() but int() rejects it.
    if re.fullmatch(r"-?[0-9]{1,19}", which):
        return int(which)
    if not which.startswith("@"):
        return None
    try:
        return (await context.bot.get_chat(which)).id
    except TelegramError:
        return None


async def _is_admin_of(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Whether the user administers that chat, by getChatMember (no if the bot can't ask)."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


# -- feeds -----------------------------------------------------------------------------------


async def follow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/follow URL: store the feed's new items as stories here."""
    chat = update.effective_chat
    if chat is None:
        return
    if len(context.args or []) != 1:
        await send(update, context, text_reply(FOLLOW_USAGE))
        return
    if not await may_change(update, context):
        await send(update, context, text_reply(ADMINS_ONLY))
        return
    feeds = follower(context.application)
    now = clock(context.application)()
    result = await in_save_worker(update, context, feeds.follow, chat.id, context.args[0], now)
    await send(update, context, text_reply(result.message))


async def unfollow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unfollow ID|URL: stop following a feed."""
    chat = update.effective_chat
    if chat is None:
        return
    if len(context.args or []) != 1:
        await send(update, context, text_reply(UNFOLLOW_USAGE))
        return
    if not await may_change(update, context):
        await send(update, context, text_reply(ADMINS_ONLY))
        return
    removed = follower(context.application).unfollow(chat.id, context.args[0])
    text = f"Stopped following “{removed.name}”." if removed else "This chat follows no such feed."
    await send(update, context, text_reply(text))


async def feeds_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds: the feeds this chat follows."""
    chat = update.effective_chat
    if chat is None:
        return
    feeds = follower(context.application).feeds(chat.id)
    if not feeds:
        await send(update, context, text_reply("This chat follows no feeds. " + FOLLOW_USAGE))
        return
    blocks = [Block(f"Feeds followed here ({len(feeds)})", "b")]
    for feed in feeds:
        line = f"#{feed.id} {feed.name}"
        if feed.title:
            line += f" — {feed.url}"
        if feed.failures:
            line += f" (failing: {feed.last_error})"
        blocks.append(Block(line))
    await send(update, context, render(blocks))


# -- jobs ------------------------------------------------------------------------------------


def job_name(chat_id: int) -> str:
    """The name of the chat's digest job, to find and cancel it by."""
    return f"digest:{chat_id}"


def cancel_job(application: Application, chat_id: int) -> None:
    """Drop the chat's pending digest alarm, if any."""
    for job in application.job_queue.get_jobs_by_name(job_name(chat_id)):
        job.schedule_removal()


def schedule_job(
    application: Application, schedule: Schedule, now: datetime, *, missed: bool = False
) -> datetime:
    """Set the chat's one digest alarm: its next run, or right away for a missed run."""
    cancel_job(application, schedule.chat_id)
    when = now if missed else next_run(schedule, now)
    application.job_queue.run_once(
        send_scheduled_digest,
        when=max(when - now, timedelta(0)),
        data={"chat_id": schedule.chat_id, "slot": when.isoformat()},
        name=job_name(schedule.chat_id),
        chat_id=schedule.chat_id,
        job_kwargs=dict(_JOB_OPTIONS),
    )
    return when


def register_jobs(application: Application) -> None:
    """At start-up: an alarm per stored schedule (missed digests sent once, now) and the poll."""
    store = store_of(application)
    now = clock(application)()
    for schedule in all_schedules(store):
        missed = missed_run(schedule, now)
        if missed:
            log.info("digest for chat %s was missed while down; sending it now", schedule.chat_id)
        schedule_job(application, schedule, now, missed=missed)
    application.job_queue.run_repeating(
        poll_feeds,
        interval=FEED_POLL_SECONDS,
        first=5,
        name="feeds",
        job_kwargs=dict(_JOB_OPTIONS),
    )


async def post_init(application: Application) -> None:
    """An Application post_init hook: register the digest and feed jobs."""
    register_jobs(application)


async def send_scheduled_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A digest alarm: send the chat's digest (if there is news), then set the next alarm.

    At most once: the digest is marked as sent before it goes out, so a crash or kill while
    it is being sent never sends it again after a restart (its stories are not repeated in
    the next digest either). Only when its first message surely did not arrive is the mark
    taken back, and the next slot covers those stories.
    """
    application = context.application
    data = context.job.data if context.job else {}
    chat_id = int(data["chat_id"])
    store = store_of(application)
    schedule = schedule_for(store, chat_id)
    if schedule is None:
        return  # turned off after the alarm was set
    # An alarm never counts as earlier than its slot, so a clock a little fast can't resend it.
    now = max(clock(application)(), parse_utc(data["slot"]))
    since = last_digest_at(store, chat_id) or iso_utc(first_period_start(schedule, now))
    digest = await asyncio.to_thread(chat_digest, store, chat_id, now=now, since=since)
    if not digest.items:
        record_run(store, chat_id, now)
        schedule_job(application, schedule, now)
        await _tell_nothing_new_once(context, store, chat_id)
        return
    store.chat(chat_id).change_setting(TOLD_NOTHING_NEW_SETTING, "")
    before = sent_marks(store, chat_id)
    mark_sent(store, chat_id, parse_utc(digest.until))
    went_out = 0
    try:
        for message in format_digest(digest, schedule.timezone).messages:
            await send_message_reliably(
                context.bot, chat_id, message, disable_web_page_preview=True
            )
            went_out += 1
    except Forbidden:
        # Removed from the chat: nobody can read the digests, so the schedule goes too.
        log.warning("bot can't post in chat %s any more; dropping its digest schedule", chat_id)
        clear_schedule(store, chat_id)
        return
    except TelegramError:
        if went_out:
            log.exception("the digest to chat %s was cut short after %d part(s)", chat_id, went_out)
        else:
            restore_marks(store, chat_id, before)
            log.exception("sending the digest to chat %s failed; trying at the next slot", chat_id)
    schedule_job(application, schedule, now)


async def _tell_nothing_new_once(
    context: ContextTypes.DEFAULT_TYPE, store: Store, chat_id: int
) -> None:
    """An empty slot: in a private chat or a group, say so the first time (a schedule that
    stays silent looks broken); a channel's readers need no such post. Chats whose schedule
    predates the recorded chat type stay silent, as before."""
    chat = store.chat(chat_id)
    kind = chat.setting(CHAT_TYPE_SETTING)
    if kind not in (ChatType.PRIVATE, ChatType.GROUP, ChatType.SUPERGROUP):
        return
    if chat.setting(TOLD_NOTHING_NEW_SETTING):
        return
    chat.change_setting(TOLD_NOTHING_NEW_SETTING, "yes")
    with contextlib.suppress(TelegramError):  # a courtesy: the schedule goes on regardless
        await send_message_reliably(context.bot, chat_id, NOTHING_NEW)


async def poll_feeds(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating feed poll: fetch due feeds and pass on what a chat should hear."""
    application = context.application
    results = await in_save_pool(follower(application).poll_due, clock(application)())
    for result in results:
        if result.message:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(result.feed.chat_id, result.message)
