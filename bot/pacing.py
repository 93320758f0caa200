"""Telegram's flood limits, kept by one clock that every message of the bot goes through.

Telegram allows about 30 messages a second overall, one a second in a private chat and
twenty a minute in a group; past that it answers 429. Two parts of the bot send: the
handlers, replying to the person who just pressed or typed (through PTB's bot and
:class:`PacingRateLimiter`), and the outbox (``bot/delivery.py``), draining pushes,
notices and reminders. Each alone could keep the limits and together still break them —
a reply and a reminder to the same person in the same second — so both ask one
:class:`Pacer` for every message.

Two rules, both with headroom:

* **Overall**: starts are evenly spaced at ``headroom`` of the ceiling (a sender that
  woke late may use a few missed slots at once), and a start also waits while the
  messages in flight plus those answered in the last second would reach the ceiling.
* **Per chat**: a message to a chat starts only when fewer than the chat's allowance
  (1 for a private chat, 20 for a group) are in flight or were *answered* within the
  chat's window (1 s, 60 s; widened by the headroom). Counting from the answer, not the
  start, is what makes the rule hold on a loaded machine: Telegram receives a message
  after we start it and before we hear back, so two arrivals are always at least a
  window apart, however late the requests travel.

Priority: a person waiting for an answer goes first. Interactive requests wait for their
chat and slot; the outbox only ever *tries* a chat and skips it while someone's reply is
waiting for it, and leaves overall slots to replies that are waiting. A 429 holds that
chat for ``retry_after`` on both paths and pauses the outbox (the cause may be the
overall rate); replies to other chats go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
Idle = Callable[[], contextlib.AbstractAsyncContextManager[None]]
FOREVER = math.inf


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = 30.0  # Telegram: about 30 messages a second overall
    per_chat_seconds: float = 1.0  # … one a second in a private chat
    group_per_minute: int = 20  # … twenty a minute in a group (a minute: 60 times the
    # private chat's second, so tests can scale both)
    headroom: float = 0.95  # aim a little under each ceiling


def counts_as_message(endpoint: str) -> bool:
    """The calls Telegram's flood limits count: anything that puts or changes a message in
    a chat. Answers to button presses, chat actions and lookups are not paced."""
    return (
        endpoint.startswith(("send", "edit", "copyMessage", "forwardMessage"))
        and endpoint != "sendChatAction"
    )


def retry_seconds(error: RetryAfter) -> float:
    delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


@dataclass
class _Chat:
    ends: deque[float]  # when the latest requests were answered
    inflight: int = 0
    hold_until: float = 0.0  # a 429's retry_after
    urgent: int = 0  # replies waiting for this chat
    freed: asyncio.Event = field(default_factory=asyncio.Event)


class Pacer:
    """One per bot process; the clock is real time (``time.monotonic``), because it is
    Telegram's clock that counts, not the organisation's."""

    def __init__(self, limits: PaceLimits | None = None) -> None:
        self.limits = limits or PaceLimits()
        per_second = self.limits.per_second
        self.interval = 1.0 / (per_second * self.limits.headroom)
        self.catch_up = int((1 - self.limits.headroom) * per_second / 2)
        self.ceiling = max(1, int(per_second))
        self._next_slot = 0.0
        self._bulk_paused_until = 0.0
        self._urgent = 0
        self._inflight = 0
        self._ends: deque[float] = deque()
        self._overall_freed = asyncio.Event()
        self._chats: dict[int, _Chat] = {}
        self.stats: dict[str, int] = {"429": 0, "urgent": 0, "bulk": 0}

    # --- per chat ----------------------------------------------------------------------

    def _window(self, chat_id: int) -> tuple[float, int]:
        if chat_id > 0:
            return self.limits.per_chat_seconds / self.limits.headroom, 1
        return (
            60.0 * self.limits.per_chat_seconds / self.limits.headroom,
            max(1, self.limits.group_per_minute),
        )

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) > 10_000:
                self._forget_quiet_chats()
            _, allowance = self._window(chat_id)
            chat = self._chats[chat_id] = _Chat(deque(maxlen=allowance))
        return chat

    def _forget_quiet_chats(self) -> None:
        now = time.monotonic()
        for chat_id, chat in list(self._chats.items()):
            window, _ = self._window(chat_id)
            if (
                not chat.inflight
                and not chat.urgent
                and chat.hold_until <= now
                and all(now - end >= window for end in chat.ends)
            ):
                del self._chats[chat_id]

    def _chat_free_at(self, chat_id: int, chat: _Chat, now: float) -> float:
        window, allowance = self._window(chat_id)
        busy = chat.inflight + sum(1 for end in chat.ends if now - end < window)
        if busy < allowance:
            at = now
        elif chat.inflight >= allowance:
            at = FOREVER
        else:
            recent = [end for end in chat.ends if now - end < window]
            at = recent[busy - allowance] + window
        return max(at, chat.hold_until)

    def try_chat(self, chat_id: int) -> float:
        """For the outbox: 0.0 if the chat is free (and now taken: call :meth:`done`
        when the request is answered), else roughly how long until it may be — at most a
        window while a message is in flight (its answer frees the chat a window later)."""
        chat = self._chat(chat_id)
        now = time.monotonic()
        at = self._chat_free_at(chat_id, chat, now)
        window = self._window(chat_id)[0]
        if chat.urgent:  # someone's reply is waiting for this chat: it goes first
            return max(window if at == FOREVER else max(at - now, window), 1e-3)
        if at > now:  # never 0.0 (that means taken), even for a window of nothing
            return max(window if at == FOREVER else at - now, 1e-3)
        chat.inflight += 1
        return 0.0

    async def wait_chat(self, chat_id: int) -> None:
        """For a reply: wait for the chat's turn, ahead of the outbox."""
        chat = self._chat(chat_id)
        chat.urgent += 1
        try:
            while True:
                now = time.monotonic()
                at = self._chat_free_at(chat_id, chat, now)
                if at <= now:
                    chat.inflight += 1
                    return
                await _sleep_or(chat.freed, None if at == FOREVER else at - now)
        finally:
            chat.urgent -= 1

    def _chat_done(self, chat_id: int, now: float) -> None:
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        chat.inflight = max(0, chat.inflight - 1)
        chat.ends.append(now)
        chat.freed.set()
        chat.freed = asyncio.Event()

    # --- overall -----------------------------------------------------------------------

    def _overall_free_at(self, now: float, urgent: bool) -> float:
        while self._ends and now - self._ends[0] >= 1.0:
            self._ends.popleft()
        at = self._next_slot if urgent else max(self._next_slot, self._bulk_paused_until)
        busy = self._inflight + len(self._ends)
        if busy >= self.ceiling:
            if self._inflight >= self.ceiling:
                return FOREVER
            at = max(at, self._ends[busy - self.ceiling] + 1.0)
        return at

    async def slot(self, *, urgent: bool) -> None:
        """Wait for an overall start slot (call :meth:`done` when answered). Slots are
        evenly spaced; one that woke late may use up to ``catch_up`` missed slots at once,
        so timer jitter does not wear the rate down, while the headroom keeps that small
        burst under the ceiling."""
        if urgent:
            self._urgent += 1
        try:
            while True:
                now = time.monotonic()
                at = self._overall_free_at(now, urgent)
                if at <= now and (urgent or not self._urgent):
                    earliest = now - self.catch_up * self.interval
                    self._next_slot = max(earliest, self._next_slot) + self.interval
                    self._inflight += 1
                    self.stats["urgent" if urgent else "bulk"] += 1
                    return
                if at <= now:  # replies are waiting: the outbox lets them go first
                    await asyncio.sleep(self.interval)
                else:
                    await _sleep_or(self._overall_freed, None if at == FOREVER else at - now)
        finally:
            if urgent:
                self._urgent -= 1

    def done(self, chat_id: int | None, *, started: bool = True) -> None:
        """The request is answered (or failed): the chat's window counts from now.
        ``started=False``: the chat was taken but no slot was (nothing went out)."""
        now = time.monotonic()
        if chat_id is not None:
            self._chat_done(chat_id, now)
        if started:
            self._inflight = max(0, self._inflight - 1)
            self._ends.append(now)
            self._overall_freed.set()
            self._overall_freed = asyncio.Event()

    # --- refusals ----------------------------------------------------------------------

    def refused(self, chat_id: int | None, seconds: float) -> None:
        """A 429: nothing more to that chat for ``seconds``, and the outbox pauses too."""
        self.stats["429"] += 1
        until = time.monotonic() + seconds
        if chat_id is not None:
            chat = self._chat(chat_id)
            chat.hold_until = max(chat.hold_until, until)
        self._bulk_paused_until = max(self._bulk_paused_until, until)

    @property
    def bulk_paused_until(self) -> float:
        return self._bulk_paused_until

    def _ready(self, chat_id: int | None) -> bool:
        now = time.monotonic()
        if chat_id is not None and self._chat_free_at(chat_id, self._chat(chat_id), now) > now:
            return False
        return self._overall_free_at(now, urgent=True) <= now

    @contextlib.asynccontextmanager
    async def reply(self, chat_id: int | None, idle: Idle | None = None) -> AsyncIterator[None]:
        """One interactive message: the chat's turn, an overall slot, then the request.
        A wait happens inside ``idle()`` (the update lends its place meanwhile)."""
        waiting = idle() if idle is not None and not self._ready(chat_id) else None
        async with waiting or contextlib.nullcontext():
            if chat_id is not None:
                await self.wait_chat(chat_id)
            try:
                await self.slot(urgent=True)
            except BaseException:
                self.done(chat_id, started=False)
                raise
        try:
            yield
        finally:
            self.done(chat_id)


async def _sleep_or(event: asyncio.Event, seconds: float | None) -> None:
    """Until ``event`` is set or ``seconds`` have passed (forever if None)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _chat_of(data: dict[str, Any]) -> int | None:
    chat_id = data.get("chat_id")
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return None  # "@channel" names, inline messages: paced overall only


class PacingRateLimiter(BaseRateLimiter[int]):
    """PTB's hook for every request of the handlers' bot, on the shared :class:`Pacer`.

    Replies wait their turn in their chat (ahead of the outbox) and for an overall slot —
    inside ``idle()``, which lends the waiting update's place to others (see
    ``bot/updates.py``); a 429 holds that chat for ``retry_after`` and the request is tried
    again, up to ``max_retries`` times (``rate_limit_args`` overrides it per call)."""

    def __init__(self, pacer: Pacer, max_retries: int = 3, idle: Idle | None = None) -> None:
        self.pacer = pacer
        self.max_retries = max_retries
        self.idle = idle

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        if not counts_as_message(endpoint):
            return await callback(*args, **kwargs)
        chat_id = _chat_of(data)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            async with self.pacer.reply(chat_id, self.idle):
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    seconds = retry_seconds(exc)
                    self.pacer.refused(chat_id, seconds)
                    if attempt >= retries:
                        raise
                    log.info(
                        "429 on %s to %s: trying again after %.0f s", endpoint, chat_id, seconds
                    )
            attempt += 1
