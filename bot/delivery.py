"""The outbox sender: drains queued messages under Telegram's limits, losing nothing.

The pace is the shared :class:`bot.pacing.Pacer`'s, which the handlers' replies use
too: evenly spaced starts a little under the overall ceiling, each private chat kept to
one message a second and each group to its per-minute allowance, counted together with
the replies. The sender only ever *tries* a chat — one that is busy, or that a reply is
waiting for, is skipped for now — so a push never holds up the person who just pressed
a button. It sends several at once so that round-trip time does not cap the rate.
Every outcome is written back to the row:

* sent — with Telegram's message id;
* 429 — that chat waits and the outbox pauses for ``retry_after``; the row is tried again;
* timeouts and network errors — the row is retried with backoff, up to a limit;
* 403 — the person blocked the bot (or never started it): unreachable, user marked;
* other 400s — permanent: failed, with Telegram's reason.

While the database cannot be written (a full disk: bot/write_faults.py) the sender starts
nothing new and tries again after a growing wait; the outcome of a message sent just
before is kept and written then, so the message is not sent again meanwhile.

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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
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

from bot import recipients, round_memo
from bot.background import BackgroundLoop
from bot.clock import Clock
from bot.pacing import PaceLimits, Pacer, retry_seconds
from bot.write_faults import Backoff, WriteFaults, is_write_fault
from storage import members as member_repo
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


@dataclass(frozen=True)
class Outgoing:
    """One rendered message: text (HTML), or a file with the text as caption — a file
    Telegram has (``file_id``) or one made just now (``upload``: name and bytes) — or a
    map pin (``location``: latitude, longitude), which Telegram sends without text; or
    the new text and buttons of a message the bot sent before (``edit_message_id``), which
    Telegram counts against the chat's limits like a message."""

    text: str
    buttons: Buttons = field(default_factory=list)
    media_kind: str | None = None
    file_id: str | None = None
    upload: tuple[str, bytes] | None = None
    location: tuple[float, float] | None = None
    edit_message_id: int | None = None


#: How rows of one kind become a message (None: no longer wanted, dropped). Which one
#: renders which kind is listed in bot/renderers.py.
Renderer = Callable[[Database, Clock, OutboxRow], Awaitable[Outgoing | None]]


#: Rows looked at per query, and queries per round at most (each leaving out the chats the
#: one before found waiting).
BATCH = 500
BATCHES_PER_ROUND = 20


@dataclass(frozen=True)
class SendLimits:
    per_second: float = 30.0  # for a sender with a pacer of its own (tests)
    concurrency: int = 8
    max_attempts: int = 8  # backoff 1, 2, 4 … 60 s: rides out a server restart


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
            if row
        ]
    )


#: The Bot API method and its file parameter for each kind of file a message may carry.
FILE_METHODS = {
    "document": "sendDocument",
    "photo": "sendPhoto",
    "audio": "sendAudio",
    "video": "sendVideo",
    "voice": "sendVoice",
}


async def send(bot: Bot, chat_id: int, out: Outgoing, **kwargs: Any) -> Message:
    """One Outgoing as one Bot API call (also used for direct, interactive sends)."""
    keyboard = markup(out.buttons)
    if out.location is not None:
        latitude, longitude = out.location
        return await bot.send_location(
            chat_id, latitude, longitude, reply_markup=keyboard, **kwargs
        )
    kwargs.setdefault("parse_mode", ParseMode.HTML)  # Outgoing.text is HTML by contract
    content: str | InputFile | None = out.file_id
    if out.upload is not None:
        content = InputFile(out.upload[1], filename=out.upload[0])
    if out.media_kind is None or content is None:
        kwargs.setdefault("link_preview_options", LinkPreviewOptions(is_disabled=True))
        return await bot.send_message(chat_id, out.text, reply_markup=keyboard, **kwargs)
    method = {
        "document": bot.send_document,
        "photo": bot.send_photo,
        "audio": bot.send_audio,
        "video": bot.send_video,
        "voice": bot.send_voice,
    }[out.media_kind]
    result: Message = await method(
        chat_id,
        content,
        caption=out.text,  # type: ignore[operator]
        reply_markup=keyboard,
        **kwargs,
    )
    return result


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_for_id(bot: Bot, chat_id: int, out: Outgoing) -> int:
    """:func:`send`, keeping only the new message's id — what the outbox records.

    PTB's ``send_*`` methods turn Telegram's answer into a :class:`telegram.Message` (about
    0.3 ms of CPU: a hundred attributes, the chat, the sender, the buttons), which the
    outbox throws away. This posts the same parameters through the Bot's own request path
    — its encoding, its HTTP backend, its mapping of answers to ``RetryAfter``,
    ``Forbidden``, ``BadRequest`` … — and reads the id from the JSON. ``Bot._post`` is
    the one call below PTB's public surface the bot makes (pinned to PTB 22;
    ``do_api_request`` is the public way, but it warns for methods PTB has); the
    outbox's tests send through it."""
    params: dict[str, Any] = {"chat_id": chat_id, "reply_markup": markup(out.buttons)}
    if out.location is not None:
        endpoint = "sendLocation"
        params["latitude"], params["longitude"] = out.location
    else:
        params["parse_mode"] = ParseMode.HTML
        content: str | InputFile | None = out.file_id
        if out.upload is not None:
            content = InputFile(out.upload[1], filename=out.upload[0])
        if out.media_kind is None or content is None:
            endpoint = "sendMessage"
            params.update(text=out.text, link_preview_options=_NO_PREVIEW)
        else:
            endpoint = FILE_METHODS[out.media_kind]
            params.update({out.media_kind: content, "caption": out.text})
    result = await bot._post(endpoint, params)
    return int(result["message_id"])


async def edit(bot: Bot, chat_id: int, out: Outgoing) -> None:
    """An Outgoing with ``edit_message_id``: the message shows its text and buttons (none:
    they go). Telegram's "not modified" means it already does."""
    assert out.edit_message_id is not None
    try:
        await bot.edit_message_text(
            out.text,
            chat_id,
            out.edit_message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup(out.buttons),
        )
    except BadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


class Sender(BackgroundLoop):
    """One per bot: started with the services, stopped before the database closes.

    It is given a Bot of its own, without PTB's rate limiter: that limiter waits for a
    chat and retries a 429 itself, while the sender skips a busy chat for another row and
    retries by itself — both on the same :class:`Pacer` (a sender built without one, in
    tests, gets its own).
    """

    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        limits: SendLimits,
        pacer: Pacer | None = None,
        faults: WriteFaults | None = None,
        *,
        renderers: Mapping[OutboxKind, Renderer],
    ) -> None:
        """``renderers``: the bot's are ``bot.renderers.build()``, handed in by the
        composition root (the sender cannot import them: every renderer imports it)."""
        super().__init__()
        self.bot, self.db, self.clock, self.limits = bot, db, clock, limits
        self.renderers: Mapping[OutboxKind, Renderer] = renderers
        self._backoff = Backoff(faults or WriteFaults(), "outbox sender")
        # Outcomes not yet written (row, state, message id, error): waiting for the write
        # under way, or refused by the database and written later.
        self._unwritten: dict[int, tuple[OutboxRow, str, int | None, str | None]] = {}
        self._writing = asyncio.Lock()
        self.pacer = pacer or Pacer(PaceLimits(per_second=limits.per_second))
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        # Chats that cannot take a message yet (at their limit, a 429's wait, a retry's
        # backoff), by when (monotonic) to try again: their rows are left out of the query.
        self._chat_wait: dict[int, float] = {}
        self._holding: set[int] = set()  # rows holding a chat and a slot of the pacer
        # Chats with a row of theirs under way, from its start until its outcome (or its
        # retry's wait) is settled: the next row of that chat waits for it, so a chat gets
        # its messages in the order they were queued — whatever the pacer would allow (a
        # group takes twenty at once) and however long a write after the answer takes.
        self._busy_chats: set[int] = set()
        self.stats: dict[str, int] = {
            "sent": 0,
            "429": 0,
            "retried": 0,
            "unreachable": 0,
            "failed": 0,
            "dropped": 0,
        }
        # Told of internal errors (the error, the row's kind or "" for a round) so that
        # staff hear of them: set by the services (bot/trouble.py).
        self.on_error: Callable[[BaseException, str], Awaitable[object]] | None = None

    # --- life cycle --------------------------------------------------------------------

    task_name = "zhibu-outbox"

    async def stop(self) -> None:
        """Stop taking rows; let what is in flight finish (it is already on its way)."""
        await super().stop()
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=10)
        if self._unwritten:  # one more try; what stays unwritten is sent again next start
            await self._write_outcomes()

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
            # Cleared before the round, not after it: a poke that comes while a round
            # runs (rows committed after its query) makes another round, rather than
            # being lost — and letting ``wait_idle`` return with those rows unsent.
            self._wake.clear()
            try:
                started, wait = await self._round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_write_fault(exc):
                    started, wait = 0, self._backoff.failed(exc)
                else:
                    log.exception("outbox round failed; trying again shortly")
                    await self._report(exc, "")
                    started, wait = 0, 1.0
            if started or self._wake.is_set():
                continue
            if not self._inflight and wait is None:
                self._idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait if wait is not None else 5.0)

    async def _round(self) -> tuple[int, float | None]:
        """Start what may be started now; say how long until something else may be.

        The query leaves out the chats found waiting, and is asked again when a whole batch
        was theirs: a thousand rows for one group at its limit cost one extra look, not the
        minute of everyone queued after them."""
        if (holding := self._backoff.remaining()) > 0:
            return 0, holding  # the database refused a write a moment ago
        if self._unwritten and not await self._write_outcomes():
            return 0, self._backoff.remaining()
        now = time.monotonic()
        self._chat_wait = {chat: at for chat, at in self._chat_wait.items() if at > now}
        started = 0
        for _ in range(BATCHES_PER_ROUND):
            async with self.db.read() as c:
                rows = await outbox_repo.due(
                    c, BATCH, skip=self._inflight, skip_chats=[*self._chat_wait, *self._busy_chats]
                )
                # Their recipients' languages in one query, not one a row.
                people = await member_repo.users(c, (r.chat_id for r in rows if r.chat_id > 0))
            known = {recipients.language_key(u.telegram_id): recipients.language(u) for u in people}
            with round_memo.batch(known):
                begun, left = await self._start_rows(rows)
            started += begun
            if len(rows) < BATCH or not left:
                break
        # A chat noted in this round whose wait ran out meanwhile (a few microseconds left
        # when the pacer was asked) still has rows: look again now, never call it idle.
        now = time.monotonic()
        waits = [max(0.0, at - now) for at in self._chat_wait.values()]
        return started, min(waits) if waits else None

    async def _start_rows(self, rows: list[OutboxRow]) -> tuple[int, int]:
        """Start each row whose chat may take it; returns how many started and how many
        were left for their chat to free up (those chats noted in ``_chat_wait``).

        Once one of a chat's rows is left, so is every later row of that chat in the batch,
        even if the wait noted for it ran out while the batch was being started (a few
        microseconds when the pacer was asked): the later row would overtake it."""
        started = left = 0
        passed: set[int] = set()  # chats whose earlier row in this batch was left
        for row in rows:
            now = time.monotonic()
            if (
                row.chat_id in passed
                or row.chat_id in self._busy_chats
                or self._chat_wait.get(row.chat_id, 0.0) > now
            ):
                passed.add(row.chat_id)
                left += 1
                continue
            chat_in = self.pacer.try_chat(row.chat_id)
            if chat_in > 0:
                self._chat_wait[row.chat_id] = now + chat_in
                passed.add(row.chat_id)
                left += 1
                continue
            try:  # the chat is taken: it is given back when the request is answered
                while len(self._inflight) >= self.limits.concurrency:
                    await self._any_done()
                await self.pacer.slot(urgent=False)
            except BaseException:
                self.pacer.done(row.chat_id, started=False)
                raise
            self._holding.add(row.id)
            self._busy_chats.add(row.chat_id)
            self._inflight[row.id] = asyncio.create_task(self._deliver(row))
            started += 1
        return started, left

    async def _any_done(self) -> None:
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), return_when=asyncio.FIRST_COMPLETED)

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
        except Exception as exc:
            if is_write_fault(exc):  # not sent, or its outcome kept: tried after the wait
                self._backoff.failed(exc)
            else:  # a bug must not stop the sender; the row says what broke
                log.exception("outbox row %s (%s) failed", row.id, row.key)
                await self._finish(row, "failed", error=f"internal error: {exc!r}"[:500])
                await self._report(exc, row.kind)
        finally:
            self._answered(row)
            self._inflight.pop(row.id, None)
            self._busy_chats.discard(row.chat_id)
            self._wake.set()

    def _answered(self, row: OutboxRow) -> None:
        """Give the row's chat and slot back to the pacer, once: the chat's window counts
        from Telegram's answer, not from the writes that follow it."""
        if row.id in self._holding:
            self._holding.discard(row.id)
            self.pacer.done(row.chat_id)

    async def _attempt(self, row: OutboxRow) -> None:
        # A row's kind is read as stored: one this version does not know (left by a newer
        # one) fails like a kind without a renderer, instead of stopping the batch.
        try:
            render = self.renderers.get(OutboxKind(row.kind))
        except ValueError:
            render = None
        if render is None:
            await self._finish(row, "failed", error=f"no renderer for {row.kind!r}")
            return
        out = await render(self.db, self.clock, row)
        if out is None:
            await self._finish(row, "dropped", error="no longer needed")
            return
        try:
            try:
                if out.edit_message_id is not None:
                    await edit(self.bot, row.chat_id, out)
                    message_id = out.edit_message_id
                else:
                    message_id = await send_for_id(self.bot, row.chat_id, out)
            finally:
                self._answered(row)
        except RetryAfter as exc:
            self.stats["429"] += 1
            seconds = retry_seconds(exc)
            self.pacer.refused(row.chat_id, seconds)
            self._hold(row.chat_id, self.pacer.bulk_paused_until)
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
                # The chat waits, not only the row: what comes after it in that chat
                # stays after it.
                self._hold(row.chat_id, time.monotonic() + min(60.0, 0.5 * 2**attempts))
        else:
            await self._finish(row, "sent", message_id=message_id)

    def _hold(self, chat_id: int, until: float) -> None:
        self._chat_wait[chat_id] = max(self._chat_wait.get(chat_id, 0.0), until)

    async def _finish(
        self, row: OutboxRow, state: str, *, message_id: int | None = None, error: str | None = None
    ) -> None:
        self.stats[state] += 1
        self._unwritten[row.id] = (row, state, message_id, error)
        await self._write_outcomes(row.id)

    async def _write_outcomes(self, row_id: int | None = None) -> bool:
        """Write the outcomes not yet written — one transaction for all of them — and say
        whether ``row_id``'s is (every one's, without it); if the database refuses, they are
        kept for later.

        Outcomes that come while a write is under way wait for it and go together in the
        next: at three hundred messages a second that is a few rows a transaction instead
        of a transaction a row. A row's task ends only once its outcome is written, so no
        more messages are sent-but-not-recorded at any moment than are in flight — what a
        crash can make go out twice stays as it was."""
        async with self._writing:
            if row_id is not None and row_id not in self._unwritten:
                return True  # the write just before took it
            batch = dict(self._unwritten)
            if not batch:
                return True
            try:
                async with self.db.tx() as c:
                    await outbox_repo.finish_many(
                        c,
                        [
                            (rid, state, message_id, error)
                            for rid, (_, state, message_id, error) in batch.items()
                        ],
                        self.clock.now(),
                    )
            except Exception as exc:
                if not is_write_fault(exc):
                    raise
                self._backoff.failed(exc)
                return False
            for rid, outcome in batch.items():
                if self._unwritten.get(rid) is outcome:
                    del self._unwritten[rid]
            await self._backoff.wrote()
            return True
