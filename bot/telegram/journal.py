"""The update journal (db/update_journal.py) tied into python-telegram-bot's update queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import (
    Application,
)

from bot.telegram.ordering import chat_key
from db.storage_trouble import DATABASE_ERRORS
from db.update_journal import UpdateJournal

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
        except DATABASE_ERRORS as error:
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
        seq = await self._write(self._record, update.update_id, payload, chat_key(update))
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
