"""The secretary records for those without a phone (代登记): an elderly member imported from
the roster, who never had Telegram, is recorded present at a session after it closed, a
material is brought to her door (送学上门) and a notice told in person — each with who
entered it and when, shown as "由李书记代登记" wherever it is read, counted as present,
studied and told, and never counted "unreachable"."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.roster import import_roster
from storage import notes as note_repo
from tests import sheets
from tests.e2e.flows import (
    branch_group,
    make_secretary,
    on_roster_only,
    registered,
    schedule,
    snapshot,
)
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
NOT_YOURS = "这不在您的管理范围内。"
INACTIVE = "这个按钮已失效。"


async def elder_from_the_roster(h: Harness, tmp_path: Path) -> int:
    """赵大娘, born 1941, on the organisation department's roster: no Telegram, ever."""
    roster = tmp_path / "members.csv"
    roster.write_text(
        "编号,姓名,乡镇,支部,出生年份,身份\nQS0300,赵大娘,东岭镇,东岭村党支部,1941,正式党员\n",
        encoding="utf-8",
    )
    report = await import_roster(h.db, [roster], h.clock)
    assert report.written, report
    return member_id(h, "赵大娘")


def member_id(h: Harness, name: str) -> int:
    found = row(h, "SELECT id FROM members WHERE name = ?", name)[0]
    assert isinstance(found, int)
    return found


def row(h: Harness, sql: str, *params: object) -> tuple[object, ...]:
    with sqlite3.connect(f"file:{h.settings.database}?mode=ro", uri=True) as c:
        found = c.execute(sql, params).fetchone()
    assert found is not None, sql
    return tuple(found)


def audit(h: Harness) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{h.settings.database}?mode=ro", uri=True) as c:
        return [
            tuple(r)
            for r in c.execute(
                "SELECT actor, action, subject, detail FROM audit WHERE action LIKE '%by_hand%' "
                "ORDER BY id"
            )
        ]


def labels(h: Harness, person: Person) -> list[str]:
    return [label for r in h.emu.last(person.user).buttons for label, _ in r]


def xlsx(h: Harness, person: Person) -> dict[str, list[list[object]]]:
    document = [m for m in h.emu.messages(person.user) if m.document][-1]
    book = sheets.book(h.emu.files[document.document["file_id"]].data)  # type: ignore[index]
    return {
        sheet.title: [list(sheets.heading(sheet)), *map(list, sheets.rows(sheet))]
        for sheet in book.worksheets
    }


async def test_an_elder_without_a_phone_recorded_present_after_the_session_closed(
    h: Harness, county: dict[str, int], clock: FrozenClock, tmp_path: Path
) -> None:
    secretary = await make_secretary(h, county["east"])
    (zhang,) = await registered(h, county["east"], ["张三"])
    elder = await elder_from_the_roster(h, tmp_path)
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, zhang])

    await schedule(secretary, group)
    # "Scheduled." keeps the buttons for the session: change it, or record by hand.
    assert labels(h, secretary) == ["🗓 改期", "🚫 取消活动", "🖊 代登记"]
    await secretary.presses("🖊 代登记")
    assert secretary.answers()[-1] == "签到开始后才能代登记。"

    # During the session: 王秀英 came without a phone; the secretary records her at once.
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await zhang.presses("✅ 签到", chat=group)
    await secretary.presses("🖊 代登记")
    listing = secretary.last()
    assert listing.startswith("🖊 代登记\n党课：学习党章\n时间：2026-11-25 19:30")
    assert "点击姓名，登记为实到。↩️ 可撤销代登记。📵：没有 Telegram。" in listing
    # Without Telegram first; 张三, checked in, is not offered.
    assert labels(h, secretary) == ["📵 王秀英", "📵 赵大娘", "📵 陈建国", "🖊 李书记"]
    await secretary.presses("📵 王秀英")
    assert secretary.last() == (
        "代登记：王秀英，出席 “学习党章”（2026-11-25 19:30）？"
        "将记下您的姓名和时间，并显示为代登记。"
    )
    await secretary.presses("✅ 登记")
    assert secretary.answers()[-1] == "✅ 已代登记。"
    assert "✅ 实到（2）：张三、王秀英（由李书记代登记）" in secretary.last()

    # Closing: the summary says who was recorded by hand; she is asked for no note.
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    summary = secretary.last(group)
    assert "应到 5 · 实到 2 · 远程 0 · 请假 0 · 缺席 3" in summary
    assert "✅ 实到（2）：张三、王秀英（由李书记代登记）" in summary
    async with h.db.read() as c:
        assert not await note_repo.owed(c, member_id(h, "王秀英"), clock.now())
        assert await note_repo.owed(c, member_id(h, "张三"), clock.now())

    # The next morning, from the record: 赵大娘 was there too; 陈建国 pressed by mistake.
    clock.set(TOMORROW_1930 + timedelta(hours=14))
    record = h.emu.last(secretary.user)
    assert record.text is not None and record.text.startswith("🗂 活动记录")
    assert labels(h, secretary) == ["✍️ 补充效果", "🎤 修改主讲人", "🖊 代登记", "🗂 2026-11 的活动"]
    await secretary.presses("🖊 代登记", message=record)
    await secretary.presses("📵 赵大娘")
    await secretary.presses("✅ 登记")
    await secretary.presses("📵 陈建国")
    await secretary.presses("✅ 登记")
    listing = secretary.last()
    assert (
        "✅ 实到（4）：张三、王秀英（由李书记代登记）、赵大娘（由李书记代登记）、"
        "陈建国（由李书记代登记）"
    ) in listing
    assert labels(h, secretary) == ["🖊 李书记", "↩️ 王秀英", "↩️ 赵大娘", "↩️ 陈建国"]
    await secretary.presses("↩️ 陈建国")
    assert secretary.last() == (
        "撤销代登记：陈建国，出席 “学习党章”（2026-11-25 19:30）（由李书记于 11-26 09:30 代登记）？"
    )
    await secretary.presses("↩️ 撤销")
    assert secretary.answers()[-1] == "↩️ 已撤销。"
    listing = secretary.last()
    assert "✅ 实到（3）：张三、王秀英（由李书记代登记）、赵大娘（由李书记代登记）" in listing
    assert "❌ 缺席（2）：李书记、陈建国" in listing

    # Stored with who entered it and when; audited both ways.
    status, by, at = row(
        h,
        "SELECT status, recorded_by, recorded_at FROM attendance "
        "WHERE meeting_id = 1 AND member_id = ?",
        elder,
    )
    assert (status, by, at) == ("present", secretary.id, "2026-11-26T01:30:00+00:00")
    assert row(
        h,
        "SELECT status, recorded_by FROM attendance WHERE meeting_id = 1 AND member_id = ?",
        member_id(h, "陈建国"),
    ) == ("absent", None)
    assert row(
        h,
        "SELECT recorded_by FROM attendance WHERE meeting_id = 1 AND member_id = ?",
        member_id(h, "张三"),
    ) == (None,)  # her own press
    chen = member_id(h, "陈建国")
    assert audit(h)[-2:] == [
        (
            f"tg:{secretary.id}",
            "attendance.by_hand",
            f"meeting:1:member:{chen}",
            '{"present": [false, true]}',
        ),
        (
            f"tg:{secretary.id}",
            "attendance.by_hand_undo",
            f"meeting:1:member:{chen}",
            '{"present": [true, false]}',
        ),
    ]

    # Her own check-in is hers: it is not taken back by hand.
    before = snapshot(h)
    h.emu.press_data(
        secretary.user, h.emu.last(secretary.user), f"hand:do:m1:{member_id(h, '张三')}:0:p0"
    )
    await h.settle()
    assert secretary.answers()[-1] == ("没有可撤销的代登记：这是党员本人的操作，或已经撤销过了。")
    assert snapshot(h) == before

    # Her study record counts the session, and says it was recorded by hand.
    await secretary.says("/record")
    await secretary.presses("赵大娘")
    assert secretary.last().split("\n")[1:4] == [
        "参加会议和学习：1 / 1 次",
        "学习材料：已学 0 / 0 份",
        "其中由书记代登记：1 次活动，0 份材料",
    ]

    # The branch's bulletin counts her present, and its spreadsheet says who recorded it.
    await secretary.says("/report")
    await secretary.presses("本月至今")
    bulletin = next(t for t in reversed(secretary.sees()) if t.startswith("📊 工作通报"))
    assert "会议 1/" in bulletin and "出勤 60%" in bulletin  # 3 of the 5 invited
    members = {r[1]: r for r in xlsx(h, secretary)["党员"][1:]}
    heading = xlsx(h, secretary)["党员"][0]
    assert heading[-3:] == ["出席活动（代登记）", "已学习材料（代登记）", "代登记人"]
    assert members["赵大娘"][2:4] == [1, 1]  # attended 1 of 1
    assert members["赵大娘"][-3:] == [1, 0, "李书记"]
    assert members["张三"][-3:] == [0, 0, None]
    assert members["陈建国"][2] == 0 and members["陈建国"][-1] is None


async def test_a_material_at_the_door_and_a_notice_told_in_person(
    h: Harness, county: dict[str, int], clock: FrozenClock, tmp_path: Path
) -> None:
    secretary = await make_secretary(h, county["east"])
    (zhang,) = await registered(h, county["east"], ["张三"])
    elder = await elder_from_the_roster(h, tmp_path)
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（5）")
    assert secretary.last() == "请输入标题（最多 60 个字）"
    await secretary.says("学习党章")
    await secretary.says("第一章 总纲")
    await secretary.presses("不设截止日期")
    assert secretary.last() == (
        "东岭村党支部，全体党员：共 5 人。\n"
        "其中 3 人在机器人中没有 Telegram，收不到：请送学上门，然后代为登记（/study，🖊）。"
    )
    await secretary.presses("✅ 发送给 2 人")
    await zhang.presses("✅ 已学习")
    await secretary.says("/notice")
    await secretary.presses("所有人（2）")
    await secretary.says("周六上午开党员大会。")
    await secretary.presses("立即发送")
    await secretary.presses("✅ 发送给 2 人")

    # The material: brought to 赵大娘's door, recorded from its names.
    clock.set(clock.now() + timedelta(hours=3))
    await secretary.says("/study")
    assert "已送达 2 · 已学习 1 · 未学习 1 · 待代登记 3 · 联系不上 0" in secretary.last()
    await secretary.presses("👥 学习党章")
    assert "🖊 没有 Telegram，学习后代登记（3）\n王秀英、赵大娘、陈建国" in secretary.last()
    await secretary.presses("🖊 代登记")
    assert secretary.last().startswith("🖊 代登记\n📚 学习党章\n已学习 1 / 5 人，其中代登记 0 人")
    await secretary.presses("📵 赵大娘")
    assert secretary.last().startswith("代登记：赵大娘，送学上门，已学习“学习党章”？")
    await secretary.presses("✅ 登记")
    assert secretary.last().startswith(
        "🖊 代登记\n📚 学习党章\n已学习 2 / 5 人，其中代登记 1 人\n代登记：赵大娘（由李书记代登记）"
    )
    await secretary.says("/study")
    assert (
        "已送达 2 · 已学习 2（其中代登记 1） · 未学习 1 · 待代登记 2 · 联系不上 0"
        in secretary.last()
    )
    await secretary.presses("👥 学习党章")
    assert "✅ 已学习（2）\n张三、赵大娘（由李书记代登记）" in secretary.last()
    assert row(
        h,
        "SELECT recorded_by, recorded_at, studied_at FROM material_recipients "
        "WHERE material_id = 1 AND member_id = ?",
        elder,
    ) == (secretary.id, "2026-11-24T05:00:00+00:00", "2026-11-24T05:00:00+00:00")

    # The notice: told in person, recorded from its names.
    await secretary.says("/notices")
    assert secretary.last().endswith("已送达 2 · 已确认收到 0 · 未确认 2 · 待代登记 3 · 联系不上 0")
    await secretary.presses("👥 名单")
    await secretary.presses("🖊 代登记")
    assert secretary.last().startswith("🖊 代登记\n📢 周六上午开党员大会。\n已知晓 0 / 5 人")
    await secretary.presses("📵 赵大娘")
    assert secretary.last().startswith("代登记：赵大娘，已当面告知通知“周六上午开党员大会。”？")
    await secretary.presses("✅ 登记")
    await secretary.says("/notices")
    assert secretary.last().endswith(
        "已送达 2 · 已确认收到 1（其中代登记 1） · 未确认 2 · 待代登记 2 · 联系不上 0"
    )
    await secretary.presses("👥 名单")
    assert secretary.last().startswith("✅ 已收到（1）\n赵大娘（由李书记代登记）\n")
    assert row(
        h,
        "SELECT recorded_by, acknowledged_at IS NOT NULL FROM notice_recipients "
        "WHERE notice_id = 1 AND member_id = ?",
        elder,
    ) == (secretary.id, 1)
    assert [a[1:3] for a in audit(h)] == [
        ("material.by_hand", f"material:1:member:{elder}"),
        ("notice.by_hand", f"notice:1:member:{elder}"),
    ]

    # The bulletin: studied 2 of 5; notices acknowledged 1 of the 2 delivered and the 3
    # to be told in person — nobody left out as "unreachable".
    await secretary.says("/report")
    await secretary.presses("本月至今")
    bulletin = next(t for t in reversed(secretary.sees()) if t.startswith("📊 工作通报"))
    assert "学习 40%" in bulletin and "通知确认 1/5" in bulletin
    book = xlsx(h, secretary)
    branch = book["支部"][1]
    heading = book["支部"][0]
    assert branch[heading.index("通知确认率")] == 1
    assert branch[heading.index("通知应知人数（已送达或需当面告知）")] == 5
    members = {r[1]: r for r in book["党员"][1:]}
    assert members["赵大娘"][4:6] == [1, 1] and members["赵大娘"][-3:] == [0, 1, "李书记"]


async def test_the_list_of_members_without_telegram_and_what_is_open_for_each(
    h: Harness, county: dict[str, int], clock: FrozenClock, tmp_path: Path
) -> None:
    secretary = await make_secretary(h, county["east"])
    elder = await elder_from_the_roster(h, tmp_path)
    await schedule(secretary, None)
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（4）")
    await secretary.says("送学材料")
    await secretary.says("正文")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 1 人")

    await secretary.says("/members")
    assert (
        "没有 Telegram，由书记代登记 (3)\n• 王秀英 · 正式党员\n• 赵大娘 · 正式党员\n"
        "• 陈建国 · 正式党员" in secretary.last()
    )
    await secretary.presses("🖊 待代登记（3）")
    todo = secretary.last()
    assert todo.startswith("🖊 待代登记：东岭村党支部\n没有 Telegram 的党员（3 人）及近 8 周")
    assert "\n赵大娘\n• 📅 11-25 学习党章 — 未登记出席\n• 📚 11-25 送学材料 — 未学习\n" in todo
    assert labels(h, secretary)[:3] == [
        "📅 王秀英 · 学习党章",
        "📚 王秀英 · 送学材料",
        "📅 赵大娘 · 学习党章",
    ]
    await secretary.presses("📅 赵大娘 · 学习党章")
    await secretary.presses("✅ 登记")
    todo = secretary.last()
    assert "\n赵大娘\n• 📚 11-25 送学材料 — 未学习\n" in todo
    assert "📅 赵大娘 · 学习党章" not in labels(h, secretary)
    await secretary.presses("📚 赵大娘 · 送学材料")
    await secretary.presses("← 返回")  # changed her mind: nothing recorded
    assert "📚 赵大娘 · 送学材料" in labels(h, secretary)
    assert row(h, "SELECT studied_at FROM material_recipients WHERE member_id = ?", elder) == (
        None,
    )
    clock.set(clock.now() + timedelta(minutes=1))  # later, once it was brought to her
    await secretary.presses("📚 赵大娘 · 送学材料")
    await secretary.presses("✅ 登记")
    assert "没有待办：赵大娘" in secretary.last()
    assert row(h, "SELECT status, recorded_by FROM attendance WHERE member_id = ?", elder) == (
        "present",
        secretary.id,
    )


async def test_only_the_branchs_secretary_and_staff_record_by_hand(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person, tmp_path: Path
) -> None:
    secretary = await make_secretary(h, county["east"])
    other = await make_secretary(h, county["west"], name="西河书记")
    (member,) = await registered(h, county["east"], ["普通党员"])
    elder = await elder_from_the_roster(h, tmp_path)
    await schedule(secretary, None)
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    for person in (other, member):
        await person.says("/help")
        for data in (
            "hand:new:m1",
            "hand:ls:m1:0",
            f"hand:ask:m1:{elder}:1:p0",
            f"hand:do:m1:{elder}:1:p0",
            f"hand:new:b{county['east']}",
            f"hand:ask:m1:{elder}:1:t0",
        ):
            before = snapshot(h)
            h.emu.press_data(person.user, h.emu.last(person.user), data)
            await h.settle()
            assert person.answers()[-1] == NOT_YOURS, (person.user.first_name, data)
            assert snapshot(h) == before
    # Staff may, for any branch; the record says who.
    await staff.says("/start")
    h.emu.press_data(staff.user, h.emu.last(staff.user), f"hand:do:m1:{elder}:1:p0")
    await h.settle()
    assert staff.answers()[-1] == "✅ 已代登记。"
    assert row(h, "SELECT recorded_by FROM attendance WHERE member_id = ?", elder) == (staff.id,)
    assert "赵大娘（由组织部小李代登记）" in staff.last()


async def test_in_english_and_page_by_page(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """A branch of 45 on the roster without Telegram: the list comes in pages (Telegram's
    keyboards hold 100 buttons), and every word is there in English."""
    secretary = await make_secretary(h, county["east"], name="Lee", language="en")
    for number in range(43):
        await on_roster_only(h, county["east"], f"老党员{number:02d}")
    await secretary.says("/meeting")
    await secretary.presses("Party lesson")
    for answer in ("tomorrow 19:30", "村委会会议室", "学习党章", "王书记"):
        await secretary.says(answer)
    await secretary.presses("No")
    await secretary.presses("✅ Schedule")
    assert secretary.last() == "Scheduled."
    clock.set(TOMORROW_1930 - timedelta(minutes=10))
    await h.tick()
    await secretary.presses("🖊 Record by hand")
    listing = secretary.last()
    assert listing.startswith("🖊 Record by hand\nParty lesson: 学习党章\nTime: 2026-11-25 19:30")
    assert (
        "Press a name to record them present. ↩️ takes back an entry made by hand. "
        "📵: no Telegram.\nPage 1 of 2"
    ) in listing
    keys = labels(h, secretary)
    assert len(keys) == 31 and keys[-1] == "Next page ▶"
    await secretary.presses("Next page ▶")
    assert secretary.last().endswith("Page 2 of 2")
    keys = labels(h, secretary)
    assert keys[-2:] == ["🖊 Lee", "◀ Back a page"] and len(keys) == 17
    await secretary.presses("📵 陈建国")
    assert secretary.last() == (
        "Record by hand: 陈建国, present at “学习党章” (2026-11-25 19:30)? "
        "It is kept with your name and the time, and shown as "
        "recorded by hand."
    )
    await secretary.presses("✅ Record")
    assert secretary.answers()[-1] == "✅ Recorded by hand."
    listing = secretary.last()
    assert listing.endswith("Page 2 of 2")  # back where it was
    assert "✅ Present (1)：陈建国 (recorded by hand by Lee)" in listing
    assert labels(h, secretary)[-2:] == ["↩️ 陈建国", "◀ Back a page"]
