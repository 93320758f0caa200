"""Notices down the tree: exactly the right people, receipts, one reminder, limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from storage import notices as notice_repo
from tests.e2e.flows import (
    branch_group,
    make_leader,
    make_secretary,
    registered,
    township_notice_asked,
)
from tests.harness import Harness, Person


def notices_of(person: Person) -> list[str]:
    return [t for t in person.sees() if t.startswith("📢 通知")]


async def test_a_notice_to_the_flowing_members_of_a_township_and_its_receipts(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (east_away,) = await registered(h, county["east"], ["东岭流动"], flowing=True)
    (south_away,) = await registered(h, county["south"], ["南坡流动"], flowing=True)
    (east_home,) = await registered(h, county["east"], ["东岭在家"])
    (west_away,) = await registered(h, county["west"], ["西河流动"], flowing=True)
    (blocked,) = await registered(h, county["south"], ["拉黑者"], flowing=True)
    h.emu.block(blocked.user)

    await staff.says("/notice")
    await staff.presses("东岭镇")
    await staff.presses("东岭镇全部")
    assert [label for row in h.emu.last(staff.user).buttons for label, _ in row] == [
        "所有人（4）",
        "仅支部书记（0）",
        "仅领导干部（0）",
        "仅流动党员（3）",
    ]
    await staff.presses("仅流动党员（3）")
    h.emu.send_text(staff.user, "请于<本周五>前返回<b>信息</b>表。")
    await h.settle()
    await staff.presses("立即发送")
    assert staff.sees()[-2] == ("📢 通知\n请于<本周五>前返回<b>信息</b>表。\n\n—— 东岭镇")
    assert staff.last() == "东岭镇，仅流动党员：共 3 人，立即发送。"
    await staff.presses("✅ 发送给 3 人")
    assert staff.last() == "正在发送给 3 人。发送 /notices 可查看收到情况。"

    assert notices_of(east_away) and notices_of(south_away)
    assert not notices_of(east_home) and not notices_of(west_away)
    await east_away.presses("✅ 收到")
    await east_away.presses("✅ 已收到 11-24 10:00")
    assert east_away.answers() == ["✅ 谢谢，已记录收到。", "已记录为收到。"]
    stranger = h.person("路人")
    h.emu.press_data(stranger.user, h.emu.last(south_away.user), "ntc:ack:1")
    await h.settle()
    assert stranger.answers() == ["这条通知不是发给您的。"]

    await staff.says("/notices")
    assert "已送达 2 · 已确认收到 1 · 未确认 1 · 联系不上 1" in staff.last()
    await staff.presses("🔔 提醒未确认的 1 人")
    assert staff.answers()[-1] == "正在提醒 1 人。"
    reminders = [t for t in south_away.sees() if t.startswith("🔔 提醒")]
    assert len(reminders) == 1 and not any(t.startswith("🔔") for t in east_away.sees())
    h.emu.press_data(staff.user, h.emu.last(staff.user), "ntc:remind:1")
    await h.settle()
    assert staff.answers()[-1] == ""  # at once: the same press again, answered once
    assert isinstance(h.clock, FrozenClock)
    h.clock.advance(timedelta(minutes=1))
    h.emu.press_data(staff.user, h.emu.last(staff.user), "ntc:remind:1")
    await h.settle()
    assert staff.answers()[-1] == "已经提醒过一次了。"
    await staff.presses("👥 名单")
    assert staff.last() == (
        "东岭村党支部\n✅ 已收到（1）\n东岭流动\n"
        "南坡村党支部\n⏳ 未确认（1）\n南坡流动\n📵 联系不上（1）\n拉黑者"
    )
    async with h.db.read() as c:
        found = await notice_repo.recipients(c, 1, None)
    assert sorted(p.name for p in found) == sorted(["南坡流动", "拉黑者", "东岭流动"])


async def test_a_secretary_notifies_only_their_own_branch(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["本支部"])
    (other,) = await registered(h, county["west"], ["外支部"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, member])
    await secretary.says("/notice")
    labels = [label for row in h.emu.last(secretary.user).buttons for label, _ in row]
    assert labels == ["所有人（2）", "仅流动党员（0）"]  # no secretaries/leaders for them
    # A forged press for the west branch at the scope step is refused.
    h.emu.press_data(secretary.user, h.emu.last(secretary.user), "dlg:notice:audience:leaders")
    await h.settle()
    assert secretary.last() == "请用按钮选择。"
    await secretary.presses("所有人（2）")
    await secretary.says("周日上午打扫卫生。")
    await secretary.presses("是")
    await secretary.presses("立即发送")
    await secretary.presses("✅ 发送给 2 人")
    assert notices_of(member) and not notices_of(other)
    group_copy = h.emu.last(group)
    assert group_copy.text is not None and group_copy.text.startswith("📢 通知")
    assert group_copy.buttons == []
    (plain,) = await registered(h, county["east"], ["普通党员"])
    await plain.says("/notice")
    assert plain.last() == "只有支部书记和组织部工作人员可以进行此操作。"


async def test_a_scheduled_notice_to_leaders_goes_at_its_time(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await staff.says("/notice")
    await staff.presses("🏛 全县")
    await staff.presses("仅领导干部（1）")
    await staff.says("下周一开会。")
    await staff.says("明天 08:00")
    await staff.presses("✅ 发送给 1 人")
    assert staff.last() == "已定于 2026-11-25 08:00 发送。"
    await h.tick()
    assert not notices_of(leader)
    clock.set(datetime.fromisoformat("2026-11-25T08:00:00+08:00"))
    await h.tick()
    await h.tick()
    assert notices_of(leader) == ["📢 通知\n下周一开会。\n\n—— 青山县"]


async def test_receipts_by_branch_count_roster_members_without_telegram(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    secretary, reader, idle, south, blocker = await township_notice_asked(h, county, staff)
    assert staff.last() == (
        "东岭镇，所有人：共 5 人，立即发送。\n"
        "名册上有 2 人没有 Telegram，收不到这条通知：请当面告知，然后代为登记"
        "（/notices，👥，🖊）。"
    )
    await staff.presses("✅ 发送给 5 人")
    await reader.presses("✅ 收到")
    await secretary.presses("✅ 收到")
    assert notices_of(idle) and notices_of(south) and not notices_of(blocker)
    async with h.db.read() as c:
        stored = await notice_repo.recipients(c, 1, None)
    assert {(p.name, p.telegram_id is None, p.delivery) for p in stored} == {
        ("李书记", False, "delivered"),
        ("东岭甲", False, "delivered"),
        ("东岭乙", False, "delivered"),
        ("陈建国", True, "no_telegram"),
        ("王秀英", True, "no_telegram"),
        ("南坡甲", False, "delivered"),
        ("拉黑者", False, "unreachable"),
    }

    await staff.says("/notices")
    assert staff.last() == (
        "📢 11-24 10:00 本周六上午召开党员大会。\n"
        "已送达 4 · 已确认收到 2 · 未确认 2 · 待代登记 2 · 联系不上 1\n"
        "按支部：\n"
        "东岭村党支部：已送达 3 · 已确认收到 2 · 未确认 1 · 待代登记 2 · 联系不上 0\n"
        "南坡村党支部：已送达 1 · 已确认收到 0 · 未确认 1 · 联系不上 1"
    )
    await staff.presses("👥 名单")
    assert staff.last() == (
        "东岭村党支部\n✅ 已收到（2）\n东岭甲、李书记\n⏳ 未确认（1）\n东岭乙\n"
        "🖊 没有 Telegram，当面告知后代登记（2）\n王秀英、陈建国\n"
        "南坡村党支部\n⏳ 未确认（1）\n南坡甲\n📵 联系不上（1）\n拉黑者"
    )

    # The east branch's secretary sees their own branch only.
    await secretary.says("/notices")
    assert secretary.last() == (
        "📢 11-24 10:00 本周六上午召开党员大会。\n"
        "已送达 3 · 已确认收到 2 · 未确认 1 · 待代登记 2 · 联系不上 0"
    )
    await secretary.presses("👥 名单")
    assert secretary.last() == (
        "✅ 已收到（2）\n东岭甲、李书记\n⏳ 未确认（1）\n东岭乙\n"
        "🖊 没有 Telegram，当面告知后代登记（2）\n王秀英、陈建国\n"
        "📵 联系不上（0）"
    )


async def test_a_county_wide_notice_lists_the_branches_that_still_need_a_word(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    from handlers.notices import BRANCH_LINES
    from storage import org as org_repo

    now = h.clock.now()
    async with h.db.tx() as c:
        extra = [
            await org_repo.add_unit(c, "branch", f"新村{i:02d}党支部", county["xihe"], now)
            for i in range(BRANCH_LINES)
        ]
    people = [(await registered(h, unit.id, [f"{unit.name[:4]}党员"]))[0] for unit in extra]
    await staff.says("/notice")
    await staff.presses("🏛 全县")
    await staff.presses(f"所有人（{BRANCH_LINES}）")
    await staff.says("年底前完成党费收缴。")
    await staff.presses("立即发送")
    await staff.presses(f"✅ 发送给 {BRANCH_LINES} 人")
    await people[0].presses("✅ 收到")  # 新村00 has nothing left to follow up
    await staff.says("/notices")
    lines = staff.last().split("\n")
    assert lines[2] == (
        f"尚有人未确认或联系不上的支部：{BRANCH_LINES} 个（共 "
        f"{BRANCH_LINES + 1} 个）；按名称列出前 {BRANCH_LINES} 个"
        "（👥 名单列出每个支部）："
    )
    # By name, not by how many are left: no branch is ranked by clicks.
    assert lines[3] == "东岭村党支部：已送达 0 · 已确认收到 0 · 未确认 0 · 待代登记 2 · 联系不上 0"
    assert lines[4].startswith("新村01党支部：") and lines[-1].startswith("新村19党支部：")
    assert len(lines) == 3 + BRANCH_LINES
    await staff.presses("👥 名单")
    listed = staff.last()
    assert all(unit.name in listed for unit in extra) and "东岭村党支部" in listed
