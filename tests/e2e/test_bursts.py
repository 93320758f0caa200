"""One person's burst, or a crowd of newcomers, never keeps a member's press waiting.

A script presses the branch's check-in button two thousand times; two thousand people
who found the bot send /start at once. Meanwhile a member presses "check in" and must see
the answer before Telegram gives up on it (a spinner that never stops). Over the
emulator, as everywhere, with the throttle at its default (twenty in ten seconds).

Two bounds in wall time, measured with the emulator's own timestamps, are unavoidable
here: the property *is* a time. They are set far from both the new and the old
behaviour, so a loaded two-core machine passes and the old code fails clearly:

* the burst: with the throttle asked inside each person's turn, every dropped press was
  a turn of its own, after the previous one's mark in the journal (at least 5 ms each):
  2,000 presses kept the bot busy for over ten seconds; dropped on arrival, they cost a
  look-up each and the whole burst is through in a second or two (most of it fetching
  and parsing what Telegram hands over). Bound: 6 s.
* the crowd: with places handed out first come first served, the member's press waited
  behind every newcomer's /start (12 s on an idle machine); a press now takes the next
  free place (0.1 s). Bound: 2 s, well inside Telegram's deadline for an answer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from sandbox.emulator import SimChat, SimMessage
from storage import meetings as meeting_repo
from tests.conftest import seed_county
from tests.e2e.flows import branch_group, make_secretary, registered, schedule
from tests.e2e.test_meetings import TOMORROW_1930
from tests.harness import Harness, Person

BURST = 2_000
WELCOMED = "✅ 签到成功，欢迎！"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"user_updates_limit": 20})  # the default


async def check_in_open(
    h: Harness, clock: FrozenClock
) -> tuple[int, SimChat, SimMessage, Person, Person]:
    """A branch's session whose check-in post is up in the group, and two members."""
    h.settle_timeout = 300  # the crowd's two thousand welcomes, on a loaded machine
    county = await seed_county(h.db, clock)
    secretary = await make_secretary(h, county["east"])
    flooder, member = await registered(h, county["east"], ["刷屏者", "老党员"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, flooder, member])
    await schedule(secretary, group, remote="否")
    clock.set(TOMORROW_1930 - timedelta(minutes=10))
    await h.tick()
    return county["east"], group, h.emu.last(group), flooder, member


async def press_and_wait(h: Harness, person: Person, post: SimMessage) -> float:
    """Press "check in"; seconds until the emulator received the answer."""
    pressed = time.monotonic()
    query = h.emu.press(person.user, post, "✅ 签到")
    async with asyncio.timeout(120):
        await h.emu.until(
            lambda: any(a.query_id == query for a in h.emu.callback_answers(person.user))
        )
    answer = next(a for a in h.emu.callback_answers(person.user) if a.query_id == query)
    assert answer.text == WELCOMED
    return answer.at - pressed


async def in_the_journal(h: Harness, update_id: int) -> None:
    """Wait until the bot has fetched (and written down) this update."""
    async with asyncio.timeout(120):
        while True:
            async with h.db.read() as c:
                if await c.execute_fetchall(
                    "SELECT 1 FROM inbox WHERE update_id = ?", (update_id,)
                ):
                    return
            await asyncio.sleep(0.02)


async def present(h: Harness, branch: int) -> set[str]:
    async with h.db.read() as c:
        return {p.name for p in await meeting_repo.attendees(c, 1) if p.status == "present"}


async def test_a_burst_of_presses_is_through_at_once_and_others_are_answered(
    h: Harness, clock: FrozenClock
) -> None:
    branch, group, post, flooder, member = await check_in_open(h, clock)
    for _ in range(BURST):
        h.emu.press(flooder.user, post, "✅ 签到")
    burst = set(h.emu.update_ids_queued[-BURST:])
    started = time.monotonic()
    # Behind all two thousand in Telegram's queue: the worst place to be.
    waited = await press_and_wait(h, member, post)
    async with asyncio.timeout(120):
        await h.emu.until(lambda: burst <= h.processor.done)
    through = time.monotonic() - started
    await h.settle()

    assert waited < 6, f"the member waited {waited:.1f} s"
    assert through < 6, f"the burst took {through:.1f} s"
    # Twenty presses were handled and the first one over the limit (one check-in; the
    # copies only stop their spinner); the rest were dropped unseen, and nothing was said
    # in the group.
    assert flooder.answers() == [WELCOMED] + [""] * 20
    assert member.answers() == [WELCOMED]
    assert [t for t in h.emu.texts(group) if "太快" in t] == []
    assert await present(h, branch) == {"刷屏者", "老党员"}


async def test_a_crowd_of_newcomers_does_not_hold_up_a_members_press(
    h: Harness, clock: FrozenClock
) -> None:
    branch, _, post, _, member = await check_in_open(h, clock)
    newcomers = [h.person(f"新人{i:04d}") for i in range(BURST)]
    for newcomer in newcomers:
        h.emu.send_text(newcomer.user, "/start")
    await in_the_journal(h, h.emu.update_ids_queued[-1])  # all in the bot, queued for places
    waited = await press_and_wait(h, member, post)
    await h.settle()

    assert waited < 2, f"the member waited {waited:.1f} s"
    # The newcomers are answered too, each once, as before.
    assert {len(n.sees()) for n in newcomers} == {1}
    assert await present(h, branch) == {"老党员"}
