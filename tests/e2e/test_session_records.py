"""Records people can get back (四落实): a branch's sessions by month with /meetings, each
session's record card with everyone by status, the effect and lecturer completed later
(audited before and after), the year's ledger as a spreadsheet, and a member's study
record for any year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot import audit_trail
from bot.clock import FrozenClock
from bot.i18n import translator
from sandbox.emulator import SimChat
from storage import audit as audit_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage.models import NewMeeting, NewMember
from tests import sheets
from tests.e2e.flows import (
    branch_group,
    make_leader,
    make_secretary,
    registered,
    schedule,
    snapshot,
)
from tests.harness import Harness, Person

EARLY = datetime.fromisoformat("2025-06-01T10:00:00+08:00")
OCTOBER = datetime.fromisoformat("2026-10-21T19:30:00+08:00")
NOVEMBER = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
NOT_YOURS = "这不在您的管理范围内。"


@pytest.fixture
def clock() -> FrozenClock:
    """Time only moves forward: these records start well before the suite's usual day."""
    return FrozenClock(EARLY)


async def hold(
    h: Harness,
    clock: FrozenClock,
    secretary: Person,
    group: SimChat,
    starts: datetime,
    *,
    kind: str,
    topic: str,
    remote: str = "是",
    present: tuple[Person, ...] = (),
    joins_remotely: tuple[Person, ...] = (),
    on_leave: tuple[Person, ...] = (),
) -> None:
    """A session scheduled the day before, held and closed: who pressed what."""
    clock.set(starts - timedelta(days=1))
    await schedule(
        secretary, group, when=f"{starts:%Y-%m-%d %H:%M}", kind=kind, topic=topic, remote=remote
    )
    clock.set(starts - timedelta(minutes=20))
    await h.tick()
    for person in present:
        await person.presses("✅ 签到", chat=group)
    for person in joins_remotely:
        await person.presses("🌐 远程参学", chat=group)
    for person in on_leave:
        await person.presses("📝 请假", chat=group)
        await person.says("家里有事")
        await secretary.presses("✅ 批准")
    clock.set(starts + timedelta(minutes=60))
    await h.tick()


async def branch_at_work(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> dict[str, Person]:
    """東岭: a party lesson in October, a party activity day in November (not to be joined
    remotely, so the member working away is recorded away, not absent)."""
    clock.set(OCTOBER - timedelta(days=2))
    secretary = await make_secretary(h, county["east"])
    present, absent, leave = await registered(h, county["east"], ["张三", "李四", "王五"])
    (away,) = await registered(h, county["east"], ["外出者"], flowing=True)
    group = await branch_group(
        h, county["east"], "东岭村党员群", [secretary, present, absent, leave, away]
    )
    await hold(
        h,
        clock,
        secretary,
        group,
        OCTOBER,
        kind="党课",
        topic="学习党章",
        present=(secretary, present),
        joins_remotely=(away,),
        on_leave=(leave,),
    )
    await hold(
        h,
        clock,
        secretary,
        group,
        NOVEMBER,
        kind="主题党日",
        topic="清理河道",
        remote="否",
        present=(secretary, present, leave),
    )
    return {
        "secretary": secretary,
        "present": present,
        "absent": absent,
        "leave": leave,
        "away": away,
    }


async def test_sessions_by_month_and_the_record_completed_later(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    cast = await branch_at_work(h, county, clock)
    secretary = cast["secretary"]
    # Joined after October's session: that record does not name her.
    clock.set(datetime.fromisoformat("2026-11-26T09:00:00+08:00"))
    await registered(h, county["east"], ["新党员"])
    async with h.db.tx() as c:  # and one scheduled for December: not a record yet
        await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["east"],
                kind="lesson",
                starts_at=datetime(2026, 12, 3, 19, 30, tzinfo=clock.tz),
                place="村委会",
                topic="还没开",
                lecturer=None,
                remote_allowed=False,
                created_by=secretary.id,
            ),
            clock.now(),
        )

    # The current month first, with each session's attendance; October a press away.
    await secretary.says("/meetings")
    assert secretary.last() == (
        "🗂 活动记录：东岭村党支部，2026-11\n"
        "• 11-25 19:30 主题党日：清理河道 — 实到 3 / 应到 7 · 效果未记录\n"
        "点击活动可查看其记录。"
    )
    listing = h.emu.last(secretary.user)
    assert [label for row in listing.buttons for label, _ in row] == [
        "11-25 主题党日 · 清理河道",
        "◀ 2026-10",
        "📥 年度台账（Excel）…",
    ]
    await secretary.presses("◀ 2026-10")
    assert h.emu.last(secretary.user).message_id == listing.message_id  # turned in place
    assert secretary.last().startswith(
        "🗂 活动记录：东岭村党支部，2026-10\n• 10-21 19:30 党课：学习党章 — 实到 3 / 应到 7"
    )
    assert [label for row in h.emu.last(secretary.user).buttons for label, _ in row] == [
        "10-21 党课 · 学习党章",
        "2026-11 ▶",
        "📥 年度台账（Excel）…",
    ]

    # The record card: the facts, who was invited by the kind's rule, everyone by status.
    await secretary.presses("10-21 党课 · 学习党章")
    card = secretary.last()
    assert card.startswith(
        "🗂 活动记录\n党课：学习党章\n时间：2026-10-21 19:30\n"
        "地点：村委会会议室\n支部：东岭村党支部\n主讲：王书记\n"
    )
    assert "邀请对象：全体正式党员和预备党员\n" in card
    assert "应到 7 · 实到 2 · 远程 1 · 请假 1 · 缺席 3" in card
    assert "✅ 实到（2）：张三、李书记" in card and "🌐 远程（1）：外出者" in card
    assert "📝 请假（1）：王五" in card and "❌ 缺席（3）：李四、王秀英、陈建国" in card
    assert "新党员" not in card
    assert card.endswith("效果：尚未记录。")
    await secretary.says("/meetings")
    await secretary.presses("11-25 主题党日 · 清理河道")
    november = secretary.last()
    assert "🧳 外出务工，不计应到（1）：外出者" in november  # could not join remotely
    assert "❌ 缺席（3）：李四、王秀英、陈建国" in november

    # Completed later from the card: the effect, then the lecturer.
    await secretary.presses("✍️ 补充效果")
    assert secretary.last() == "“清理河道”取得了什么效果？请写几句话记入记录。"
    await secretary.says("河道清理干净，群众满意。")
    assert secretary.sees()[-2] == "已保存，“清理河道”的记录已完整。"
    assert secretary.last().endswith("效果：河道清理干净，群众满意。")
    await secretary.presses("✏️ 修改效果")
    assert secretary.last() == (
        "“清理河道”取得了什么效果？请输入新的内容，它将替换现有记录：\n河道清理干净，群众满意。"
    )
    await secretary.says("清理河道两公里，群众满意。")
    await secretary.presses("🎤 修改主讲人")
    assert secretary.last() == "“清理河道”由谁主讲或主持？请输入姓名。\n现有记录：王书记"
    await secretary.says("张教授")
    assert secretary.sees()[-2] == "已保存，“清理河道”的主讲人为 张教授。"
    assert "主讲：张教授" in secretary.last()
    async with h.db.read() as c:
        held = await meeting_repo.get_meeting(c, 2)
        entries = [
            e
            for e in reversed(await audit_repo.entries(c))
            if e.action in ("meeting.effect", "meeting.lecturer")
        ]
    assert held is not None and held.topic == "清理河道"
    assert (held.effect, held.lecturer) == ("清理河道两公里，群众满意。", "张教授")
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        (f"tg:{secretary.id}", "meeting.effect", "meeting:2"),
        (f"tg:{secretary.id}", "meeting.effect", "meeting:2"),
        (f"tg:{secretary.id}", "meeting.lecturer", "meeting:2"),
    ]
    words = [
        line.what
        for line in await audit_trail.lines(
            h.db, clock, translator("zh"), date(2026, 11, 1), date(2026, 12, 1)
        )
        if line.code.startswith("meeting.") and line.code != "meeting.schedule"
    ]
    assert words == [
        "记录活动效果：效果 （无） → 河道清理干净，群众满意。",
        "记录活动效果：效果 河道清理干净，群众满意。 → 清理河道两公里，群众满意。",
        "记录活动主讲人：主讲人 王书记 → 张教授",
    ]
    await secretary.says("/meetings")
    assert "实到 3 / 应到 7\n" in secretary.last()  # the effect is there now

    # Staff choose the branch; a leader reads their contact point, with nothing to change.
    await staff.says("/meetings")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    assert staff.last().startswith("🗂 活动记录：东岭村党支部，2026-11\n")
    leader = await make_leader(h, county["west"], [county["east"]])
    await leader.says("/meetings")
    assert leader.last().startswith("🗂 活动记录：东岭村党支部，2026-11\n")
    assert "📥 年度台账（Excel）…" not in _labels(h, leader)
    await leader.presses("11-25 主题党日 · 清理河道")
    assert leader.last().startswith("🗂 活动记录\n主题党日：清理河道")
    assert _labels(h, leader) == ["🗂 2026-11 的活动"]
    await leader.says("/help")
    assert "/meetings" in leader.last()

    # Someone else's secretary and a member: refused, nothing shown, nothing changed.
    other = await make_secretary(h, county["west"], name="西河书记")
    member = cast["present"]
    await member.says("/meetings")
    assert member.last() == "活动记录供支部书记、组织部工作人员和联系该村的领导干部查看。"
    await member.says("/help")
    assert "/meetings" not in member.last()
    for data in (
        "ses:card:1",
        f"ses:m:{county['east']}:202610:0",
        f"ses:years:{county['east']}",
        f"ses:xlsx:{county['east']}:2026",
        "mtg:effect:1",
        "mtg:lect:1",
    ):
        for person in (other, member):
            seen, stored = len(person.sees()), snapshot(h)
            h.emu.press_data(person.user, h.emu.last(person.user), data)
            await h.settle()
            assert person.answers()[-1] == NOT_YOURS, (data, person.user.first_name)
            assert len(person.sees()) == seen and snapshot(h) == stored


async def test_the_years_ledger_read_back(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    cast = await branch_at_work(h, county, clock)
    secretary = cast["secretary"]
    await secretary.presses("✍️ 补充效果")  # on the record that came at closing
    await secretary.says("河道清理干净。")
    await secretary.says("/meetings")
    await secretary.presses("📥 年度台账（Excel）…")
    assert secretary.last() == "📥 东岭村党支部活动台账\n导出哪一年？"
    await secretary.presses("2026")
    message = h.emu.last(secretary.user)
    assert message.document is not None
    assert message.document["file_name"] == "活动台账-东岭村党支部-2026-01-01_2026-12-31.xlsx"
    assert message.caption == (
        "📎 东岭村党支部2026年活动台账：每次活动一行（共 2 次），每次活动一张出勤表。"
    )
    book = sheets.book(h.emu.files[message.document["file_id"]].data)
    assert book.sheetnames == ["活动", "10-21 党课", "11-25 主题党日"]
    ledger = book["活动"]
    assert sheets.title(ledger) == (
        "活动台账 · 东岭村党支部 · 2026-01-01 至 2026-11-25 · 制表 2026-11-25 20:30"
    )
    assert sheets.heading(ledger) == (
        "日期",
        "类型",
        "主题",
        "地点",
        "主讲人",
        "应到",
        "实到",
        "远程参学",
        "请假",
        "外出务工",
        "缺席",
        "效果",
    )
    assert sheets.rows(ledger) == [
        (
            datetime(2026, 10, 21, 19, 30),
            "党课",
            "学习党章",
            "村委会会议室",
            "王书记",
            7,
            2,
            1,
            1,
            0,
            3,
            None,
        ),
        (
            datetime(2026, 11, 25, 19, 30),
            "主题党日",
            "清理河道",
            "村委会会议室",
            "王书记",
            7,
            3,
            0,
            0,
            1,
            3,
            "河道清理干净。",
        ),
    ]
    october = book["10-21 党课"]
    assert sheets.title(october) == (
        "党课：学习党章 · 2026-10-21 19:30 · 村委会会议室 · 东岭村党支部"
    )
    assert sheets.heading(october) == ("姓名", "情况", "签到时间")
    assert sheets.rows(october) == [
        ("外出者", "远程参学", datetime(2026, 10, 21, 19, 10)),
        ("张三", "实到", datetime(2026, 10, 21, 19, 10)),
        ("李书记", "实到", datetime(2026, 10, 21, 19, 10)),
        ("李四", "缺席", None),
        ("王五", "请假", None),
        ("王秀英", "缺席", None),
        ("陈建国", "缺席", None),
    ]
    assert [row[:2] for row in sheets.rows(book["11-25 主题党日"])] == [
        ("外出者", "外出务工"),
        ("张三", "实到"),
        ("李书记", "实到"),
        ("李四", "缺席"),
        ("王五", "实到"),
        ("王秀英", "缺席"),
        ("陈建国", "缺席"),
    ]


async def test_a_members_record_for_last_year(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    clock.set(datetime.fromisoformat("2025-06-09T10:00:00+08:00"))
    secretary = await make_secretary(h, county["east"])
    (reader,) = await registered(h, county["east"], ["读书人"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, reader])
    await hold(
        h,
        clock,
        secretary,
        group,
        datetime.fromisoformat("2025-06-12T19:30:00+08:00"),
        kind="党课",
        topic="学习党史",
        present=(reader,),
    )
    await reader.presses("✍️ 现在就写")
    await reader.says("党史让我明白了很多。")
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（4）")
    await secretary.says("党史一章")
    await secretary.says("内容")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 2 人")
    await reader.presses("✅ 已学习")

    clock.set(datetime.fromisoformat("2026-01-05T09:00:00+08:00"))
    await reader.says("/record")
    assert reader.last() == (
        "📒 学习档案：读书人，2026年\n参加会议和学习：0 / 0 次\n"
        "学习材料：已学 0 / 0 份\n心得体会：已写 0 篇（优秀 0 篇），待写 0 篇"
    )
    assert _labels(h, reader) == ["📒 2025年"]
    await reader.presses("📒 2025年")
    assert reader.last() == (
        "📒 学习档案：读书人，2025年\n参加会议和学习：1 / 1 次\n学习材料：已学 1 / 1 份\n"
        "心得体会：已写 1 篇（优秀 0 篇）\n\n"
        "会议和学习\n✅ 06-12 党课：学习党史\n\n"
        "学习材料\n✅ 06-12 党史一章 — 06-12 已学习\n\n"
        "心得体会\n✍️ 06-12 学习党史"
    )
    assert _labels(h, reader) == ["📒 2026年"]

    # Their secretary gets it for them; someone else's secretary does not.
    await secretary.says("/record")
    await secretary.presses("读书人")
    await secretary.presses("📒 2025年")
    assert secretary.last().startswith("📒 学习档案：读书人，2025年\n参加会议和学习：1 / 1 次")
    other = await make_secretary(h, county["west"], name="西河书记")
    for data in (f"rec:show:{reader_id(h, reader)}:2025", f"rec:show:{reader_id(h, reader)}"):
        seen, stored = len(other.sees()), snapshot(h)
        h.emu.press_data(other.user, h.emu.last(other.user), data)
        await h.settle()
        assert other.answers()[-1] == NOT_YOURS
        assert len(other.sees()) == seen and snapshot(h) == stored
    # A year the record cannot hold is no year to ask for.
    h.emu.press_data(
        reader.user, h.emu.last(reader.user), f"rec:show:{reader_id(h, reader)}:{10**12}"
    )
    await h.settle()
    assert reader.answers()[-1] == "这个按钮已失效。"


def reader_id(h: Harness, person: Person) -> int:
    """The member id behind a person's record buttons."""
    for message in reversed(h.emu.messages(person.user)):
        for row in message.buttons:
            for _, data in row:
                if data.startswith("rec:show:"):
                    return int(data.split(":")[2])
    raise AssertionError("no record button")


def _labels(h: Harness, person: Person) -> list[str]:
    return [label for row in h.emu.last(person.user).buttons for label, _ in row]


async def test_a_big_branchs_card_in_parts_and_odd_buttons_and_answers(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    clock.set(NOVEMBER - timedelta(days=2))
    secretary = await make_secretary(h, county["east"])
    async with h.db.tx() as c:  # 150 on the roster with the longest names: all absent
        for number in range(150):
            await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=county["east"],
                    name=f"{number:03d}" + "名" * 29,
                    status="full",
                    state="active",
                ),
                clock.now(),
            )
    group = await branch_group(h, county["east"], "东岭群", [secretary])
    await hold(
        h,
        clock,
        secretary,
        group,
        NOVEMBER,
        kind="党课",
        topic="<b>学习</b> & 讨论",
        present=(secretary,),
    )
    await secretary.says("/meetings")
    assert "• 11-25 19:30 党课：<b>学习</b> & 讨论 — 实到 1 / 应到 153" in secretary.last()
    before = len(secretary.sees())
    await secretary.presses("11-25 党课 · <b>学习</b> & 讨论")
    parts = h.emu.messages(secretary.user)[before:]
    assert len(parts) == 2 and not parts[0].buttons and parts[1].buttons
    shown = "".join(part.text or "" for part in parts)
    assert all(f"{number:03d}" + "名" * 29 in shown for number in range(150))  # nobody lost

    # The lecturer's name has a length; what is typed is data, never markup.
    await secretary.presses("🎤 修改主讲人")
    await secretary.says("王" * 41)
    assert secretary.last() == "请不要超过 40 个字。"
    await secretary.says("<i>张</i> & 李")
    assert secretary.sees()[-3] == "已保存，“<b>学习</b> & 讨论”的主讲人为 <i>张</i> & 李。"

    # Buttons forged by the secretary themselves: a polite word, nothing else.
    east = county["east"]
    for data in (
        f"ses:m:{east}:999999:0",
        f"ses:m:{east}:202613",
        f"ses:m:{east}:x",
        f"ses:xlsx:{east}:{10**15}",
        f"ses:xlsx:{east}:2019",
        "ses:card:x",
        f"ses:m:{county['dongling']}:202611:0",
        "ses:nope:1",
    ):
        seen, stored = len(secretary.sees()), snapshot(h)
        h.emu.press_data(secretary.user, h.emu.last(secretary.user), data)
        await h.settle()
        assert secretary.answers()[-1] in ("这个按钮已失效。", NOT_YOURS), data
        assert len(secretary.sees()) == seen and snapshot(h) == stored
    # A page past the last is the last; a month to come is this one.
    await secretary.says("/meetings")
    listing = h.emu.last(secretary.user)
    h.emu.press_data(secretary.user, listing, f"ses:m:{east}:209912:7")
    await h.settle()
    assert secretary.last().startswith("🗂 活动记录：东岭村党支部，2026-11\n")
