"""Bulletins built once and drawn off the event loop (#16).

On the 1st of a quarter's first month three staff members — two reading Chinese, one
English — get last month's and last quarter's bulletins and the half-year contact-point
bulletin. Each bulletin is built once and rendered once per language, in a worker
thread, however many people and parts; a restart half-way sends what is left without
building anything again; and while a bulletin is being drawn, /help is answered.

The build and render functions are wrapped to count their calls (the bot itself is the
real one, over the emulator).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot import bulletins, reports
from bot.clock import FrozenClock
from bot.config import Settings
from bot.schedule import tick
from sandbox.emulator import Emulator, SimUser
from storage import rendered as rendered_repo
from storage.models import OutboxRow
from storage.rows import fetch_all
from tests.e2e.test_bulletins import _session
from tests.harness import Harness, Person

QUARTER_DAY = datetime.fromisoformat("2027-01-01T09:00:00+08:00")
HEADINGS = {  # how each language's bulletins begin
    "zh": (
        "📊 工作通报：青山县，2026-12-01 – 2026-12-31",
        "📊 工作通报：青山县，2026-10-01 – 2026-12-31",
        "📊 联系点工作通报，2026-07 – 2026-12",
    ),
    "en": (
        "📊 Bulletin: 青山县, 2026-12-01 – 2026-12-31",
        "📊 Bulletin: 青山县, 2026-10-01 – 2026-12-31",
        "📊 Contact-point bulletin, 2026-07 – 2026-12",
    ),
}


@pytest.fixture
def colleagues(emu: Emulator) -> list[SimUser]:
    return [
        emu.add_user("组织部小王", language_code="zh-hans"),
        emu.add_user("Ann", language_code="en"),
    ]


@pytest.fixture
def settings(settings: Settings, colleagues: list[SimUser]) -> Settings:
    return settings.model_copy(
        update={"admins": [*settings.admins, *(user.id for user in colleagues)]}
    )


class Calls:
    """How often each build and render ran, for what, and in which threads."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.threads: set[threading.Thread] = set()

    def wrap(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        original: Callable[..., Any] = getattr(module, name)
        if asyncio.iscoroutinefunction(original):

            async def built(*args: Any, **kwargs: Any) -> Any:
                made = await original(*args, **kwargs)
                self.counts[(name, str(made.start))] += 1
                return made

            monkeypatch.setattr(module, name, built)
        else:

            def rendered(tr: Any, made: Any, *args: Any) -> Any:
                self.threads.add(threading.current_thread())
                self.counts[(name, f"{made.start} {tr.language}")] += 1
                return original(tr, made, *args)

            monkeypatch.setattr(module, name, rendered)

    @classmethod
    def on(cls, monkeypatch: pytest.MonkeyPatch) -> Calls:
        calls = cls()
        for module, names in (
            (bulletins, ("build", "parts")),
            (reports, ("visit_bulletin", "bulletin_parts")),
        ):
            for name in names:
                calls.wrap(monkeypatch, module, name)
        return calls


async def _three_staff(
    h: Harness, county: dict[str, int], staff: Person, colleagues: list[SimUser]
) -> list[Person]:
    people = [staff, *(Person(h, user) for user in colleagues)]
    for person in people:  # staff who opened the bot get what is sent by itself
        await person.says("/start")
    # Something recorded in December, so the bulletins carry a spreadsheet and a chart.
    await _session(
        h, county["east"], "committee", date(2026, 12, 8), [county["roster:0001"]], staff.id
    )
    return people


async def _rows_of(h: Harness, person: Person) -> list[OutboxRow]:
    async with h.db.read() as c:
        return await fetch_all(
            c,
            OutboxRow,
            "SELECT * FROM outbox WHERE chat_id = ? AND kind IN "
            "('bulletin', 'visit_bulletin') ORDER BY id",
            (person.id,),
        )


async def _everyone_has_everything(h: Harness, people: list[Person], seen: dict[int, int]) -> None:
    """Every part of every bulletin reached each person once, in their language."""
    for person, language in zip(people, ("zh", "zh", "en"), strict=True):
        rows = await _rows_of(h, person)
        assert rows and {row.state for row in rows} == {"sent"}
        assert {row.payload["language"] for row in rows} == {language}
        got = h.emu.messages(person.user)[seen[person.id] :]
        assert len(got) == len(rows), (person.user.first_name, len(got), len(rows))
        assert sorted(m.message_id for m in got) == sorted(row.message_id or 0 for row in rows)
        texts = [m.text or "" for m in got]
        for heading in HEADINGS[language]:
            assert any(text.startswith(heading) for text in texts), (heading, texts)
        names = [m.document["file_name"] for m in got if m.document]
        assert sorted(name[-26:] for name in names) == [
            "2026-07-01_2026-12-31.xlsx",
            "2026-10-01_2026-12-31.xlsx",
            "2026-12-01_2026-12-31.xlsx",
        ]
        assert sum("photo" in m.media for m in got) == 2  # no leaders: no visits chart


async def test_each_bulletin_is_built_once_and_rendered_once_per_language(
    h: Harness,
    county: dict[str, int],
    staff: Person,
    colleagues: list[SimUser],
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = await _three_staff(h, county, staff, colleagues)
    seen = {person.id: len(h.emu.messages(person.user)) for person in people}
    calls = Calls.on(monkeypatch)
    clock.set(QUARTER_DAY)
    await h.tick()
    await h.tick()  # the next minute's tick finds everything queued already

    assert calls.counts == Counter(
        {
            ("build", "2026-12-01"): 1,
            ("build", "2026-10-01"): 1,
            ("visit_bulletin", "2026-07-01"): 1,
            ("parts", "2026-12-01 zh"): 1,
            ("parts", "2026-12-01 en"): 1,
            ("parts", "2026-10-01 zh"): 1,
            ("parts", "2026-10-01 en"): 1,
            ("bulletin_parts", "2026-07-01 zh"): 1,
            ("bulletin_parts", "2026-07-01 en"): 1,
        }
    )
    assert threading.main_thread() not in calls.threads  # drawn off the event loop
    await _everyone_has_everything(h, people, seen)

    # All gone out: the stored parts are forgotten at the next day's first tick.
    quarter = f"bulletin:quarter:2026-10-01:2027-01-01:{county['county']}"
    async with h.db.read() as c:
        assert await rendered_repo.get(c, quarter, "en", 0) is not None
    clock.set(QUARTER_DAY + timedelta(days=1))
    await h.tick()
    async with h.db.read() as c:
        assert await rendered_repo.get(c, quarter, "en", 0) is None


async def test_a_restart_half_way_sends_the_rest_without_building_again(
    h: Harness,
    county: dict[str, int],
    staff: Person,
    colleagues: list[SimUser],
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = await _three_staff(h, county, staff, colleagues)
    seen = {person.id: len(h.emu.messages(person.user)) for person in people}
    clock.set(QUARTER_DAY)
    await tick(h.services)  # queued; the outbox starts sending (a message a second a chat)

    def arrived() -> int:
        return sum(len(h.emu.messages(p.user)) - seen[p.id] for p in people)

    async with asyncio.timeout(30):
        await h.emu.until(lambda: arrived() > 0)
    await h.stop()
    before_restart = arrived()

    calls = Calls.on(monkeypatch)
    await h.start()
    await h.tick()  # the same morning: nothing is queued or built again
    assert calls.counts == Counter()
    total = sum([len(await _rows_of(h, person)) for person in people])
    assert 0 < before_restart < total  # the restart was half-way
    await _everyone_has_everything(h, people, seen)


async def test_help_is_answered_while_a_bulletin_is_drawn(
    h: Harness,
    county: dict[str, int],
    staff: Person,
    colleagues: list[SimUser],
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _three_staff(h, county, staff, colleagues)
    drawing, go_on = threading.Event(), threading.Event()
    found: dict[str, Any] = {}
    parts = bulletins.parts

    def slow_parts(tr: Any, made: bulletins.Bulletin) -> Any:
        """The render holds until the test has its answer to /help (at most 10 s)."""
        found["thread"] = threading.current_thread()
        drawing.set()
        found["waited for /help"] = go_on.wait(10)
        return parts(tr, made)

    monkeypatch.setattr(bulletins, "parts", slow_parts)
    clock.set(datetime.fromisoformat("2026-12-01T09:00:00+08:00"))
    ticking = asyncio.create_task(tick(h.services))
    assert await asyncio.to_thread(drawing.wait, 30)
    before = len(staff.sees())
    await staff.says("/help")
    answered = staff.sees()[before:]
    go_on.set()
    await ticking
    await h.settle()
    assert found["waited for /help"], "the render held the event loop: /help waited for it"
    assert found["thread"] is not threading.main_thread()
    assert answered and "/report" in answered[0]
    assert not any(text.startswith("📊 工作通报") for text in answered)
    assert any(
        text.startswith("📊 工作通报：青山县，2026-11-01 – 2026-11-30")
        for text in staff.sees()[before:]
    )
