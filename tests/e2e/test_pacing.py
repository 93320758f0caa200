"""Telegram's flood limits with replies and the outbox writing to the same person at once.

The emulator enforces the limits (429 past them). Its clock is scaled as the push
benchmark's is: twenty messages a second per private chat instead of one, so a hundred
messages take seconds, not minutes; the bot is told the same scale. Nothing here asserts
a duration: a slow machine only makes the run longer (the waits are bounded generously),
because the pacing counts a chat's window from Telegram's answer, not from a timer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot import materials, notices
from bot.clock import FrozenClock
from bot.config import Settings
from bot.materials import Draft
from bot.notices import NoticeDraft
from bot.sandbox.emulator import Emulator, FloodLimits
from bot.sandbox.methods import SENDING
from storage import outbox as outbox_repo
from tests.conftest import seed_county
from tests.e2e.flows import registered
from tests.harness import Harness

PER_CHAT = 20  # messages a second in one private chat (Telegram: 1)
OVERALL = 200


@pytest.fixture
async def paced(emu: Emulator, settings: Settings, clock: FrozenClock
                ) -> AsyncIterator[Harness]:
    emu.flood_limits = FloodLimits(per_second=OVERALL, per_chat_per_second=PER_CHAT)
    scaled = settings.model_copy(update={"send_per_second": OVERALL,
                                         "send_chat_seconds": 1 / PER_CHAT})
    harness = Harness(emu=emu, settings=scaled, clock=clock, settle_timeout=180, paced=True)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    assert not harness.errors, f"the bot raised: {harness.errors!r}"
    assert not emu.refusals, f"the bot sent what Telegram would refuse: {emu.refusals!r}"


def to_chat(emu: Emulator, chat_id: int) -> int:
    """Messages sent or edited in a chat: what Telegram's limits count."""
    return sum(1 for name, params in emu.calls
               if (name in SENDING or name.startswith("edit")) and params.get("chat_id") == chat_id)


async def queue_for_flowing(h: Harness, branch: int, materials_n: int, notices_n: int,
                            tag: str) -> None:
    for i in range(materials_n):
        await materials.push(h.db, h.clock, Draft(branch, "flowing", f"{tag}材料{i:02d}", "内容"),
                             by=1)
    for i in range(notices_n):
        await notices.create(h.db, h.clock, NoticeDraft(branch, "flowing", f"{tag}通知{i:02d}",
                                                        None, None, False, h.clock.now()), 1)
    h.services.poke_outbox()


async def test_replies_and_the_outbox_to_one_person_keep_telegrams_limits(
        paced: Harness) -> None:
    h = paced
    county = await seed_county(h.db, h.clock)
    person, = await registered(h, county["east"], ["外出务工"], flowing=True)

    # A push and notices queue fifty messages for them while they type fifty commands.
    await queue_for_flowing(h, county["east"], 40, 10, "甲")
    for _ in range(25):
        h.emu.send_text(person.user, "/help")
        h.emu.send_text(person.user, "/study")
    await h.settle()

    # More notices, while they press "Studied" on ten materials (each press edits one).
    await queue_for_flowing(h, county["east"], 0, 10, "乙")
    for message in [m for m in h.emu.messages(person.user)
                    if (m.text or "").startswith("📚 学习材料：甲材料")][:10]:
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
        paced: Harness) -> None:
    h = paced
    county = await seed_county(h.db, h.clock)
    person, other = await registered(h, county["east"], ["外出甲", "外出乙"], flowing=True)
    arrivals: dict[int, list[float]] = {person.id: [], other.id: []}
    h.emu.subscribe(lambda chat, event, message: arrivals[chat].append(time.monotonic())
                    if event == "sent" and chat in arrivals else None)
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
