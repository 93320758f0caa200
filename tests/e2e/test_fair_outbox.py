"""One busy chat never holds up the others, and one person cannot queue without end.

A secretary who schedules a thousand sessions in one branch queues a thousand posts for
that branch's group, which Telegram lets through at twenty a minute. The outbox looks past
a chat at its limit, so a push to another branch's hundred members goes out at once
rather than after the group's backlog; and the form refuses the session past the day's
allowance (``ZHIBU_MEETINGS_PER_DAY``) in the secretary's language.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import materials, meetings
from bot.clock import FrozenClock
from bot.config import Settings
from sandbox.emulator import FloodLimits
from storage import outbox as outbox_repo
from storage.models import NewMaterial, NewMeeting
from tests.conftest import seed_county
from tests.e2e.flows import branch_group, make_secretary, registered, schedule
from tests.harness import Harness

MEMBERS = 100
BACKLOG = 1_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"meetings_per_day": 2})


async def test_a_group_backlog_does_not_hold_back_a_push_elsewhere(h: Harness) -> None:
    h.emu.flood_limits = FloodLimits()  # Telegram's own: 20 a minute in a group
    county = await seed_county(h.db, h.clock)
    secretary = await make_secretary(h, county["east"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary])
    starts = h.clock.now() + timedelta(days=3)
    for i in range(BACKLOG):  # not through the form: scripted, past the day's allowance
        await meetings.schedule(
            h.db,
            h.clock,
            NewMeeting(
                branch_id=county["east"],
                kind="study",
                starts_at=starts + timedelta(minutes=i),
                place="村委会",
                topic=f"第{i}次学习",
                created_by=secretary.id,
            ),
        )
    h.services.poke_outbox()
    async with asyncio.timeout(30):  # the group's minute allowance goes out
        await h.emu.until(lambda: len(h.emu.texts(group)) >= 20)

    members = await registered(h, county["west"], [f"西河{i:03d}" for i in range(MEMBERS)])
    await materials.push(
        h.db,
        h.clock,
        NewMaterial(
            scope_unit_id=county["west"],
            audience="all",
            title="西河学习材料",
            body="内容",
            created_by=1,
        ),
    )
    h.services.poke_outbox()
    # At 30 a second a hundred take under four seconds; behind the group's backlog they
    # would wait for its next minute at least.
    async with asyncio.timeout(25):
        await h.emu.until(lambda: all(m.sees() for m in members))

    assert all(m.sees() == [m.sees()[0]] and "西河学习材料" in m.sees()[0] for m in members)
    assert len(h.emu.texts(group)) == 20  # the group keeps its limit meanwhile
    assert not h.emu.refusals
    assert h.services.sender is not None
    await h.services.sender.stop()  # the last answers are written back
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {"sent": 20 + MEMBERS, "queued": BACKLOG - 20}


async def test_a_secretary_cannot_schedule_past_the_days_allowance(h: Harness) -> None:
    county = await seed_county(h.db, h.clock)
    secretary = await make_secretary(h, county["east"])
    await schedule(secretary, None, topic="第一次")
    await schedule(secretary, None, topic="第二次")

    await secretary.says("/meeting")
    assert secretary.last() == "您今天已安排 2 次会议，已达到每人每天的上限。请明天再安排下一次。"
    async with h.db.read() as c:
        assert [
            row[0] for row in await c.execute_fetchall("SELECT topic FROM meetings ORDER BY id")
        ] == ["第一次", "第二次"]

    assert isinstance(h.clock, FrozenClock)
    h.clock.advance(timedelta(days=1))  # a new day: the form opens again
    await schedule(secretary, None, when="后天 19:30", topic="第三次")
    assert secretary.last() == "已安排。"


async def test_the_allowance_holds_at_the_last_step_too(h: Harness) -> None:
    """A form opened before the allowance was used up (by a second form in another chat,
    or a script) is refused when it is confirmed, and ends: nothing half-scheduled."""
    county = await seed_county(h.db, h.clock)
    secretary = await make_secretary(h, county["east"])
    await secretary.says("/meeting")
    await secretary.presses("党课")
    await secretary.says("明天 19:30")
    await secretary.says("村委会会议室")
    await secretary.says("最后一次")
    await secretary.says("王书记")
    await secretary.presses("是")
    for i in range(2):
        await meetings.schedule(
            h.db,
            h.clock,
            NewMeeting(
                branch_id=county["east"],
                kind="study",
                starts_at=h.clock.now() + timedelta(days=2, minutes=i),
                place="村委会",
                topic=f"脚本{i}",
                created_by=secretary.id,
            ),
            per_day=2,
        )

    await secretary.presses("✅ 安排")
    assert secretary.last() == "您今天已安排 2 次会议，已达到每人每天的上限。请明天再安排下一次。"
    async with h.db.read() as c:
        assert [
            row[0] for row in await c.execute_fetchall("SELECT topic FROM meetings ORDER BY id")
        ] == ["脚本0", "脚本1"]
        assert await c.execute_fetchall("SELECT * FROM dialogs") == []
