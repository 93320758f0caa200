"""The outbox sender: drains queued messages under Telegram's limits, losing nothing.

Why not PTB's AIORateLimiter alone: it has no per-private-chat rate, retries nothing by
default, and pauses *every* request while it waits out a 429. The sender paces its own
starts (evenly spaced, a little under the overall ceiling so network jitter does not
push a burst over it), keeps each private chat to one message per interval and each
group to its per-minute allowance, and sends several at once so that round-trip time
does not cap the rate. Every outcome is written back to the row:

* sent — with Telegram's message id;
* 429 — everything pauses for ``retry_after`` and the row is tried again;
* timeouts and network errors — the row is retried with backoff, up to a limit;
* 403 — the person blocked the bot (or never started it): unreachable, user marked;
* other 400s — permanent: failed, with Telegram's reason.

Rows are rendered when they are sent, in the recipient's language of that moment, and a
renderer may drop a row that is no longer wanted (a reminder for something studied
since). After a crash, rows still queued are simply sent: at most the few that were in
flight when the process died go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.clock import Clock
from storage import members as member_repo
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxRow

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


@dataclass(frozen=True)
class Outgoing:
    """One rendered message: text (HTML), or a file with the text as caption — a file
    Telegram has (``file_id``) or one made just now (``upload``: name and bytes) — or a
    map pin (``location``: latitude, longitude), which Telegram sends without text."""

    text: str
    buttons: Buttons = field(default_factory=list)
    media_kind: str | None = None
    file_id: str | None = None
    upload: tuple[str, bytes] | None = None
    location: tuple[float, float] | None = None


Renderer = Callable[[Database, Clock, OutboxRow], Awaitable[Outgoing | None]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register how rows of one kind become a message."""

    def register(render: Renderer) -> Renderer:
        if kind in RENDERERS:
            raise ValueError(f"renderer {kind!r} registered twice")
        RENDERERS[kind] = render
        return render

    return register


@dataclass(frozen=True)
class SendLimits:
    per_second: float = 30.0         # Telegram: about 30 messages a second overall
    per_chat_seconds: float = 1.0    # … one a second in a private chat
    group_per_minute: float = 20.0   # … twenty a minute in a group
    concurrency: int = 8
    max_attempts: int = 8           # backoff 1, 2, 4 … 60 s: rides out a server restart
    headroom: float = 0.95           # aim a little under the ceiling


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in buttons if row])


async def send(bot: Bot, chat_id: int, out: Outgoing, **kwargs: Any) -> Message:
    """One Outgoing as one Bot API call (also used for direct, interactive sends)."""
    keyboard = markup(out.buttons)
    if out.location is not None:
        latitude, longitude = out.location
        return await bot.send_location(chat_id, latitude, longitude, reply_markup=keyboard,
                                       **kwargs)
    kwargs.setdefault("parse_mode", ParseMode.HTML)  # Outgoing.text is HTML by contract
    content: str | InputFile | None = out.file_id
    if out.upload is not None:
        content = InputFile(out.upload[1], filename=out.upload[0])
    if out.media_kind is None or content is None:
        kwargs.setdefault("link_preview_options", LinkPreviewOptions(is_disabled=True))
        return await bot.send_message(chat_id, out.text, reply_markup=keyboard, **kwargs)
    method = {
        "document": bot.send_document, "photo": bot.send_photo, "audio": bot.send_audio,
        "video": bot.send_video, "voice": bot.send_voice,
    }[out.media_kind]
    result: Message = await method(chat_id, content, caption=out.text,  # type: ignore[operator]
                                   reply_markup=keyboard, **kwargs)
    return result


class Sender:
    """One per bot: started with the services, stopped before the database closes.

    It is given a Bot of its own, without PTB's rate limiter: that limiter would retry a
    429 itself and hold every other request meanwhile (and ``rate_limit_args=0`` does not
    turn its retries off), while the sender paces and retries by itself.
    """

    def __init__(self, bot: Bot, db: Database, clock: Clock, limits: SendLimits) -> None:
        self.bot, self.db, self.clock, self.limits = bot, db, clock, limits
        self.interval = 1.0 / (limits.per_second * limits.headroom)
        self.catch_up = int((1 - limits.headroom) * limits.per_second / 2)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._chat_free_at: dict[int, float] = {}
        self._retry_at: dict[int, float] = {}
        self._paused_until = 0.0
        self._next_slot = 0.0
        self.stats: dict[str, int] = {"sent": 0, "429": 0, "retried": 0, "unreachable": 0,
                                      "failed": 0, "dropped": 0}
        # Told of internal errors (the error, the row's kind or "" for a round) so that
        # staff hear of them: set by the services (bot/trouble.py).
        self.on_error: Callable[[BaseException, str], Awaitable[object]] | None = None

    # --- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="zhibu-outbox")

    async def stop(self) -> None:
        """Stop taking rows; let what is in flight finish (it is already on its way)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=10)

    def poke(self) -> None:
        """Something was queued: look now rather than at the next idle check."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Until nothing is queued that can be sent (for tests, the demo and benchmarks);
        callers bound it with ``asyncio.timeout``."""
        self.poke()
        await self._idle.wait()

    # --- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                started, wait = await self._round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("outbox round failed; trying again shortly")
                await self._report(exc, "")
                started, wait = 0, 1.0
            if started:
                continue
            if not self._inflight and wait is None:
                self._idle.set()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait if wait is not None else 5.0)

    async def _round(self) -> tuple[int, float | None]:
        """Start what may be started now; say how long until something else may be."""
        async with self.db.read() as c:
            rows = await outbox_repo.due(c, 500, skip=self._inflight)
        started = 0
        wait: float | None = None
        for row in rows:
            now = time.monotonic()
            ready = max(self._retry_at.get(row.id, 0.0), self._chat_free_at.get(row.chat_id, 0.0))
            if ready > now:
                wait = min(wait if wait is not None else ready - now, ready - now)
                continue
            while len(self._inflight) >= self.limits.concurrency:
                await self._any_done()
            await self._pace()
            gap = (60.0 / self.limits.group_per_minute if row.chat_id < 0
                   else self.limits.per_chat_seconds)
            self._chat_free_at[row.chat_id] = time.monotonic() + gap
            self._inflight[row.id] = asyncio.create_task(self._deliver(row))
            started += 1
        return started, wait

    async def _any_done(self) -> None:
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()),
                               return_when=asyncio.FIRST_COMPLETED)

    async def _pace(self) -> None:
        """Wait for the next start slot. Slots are evenly spaced; a sender that woke late
        may use up to ``self.catch_up`` missed slots at once, so timer jitter does not
        wear the rate down, while the headroom keeps that small burst under the ceiling."""
        while True:
            now = time.monotonic()
            at = max(self._next_slot, self._paused_until)
            if at <= now:
                earliest = now - self.catch_up * self.interval
                self._next_slot = max(earliest, self._next_slot) + self.interval
                return
            await asyncio.sleep(at - now)

    async def _report(self, error: BaseException, kind: str) -> None:
        if self.on_error is not None:
            try:
                await self.on_error(error, kind)
            except Exception:
                log.exception("could not report an outbox error")

    # --- one row ---------------------------------------------------------------------------

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            await self._attempt(row)
        except Exception as exc:  # a bug must not stop the sender; the row says what broke
            log.exception("outbox row %s (%s) failed", row.id, row.key)
            await self._finish(row, "failed", error=f"internal error: {exc!r}"[:500])
            await self._report(exc, row.kind)
        finally:
            self._inflight.pop(row.id, None)
            self._wake.set()

    async def _attempt(self, row: OutboxRow) -> None:
        render = RENDERERS.get(row.kind)
        if render is None:
            await self._finish(row, "failed", error=f"no renderer for {row.kind!r}")
            return
        out = await render(self.db, self.clock, row)
        if out is None:
            await self._finish(row, "dropped", error="no longer needed")
            return
        try:
            message = await send(self.bot, row.chat_id, out)
        except RetryAfter as exc:
            self.stats["429"] += 1
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            self._retry_at[row.id] = self._paused_until
            log.info("429 from Telegram: pausing the outbox for %.0f s", seconds)
        except Forbidden as exc:
            await self._finish(row, "unreachable", error=exc.message)
            if row.chat_id > 0:
                async with self.db.tx() as c:
                    await member_repo.set_blocked(c, row.chat_id, self.clock.now())
        except ChatMigrated as exc:
            async with self.db.tx() as c:
                await outbox_repo.move_chat(c, row.chat_id, exc.new_chat_id)
        except BadRequest as exc:
            state = "unreachable" if "chat not found" in exc.message.lower() else "failed"
            await self._finish(row, state, error=exc.message)
        except NetworkError as exc:  # timeouts, 5xx, connection refused
            async with self.db.tx() as c:
                attempts = await outbox_repo.count_attempt(c, row.id, exc.message)
            if attempts >= self.limits.max_attempts:
                await self._finish(row, "failed", error=f"gave up: {exc.message}")
            else:
                self.stats["retried"] += 1
                self._retry_at[row.id] = time.monotonic() + min(60.0, 0.5 * 2 ** attempts)
        else:
            await self._finish(row, "sent", message_id=message.message_id)

    async def _finish(self, row: OutboxRow, state: str, *, message_id: int | None = None,
                      error: str | None = None) -> None:
        self._retry_at.pop(row.id, None)
        self.stats[state] += 1
        async with self.db.tx() as c:
            await outbox_repo.finish(c, row.id, state, self.clock.now(), message_id=message_id,
                                     error=error)
