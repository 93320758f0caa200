"""A problem found on a visit is marked solved later, by those who may; until then the
half-year bulletin lists it. The bulletin's spreadsheet lists every visit, and a visit's
voice record and location open from it. Every change to a visit is audited, before and
after."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import load_workbook

from bot import roles
from bot.access import load_actor
from bot.clock import FrozenClock
from storage import audit as audit_repo
from storage import visits as visit_repo
from tests import sheets
from tests.e2e.flows import make_leader, make_secretary, registered, snapshot
from tests.e2e.process import zhibu
from tests.harness import Harness, Person


async def logs(
    leader: Person,
    day: str = "今天",
    days: str = "1",
    problem: str = "",
    voice: bool = False,
    where: tuple[float, float] | None = None,
) -> None:
    """A visit as a leader logs it: a problem found is left unsolved."""
    await leader.says("/visit")
    if day in ("今天", "昨天", "前天"):
        await leader.presses(day)
    else:
        await leader.says(day)
    await leader.says(days)
    await leader.presses("解决问题")
    if voice:
        leader.h.emu.send_voice(leader.user, b"OggS the work record")
        await leader.h.settle()
    else:
        await leader.says("走访了几户群众。")
    if problem:
        await leader.says(problem)
        await leader.presses("否")
    else:
        await leader.presses("没有")
    if where is None:
        await leader.presses_keyboard("跳过")
    else:
        leader.h.emu.send_location(leader.user, *where)
        await leader.h.settle()
    await leader.presses("✅ 保存")


async def solves(person: Person, found_on: str, on: str, what: str) -> None:
    await person.presses(f"✔️ 已解决：{found_on}")
    if on in ("今天", "昨天"):
        await person.presses(on)
    else:
        await person.says(on)
    await person.says(what)
    await person.presses("✅ 保存")


async def open_problems_in_bulletin(staff: Person) -> list[str]:
    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("本半年至今")
    text = next(t for t in reversed(staff.sees()) if t.startswith("📊 联系点工作通报"))
    lines = text.splitlines()
    if not any(line.startswith("⚠️ 尚未解决的问题") for line in lines):
        return []
    start = next(i for i, line in enumerate(lines) if line.startswith("⚠️ 尚未解决的问题"))
    return [line for line in lines[start + 1 :] if line.startswith("• ")]


async def test_a_problem_is_marked_solved_later_by_those_who_may(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    other = await make_secretary(h, county["west"], name="西河书记")
    (member,) = await registered(h, county["south"], ["普通党员"])
    leader = await make_leader(h, county["east"], [county["south"]])
    await logs(leader, "前天", problem="水渠年久失修")
    await logs(leader, "昨天", problem="村道照明不足")
    await logs(leader, "今天", problem="留守老人看病难")
    assert await open_problems_in_bulletin(staff) == [
        "• 县领导，南坡村党支部，2026-11-22 发现：水渠年久失修",
        "• 县领导，南坡村党支部，2026-11-23 发现：村道照明不足",
        "• 县领导，南坡村党支部，2026-11-24 发现：留守老人看病难",
    ]

    # The leader, from /visits.
    await leader.says("/visits")
    assert "⚠️ 尚未解决的问题（3）\n• 南坡村党支部 11-22：水渠年久失修" in leader.last()
    await leader.presses("✔️ 已解决：11-22")
    assert leader.last() == (
        "2026-11-22 发现的问题：水渠年久失修\n是哪天解决的？请按按钮或输入日期（11-20）。"
    )
    await leader.presses("今天")
    await leader.says("协调资金修好了水渠。")
    assert leader.last() == ("请核对：\n问题：水渠年久失修\n2026-11-24 解决：协调资金修好了水渠。")
    await leader.presses("✅ 保存")
    assert leader.last() == "已保存：该问题已标记为解决，不再列为未解决问题。"
    async with h.db.read() as c:
        first = await visit_repo.get_visit(c, 1)
    assert first is not None and first.solved and first.solved_on == date(2026, 11, 24)
    assert (first.solved_note, first.solved_by) == ("协调资金修好了水渠。", leader.id)

    # The branch's secretary, from their /visits; a date before the visit is refused.
    await secretary.says("/visits")
    shown = secretary.last()
    assert shown.startswith("📍 到南坡村党支部的走访\n• 11-24：县领导，1 天，解决问题")
    assert "⚠️ 尚未解决的问题（2）\n• 县领导，南坡村党支部 11-23：村道照明不足" in shown
    await secretary.presses("✔️ 已解决：11-23")
    await secretary.says("11-20")
    assert secretary.last() == "该问题是 2026-11-23 发现的，解决日期不能早于这一天。"
    await secretary.says("11-24")
    await secretary.says("装了六盏路灯。")
    await secretary.presses("✅ 保存")
    assert secretary.last() == "已保存：该问题已标记为解决，不再列为未解决问题。"

    # Nobody else: another branch's secretary, a member pressing a forwarded button.
    await secretary.says("/visits")
    third = h.emu.last(secretary.user)
    data = next(d for row in third.buttons for label, d in row if label == "✔️ 已解决：11-24")
    for outsider in (other, member):
        before = snapshot(h)
        h.emu.press_data(outsider.user, third, data)
        await h.settle()
        assert outsider.answers()[-1] == "这不在您的管理范围内。"
        assert snapshot(h) == before

    # The right is asked again at every step: relieved half-way, nothing is saved.
    await secretary.presses("✔️ 已解决：11-24")
    await secretary.presses("今天")
    await secretary.says("已联系卫生院巡诊。")
    by = await load_actor(h.db, staff.id, h.settings.admins)
    assert await roles.relieve_secretary(h.db, clock, secretary.id, county["south"], by)
    await h.settle()  # they are told
    before = snapshot(h)
    await secretary.presses("✅ 保存")
    assert secretary.last() == "您已无权进行此操作，本次填写已停止，没有保存任何内容。"
    assert {k: v for k, v in snapshot(h).items() if k != "dialogs"} == {
        k: v for k, v in before.items() if k != "dialogs"
    }
    assert await open_problems_in_bulletin(staff) == [
        "• 县领导，南坡村党支部，2026-11-24 发现：留守老人看病难"
    ]

    # Staff, through the leader's visits, a day later.
    clock.advance(timedelta(days=1))
    await staff.says("/visits")
    await staff.presses("县领导")
    await solves(staff, "11-24", "今天", "卫生院每周来村巡诊。")
    assert staff.last() == "已保存：该问题已标记为解决，不再列为未解决问题。"
    assert await open_problems_in_bulletin(staff) == []
    async with h.db.read() as c:
        solved = [await visit_repo.get_visit(c, n) for n in (1, 2, 3)]
    assert [(v.solved_on, v.solved_by) for v in solved if v is not None] == [
        (date(2026, 11, 24), leader.id),
        (date(2026, 11, 24), secretary.id),
        (date(2026, 11, 25), staff.id),
    ]
    await leader.says("/visits")
    assert "尚未解决的问题" not in leader.last()
    clock.advance(timedelta(minutes=5))
    await staff.presses("✔️ 已解决：11-24")  # the button pressed again, later
    assert staff.answers()[-1] == "该问题已标记为解决。"


async def test_the_half_year_spreadsheet_lists_every_visit_and_opens_the_voice_record(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    (member,) = await registered(h, county["south"], ["普通党员"])
    leader = await make_leader(h, county["east"], [county["south"]])
    other = await make_leader(h, county["east"], [county["west"]], name="西河联系领导")
    await staff.says("/help")  # the bot may write to staff who opened it
    # An old problem from the half-year before: still open, so still listed.
    await logs(leader, "2026-09-01", problem="旧问题：村部漏雨")
    clock.set(datetime.fromisoformat("2026-12-02T18:00:00+08:00"))
    await logs(leader, "11-30", "3", problem="新问题：饮水不稳", voice=True, where=(28.2, 112.9))
    await logs(leader, "12-01", "1")  # counted once with the visit above
    await logs(other, "11-20", "0.5")
    await logs(other, "11-21", "1")
    await other.says("/visits")
    await other.presses("🗑 撤回 11-21")
    await other.presses("🗑 确定撤回")  # withdrawn: not in the sheet
    # Confirmed early in the morning: 3 December here, still the 2nd in UTC.
    clock.set(datetime.fromisoformat("2026-12-03T07:30:00+08:00"))
    await secretary.presses(
        "✅ 确认",
        message=next(
            m
            for m in h.emu.messages(secretary.user)
            if any(label == "✅ 确认" for row in m.buttons for label, _ in row)
            and m.text is not None
            and "2026-11-30" in m.text
        ),
    )

    clock.set(datetime.fromisoformat("2027-01-01T09:00:00+08:00"))
    await h.tick()
    text = next(t for t in staff.sees() if t.startswith("📊 联系点工作通报，2026-07 – 2026-12"))
    assert (
        "⚠️ 尚未解决的问题（2）\n• 县领导，南坡村党支部，2026-09-01 发现：旧问题：村部漏雨\n"
        "• 县领导，南坡村党支部，2026-11-30 发现：新问题：饮水不稳" in text
    )
    sheet = next(m for m in h.emu.messages(staff.user) if m.document)
    assert sheet.document is not None
    assert sheet.document["file_name"] == "联系点通报-2026-07-01_2026-12-31.xlsx"
    book = load_workbook(io.BytesIO(h.emu.files[sheet.document["file_id"]].data))
    assert book.sheetnames == ["联系点", "走访记录", "未解决问题", "缺口"]
    heading, *leader_rows = table(book["联系点"], "序号")
    leaders = {row[1]: dict(zip(heading, row, strict=True)) for row in leader_rows}
    rows = table(book["走访记录"], "领导干部")
    assert rows[0] == (
        "领导干部",
        "联系点",
        "开始日期",
        "结束日期",
        "记录天数",
        "本期计入天数",
        "工作内容",
        "工作记录",
        "问题",
        "是否解决",
        "解决日期",
        "解决措施",
        "支部书记确认日期",
        "语音记录 / 位置",
        "位置（纬度，经度）",
    )

    def day(text: str) -> datetime:
        return datetime.fromisoformat(text)

    assert [row[:6] for row in rows[1:]] == [
        ("县领导", "南坡村党支部", day("2026-09-01"), day("2026-09-01"), 1, 1),
        ("县领导", "南坡村党支部", day("2026-11-30"), day("2026-12-02"), 3, 3),
        ("县领导", "南坡村党支部", day("2026-12-01"), day("2026-12-01"), 1, 0),
        ("西河联系领导", "西河村党支部", day("2026-11-20"), day("2026-11-20"), 0.5, 0.5),
    ]
    assert rows[2][6:12] == ("解决问题", "（语音记录）", "新问题：饮水不稳", "否", None, None)
    assert rows[2][14] == "28.200000, 112.900000"
    assert rows[2][12] == day("2026-12-03")  # the secretary's confirmation, the county's day
    # The days counted per visit add up to each leader's total in the first sheet.
    for name in ("县领导", "西河联系领导"):
        counted = sum(float(row[5]) for row in rows[1:] if row[0] == name)
        assert counted == leaders[name]["合计天数"]

    # The link opens the visit in the bot: the record, the voice, the map.
    cell = next(
        row[13]
        for row in book["走访记录"].iter_rows()
        if row[13].value and row[0].value == "县领导"
    )
    assert cell.value == "🎤 语音记录, 📍 位置：在机器人中打开"
    assert cell.hyperlink is not None
    link = cell.hyperlink.target
    assert link == "https://t.me/zhibu_test_bot?start=visit_2"
    await staff.opens_link(link.rsplit("=", 1)[1])
    record, voice, where = h.emu.messages(staff.user)[-3:]
    assert record.text is not None and record.text.startswith(
        "县领导\n联系点：南坡村党支部\n日期：2026-11-30 – 2026-12-02，3 天"
    )
    assert h.emu.files[voice.media["voice"]["file_id"]].data == b"OggS the work record"
    assert where.media["location"] == {"latitude": 28.2, "longitude": 112.9}
    await secretary.opens_link("visit_2")  # the branch's secretary too
    assert h.emu.messages(secretary.user)[-1].media.get("location") is not None
    await member.opens_link("visit_2")
    assert member.last() == "这不在您的管理范围内。"
    await other.opens_link("visit_2")
    assert other.last() == "这不在您的管理范围内。"


def table(sheet: Any, first_heading: str) -> list[tuple[Any, ...]]:
    """A sheet's rows from its heading row on (a title above it is the sheet's look)."""
    rows = list(sheet.iter_rows(values_only=True))
    return rows[next(i for i, row in enumerate(rows) if row and row[0] == first_heading) :]


def _details(entries: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, json.loads(e.detail)) for e in entries if e.action.startswith("visit.")]


async def test_every_change_to_a_visit_is_audited_before_and_after(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    await logs(leader, "昨天", "2", problem="水渠年久失修")
    await logs(leader, "今天", "1")
    await leader.says("/visits")
    await leader.presses("✏️ 改天数 11-23")
    await leader.says("1")
    await leader.presses("✏️ 改记录 11-24")
    await leader.says("改正后的记录。")
    await leader.presses("🗑 撤回 11-24")
    await leader.presses("🗑 确定撤回")
    await secretary.presses(
        "✅ 确认",
        message=next(
            m
            for m in h.emu.messages(secretary.user)
            if any(label == "✅ 确认" for row in m.buttons for label, _ in row)
            and m.text is not None
            and "2026-11-23" in m.text
        ),
    )
    await secretary.says("/visits")
    await solves(secretary, "11-23", "今天", "修好了。")

    async with h.db.read() as c:
        entries = await audit_repo.entries(c)
    found = _details(list(reversed(entries)))
    assert [action for action, _ in found] == [
        "visit.log",
        "visit.log",
        "visit.correct",
        "visit.correct",
        "visit.withdraw",
        "visit.confirm",
        "visit.solve",
    ]
    assert found[0][1]["before"] is None
    assert found[0][1]["after"]["day"] == "2026-11-23" and found[0][1]["after"]["days"] == 2
    assert found[2][1] == {"before": {"days": 2.0}, "after": {"days": 1.0}}
    assert found[3][1] == {
        "before": {"record": "走访了几户群众。"},
        "after": {"record": "改正后的记录。"},
    }
    assert found[4][1] == {"before": {"state": "active"}, "after": {"state": "withdrawn"}}
    assert found[5][1] == {
        "before": {"confirmed_by": None},
        "after": {"confirmed_by": secretary.id},
    }
    assert found[6][1] == {
        "before": {"solved": False, "solved_on": None, "solved_note": ""},
        "after": {"solved": True, "solved_on": "2026-11-24", "solved_note": "修好了。"},
    }

    # `zhibu audit` exports them in words, in the operator's language.
    out = h.settings.database.parent / "审计.xlsx"
    code, _, err = await zhibu(
        "audit",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        str(out),
        ZHIBU_DATABASE=str(h.settings.database),
        LANG="zh_CN.UTF-8",
    )
    assert code == 0, err
    rows = [
        row
        for row in sheets.rows(load_workbook(out).worksheets[0])
        if row and str(row[5]).startswith("visit.")
    ]
    assert [row[2] for row in rows[2:]] == [
        "修改走访记录：天数 2 → 1",
        "修改走访记录：工作记录 走访了几户群众。 → 改正后的记录。",
        "撤回走访记录：状态 有效 → 已撤回",
        "支部书记确认走访记录：确认人 （无） → 南坡书记",
        "走访发现的问题标记为已解决：已解决 否 → 是；解决日期 （无） → 2026-11-24；"
        "解决措施 （无） → 修好了。",
    ]
    assert str(rows[0][2]).startswith("记录联系点走访：联系点 南坡村党支部；日期 2026-11-23；")
