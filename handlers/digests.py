"""/digest, /follow, /unfollow and /feeds, and the jobs that send digests and poll feeds.

Schedules live in the database; jobs are only the in-memory alarm clock. At start-up
``register_jobs`` sets one alarm per schedule from the database (sending a missed digest once,
straight away) and a repeating feed poll. Each digest job, when it fires, sets the next alarm
from the schedule's local wall time, so DST changes never shift it. What a digest is, and the
rule that it goes out at most once, are the digest service's (bot/services/digest_service.py):
here the job makes one service call and renders and sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.messages import (
    ADMINS_ONLY,
    ASK_IN_A_GROUP,
    DIGESTS_OFF,
    FOLLOW_USAGE,
    NO_DIGEST_SCHEDULED,
    NO_SUCH_FEED,
    NOTHING_NEW,
    OWN_STORIES,
    UNFOLLOW_USAGE,
    admins_of_both,
    cannot_see_chat,
    say,
    stopped_following,
    stories_from,
)
from bot.services.digest_service import (
    ChatGone,
    DeliveryFailed,
    Outcome,
)
from bot.services.digests import Digest
from bot.services.schedules import Schedule, ScheduleError, next_run, parse_utc
from handlers.bot_data import Context
from handlers.permissions import is_admin
from handlers.render import (
    feed_notice_text,
    feeds_reply,
    follow_text,
    format_digest,
    schedule_set_text,
    schedule_status_text,
    text_reply,
)
from handlers.replying import (
    in_save_pool,
    in_save_worker,
    send,
    send_message_reliably,
    show_typing,
)

log = logging.getLogger(__name__)

FEED_POLL_SECONDS = 60
# Late alarms still run (a busy loop, a start-up burst) and a backlog runs once, not per slot.
_JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True}


# -- the clock and shared objects ----------------------------------------------------------


async def may_change(update: Update, context: Context) -> bool:
    """Private chats: yes. Channels: whoever posts is an admin. Groups: admins only."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.CHANNEL:
        return True
    return await is_admin(update, context)


# -- /digest ---------------------------------------------------------------------------------


async def digest_command(update: Update, context: Context) -> None:
    """/digest [daily HH:MM [Zone] | weekly DAY HH:MM [Zone] | off | status | from @channel]."""
    chat = update.effective_chat
    if chat is None:
        return
    digests = context.application.bot_data.digests
    try:
        command = await asyncio.to_thread(digests.parse_command, list(context.args or []), chat.id)
    except ScheduleError as error:
        await send(update, context, text_reply(say(error)))
        return
    now = context.application.bot_data.clock()
    if command.action == "now":

        async def deliver(digest: Digest, zone: str) -> None:
            nothing_went_out = False

            def none_went_out() -> None:
                nonlocal nothing_went_out
                nothing_went_out = True

            try:
                await send(update, context, format_digest(digest, zone), undo=none_went_out)
            except TelegramError as error:
                raise DeliveryFailed(nothing_went_out) from error

        await show_typing(update, context)
        try:
            await digests.send_on_demand(chat.id, now, deliver)
        except DeliveryFailed as failed:
            raise failed.__cause__ from None  # the error handler tells the chat, as for any reply
        return
    if command.action == "status":
        status = await asyncio.to_thread(digests.status, chat.id, now)
        await send(update, context, text_reply(schedule_status_text(status)))
        return
    if not await may_change(update, context):
        await send(update, context, text_reply(ADMINS_ONLY))
        return
    if command.action == "off":
        removed = await asyncio.to_thread(digests.turn_off, chat.id)
        cancel_job(context.application, chat.id)
        text = DIGESTS_OFF if removed else NO_DIGEST_SCHEDULED
        await send(update, context, text_reply(text))
    elif command.action == "set" and command.schedule is not None:
        stored = await asyncio.to_thread(
            digests.set_schedule,
            command.schedule,
            chat.type,
            now,
            command.zone_defaulted,
        )
        schedule_job(context.application, stored.schedule, now)
        await send(update, context, text_reply(schedule_set_text(stored)))
    elif command.action == "from" and command.source is not None:
        await _set_source(update, context, command.source)


async def _set_source(update: Update, context: Context, which: str) -> None:
    """/digest from @channel: digests here are made from that chat's stories (admins of both)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    digests = context.application.bot_data.digests
    if which.lower() in ("here", "off", "none", "this"):
        await asyncio.to_thread(digests.use_own_stories, chat.id)
        await send(update, context, text_reply(OWN_STORIES))
        return
    if user is None:
        await send(update, context, text_reply(ASK_IN_A_GROUP))
        return
    source_id = await _resolve_chat(context, which)
    if source_id is None:
        await send(update, context, text_reply(cannot_see_chat(which)))
        return
    if not await _is_admin_of(context, source_id, user.id):
        await send(update, context, text_reply(admins_of_both(which)))
        return
    await asyncio.to_thread(digests.use_source, chat.id, source_id)
    await send(update, context, text_reply(stories_from(which)))


async def _resolve_chat(context: Context, which: str) -> int | None:
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


async def _is_admin_of(context: Context, chat_id: int, user_id: int) -> bool:
    """Whether the user administers that chat, by getChatMember (no if the bot can't ask)."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


# -- feeds -----------------------------------------------------------------------------------


async def follow_command(update: Update, context: Context) -> None:
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
    feeds = context.application.bot_data.feeds
    now = context.application.bot_data.clock()
    result = await in_save_worker(update, context, feeds.follow, chat.id, context.args[0], now)
    await send(update, context, text_reply(follow_text(result)))


async def unfollow_command(update: Update, context: Context) -> None:
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
    feeds = context.application.bot_data.feeds
    removed = await asyncio.to_thread(feeds.unfollow, chat.id, context.args[0])
    text = stopped_following(removed.name) if removed else NO_SUCH_FEED
    await send(update, context, text_reply(text))


async def feeds_command(update: Update, context: Context) -> None:
    """/feeds: the feeds this chat follows."""
    chat = update.effective_chat
    if chat is None:
        return
    feeds = await asyncio.to_thread(context.application.bot_data.feeds.feeds, chat.id)
    await send(update, context, feeds_reply(feeds))


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
        data={"slot": when.isoformat()},
        name=job_name(schedule.chat_id),
        chat_id=schedule.chat_id,
        job_kwargs=dict(_JOB_OPTIONS),
    )
    return when


def register_jobs(application: Application) -> None:
    """At start-up: an alarm per stored schedule (missed digests sent once, now) and the poll."""
    now = application.bot_data.clock()
    for schedule, missed in application.bot_data.digests.alarms_at_start(now):
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


async def send_scheduled_digest(context: Context) -> None:
    """A digest alarm: one call to the digest service (which sends the chat's digest, if there
    is news, at most once), then the next alarm."""
    application = context.application
    job = context.job
    assert job is not None and job.chat_id is not None
    chat_id = job.chat_id

    async def deliver(digest: Digest, zone: str) -> None:
        went_out = 0
        try:
            for message in format_digest(digest, zone).messages:
                await send_message_reliably(
                    context.bot, chat_id, message, disable_web_page_preview=True
                )
                went_out += 1
        except Forbidden as error:
            raise ChatGone from error
        except TelegramError as error:
            raise DeliveryFailed(nothing_went_out=not went_out) from error

    # An alarm never counts as earlier than its slot, so a clock a little fast can't resend it.
    now = max(application.bot_data.clock(), parse_utc(job.data["slot"]))
    run = await application.bot_data.digests.send_scheduled(chat_id, now, deliver)
    if run.outcome is Outcome.CHAT_GONE:
        log.warning("bot can't post in chat %s any more; dropping its digest schedule", chat_id)
    elif run.outcome is Outcome.CUT_SHORT:
        log.error("the digest to chat %s was cut short", chat_id, exc_info=_cause(run.error))
    elif run.outcome is Outcome.NOT_SENT:
        log.error(
            "sending the digest to chat %s failed; trying at the next slot",
            chat_id,
            exc_info=_cause(run.error),
        )
    if run.schedule is not None:
        schedule_job(application, run.schedule, now)
    if run.tell_nothing_new:
        with contextlib.suppress(TelegramError):  # a courtesy: the schedule goes on regardless
            await send_message_reliably(context.bot, chat_id, NOTHING_NEW)


def _cause(error: BaseException | None) -> BaseException | None:
    """The edge's own error behind a failed delivery, for the log's traceback."""
    return error.__cause__ if error is not None and error.__cause__ is not None else error


async def poll_feeds(context: Context) -> None:
    """The repeating feed poll: fetch due feeds and pass on what a chat should hear."""
    application = context.application
    results = await in_save_pool(application.bot_data.feeds.poll_due, application.bot_data.clock())
    for result in results:
        notice = feed_notice_text(result)
        if notice:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(result.feed.chat_id, notice)
