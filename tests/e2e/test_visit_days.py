"""Contact-point days are calendar days at the point: once a date, each in its own month,
asked from the appointment on, and "so far" while the month is under way."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import FrozenClock
from storage import visits as visit_repo
from tests.e2e.flows import make_leader
from tests.harness import Harness, Person

SHANGHAI = "+08:00"


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment + SHANGHAI)


async def logs(leader: Person, day: str, days: str) -> None:
    """A day of research, typed as a leader would: the first day, how many days."""
    await leader.says("/visit")
    await leader.says(day)
    await leader.says(days)
    await leader.presses("调查研究")
    await leader.says("走访了几户群众。")
    await leader.presses("没有")
    await leader.presses_keyboard("跳过")
    await leader.presses("✅ 保存")


def bulletin_line(staff: Person, name: str) -> str:
    text = next(t for t in reversed(staff.sees()) if t.startswith("📊 联系点工作通报"))
    return next(line for line in text.splitlines() if f"{name}（" in line)


async def half_year_so_far(staff: Person) -> None:
    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("本半年至今")


async def test_a_visit_across_the_month_end_and_a_day_logged_twice(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    clock.set(at("2026-12-02T18:00:00"))

    # Three days from 30 November: 1 day in November, 2 in December.
    await logs(leader, "11-30", "3")
    assert leader.last() == "已保存。本月截至目前：2 / 3 天。"
    # 1 December again, and half of 2 December: both dates are counted already.
    await logs(leader, "12-01", "1.5")
    assert leader.sees()[-1] == (
        "已保存。本月截至目前：2 / 3 天。\n12-01、12-02 已经记录过了：同一天只计一次。"
    )
    # Half a day on a date not yet logged counts half.
    await logs(leader, "11-29", "0.5")
    assert leader.last() == "已保存。本月截至目前：2 / 3 天。"

    await leader.says("/visits")
    standing = leader.last()
    assert standing.startswith("📍 本月截至目前：2 / 3 天\n还差 1 天。")
    assert "2026-11 1.5/3（未达标）; 2026-12 2/3（截至目前）" in standing
    assert "• 12-01 – 12-02：1.5 天，调查研究" in standing
    assert "• 11-30 – 12-02：3 天，调查研究" in standing

    await half_year_so_far(staff)
    line = bulletin_line(staff, "县领导")
    # July–October: 0 of 3 each; November 1.5; December so far 2 (asked, not short).
    assert "：3.5/18 天 [0 0 0 0 1.5 2（截至目前）]，未达标 5 个月" in line, line
    async with h.db.read() as c:
        stored = await visit_repo.reaching_into(c, date(2026, 11, 1), date(2027, 1, 1))
    assert [(v.day.isoformat(), v.days) for v in stored] == [
        ("2026-11-29", 0.5),
        ("2026-11-30", 3.0),
        ("2026-12-01", 1.5),
    ]  # kept as logged


async def test_the_quota_starts_with_the_appointment(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """Appointed on 20 September: July and August ask nothing, September asks 3 × 11/30
    rounded down to a half day (1), the months after it 3; November is under way."""
    leader = await make_leader(
        h, county["east"], [county["south"]], name="九月任命", appointed=at("2026-09-20T10:00:00")
    )
    await logs(leader, "09-25", "1")  # typed on 24 November
    assert leader.last() == "已保存。本月截至目前：0 / 3 天。"
    await leader.says("/visits")
    assert "本半年：2026-09 1/1; 2026-10 0/3（未达标）; 2026-11 0/3（截至目前）" in leader.last()
    await half_year_so_far(staff)
    assert "：1/7 天 [— — 1 0 0（截至目前）]，未达标 1 个月" in bulletin_line(staff, "九月任命")

    # A second contact point later adds a place to go, not a second quota or a restart.
    async with h.db.tx() as c:
        from storage import org as org_repo

        await org_repo.add_contact_point(c, leader.id, county["west"], None, clock.now())
    await half_year_so_far(staff)
    assert "：1/7 天 [— — 1 0 0（截至目前）]，未达标 1 个月" in bulletin_line(staff, "九月任命")


async def test_a_leader_appointed_this_month_is_reminded_of_its_share_so_far(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """On the reminder day (the 3rd-last): one appointed on the 20th owes 1 day so far,
    one appointed on the 28th owes nothing yet (3 × 3/30 rounds down to 0)."""
    new = await make_leader(
        h, county["east"], [county["south"]], name="新任", appointed=at("2026-11-20T10:00:00")
    )
    newest = await make_leader(
        h, county["east"], [county["west"]], name="刚任", appointed=at("2026-11-28T08:00:00")
    )
    clock.set(at("2026-11-28T09:00:00"))
    await h.tick()
    assert [t for t in new.sees() if t.startswith("📍 本月截至目前")] == [
        "📍 本月截至目前，您到联系点工作 0 天（要求 1 天），还需 1 天。"
        "每次去过后请发送 /visit 记录。"
    ]
    assert [t for t in newest.sees() if t.startswith("📍")] == []
    await newest.says("/visits")
    assert newest.last().startswith("📍 本月截至目前：0 / 0 天\n任命于 2026-11-28")
