"""The system clock steps back an hour (an NTP correction, a restored VM) or forward a day
while the bot runs: the scheduler keeps ticking, what is due at the clock's new "now"
goes out, and nothing goes out twice.

The bot's tick runs for real here (every second); the clock it reads is the machine's
wall clock with a step the test moves — and the same step is given to APScheduler's
notion of "now", which is what froze the old minute job for as long as the step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, tzinfo

import pytest

from bot import notices
from bot.clock import Clock
from bot.config import Settings
from bot.schedule import Ticker
from sandbox.emulator import Emulator
from storage.models import NewNotice
from tests.conftest import seed_county
from tests.e2e.flows import registered
from tests.harness import Harness, Person, running


class SteppedClock(Clock):
    """The machine's wall clock, stepped by ``step`` (either way)."""

    step = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(self.tz) + self.step


@pytest.fixture
async def ticking(
    emu: Emulator, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    clock = SteppedClock(settings.timezone)

    class SteppedDatetime(datetime):  # what APScheduler asks for "now", stepped alike
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> SteppedDatetime:
            moment = datetime.now(tz) + clock.step
            return cls.fromtimestamp(moment.timestamp(), moment.tzinfo)

    import apscheduler.schedulers.base  # type: ignore[import-untyped]

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", SteppedDatetime)
    harness = Harness(
        emu=emu, settings=settings.model_copy(update={"tick_seconds": 1}), clock=clock, ticking=True
    )
    async with running(harness):
        yield harness


async def notice_at(h: Harness, branch: int, body: str, at: datetime) -> None:
    await notices.create(
        h.db,
        h.clock,
        NewNotice(sender=1, scope_unit_id=branch, audience="everyone", body=body, send_at=at),
    )


async def everyone_sees(h: Harness, people: list[Person], body: str, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        await h.emu.until(lambda: all(any(body in t for t in p.sees()) for p in people))


async def test_a_clock_stepped_back_or_forward_stops_nothing_and_doubles_nothing(
    ticking: Harness,
) -> None:
    h = ticking
    assert isinstance(h.clock, SteppedClock)
    county = await seed_county(h.db, h.clock)
    members = await registered(h, county["east"], ["甲", "乙", "丙"])
    await notice_at(h, county["east"], "第一条通知", h.clock.now() + timedelta(seconds=2))
    await everyone_sees(h, members, "第一条通知", 20)  # the beat runs

    h.clock.step -= timedelta(hours=1)  # NTP steps the clock back an hour
    await notice_at(h, county["east"], "第二条通知", h.clock.now() + timedelta(seconds=2))
    await everyone_sees(h, members, "第二条通知", 20)  # due at the new "now": sent now
    # Due an hour from the clock's new now: not yet, whatever the old clock said.
    await notice_at(h, county["east"], "第三条通知", h.clock.now() + timedelta(minutes=30))

    h.clock.step += timedelta(days=1)  # and then a day forward
    await everyone_sees(h, members, "第三条通知", 20)
    ticker = h.services.ticker
    assert isinstance(ticker, Ticker)
    ticks = ticker.ticks
    await asyncio.sleep(2.5)  # real seconds: the beat's own, which no clock step moves
    assert ticker.ticks >= ticks + 2
    await h.settle()
    for member in members:  # each once: a tick after a step repeats nothing
        for body in ("第一条通知", "第二条通知", "第三条通知"):
            assert sum(body in t for t in member.sees()) == 1
