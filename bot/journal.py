"""Nothing Telegram sends is lost when the bot dies in the middle of handling it.

Telegram forgets an update once the next ``getUpdates`` asks for a later offset, and
PTB asks for the next batch as soon as it has queued the current one — so a bot killed
while a batch is in its queue loses every update of it that was not finished: a check-in
pressed, an answer typed. Here each batch is written to the journal (one row,
``storage/inbox.py``) *inside* ``getUpdates``, before PTB can acknowledge it; an update is
marked done when its handlers return; on start-up the unfinished ones are handled again,
before anything new. In webhook mode (bot/webhook.py) each update is written the same way,
as a batch of one, before the 200 that tells Telegram it arrived.

Done is a high-water mark, one row however many updates finish: every update is given a
position as it is written down (the batch's first plus its place in it, no gaps), and the
mark says "every position up to N is finished, and these runs above it". Updates finish
out of order (several run at once, and one waiting for Telegram's per-chat pace lends its
place), so the mark moves only over a finished prefix, and what finished above it is kept
in the runs — in memory and in the row — so a restart hands back exactly the updates
that were not finished, as a mark per update did. A mark is written a few milliseconds
after its update finishes, together with the others that finish meanwhile (a group
commit), and the same person's next update waits for it: a crash can only ever bring back
an update with nothing of theirs after it. An update fetched twice (the crash came before
Telegram was told it arrived) is recognised by its id falling in a batch written within
the last day, and is not handled twice.

Handling again is safe because the handlers are idempotent for the same update: check-ins
and receipts are keyed; a dialog remembers which update last moved it and from where, so
an answer handled again repeats its step instead of answering the next question
(handlers/dialog.py); a confirmed form ends in the same transaction as what it creates;
and the messages a change sets off are queued in the outbox within its transaction. What
can repeat is a reply sent just before the crash — at most one per update in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.askers import Askers
from bot.clock import Clock
from bot.write_faults import Backoff, NotWritten, WriteFaults, is_write_fault
from storage import inbox as inbox_repo
from storage.db import Database

log = logging.getLogger(__name__)

#: How long batches are kept once done, and recognised when Telegram hands them out again.
KEEP_DONE = timedelta(days=1)
MARK_EVERY = 0.005  # seconds: marks written together; a person's next update waits that long


class Journal:
    """The inbox, once the database is open (:meth:`attach`) and read (:meth:`unfinished`).

    A batch that cannot be written (a full disk: bot/write_faults.py) is not handed on:
    the poller waits out the back-off and asks Telegram again, which still holds it."""

    def __init__(self, faults: WriteFaults | None = None) -> None:
        self.faults = faults or WriteFaults()
        self._backoff = Backoff(self.faults, "journal of updates")
        self._marks_backoff = Backoff(self.faults, "journal of updates")
        self._closing = asyncio.Event()
        self._db: Database | None = None
        self._clock: Clock | None = None
        self._repeats: set[int] = set()
        self._replays: set[int] = set()
        self._replayed_presses: set[str] = set()
        self._position: dict[int, int] = {}  # update id -> position, until it finishes
        self._through = 0  # every position up to here is finished
        self._above: set[int] = set()  # finished positions above it
        self._unwritten = False  # the mark moved since it was last written
        self._batch: asyncio.Future[None] | None = None  # resolves when the mark is written
        self._flusher: asyncio.Task[None] | None = None

    def attach(self, db: Database, clock: Clock) -> None:
        self._db, self._clock = db, clock
        self._closing.clear()

    def detach(self) -> None:
        """The database is closing: marks not yet written are not (their updates come back
        at the next start, as after a crash)."""
        self._db = self._clock = None
        self._position, self._above, self._through = {}, set(), 0
        self._unwritten = False
        if self._batch is not None and not self._batch.done():
            self._batch.set_result(None)

    async def _write_down(self, updates: Sequence[Update], raw: dict[int, str]) -> set[int]:
        """The ids of ``updates`` (ascending) written down now; the others were before."""
        assert self._db is not None and self._clock is not None
        now = self._clock.now()
        since = now - KEEP_DONE
        fresh = list(updates)
        for _ in range(2):
            if not fresh:
                break
            body = (
                "["
                + ",".join(
                    raw.get(u.update_id) or json.dumps(u.to_dict(), ensure_ascii=False)
                    for u in fresh
                )
                + "]"
            )
            first_id, last_id = fresh[0].update_id, fresh[-1].update_id
            async with self._db.write() as c:
                first = await inbox_repo.record(c, first_id, last_id, len(fresh), body, now, since)
            if first is not None:
                for offset, update in enumerate(fresh):
                    self._position[update.update_id] = first + offset
                return {u.update_id for u in fresh}
            # Some were written down before (fetched again after a crash): keep the rest.
            async with self._db.read() as c:
                ranges = await inbox_repo.recorded(c, first_id, last_id, since)
            fresh = [u for u in fresh if not any(a <= u.update_id <= b for a, b in ranges)]
        return set()  # only if another writer took the same ids meanwhile: theirs now

    async def record(self, updates: Sequence[Update], raw: dict[int, str]) -> bool:
        """Called with each fetched batch, before Telegram is told it arrived (``raw``: the
        JSON as Telegram sent it, by update id). An update already in the inbox (fetched
        again because the crash came before the acknowledgement) is remembered as a repeat
        and skipped by the processor. False if the storage refused the write: the batch
        must not be acknowledged, and the next fetch waits :meth:`holding` seconds."""
        if not updates or self._db is None or self._clock is None:
            return True
        try:
            fresh = await self._write_down(sorted(updates, key=lambda u: u.update_id), raw)
        except Exception as exc:
            if not is_write_fault(exc):
                raise
            self._backoff.failed(exc)
            return False
        self._repeats.update(u.update_id for u in updates if u.update_id not in fresh)
        await self._backoff.wrote()
        return True

    @property
    def database(self) -> Database | None:
        return self._db

    def holding(self) -> float:
        """Seconds the journal still waits before it tries to write again."""
        return self._backoff.remaining()

    async def receive(self, update: Update, raw: str) -> bool:
        """Webhook mode: one update as Telegram POSTed it, written before the 200 goes back.
        True if it is new; False for a repeat (Telegram posts an update again when it got
        no 200 for it), which is not handled again. Raises if it cannot be written, so the
        webhook answers an error and Telegram keeps the update."""
        if self._db is None or self._clock is None:
            raise RuntimeError("the journal is not open yet")
        if (wait := self._backoff.remaining()) > 0:
            raise NotWritten(wait)  # the disk had no room a moment ago: not tried again yet
        try:
            fresh = await self._write_down([update], {update.update_id: raw})
        except Exception as exc:
            if not is_write_fault(exc):
                raise
            raise NotWritten(self._backoff.failed(exc)) from exc
        await self._backoff.wrote()
        return update.update_id in fresh

    def pressed_before_crash(self, query_id: str) -> bool:
        return query_id in self._replayed_presses

    @property
    def replays(self) -> frozenset[int]:
        return frozenset(self._replays)

    def is_replay(self, update: object) -> bool:
        """Is this an update left unfinished by the last run, being handled again?"""
        return getattr(update, "update_id", None) in self._replays

    def is_repeat(self, update: object) -> bool:
        update_id = getattr(update, "update_id", None)
        if update_id in self._repeats:
            self._repeats.discard(update_id)
            return True
        return False

    def finished(self, update: object) -> asyncio.Future[None] | None:
        """Note that the update's handlers returned; the mark is written soon after, with
        the others that finish meanwhile, in one statement (a group commit). The returned
        future resolves when it is written: the same person's next update waits for it,
        so a crash can only ever bring back an update with nothing of theirs after it."""
        update_id = getattr(update, "update_id", None)
        position = self._position.pop(update_id) if update_id in self._position else None
        if self._db is None or position is None:
            return None
        if position == self._through + 1:
            self._through = position
            while self._through + 1 in self._above:  # the prefix grows over what finished
                self._through += 1
                self._above.discard(self._through)
        elif position > self._through:
            self._above.add(position)
        self._unwritten = True
        if self._flusher is None or self._flusher.done():
            self._batch = asyncio.get_running_loop().create_future()
            self._flusher = asyncio.create_task(self._write_marks())
        assert self._batch is not None
        return self._batch

    def mark(self) -> inbox_repo.Mark:
        """Where the mark stands in memory (written or about to be)."""
        return inbox_repo.Mark(self._through, inbox_repo.runs(self._above))

    async def _write_marks(self) -> None:
        await asyncio.sleep(MARK_EVERY)  # the updates finishing alongside join this write
        while self._unwritten and self._db is not None and self._clock is not None:
            written = self._batch
            assert written is not None
            self._unwritten = False
            self._batch = asyncio.get_running_loop().create_future()
            through, above = self._through, inbox_repo.runs(self._above)
            try:
                async with self._db.write() as c:
                    await inbox_repo.write_mark(c, through, above, self._clock.now())
            except Exception as exc:
                if is_write_fault(exc) and not self._closing.is_set():
                    # Tried again after the back-off, with the marks that join meanwhile;
                    # the same people's next updates wait for them.
                    self._unwritten = True
                    self._batch.add_done_callback(functools.partial(_resolve, written))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._closing.wait(), self._marks_backoff.failed(exc)
                        )
                    continue
                # Not written now: the next mark written carries it; if none is, these
                # come back after a restart, which they survive.
                log.exception("could not mark updates done (through position %d)", through)
            else:
                await self._marks_backoff.wrote()
            written.set_result(None)
        if self._batch is not None and not self._batch.done():
            self._batch.set_result(None)  # nothing joined it, or the database closed

    async def flush(self) -> None:
        """Write the marks still waiting (on a clean stop, before the database closes);
        with the disk full, one more try: what is not written comes back at the next
        start."""
        self._closing.set()
        if self._flusher is not None:
            await self._flusher

    async def unfinished(self, bot: ExtBot[Any]) -> list[Update]:
        """The updates to handle again after a crash, oldest first; reads the mark, which
        the updates finishing from now on move on."""
        if self._db is None:
            return []
        async with self._db.read() as c:
            mark = await inbox_repo.mark(c)
            batches = await inbox_repo.unfinished(c, mark.through)
        self._through = mark.through
        self._above = {p for first, last in mark.above for p in range(first, last + 1)}
        updates = []
        for first, batch in batches:
            for offset, data in enumerate(batch):
                position = first + offset
                if position > self._through and position not in self._above:
                    update = Update.de_json(data, bot)
                    self._position[update.update_id] = position
                    updates.append(update)
        self._replays = {u.update_id for u in updates}
        self._replayed_presses = {u.callback_query.id for u in updates if u.callback_query}
        if updates:
            log.warning("handling %d update(s) left unfinished by the last run", len(updates))
        return updates

    async def forget_old(self) -> None:
        if self._db is None or self._clock is None:
            return
        async with self._db.write() as c:
            await inbox_repo.forget_done(c, self._clock.now() - KEEP_DONE)


class JournalingBot(ExtBot[None]):
    """PTB's bot, whose ``getUpdates`` writes each batch to the journal before returning
    it — the one place that runs before PTB acknowledges the batch to Telegram.

    It also keeps two harmless refusals from stopping a handler half-way. A late answer
    to a button press: the answer only stops the phone's spinner, and Telegram refuses it
    after ~15 s or a second time — a press handled again after a crash is not answered at
    all, and a refusal (the Bot API was away a while) is logged. And an edit to what the
    message already says ("message is not modified"): the same press handled twice, or
    pressed twice, edits the question to the same answer."""

    __slots__ = ("_askers", "_journal", "_raw_updates")

    def __init__(
        self, journal: Journal, token: str, *, askers: Askers | None = None, **kwargs: Any
    ) -> None:
        super().__init__(token, **kwargs)
        self._journal = journal
        self._askers = askers  # who sent the batch, read in one query as it arrives
        self._raw_updates: dict[int, str] = {}

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        self._raw_updates = {}
        updates = await super().get_updates(*args, **kwargs)
        if not await self._journal.record(updates, self._raw_updates):
            # Not written, so not handed on: PTB asks for the same offset again, and
            # Telegram, never told the batch arrived, sends it again — after the back-off,
            # unless this is PTB's last call on the way out (timeout 0).
            if kwargs.get("timeout") not in (0, timedelta(0)):
                await asyncio.sleep(self._journal.holding())
            return ()
        if updates and self._askers is not None and (db := self._journal.database) is not None:
            try:
                await self._askers.fetched(db, updates)
            except Exception:  # only a saving: each update reads its person itself
                log.exception("could not read who sent a batch of updates")
        return updates

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        """Keeps getUpdates' answer as Telegram sent it: dumping the parsed objects back
        to JSON would cost more than the rest of handling a check-in."""
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            self._raw_updates = {
                item["update_id"]: json.dumps(item, ensure_ascii=False)
                for item in result
                if isinstance(item, dict) and isinstance(item.get("update_id"), int)
            }
        return result

    async def answer_callback_query(
        self, callback_query_id: str, *args: Any, **kwargs: Any
    ) -> bool:
        if self._journal.pressed_before_crash(callback_query_id):
            return True
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as refused:
            if "query is too old" not in refused.message.lower():
                raise
            log.info("button press answered too late: %s", refused.message)
            return False

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_text(*args, **kwargs)
        except BadRequest as refused:
            return _unless_unchanged(refused)

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as refused:
            return _unless_unchanged(refused)


def _resolve(future: asyncio.Future[None], _: object) -> None:
    if not future.done():
        future.set_result(None)


def _unless_unchanged(refused: BadRequest) -> bool:
    if "message is not modified" not in refused.message.lower():
        raise refused
    log.info("edit left the message as it was: %s", refused.message)
    return True
