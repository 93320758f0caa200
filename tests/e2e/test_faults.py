"""A busy spell under Telegram's faults: 5% of the messages to members fail at random
(502s and answers too late for the client), one 429, and the Bot API server away for a
moment. Nothing is lost: every outbox row ends delivered, and a member gets a message at
most twice (only when a late answer was in flight)."""

from __future__ import annotations

from bot import materials, notices
from storage import outbox as outbox_repo
from storage.models import NewNotice
from tests.e2e.flows import make_secretary, registered
from tests.harness import Harness, Person


async def test_nothing_is_lost_under_random_faults(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    secretary = await make_secretary(h, county["east"])
    members = await registered(h, county["east"], [f"外出{i:02d}" for i in range(40)], flowing=True)
    h.emu.random_faults(0.05, seed=11, chats={m.id for m in members})
    h.emu.random_stall = 6.0  # longer than the 5 s the bot waits for an answer

    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（40）")
    await secretary.says("故障演练材料")
    await secretary.says("内容")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 40 人")
    h.emu.inject("sendMessage", retry_after=1)  # the next message, from the outbox: a 429
    await notices.create(
        h.db,
        h.clock,
        NewNotice(
            sender=staff.id,
            scope_unit_id=county["east"],
            audience="flowing",
            body="故障演练通知",
            send_at=h.clock.now(),
        ),
    )
    h.services.poke_outbox()
    await h.emu.go_offline()
    await h.emu.go_online()
    await h.settle()

    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {"sent": 80}
    for member in members:
        texts = member.sees()
        assert 1 <= sum("故障演练材料" in t for t in texts) <= 2
        assert 1 <= sum("故障演练通知" in t for t in texts) <= 2
    assert h.emu.stats.get("random_faults", 0) > 0
    for member in members[:10]:
        await member.presses("✅ 已学习")
    (material,) = await materials.overview(h.db, None)
    assert (material.studied, material.delivered, material.unreachable) == (10, 40, 0)
