"""Updates from one chat are handled one at a time, in arrival order; chats run side by side.

Without this, two commands sent in quick succession (``/reminder 21:00`` then ``/forget``) race:
the store ends up right, but the replies can arrive in the other order and a confirmation can
contradict what is stored. Updates are handed over in arrival order, and each chat's lock is
taken before one of the ``max_concurrent_updates`` working slots, so a person who sends ten
messages at once waits on themself without holding the slots other chats need. (The library's
own limit applies before ``do_process_update``, so it is set to ``MAX_UPDATES_IN_HAND``, a bound
on waiting updates rather than on work.)
"""

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _chat_key(update: object) -> int | None:
    """The conversation an update belongs to: its chat, or its user (inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


MAX_UPDATES_IN_HAND = 1024


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(MAX_UPDATES_IN_HAND)
        self._working = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._working:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._working:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to release: a lock lives only while its chat has updates in hand."""
