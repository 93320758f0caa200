"""Leaders log days at their contact points; secretaries confirm; reminders; corrections."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.clock import FrozenClock
from storage import visits as visit_repo
from storage.models import NewVisit
from tests import sheets
from tests.e2e.flows import make_leader, make_secretary
from tests.harness import Harness, Person


async def log_visit(
    leader: Person, *, day: str = "今天", days: str = "1", problems: str | None = None
) -> None:
    await leader.says("/visit")
    if day == "今天":
        await leader.presses("今天")
    else:
        await leader.says(day)
    if days in ("0.5", "1", "1.5", "2"):
        await leader.presses(days)
    else:
        await leader.says(days)
    await leader.presses("调查研究")
    await leader.says("走访了五户困难群众。")
    if problems is None:
        await leader.presses("没有")
    else:
        await leader.says(problems)
        await leader.presses("是")
    await leader.presses_keyboard("跳过")
    await leader.presses("✅ 保存")


async def test_a_visit_with_a_location_confirmed_by_the_right_secretary(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    other = await make_secretary(h, county["west"], name="西河书记")
    leader = await make_leader(h, county["east"], [county["south"]])

    await leader.says("/visit")
    assert leader.last().startswith("📍 到 南坡村党支部 工作。是哪一天开始的？")
    await leader.presses("今天")
    assert h.emu.last(leader.user).buttons == [
        [("0.5", "dlg:visit:days:0.5"), ("1", "dlg:visit:days:1")]
    ]  # over by today
    await leader.says("/visit")
    await leader.presses("昨天")
    await leader.presses("1.5")
    await leader.presses("解决问题")
    await leader.says("协调了灌溉用水。")
    await leader.says("水渠年久失修")
    await leader.presses("否")
    h.emu.send_location(leader.user, 28.21, 112.94)
    await h.settle()
    summary = leader.last()
    assert (
        "联系点：南坡村党支部\n日期：2026-11-23 – 2026-11-24，1.5 天\n工作内容：解决问题" in summary
    )
    assert "问题：水渠年久失修（尚未解决）\n已共享位置。" in summary
    await leader.presses("✅ 保存")
    assert leader.last() == "已保存。本月截至目前：1.5 / 3 天。"
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and (visit.latitude, visit.longitude) == (28.21, 112.94)

    request = secretary.last()
    assert request.startswith(
        "📍 县领导 记录了 2026-11-23 – 2026-11-24 在南坡村党支部工作 1.5 天：解决问题。"
    )
    h.emu.press(other.user, h.emu.last(secretary.user), "✅ 确认")  # a forwarded button
    await h.settle()
    assert other.answers() == ["只有该支部的书记可以确认。"]
    await secretary.presses("✅ 确认")
    assert secretary.answers() == ["✅ 已确认，谢谢。"]
    assert secretary.last().endswith("✅ 已确认")
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and visit.confirmed_by == secretary.id


async def test_the_secretary_gets_the_voice_record_and_the_location_to_confirm(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    await leader.says("/visit")
    await leader.presses("今天")
    await leader.presses("1")
    await leader.presses("调查研究")
    sent = h.emu.send_voice(leader.user, b"OggS the leader speaking", duration=40)
    await h.settle()
    await leader.presses("没有")
    h.emu.send_location(leader.user, 28.21, 112.94)
    await h.settle()
    assert "工作记录：语音" in leader.last()
    await leader.presses("✅ 保存")
    assert leader.last() == "已保存。本月截至目前：1 / 3 天。"

    voice, where, request = h.emu.messages(secretary.user)[-3:]
    assert voice.media["voice"]["file_id"] == sent["voice"]["file_id"]
    assert h.emu.files[voice.media["voice"]["file_id"]].data == b"OggS the leader speaking"
    assert voice.caption == "🎤 县领导 的工作记录，2026-11-24"
    assert where.media["location"] == {"latitude": 28.21, "longitude": 112.94}
    assert request.text == (
        "📍 县领导 记录了 2026-11-24 在南坡村党支部工作 1 天：调查研究。\n"
        "工作记录：见上方的语音消息。\n位置：见上方地图。\n"
        "如情况属实，请确认。"
    )
    await secretary.presses("✅ 确认")
    assert secretary.answers() == ["✅ 已确认，谢谢。"]
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and visit.confirmed_by == secretary.id
    assert visit.record_file_id == sent["voice"]["file_id"] and visit.record == ""


async def test_correcting_and_withdrawing_within_seven_days_then_only_staff(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await log_visit(leader)
    await log_visit(leader, day="11-20", days="2")
    await leader.says("/visits")
    assert leader.last().startswith("📍 本月截至目前：3 / 3 天")
    await leader.presses("✏️ 改天数 11-24")
    await leader.says("0.5")
    assert leader.last() == "已保存。"
    await leader.says("/visits")
    assert leader.last().startswith("📍 本月截至目前：2.5 / 3 天\n还差 0.5 天。")
    await leader.presses("🗑 撤回 11-20")
    await leader.presses("🗑 确定撤回")
    assert leader.answers()[-1] == "已撤回，历史记录会保留。"
    async with h.db.read() as c:
        history = await visit_repo.history(c, 2)
        first = await visit_repo.history(c, 1)
    assert [what for _, _, what in history] == ["withdrawn"]
    assert [what for _, _, what in first] == ["days"]

    clock.advance(timedelta(days=8))
    await leader.presses("✏️ 改记录 11-24")
    assert leader.answers()[-1] == "记录只能在 7 天内修改，请联系组织部工作人员。"
    await leader.says("/visits")
    assert "✏️ 改天数 11-24" not in str(h.emu.last(leader.user).buttons)

    # Staff pick the leader and correct what the leader no longer may.
    await staff.says("/visits")
    assert staff.last() == "查看谁的联系点工作？"
    await staff.presses("县领导")
    assert staff.last().startswith("县领导\n📍 本月截至目前：0 / 3 天")  # December now
    assert "2026-11 0.5/3（未达标）" in staff.last()
    assert "• 11-24：0.5 天，调查研究" in staff.last()
    await staff.presses("✏️ 改天数 11-24")
    await staff.says("1")
    assert staff.last() == "已保存。"
    async with h.db.read() as c:
        first = await visit_repo.history(c, 1)
        corrected = await visit_repo.get_visit(c, 1)
    assert [what for _, _, what in first] == ["days", "days"]
    assert corrected is not None and corrected.days == 1


async def test_bad_dates_and_day_counts_get_a_clear_answer(
    h: Harness, county: dict[str, int]
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await leader.says("/visit")
    for typed, answer in (
        ("11-30", "这个日期还没到，请重新输入。"),
        ("2026-12-01", "这个日期还没到，请重新输入。"),
        ("某天", "请按“月-日”输入日期，例如 11-20。"),
    ):
        await leader.says(typed)
        assert leader.last() == answer, typed
    await leader.says("11-02")
    for typed, answer in (
        ("0", "天数必须大于零。"),
        ("-1", "天数必须大于零。"),
        ("1.3", "请按整天或半天计算，例如 1 或 1.5。"),
        ("40", "一次走访最多 31 天；更长的驻点请分几次记录。"),
        (
            "23.5",
            "从 2026-11-02 起 23.5 天，要到 2026-11-25 才结束，"
            "那一天还没到。请在走访结束后再记录。",
        ),
    ):
        await leader.says(typed)
        assert leader.last() == answer, typed


async def test_reminders_go_to_leaders_behind_quota_only(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    behind = await make_leader(h, county["east"], [county["south"]], name="落后者")
    done = await make_leader(h, county["east"], [county["west"]], name="达标者")
    await log_visit(behind, days="1")
    await log_visit(done, day="11-20", days="2")
    await log_visit(done, days="1")

    def reminded(person: Person) -> list[str]:
        return [t for t in person.sees() if t.startswith("📍 本月截至目前")]

    clock.set(datetime.fromisoformat("2026-11-28T08:59:00+08:00"))  # the 3rd-last day
    await h.tick()
    assert reminded(behind) == []
    clock.set(datetime.fromisoformat("2026-11-28T09:00:00+08:00"))
    await h.tick()
    await h.tick()
    assert reminded(behind) == [
        "📍 本月截至目前，您到联系点工作 1 天（要求 3 天），还需 2 天。"
        "每次去过后请发送 /visit 记录。"
    ]
    assert reminded(done) == []
    clock.set(datetime.fromisoformat("2026-12-15T09:30:00+08:00"))  # a new month, the 15th
    await h.tick()
    assert len(reminded(behind)) == 2 and len(reminded(done)) == 1


async def test_staff_change_the_quota(h: Harness, county: dict[str, int], staff: Person) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await staff.says("/quota")
    assert "县领导：每月 3 天（本月截至目前 0）" in staff.last()
    await staff.presses("县领导")
    await staff.says("2.5")
    assert staff.last() == "已保存：每月 2.5 天。"
    await staff.says("/quota")
    await staff.presses("所有人")
    await staff.says("4")
    await log_visit(leader)
    assert leader.last() == "已保存。本月截至目前：1 / 2.5 天。"
    await leader.says("/quota")
    assert leader.last() == "只有组织部工作人员可以进行此操作。"


async def test_the_half_year_bulletin_matches_the_records(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    import io
    import random

    from openpyxl import load_workbook

    from bot import visits

    points = {
        "甲领导": [county["south"]],
        "乙领导": [county["east"]],
        "丙领导": [county["south"], county["east"]],
    }
    leaders = {
        name: await make_leader(h, county["west"], branches, name=name)
        for name, branches in points.items()
    }
    await make_leader(h, county["west"], [], name="丁领导")  # no contact point: a gap
    rng = random.Random(7)
    # What each calendar date counts: the days logged on it, at most one (the draw puts
    # several visits on one date now and then; a 1.5-day visit's half is the next date).
    at: dict[str, dict[date, float]] = {name: {} for name in points}
    logged = 0.0
    for name, person in leaders.items():
        for month in range(1, 7):
            for _ in range(rng.randint(0, 3)):
                days = rng.choice([0.5, 1.0, 1.5])
                day = date(2026, month, rng.randint(1, 28))
                await visits.log(
                    h.db,
                    clock,
                    NewVisit(
                        leader_telegram_id=person.id,
                        branch_id=points[name][0],
                        day=day,
                        days=days,
                        activity="research",
                        record="记录",
                    ),
                )
                logged += days
                for offset, share in enumerate([1.0] * int(days) + [days % 1] * (days % 1 > 0)):
                    when = day + timedelta(days=offset)
                    at[name][when] = min(1.0, at[name].get(when, 0.0) + share)
    expected = {
        name: {m: sum(v for d, v in dates.items() if d.month == m) for m in range(1, 7)}
        for name, dates in at.items()
    }
    assert logged > sum(sum(months.values()) for months in expected.values())  # overlaps

    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("上个半年（2026-01 – 2026-06）")
    text = next(t for t in staff.sees() if t.startswith("📊 联系点工作通报，2026-01 – 2026-06"))
    for name, months in expected.items():
        total = sum(months.values())
        short = sum(1 for days in months.values() if days < 3)
        line = next(line for line in text.splitlines() if f"{name}（" in line)
        shown = " ".join(f"{days:g}" for days in months.values())
        assert f"{total:g}/18 天 [{shown}]，未达标 {short} 个月" in line, line
    assert "没有联系点的领导干部：丁领导" in text
    assert "没有领导联系的支部（1）：西河村党支部" in text

    sheet_message = next(m for m in h.emu.messages(staff.user) if m.document)
    data = h.emu.files[sheet_message.document["file_id"]].data  # type: ignore[index]
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheets.heading(sheet)[:4] == ("序号", "领导干部", "联系点", "任命日期")
    for row in sheets.rows(sheet):
        months = expected[str(row[1])]
        assert list(row[4:10]) == [months[m] for m in range(1, 7)]
        assert row[10] == sum(months.values())
    chart = h.emu.last(staff.user)
    assert chart.media.get("photo") is not None

    # On 1 July / 1 January at 09:00 it arrives by itself, once.
    before = len(staff.sees())
    clock.set(datetime.fromisoformat("2027-01-01T09:00:00+08:00"))
    await h.tick()
    await h.tick()
    arrived = staff.sees()[before:]
    assert [t.splitlines()[0] for t in arrived if t.startswith("📊 联系点")] == [
        "📊 联系点工作通报，2026-07 – 2026-12"
    ]
