"""A chat gets its messages in the order they were queued, whatever the pacer would allow
at once: a secretary asked to confirm a visit reads the voice record, then the map, then
the request that says "see above" — never the request first (seen on CI, where a slow
moment let a later row start while an earlier one of the same chat was still under way)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.aiohttp_request import AiohttpRequest
from bot.clock import FrozenClock
from bot.delivery import Outgoing, Sender, SendLimits
from bot.pacing import PaceLimits, Pacer
from sandbox.emulator import Emulator
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow
from tests.conftest import START


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with a token of its own: a bare Bot logs its URL."""
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


async def _line(db: Database, clock: object, row: OutboxRow) -> Outgoing:
    return Outgoing(str(row.payload["text"]))


@pytest.mark.parametrize("where", ["group", "private chat with no per-chat wait"])
async def test_a_slow_first_message_is_not_overtaken_by_the_next_ones_in_its_chat(
    emu: Emulator, db: Database, where: str
) -> None:
    # A group may take twenty messages at once, and a pacer without a per-chat window lets
    # a private chat take the next one as soon as it is free: neither is the order's keeper.
    user = emu.add_user("南坡书记")
    user.started = True
    chat_id = emu.add_group("南坡村党支部", members=[user]).id if where == "group" else user.id
    clock = FrozenClock(START)
    texts = [f"第{i}条" for i in range(1, 6)]
    async with db.tx() as c:
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"line:{i}", chat_id, OutboxKind.NOTICE, payload={"text": text}
                )
                for i, text in enumerate(texts)
            ],
            clock.now(),
        )
    emu.stall("sendMessage", seconds=0.3)  # the first one is answered late
    pacer = Pacer(PaceLimits(per_second=200, per_chat_seconds=0.0))
    async with Bot(
        emu.token, base_url=emu.base_url, request=AiohttpRequest(connection_pool_size=16)
    ) as client:
        sender = Sender(
            client,
            db,
            clock,
            SendLimits(per_second=200),
            pacer=pacer,
            renderers={OutboxKind.NOTICE: _line},
        )
        sender.start()
        try:
            async with asyncio.timeout(30):
                await sender.wait_idle()
        finally:
            await sender.stop()

    assert emu.texts(chat_id) == texts
    async with db.read() as c:
        states = {
            (await outbox_repo.by_key(c, f"line:{i}")).state  # type: ignore[union-attr]
            for i in range(len(texts))
        }
    assert states == {"sent"}
