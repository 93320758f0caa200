"""The outbox sender against the emulator's faults: nothing lost, nothing sent twice.

These drive the sender directly (a real Bot over HTTP, a real database) with rows whose
text is in the payload, rendered by this test's own renderer, so each fault is seen in
isolation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.aiohttp_request import AiohttpRequest
from bot.clock import Clock, FrozenClock
from bot.delivery import Outgoing, Renderer, Sender, SendLimits
from bot.pacing import PaceLimits, Pacer
from sandbox.emulator import Emulator, FloodLimits, SimUser
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow
from tests.conftest import START

#: The kind of the rows (any: the senders here know only this test's renderer).
KIND = OutboxKind.NOTICE


async def _render(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    if row.payload.get("drop"):
        return None
    return Outgoing(str(row.payload["text"]))


RENDER: dict[OutboxKind, Renderer] = {KIND: _render}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture(params=["aiohttp", "httpx"])
async def bot(emu: Emulator, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """The outbox's HTTP backend (bot/aiohttp_request.py), and PTB's own: faults end the
    same way through either."""
    backend = AiohttpRequest if request.param == "aiohttp" else HTTPXRequest
    client = Bot(
        emu.token,
        base_url=emu.base_url,
        request=backend(connection_pool_size=16, read_timeout=0.5, connect_timeout=0.5),
    )
    async with client:
        yield client


def people(emu: Emulator, n: int) -> list[SimUser]:
    users = [emu.add_user(f"成员{i}") for i in range(n)]
    for user in users:
        user.started = True
    return users


async def queue(db: Database, rows: Sequence[tuple[str, int, Mapping[str, object]]]) -> None:
    async with db.tx() as c:
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(key, chat, KIND, None, dict(payload))
                for key, chat, payload in rows
            ],
            FrozenClock(START).now(),
        )


async def run(sender: Sender, seconds: float = 30) -> None:
    sender.start()
    try:
        async with asyncio.timeout(seconds):
            await sender.wait_idle()
    finally:
        await sender.stop()


async def states(db: Database) -> dict[str, str]:
    async with db.read() as c, c.execute("SELECT key, state FROM outbox ORDER BY id") as cur:
        return {str(k): str(s) for k, s in await cur.fetchall()}


async def test_faults_end_in_sent_or_explained(emu: Emulator, db: Database, bot: Bot) -> None:
    users = people(emu, 8)
    blocked = emu.add_user("拉黑了")
    blocked.started = True
    emu.block(blocked)
    await queue(
        db,
        [
            *[(f"u{i}", u.id, {"text": f"你好 {i}"}) for i, u in enumerate(users)],
            ("blocked", blocked.id, {"text": "hi"}),
            ("nobody", 987654, {"text": "hi"}),
            ("bad-html", users[0].id + 0, {"text": "<b>未闭合"}),
            ("dropped", users[1].id, {"text": "x", "drop": True}),
        ],
    )
    emu.inject("sendMessage", retry_after=1)
    emu.inject("sendMessage", error_code=502, description="Bad Gateway", times=2)
    sender = Sender(bot, db, FrozenClock(START), SendLimits(per_second=200), renderers=RENDER)

    await run(sender)

    assert await states(db) == {
        **{f"u{i}": "sent" for i in range(8)},
        "blocked": "unreachable",
        "nobody": "unreachable",
        "bad-html": "failed",
        "dropped": "dropped",
    }
    for i, user in enumerate(users):
        expected = [f"你好 {i}"]
        assert emu.texts(user) == expected
    assert (sender.stats["429"], sender.stats["retried"]) == (1, 2)
    async with db.read() as c:
        failed = await outbox_repo.by_key(c, "bad-html")
        sent = await outbox_repo.by_key(c, "u3")
    assert failed is not None and "can't parse entities" in (failed.error or "").lower()
    assert sent is not None and sent.message_id == emu.last(users[3]).message_id


async def test_a_timeout_is_retried_and_only_that_message_may_come_twice(
    emu: Emulator, db: Database, bot: Bot
) -> None:
    users = people(emu, 5)
    await queue(db, [(f"u{i}", u.id, {"text": f"第{i}条"}) for i, u in enumerate(users)])
    emu.stall("sendMessage", seconds=1.0, times=1)
    sender = Sender(bot, db, FrozenClock(START), SendLimits(per_second=100), renderers=RENDER)
    await run(sender)
    assert set((await states(db)).values()) == {"sent"}
    copies = sorted(len(emu.texts(u)) for u in users)
    assert copies in ([1, 1, 1, 1, 1], [1, 1, 1, 1, 2])  # the stalled one may arrive twice
    assert sender.stats["retried"] == 1


async def test_per_chat_and_overall_pacing_keep_telegram_happy(
    emu: Emulator, db: Database, bot: Bot
) -> None:
    users = people(emu, 30)
    emu.flood_limits = FloodLimits(per_second=40, per_chat_per_second=1)
    rows = [(f"a{i}", u.id, {"text": "一"}) for i, u in enumerate(users)]
    rows += [(f"b{i}", users[0].id, {"text": f"再{i}"}) for i in range(3)]
    await queue(db, rows)
    sender = Sender(bot, db, FrozenClock(START), SendLimits(per_second=40), renderers=RENDER)
    await run(sender)
    assert emu.stats["429"] == 0
    assert emu.texts(users[0]) == ["一", "再0", "再1", "再2"]
    assert all(emu.texts(u) == ["一"] for u in users[1:])


async def test_the_server_away_for_a_while_loses_nothing(
    emu: Emulator, db: Database, bot: Bot
) -> None:
    users = people(emu, 4)
    await queue(db, [(f"u{i}", u.id, {"text": "通知"}) for i, u in enumerate(users)])
    await emu.go_offline()
    sender = Sender(bot, db, FrozenClock(START), SendLimits(per_second=100), renderers=RENDER)
    sender.start()
    await asyncio.sleep(0.3)  # real time: the sender meets a refused connection
    await emu.go_online()
    try:
        async with asyncio.timeout(30):
            await sender.wait_idle()
    finally:
        await sender.stop()
    assert set((await states(db)).values()) == {"sent"}
    assert all(emu.texts(u) == ["通知"] for u in users)
    assert sender.stats["retried"] >= 1


async def test_stopping_midway_and_starting_again_sends_each_once(
    emu: Emulator, db: Database, bot: Bot
) -> None:
    users = people(emu, 60)
    await queue(db, [(f"u{i}", u.id, {"text": "材料"}) for i, u in enumerate(users)])
    first = Sender(bot, db, FrozenClock(START), SendLimits(per_second=60), renderers=RENDER)
    first.start()
    async with asyncio.timeout(30):
        await emu.until(lambda: emu.stats["sent"] >= 10)
    await first.stop()
    assert 10 <= emu.stats["sent"] < 60
    await run(Sender(bot, db, FrozenClock(START), SendLimits(per_second=200), renderers=RENDER))
    assert all(emu.texts(u) == ["材料"] for u in users)
    assert set((await states(db)).values()) == {"sent"}


async def test_queueing_the_same_key_twice_sends_once(db: Database) -> None:
    await queue(db, [("same", 1, {"text": "a"})])
    await queue(db, [("same", 1, {"text": "b"}), ("other", 1, {"text": "c"})])
    async with db.read() as c:
        assert await outbox_repo.counts(c) == {"queued": 2}
        row = await outbox_repo.by_key(c, "same")
    assert row is not None and row.payload == {"text": "a"}


async def test_a_row_waiting_for_a_reply_in_its_chat_is_sent_once_the_reply_is_answered(
    emu: Emulator, db: Database, bot: Bot
) -> None:
    (user,) = people(emu, 1)
    pacer = Pacer(PaceLimits(per_second=100, per_chat_seconds=0.05))
    await pacer.wait_chat(user.id)  # a reply to this person is on its way
    await queue(db, [("after-the-reply", user.id, {"text": "通知"})])
    sender = Sender(
        bot, db, FrozenClock(START), SendLimits(per_second=100), pacer, renderers=RENDER
    )
    sender.start()
    try:
        await asyncio.sleep(0.2)
        assert emu.texts(user) == []  # not beside the reply
        pacer.done(user.id, started=False)  # the reply is answered; nobody pokes the sender
        async with asyncio.timeout(30):
            await emu.until(lambda: emu.texts(user) == ["通知"])
    finally:
        await sender.stop()
