"""A person sending faster than anyone types is slowed down politely.

Each person may send ``limit`` updates in any ``window`` seconds; the first one over is
answered once ("please wait a moment"), the rest are dropped until the window has room
again. Real time, not the organisation's clock: this is about the pace of fingers (or a
script), and it never touches anyone else's updates.

It is asked as each update arrives (:meth:`Throttle.admit`, from ``bot/updates.py``),
before the update waits for the person's earlier ones: what is dropped never queues, so a
script's two thousand presses cost a dictionary look-up each, not a turn each. The one
update that earns the polite answer goes on to the handlers, which send it
(:meth:`Throttle.to_warn`), in the person's language.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Literal

from telegram import Update

Verdict = Literal["ok", "warn", "drop"]


class Throttle:
    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        # Who was asked about, least lately first: the quiet are forgotten from the front,
        # a few at a time, so an update costs the same whether ten or a county's thirty
        # thousand people have written (no sweep over everyone, ever).
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()
        self._warned: set[int] = set()
        self._warn: set[int] = set()  # update ids admitted only to be answered "wait"

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        moment = time.monotonic() if now is None else now
        self._forget_quiet(moment)
        recent = self._seen.get(user_id)
        if recent is None:
            recent = self._seen[user_id] = deque()
        else:
            self._seen.move_to_end(user_id)
        while recent and moment - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(moment)
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def _forget_quiet(self, moment: float) -> None:
        """Forget whoever, at the front, let a whole window pass since their last counted
        update: they would start afresh anyway (their count is empty, their warning over).
        The one at the front was asked about before everyone else, so once the front has
        written within the window everyone remembered has: the memory is who wrote lately."""
        seen = self._seen
        while seen:
            user_id, recent = next(iter(seen.items()))
            if recent and moment - recent[-1] <= self.window:
                return
            del seen[user_id]
            self._warned.discard(user_id)

    def tracked(self) -> int:
        """How many people it remembers (for tests and `zhibu status`-like checks)."""
        return len(self._seen)

    def admit(self, update: object, now: float | None = None) -> bool:
        """On arrival: False if the update is to be dropped unseen. Messages and presses
        count; a bot's, a blocked chat's or a group's service updates do not."""
        if not isinstance(update, Update) or (
            update.message is None and update.callback_query is None
        ):
            return True
        user = update.effective_user
        if user is None or user.is_bot:
            return True
        verdict = self.check(user.id, now)
        if verdict == "warn":
            self._warn.add(update.update_id)
        return verdict != "drop"

    def to_warn(self, update: object) -> bool:
        """Was this update admitted only to tell its person to slow down?"""
        update_id = getattr(update, "update_id", None)
        if update_id in self._warn:
            self._warn.discard(update_id)
            return True
        return False
