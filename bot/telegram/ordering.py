"""Per-chat ordering: chats handled concurrently, each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    BaseUpdateProcessor,
)

if TYPE_CHECKING:
    from bot.telegram.journal import JournaledUpdates


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
        key = chat_key(update)
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


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (the user's id for chat-less updates), if any."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
