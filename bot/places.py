"""Places for updates at work, handed out by urgency: a press before a message.

A press keeps a spinner turning on someone's phone until it is answered, and Telegram
gives up on the answer after a few seconds; a message has no such deadline. So when all
places are taken, the next one freed goes to the press that has waited longest, and only
when no press waits to the message that has. Two thousand newcomers sending /start at
once then wait behind a member's check-in press instead of the other way round; they are
still answered in the order they wrote.

Who waits here is only ever the head of one person's queue (``bot/updates.py``): one
person's backlog stands outside, so a burst takes at most one place.
"""

from __future__ import annotations

import asyncio
from collections import deque

from telegram import Update

PRESS, MESSAGE = 0, 1  # urgency: lower first


def urgency(update: object) -> int:
    if isinstance(update, Update) and update.callback_query is not None:
        return PRESS
    return MESSAGE


class Places:
    """A semaphore whose waiters are served by urgency, first come first served within
    one urgency."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    async def acquire(self, rank: int = MESSAGE) -> None:
        if self._free > 0 and not any(self._waiting):
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[rank].append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed over just as the waiter was cancelled
            elif turn in self._waiting[rank]:  # release() may have dropped it already
                self._waiting[rank].remove(turn)
            raise

    def release(self) -> None:
        for queue in self._waiting:
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._free += 1
