"""Who is asking is read once per fetched batch (bot/askers.py), and never stale: a change
the bot makes to a person is seen by their next update, even from the same batch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.harness import Harness

ONE = "FROM (SELECT 1) LEFT JOIN users u"  # storage/people.py, one person
BATCH = "q LEFT JOIN users u ON u.telegram_id = q.value"  # the same, for a batch


@asynccontextmanager
async def _statements(h: Harness) -> AsyncIterator[list[str]]:
    """What the bot's read connection runs meanwhile (SQLite's own trace)."""
    seen: list[str] = []
    reader = h.db._reader
    assert reader is not None
    await reader.set_trace_callback(seen.append)  # on SQLite's thread, as it runs
    try:
        yield seen
    finally:
        await reader.set_trace_callback(None)  # type: ignore[arg-type]


async def test_a_batch_of_people_is_read_in_one_query(h: Harness) -> None:
    people = [h.person(name) for name in ("甲", "乙", "丙", "丁")]
    for person in people:
        await person.says("/help")  # each known to the bot, one at a time
    async with _statements(h) as seen:
        for person in people:
            h.emu.send_text(person.user, "/help")  # one batch
        await h.settle()
    assert [p.last().startswith("我能为您做什么") for p in people] == [True] * 4
    assert len([s for s in seen if BATCH in s]) == 1
    assert [s for s in seen if ONE in s] == []


async def test_a_language_chosen_is_seen_by_the_next_update_of_the_same_batch(h: Harness) -> None:
    tourist = h.person("Tourist", language="en")
    await tourist.says("/lang")
    choice = tourist.message_with_button("简体中文")
    async with _statements(h) as seen:
        h.emu.press(tourist.user, choice, "简体中文")  # both fetched together, read
        h.emu.send_text(tourist.user, "/help")  # together: the second after the change
        await h.settle()
    assert len([s for s in seen if BATCH in s]) == 1
    assert tourist.sees()[-2:] == ["语言已设为：简体中文。", tourist.last()]
    assert tourist.last().startswith("我能为您做什么")
    async with h.db.read() as c:
        rows = await c.execute_fetchall(
            "SELECT language FROM users WHERE telegram_id = ?", (tourist.id,)
        )
    assert [r[0] for r in rows] == ["zh"]
