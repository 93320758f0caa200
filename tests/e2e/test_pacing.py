"""Telegram's flood limits with replies and the outbox writing to the same person at once.

The emulator enforces the limits (429 past them). Its clock is scaled as the push
benchmark's is: twenty messages a second per private chat instead of one, so a hundred
messages take seconds, not minutes; the bot is told the same scale. Nothing here asserts
a duration: a slow machine only makes the run longer (the waits are bounded generously),
because the pacing counts a chat's window from Telegram's answer, not from a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot import materials, notices, registry
from bot.access import load_actor
from bot.clock import FrozenClock
from bot.config import Settings
from sandbox.emulator import Emulator, FloodLimits
from sandbox.methods import SENDING
from storage import outbox as outbox_repo
from storage.models import NewMaterial, NewNotice
from tests.conftest import seed_county
from tests.e2e.flows import registered
from tests.harness import Harness, running

PER_CHAT = 20  # messages a second in one private chat (Telegram: 1)
OVERALL = 200


@contextlib.asynccontextmanager
async def bot_with_pace(
    emu: Emulator, settings: Settings, clock: FrozenClock, **scaled: object
) -> AsyncIterator[Harness]:
    """The bot with its replies paced, Telegram's limits scaled as ``scaled`` says."""
    async with running(
        Harness(
            emu=emu,
            settings=settings.model_copy(update=scaled),
            clock=clock,
            settle_timeout=180,
            paced=True,
        )
    ) as harness:
        yield harness


@pytest.fixture
async def paced(emu: Emulator, settings: Settings, clock: FrozenClock) -> AsyncIterator[Harness]:
    emu.flood_limits = FloodLimits(per_second=OVERALL, per_chat_per_second=PER_CHAT)
    async with bot_with_pace(
        emu, settings, clock, send_per_second=OVERALL, send_chat_seconds=1 / PER_CHAT
    ) as harness:
        yield harness


def to_chat(emu: Emulator, chat_id: int) -> int:
    """Messages sent or edited in a chat: what Telegram's limits count."""
    return sum(
        1
        for name, params in emu.calls
        if (name in SENDING or name.startswith("edit")) and params.get("chat_id") == chat_id
    )


async def queue_for_flowing(
    h: Harness, branch: int, materials_n: int, notices_n: int, tag: str
) -> None:
    for i in range(materials_n):
        await materials.push(
            h.db,
            h.clock,
            NewMaterial(
                scope_unit_id=branch,
                audience="flowing",
                title=f"{tag}材料{i:02d}",
                body="内容",
                created_by=1,
            ),
        )
    for i in range(notices_n):
        await notices.create(
            h.db,
            h.clock,
            NewNotice(
                sender=1,
                scope_unit_id=branch,
                audience="flowing",
                body=f"{tag}通知{i:02d}",
                send_at=h.clock.now(),
            ),
        )
    h.services.poke_outbox()


async def test_replies_and_the_outbox_to_one_person_keep_telegrams_limits(paced: Harness) -> None:
    h = paced
    county = await seed_county(h.db, h.clock)
    (person,) = await registered(h, county["east"], ["外出务工"], flowing=True)

    # A push and notices queue fifty messages for them while they type fifty commands.
    await queue_for_flowing(h, county["east"], 40, 10, "甲")
    for _ in range(25):
        h.emu.send_text(person.user, "/help")
        h.emu.send_text(person.user, "/study")
    await h.settle()

    # More notices, while they press "Studied" on ten materials (each press edits one).
    await queue_for_flowing(h, county["east"], 0, 10, "乙")
    for message in [
        m for m in h.emu.messages(person.user) if (m.text or "").startswith("📚 学习材料：甲材料")
    ][:10]:
        h.emu.press(person.user, message, "✅ 已学习")
    await h.settle()

    assert h.emu.stats["429"] == 0 and h.emu.flood_429_at == []
    assert to_chat(h.emu, person.id) == 25 + 25 + 40 + 10 + 10 + 10
    texts = person.sees()
    assert sum(t.startswith("我能为您做什么") for t in texts) == 25
    assert sum(t.startswith("📚 待学习") for t in texts) == 25
    assert sum(t.startswith("📚 学习材料：甲材料") for t in texts) == 40
    assert sum("甲通知" in t for t in texts) == 10 and sum("乙通知" in t for t in texts) == 10
    assert person.answers() == ["已记录，感谢您的学习！"] * 10
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {"sent": 60}


async def test_a_429_holds_that_chat_for_retry_after_and_the_reply_still_arrives(
    paced: Harness,
) -> None:
    h = paced
    county = await seed_county(h.db, h.clock)
    person, other = await registered(h, county["east"], ["外出甲", "外出乙"], flowing=True)
    arrivals: dict[int, list[float]] = {person.id: [], other.id: []}
    h.emu.subscribe(
        lambda chat, event, message: (
            arrivals[chat].append(time.monotonic())
            if event == "sent" and chat in arrivals
            else None
        )
    )
    h.emu.inject("sendMessage", retry_after=1)  # the reply's first try
    before = time.monotonic()
    h.emu.send_text(person.user, "/help")
    await h.settle()
    await queue_for_flowing(h, county["east"], 3, 0, "丙")
    await h.settle()

    assert person.sees()[0].startswith("我能为您做什么")
    assert arrivals[person.id][0] >= before + timedelta(seconds=1).total_seconds()
    assert len(arrivals[person.id]) == len(arrivals[other.id]) + 1 == 4
    assert h.emu.stats["429"] == 1 and h.emu.flood_429_at == []


async def test_an_update_waiting_for_its_chat_does_not_hold_up_other_people(
    emu: Emulator, settings: Settings, clock: FrozenClock
) -> None:
    # One update at a time, and a long window per chat: the newcomer's two replies (the
    # welcome and the first question) are five seconds apart. Someone else's /help,
    # sent after the link was opened, is answered in between — not after.
    async with bot_with_pace(
        emu, settings, clock, concurrent_updates=1, send_chat_seconds=5.0
    ) as h:
        county = await seed_county(h.db, h.clock)
        (member,) = await registered(h, county["east"], ["老党员"])
        staff = await load_actor(h.db, settings.admins[0], settings.admins)
        invite = await registry.create_invite(h.db, h.clock, county["east"], staff, days=1, uses=1)
        newcomer = h.person("新人")
        order: list[str] = []
        h.emu.subscribe(
            lambda chat, event, message: (
                order.append(f"{chat}:{(message.text or '')[:6]}") if event == "sent" else None
            )
        )
        h.emu.start_link(newcomer.user, invite.code)
        async with asyncio.timeout(60):  # the welcome is out: the question waits its turn
            await h.emu.until(lambda: bool(order))
        h.emu.send_text(member.user, "/help")
        await h.settle()
        assert order == [
            f"{newcomer.id}:您好！您正在",
            f"{member.id}:我能为您做什",
            f"{newcomer.id}:请问您的姓名",
        ]
