"""Updates of different people run side by side; one person's updates run in order.

PTB either processes updates one at a time or all concurrently. One at a time leaves the
bot waiting on SQLite and HTTP round trips while a whole group presses "check in";
all concurrently lets one person's double press race itself through a form. This
processor gives each Telegram user a lock: different users overlap, and one user's
updates still run one after another, in the order they arrived.

The limit on updates at once (``ZHIBU_CONCURRENT_UPDATES``) is on updates *working*: an
update waiting for the same person's earlier one does not hold a place, and one waiting
for Telegram's pace (a second message to the same chat must wait a second) lends its
place to others meanwhile (:func:`lend_place`), so one person's multi-message answer
never holds up everyone else. A free place goes to a waiting press before a waiting message
(``bot/places.py``), and a person sending faster than anyone types is cut short on arrival
(``bot/throttle.py``), before their update queues at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.journal import Journal
from bot.places import MESSAGE, Places, urgency
from bot.throttle import Throttle

MAX_CONCURRENT_UPDATES = 4  # the default of ZHIBU_CONCURRENT_UPDATES
#: What the bot asks Telegram for, polling or by webhook alike. ``chat_member`` (people
#: joining and leaving a group) comes only when asked for by name, and only from groups
#: where the bot is an administrator (bot/group_members.py).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]
UNLIMITED = 1 << 16


class _Place:
    """One update's place among those working at once; given back and taken again."""

    def __init__(self, places: Places, rank: int = MESSAGE) -> None:
        self.places = places
        self.rank = rank
        self.held = False

    async def take(self) -> None:
        await self.places.acquire(self.rank)
        self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self.places.release()


_place: ContextVar[_Place | None] = ContextVar("zhibu_update_place", default=None)


@contextlib.asynccontextmanager
async def lend_place() -> AsyncIterator[None]:
    """Around a wait that is not work (Telegram's pace): the running update's place goes
    to another update meanwhile and is taken back after."""
    place = _place.get()
    if place is None or not place.held:
        yield
        return
    place.give()
    try:
        yield
    finally:
        await place.take()


def _who(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return 0


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        # PTB's own limit would take a place before the person's turn and could not lend
        # it: it is left wide, and the places here are the limit.
        super().__init__(UNLIMITED)
        self._places = Places(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self.journal: Journal | None = None  # set by build_application
        self.throttle: Throttle | None = None  # set by build_application
        self._marks: dict[int, asyncio.Future[None]] = {}  # each person's unwritten mark

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        journal = self.journal
        if journal is not None and journal.is_repeat(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        throttle = self.throttle
        if (
            throttle is not None
            and not (journal is not None and journal.is_replay(update))
            and not throttle.admit(update)
        ):
            # Dropped on arrival: it never queues behind the person's earlier updates nor
            # takes a place, so a script's thousands of presses cost next to nothing.
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            if journal is not None:
                journal.finished(update)
            return
        await self._in_turn(update, coroutine)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run it when this person's earlier updates are done — including their mark in
        the journal, so an update is only ever handled again after a crash if none of the
        same person's later updates has started."""
        journal = self.journal
        key = _who(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                earlier = self._marks.pop(key, None)
                if earlier is not None:
                    await asyncio.shield(earlier)
                place = _Place(self._places, urgency(update))
                await place.take()
                token = _place.set(place)
                try:
                    await coroutine
                except Exception:
                    # A handler that failed would fail again: done, so it does not return.
                    self._mark(journal, key, update)
                    raise
                finally:
                    _place.reset(token)
                    place.give()
                # Not on cancellation (shutdown): an update cut short comes back at start-up.
                self._mark(journal, key, update)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def _mark(self, journal: Journal | None, key: int, update: object) -> None:
        written = journal.finished(update) if journal is not None else None
        if written is None or written.done():
            return
        self._marks[key] = written
        written.add_done_callback(
            lambda done: self._marks.pop(key, None) if self._marks.get(key) is done else None
        )

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
