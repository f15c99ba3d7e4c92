"""The Telegram application: every handler wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.rate_limits import LIGHT_COST, TOO_FAST, RateLimiter
from bot.services import StoryService, looks_like_question
from db.update_journal import UpdateJournal
from handlers import browsing, digests, errors, help, questions, settings, stories, summaries
from handlers.private_commands import PrivateChatCommandHandler
from handlers.replying import ReliableBot, send_message_reliably

T = TypeVar("T")

log = logging.getLogger(__name__)

# An update whose handling began this many times without finishing is given up at start-up:
# it probably kills the bot (memory, a crash in a library), and replaying it forever would be
# a crash loop.
MAX_ATTEMPTS = 3
# Finished journal entries are pruned at start-up and after this many more updates.
PRUNE_EVERY = 1_000


class JournaledUpdates:
    """The update journal (db/update_journal.py) tied into python-telegram-bot.

    * Arrival: ``JournaledQueue.put`` writes each update before it is queued. PTB's Updater
      awaits that for every update of a batch before it moves its offset on (the next
      getUpdates is what confirms the batch to Telegram), and the webhook answers Telegram only
      after it; so no update is confirmed before it is in the journal. An update already in the
      journal (Telegram offering it again because a confirmation was lost) is dropped there.
    * Handling: ``PerChatUpdateProcessor`` marks it started, and finished once
      ``Application.process_update`` returns (every handler done, any error reported).
    * Start-up (``replay``): what the last run received and never finished is queued before
      anything new, in order of arrival, so each chat sees its updates in order.

    Journal calls run on one thread of their own, in order, so they never wait behind the
    language work in the default executor. If the journal can't be written (disk full, file
    read-only), updates are handled without it, and the log says so once.

    What that guarantees: every update Telegram delivered is handled at least once, whatever
    moment the process is killed at (SIGKILL, OOM, a crash; not an OS crash or power cut, as
    the journal is written with synchronous=NORMAL like the stories). An update is handled
    twice only if the kill falls between the end of its handlers and the journal's mark, a
    few milliseconds: at most one update per chat, since a chat's next update waits for the
    mark. Ingest makes that harmless for stories: one is stored once per chat and message,
    and the repeat answers "Already saved here as story #N"; other replies (a /summary, an
    answer) would be sent again. Digests don't go through here: they are at most once
    (handlers/digests.py). An update given up after MAX_ATTEMPTS is logged, not handled.
    """

    def __init__(
        self, journal: UpdateJournal, *, admits: Callable[[int], bool] = lambda _: True
    ) -> None:
        self.journal = journal
        self.admits = admits  # the allow-list: other chats' updates are not written down
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="update-journal")
        self._seqs: dict[int, int] = {}  # id(update) → journal seq, while it is handled
        self._finished = 0
        self._failing = False

    async def _call(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    async def _write(self, work: Callable[..., T], *args: Any) -> T | None:
        """A journal write; None (and one log line per failing spell) when it fails."""
        try:
            result = await self._call(work, *args)
        except sqlite3.Error as error:
            if not self._failing:
                log.error(
                    "UPDATE JOURNAL: can't write to the database (%s); updates are handled "
                    "without the journal, so a crash now loses those received and not handled",
                    error,
                )
            self._failing = True
            return None
        if self._failing:
            log.warning("update journal: writing again")
            self._failing = False
        return result

    async def admit(self, update: Update) -> bool:
        """Journal a newly received update; False if it was received before (not again).
        A chat off the allow-list gets nothing but a drop, which needs no replay, so its
        update (with whatever a stranger sent) is not written at all."""
        chat = update.effective_chat
        if chat is not None and not self.admits(chat.id):
            return True
        try:
            payload = update.to_dict()
        except Exception:  # never lose an update over the journal
            log.exception("update journal: can't serialise update %s", update.update_id)
            return True
        seq = await self._write(self._record, update.update_id, payload, _chat_key(update))
        if seq == 0:
            log.info("update %s was received before: not handled again", update.update_id)
            return False
        if seq is not None:
            self._seqs[id(update)] = seq
        return True

    def _record(self, update_id: int, payload: dict[str, Any], chat_id: int | None) -> int:
        """The journal's seq for a new update, 0 for one recorded before."""
        return self.journal.record(update_id, payload, chat_id=chat_id) or 0

    async def started(self, update: object) -> None:
        seq = self._seqs.get(id(update))
        if seq is not None:
            await self._write(self.journal.start, seq)

    async def finished(self, update: object) -> None:
        seq = self._seqs.pop(id(update), None)
        if seq is None:
            return
        await self._write(self.journal.finish, seq)
        self._finished += 1
        if self._finished % PRUNE_EVERY == 0:
            await self._write(self.journal.prune)

    async def replay(self, application: Application) -> int:
        """Queue the updates the last run received and never finished; how many."""
        await self._write(self.journal.prune)
        entries = await self._call(self.journal.unfinished)
        replayed = 0
        for entry in entries:
            if entry.attempts >= MAX_ATTEMPTS:
                log.error(
                    "update %s (chat %s) began %d times and never finished: the bot probably "
                    "dies handling it, so it is given up",
                    entry.update_id,
                    entry.chat_id,
                    entry.attempts,
                )
                await self._write(self.journal.give_up, entry.seq)
                continue
            try:
                update = Update.de_json(entry.payload, application.bot)
            except Exception:  # a start-up that fails here would fail again: a crash loop
                log.exception("update journal: can't read update %s; given up", entry.update_id)
                await self._write(self.journal.give_up, entry.seq)
                continue
            self._seqs[id(update)] = entry.seq
            # put_nowait: already journaled (JournaledQueue journals only in put).
            application.update_queue.put_nowait(update)
            replayed += 1
        if replayed:
            log.info(
                "update journal: %d update(s) received by the last run were not finished; "
                "handling them first",
                replayed,
            )
        return replayed

    async def close(self) -> None:
        await self._call(self.journal.close)
        self._executor.shutdown(wait=True)


class JournaledQueue(asyncio.Queue):
    """PTB's update queue (the Updater's and the webhook's way in): ``put`` journals each
    update first, and drops one the journal has seen before. ``put_nowait`` does not journal:
    replays go in that way."""

    def __init__(self, journal: JournaledUpdates) -> None:
        super().__init__()
        self.journal = journal

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self.journal.admit(item):
            return
        await super().put(item)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are handled concurrently; one chat's updates one at a time, in order.

    ``concurrent_updates(True)`` runs every update at once, so a quick /list could be answered
    before the story sent just before it. Here each chat has a FIFO lock (updates reach it in
    the order they arrived, and asyncio.Lock wakes waiters in order), and only the update at
    the head of each chat's queue takes one of the ``max_running`` slots, so a chat sending a
    flood can't hold up the others. PTB's own limit is set high: waiting updates cost memory
    only.
    """

    def __init__(
        self,
        max_running: int = 256,
        max_waiting: int = 65_536,
        *,
        journal: JournaledUpdates | None = None,
    ) -> None:
        super().__init__(max_waiting)
        self._max_running = max_running
        self._running = asyncio.BoundedSemaphore(max_running)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}
        self._journal = journal

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._running:
                await self._handle(update, coroutine)
            return
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_users[key] = self._chat_users.get(key, 0) + 1
        try:
            async with lock, self._running:
                await self._handle(update, coroutine)
        finally:
            self._chat_users[key] -= 1
            if not self._chat_users[key]:
                del self._chat_users[key], self._chat_locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run the update's handlers, journaled as started and then finished. The finish is
        written inside the chat's lock, so the chat's next update waits for it: a kill can
        only repeat the update whose reply went out last, never one before it."""
        if self._journal is None:
            await coroutine
            return
        await self._journal.started(update)
        await coroutine  # process_update: handler errors go to the error handler, not here
        await self._journal.finished(update)

    async def initialize(self) -> None:
        # A fresh semaphore for this event loop (an application may be run more than once).
        self._running = asyncio.BoundedSemaphore(self._max_running)

    async def shutdown(self) -> None:
        return None


def _chat_key(update: object) -> int | None:
    """The chat an update belongs to (the user's id for chat-less updates), if any."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def build_application(
    settings: Settings,
    service: StoryService | None = None,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    journal: UpdateJournal | None = None,
) -> Application:
    """An Application with rate limiting, HTML defaults and concurrent updates (in order
    within each chat); with ``journal``, every update received is journaled until handled."""
    journaled = (
        JournaledUpdates(journal, admits=settings.chat_allowed) if journal is not None else None
    )
    builder = (
        ApplicationBuilder()
        .bot(_bot(settings, token, request))
        .concurrent_updates(PerChatUpdateProcessor(journal=journaled))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if journaled is not None:
        builder = builder.update_queue(JournaledQueue(journaled))
    application = builder.build()
    application.bot_data["service"] = service or StoryService.from_settings(settings)
    application.bot_data["settings"] = settings
    application.bot_data["rate_limiter"] = RateLimiter()
    application.bot_data["journal"] = journaled
    install_token_filter(token or settings.token)
    add_handlers(application)
    return application


def _bot(settings: Settings, token: str | None, request: BaseRequest | None) -> ReliableBot:
    """The bot as ApplicationBuilder would make it (same pools and timeouts), as a
    ReliableBot: edits and callback answers retried (handlers/replying.py)."""
    base = (settings.api_base_url or "https://api.telegram.org/bot").rstrip("/")
    return ReliableBot(
        token=token or settings.token or "",
        base_url=base,
        base_file_url=_file_url(base),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=AIORateLimiter(max_retries=5),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
    )


def _file_url(base_url: str) -> str:
    """``http://host/bot`` → ``http://host/file/bot``, as the Bot API lays out file downloads."""
    head, _, tail = base_url.rpartition("/")
    return f"{head}/file/{tail}"


async def _post_init(application: Application) -> None:
    """Before the first poll: queue the unfinished updates of the last run, then commands
    and digest schedules."""
    journaled: JournaledUpdates | None = application.bot_data.get("journal")
    if journaled is not None:
        await journaled.replay(application)
    await _register_commands(application)


async def _post_shutdown(application: Application) -> None:
    journaled: JournaledUpdates | None = application.bot_data.get("journal")
    if journaled is not None:
        await journaled.close()


async def _register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in help.COMMANDS])
    # Schedules live in the database; JobQueue does not persist them, so register them anew.
    digests.register_jobs(application)


async def _only_allowed_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With STORYBOT_ALLOWED_CHATS set, updates from other chats go no further."""
    settings: Settings = context.application.bot_data["settings"]
    chat = update.effective_chat
    if chat is not None and not settings.chat_allowed(chat.id):
        raise ApplicationHandlerStop


async def _rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A user sending too fast is told once, and the rest of the flood is dropped unread."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:  # channel posts: only the channel's admins can post
        return
    limiter: RateLimiter | None = context.application.bot_data.get("rate_limiter")
    cost = update_cost(update)
    verdict = limiter.check((chat.id, user.id), cost) if limiter is not None else "allow"
    if verdict == "allow":
        return
    if verdict == "warn":
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                await update.callback_query.answer(TOO_FAST, show_alert=True)
            else:
                await send_message_reliably(context.bot, chat.id, TOO_FAST)
    raise ApplicationHandlerStop


def update_cost(update: Update) -> float:
    """What an update spends of its sender's rate limit: a story costs one token; a command,
    a question or a button press (quick to answer, and what a person tries the bot with)
    costs LIGHT_COST."""
    if update.callback_query is not None:
        return LIGHT_COST
    message = update.message
    if message is None or message.document is not None or message.forward_origin is not None:
        return 1.0  # an edit, a file, a forward: a story to clean and keep
    text = (message.text or message.caption or "").strip()
    return LIGHT_COST if text.startswith("/") or looks_like_question(text) else 1.0


class TokenFilter(logging.Filter):
    """Replaces the bot token in every log record (message, arguments and traceback): httpx
    and some Telegram errors put request URLs, which hold the token, into their messages."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = "<token>"
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, hidden), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, hidden)
        if record.stack_info and self.token in record.stack_info:
            record.stack_info = record.stack_info.replace(self.token, hidden)
        return True


def install_token_filter(token: str | None) -> None:
    """Redact the token in everything the root logger's handlers write (records from every
    logger reach them; a logger's own filters would miss its children's records)."""
    if not token:
        return
    root = logging.getLogger()
    for target in (root, *root.handlers):
        for old in [f for f in target.filters if isinstance(f, TokenFilter)]:
            target.removeFilter(old)
        target.addFilter(TokenFilter(token))


def add_handlers(application: Application) -> None:
    """The single place where updates meet handlers."""
    # Group -2 turns away chats off the allow-list before they count against any limit; group
    # -1 then drops a user's flood. (Only one handler runs per group, so they can't share one.)
    application.add_handler(TypeHandler(Update, _only_allowed_chats), group=-2)
    application.add_handler(TypeHandler(Update, _rate_limit), group=-1)
    commands = {
        "start": help.start,
        "help": help.help_command,
        "summary": summaries.summary_command,
        "facts": summaries.facts_command,
        "ask": questions.ask_command,
        "list": browsing.list_command,
        "search": browsing.search_command,
        "forget": browsing.forget_command,
        "settings": settings.settings_command,
    }
    for name, callback in commands.items():
        application.add_handler(PrivateChatCommandHandler(name, callback))
    # Digest commands also work when posted in a channel the bot administers.
    in_chats_and_channels = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POST
    channel_commands = {
        "digest": digests.digest_command,
        "follow": digests.follow_command,
        "unfollow": digests.unfollow_command,
        "feeds": digests.feeds_command,
    }
    for name, callback in channel_commands.items():
        application.add_handler(
            PrivateChatCommandHandler(name, callback, filters=in_chats_and_channels)
        )
    buttons = {
        r"^(short|long):\d+$": summaries.resize_button,
        r"^facts:\d+$": summaries.facts_button,
        r"^del:\d+$": browsing.delete_button,
        r"^(delok:\d+|delall:yes|cancel:0)$": browsing.confirm_delete_button,
        r"^list:\d+$": browsing.list_button,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, stories.channel_post))
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_CHANNEL_POST, stories.edited_channel_post)
    )
    messages = filters.UpdateType.MESSAGE
    application.add_handler(
        MessageHandler(messages & filters.Document.ALL, stories.receive_document)
    )
    application.add_handler(
        MessageHandler(
            messages & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, stories.receive_text
        )
    )
    application.add_handler(MessageHandler(messages & filters.COMMAND, help.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, stories.edited_message)
    )
    # Media without text and nothing else: service messages (members joining…) need no answer.
    application.add_handler(
        MessageHandler(
            messages & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL,
            help.unusable_message,
        )
    )
    application.add_error_handler(errors.report_error)
