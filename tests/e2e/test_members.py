"""Members on their phones: /flow, /me, /lang, /help; the secretary's /members."""

from __future__ import annotations

from storage import members as member_repo
from storage.models import NewMeeting
from tests.e2e.flows import invite_code, join, make_secretary
from tests.harness import Harness, Person


async def joined(h: Harness, secretary: Person, name: str, **kwargs: object) -> Person:
    member = h.person(name)
    await join(member, await invite_code(secretary), name=name, **kwargs)  # type: ignore[arg-type]
    await secretary.presses("✅ 批准")
    return member


async def test_member_leaves_for_work_and_comes_back(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    member = await joined(h, secretary, "赵磊")
    await member.says("/flow")
    assert member.last() == "您目前登记为在家。您要外出务工经商吗？"
    await member.presses("🚶 是，我在外地务工")
    await member.says("杭州")
    await member.presses("跳过")
    await member.says("2026-09")
    await member.presses("暂无 / 跳过")
    assert member.last().startswith("已记录：自 2026-09 起在 杭州 务工。")
    assert secretary.last() == "🚶 赵磊 外出务工：杭州 · 2026-09 至今。"
    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, member.id)
    assert stored is not None and stored.flowing and stored.flow_city == "杭州"

    await member.says("/flow")
    assert member.last() == "您目前登记为自 2026-09 起在 杭州 务工。\n您还没有填报流入地党组织。"
    await member.presses("🏠 我已返乡")
    assert member.last() == "欢迎回家！已通知支部书记。"
    assert secretary.last() == (
        "🏠 赵磊 已返乡（杭州 · 2026-09 至 2026-11-24）。外出期间：没有错过。"
    )
    async with h.db.read() as c:
        back = await member_repo.member_of_user(c, member.id)
    assert back is not None and not back.flowing and back.flow_city is None


async def test_flow_refuses_future_month_and_strangers(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    member = await joined(h, secretary, "钱多")
    await member.says("/flow")
    await member.presses("🚶 是，我在外地务工")
    await member.says("广州")
    await member.says("某物流公司")
    await member.says("2027-05")
    assert member.last() == "这个日期还没到，请重新输入。"
    await member.says("2026-13")
    assert member.last() == "没有这个日期，请重新输入。"
    await member.presses("上个月")
    await member.presses("暂无 / 跳过")
    assert member.last().startswith("已记录：自 2026-10 起在 广州 务工。")

    stranger = h.person("路人")
    await stranger.says("/flow")
    assert stranger.last().startswith("只有已登记的党员才能报告")


async def test_roster_shows_registered_flowing_and_unreachable(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    home = await joined(h, secretary, "在家人")
    away = await joined(h, secretary, "外出人", away=("苏州", None))
    blocker = await joined(h, secretary, "屏蔽者")
    h.emu.block(blocker.user)
    await h.settle()
    await secretary.says("/members")
    roster = secretary.last()
    assert "<b>" not in roster
    assert "东岭村党支部：共 6 名党员" in roster
    at_home, rest = roster.split("外出务工 (1)")
    assert "在家人 · 正式党员" in at_home and "李书记" in at_home
    flowing, unreachable = rest.split("机器人联系不上")
    flowing, phoneless = flowing.split("没有 Telegram，由书记代登记 (2)")
    assert "外出人 · 正式党员 — 苏州，自 2026-11" in flowing
    assert "屏蔽者 · 正式党员 — 已屏蔽机器人" in unreachable
    # A roster member without Telegram is a member like any other, not "unreachable".
    assert "• 王秀英 · 正式党员\n• 陈建国 · 正式党员" in phoneless
    assert "陈建国" not in unreachable
    assert "在家人" not in unreachable and home.id and away.id
    assert [label for row in h.emu.last(secretary.user).buttons for label, _ in row] == [
        "🖊 待代登记（2）",
        "👥 支部委员…",
        "🗑 移除党员…",
    ]


async def test_member_sees_own_profile_and_changes_phone(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    member = await joined(h, secretary, "孙丽", phone=None)
    await member.says("/me")
    profile = member.last()
    assert "支部：东岭村党支部" in profile and "电话：无" in profile
    await member.presses("📱 修改电话")
    await member.shares_contact("+8613700001234")
    assert member.last() == "已保存。电话：+8613700001234"
    await member.says("/me")
    await member.presses("🎂 修改出生年份")
    await member.says("1899")
    assert member.last().startswith("出生年份应在 1900 到")
    await member.says("1979")
    assert member.last() == "已保存。出生年份：1979"
    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, member.id)
    assert stored is not None and (stored.phone, stored.birth_year) == ("+8613700001234", 1979)


async def test_language_switch_and_help_by_role(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    stranger = h.person("Tourist", language="en")
    await stranger.says("/help")
    help_text = stranger.last()
    assert help_text.startswith("What I can do for you")
    assert "/start" in help_text and "/members" not in help_text and "/flow" not in help_text

    await stranger.says("/lang")
    await stranger.presses("简体中文")
    assert stranger.last() == "语言已设为：简体中文。"
    await stranger.says("/help")
    assert stranger.last().startswith("我能为您做什么")

    secretary = await make_secretary(h, county["east"])
    await secretary.says("/help")
    assert "/members" in secretary.last() and "/appoint" not in secretary.last()
    await staff.says("/help")
    assert "/appoint" in staff.last()


async def test_command_menus_are_published_per_language_and_scope(h: Harness) -> None:
    calls = [params for method, params in h.emu.calls if method == "setMyCommands"]
    scopes = {(str((p.get("scope") or {}).get("type")), p.get("language_code")) for p in calls}
    assert {
        ("all_private_chats", None),
        ("all_private_chats", "en"),
        ("all_group_chats", None),
        ("all_group_chats", "en"),
    } <= scopes
    english = next(
        p
        for p in calls
        if (p.get("scope") or {}).get("type") == "all_private_chats"
        and p.get("language_code") == "en"
    )
    assert {c["command"] for c in english["commands"]} >= {"start", "help", "me", "flow", "lang"}


async def test_staff_appoints_a_secretary_and_a_leader(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    first = await make_secretary(h, county["east"], name="老书记")
    newcomer = await joined(h, first, "周新")
    await staff.says("/appoint")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.presses("周新")
    await staff.presses("本支部书记")
    assert staff.last() == "东岭村党支部 已有书记：老书记。周新 是接替现任书记，还是同时任职？"
    await staff.presses("➕ 同时任职（副书记）")
    assert staff.last() == "周新 已被任命为 东岭村党支部 书记。"
    assert newcomer.last().startswith("您已被任命为 东岭村党支部 书记。")
    await newcomer.says("/pending")
    assert newcomer.last() == "目前没有待审核的申请。"

    await staff.says("/appoint")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.presses("老书记")
    await staff.presses("联系领导（选择联系点）")
    await staff.presses("西河乡")
    await staff.presses("西河村党支部")
    assert staff.last() == "老书记 已成为联系领导，联系点：西河村党支部。"
    assert first.last() == "您已被确定为联系领导，联系点为 西河村党支部。"
    await first.says("/me")
    assert "身份：联系领导，共 1 个联系点" in first.last()

    member = await joined(h, newcomer, "普通人")
    await member.says("/appoint")
    assert member.last() == "只有组织部工作人员可以任命支部书记和联系领导。"


async def test_a_removed_member_leaves_the_roster_and_keeps_their_records(
    h: Harness, county: dict[str, int]
) -> None:
    from storage import meetings as meeting_repo
    from tests.e2e.flows import make_secretary, registered

    secretary = await make_secretary(h, county["east"])
    (leaving,) = await registered(h, county["east"], ["要离开的人"])
    async with h.db.tx() as c:
        gone = await member_repo.member_of_user(c, leaving.id)
        assert gone is not None
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["east"],
                kind="lesson",
                starts_at=h.clock.now(),
                place="村委会",
                topic="学习",
                created_by=secretary.id,
            ),
            h.clock.now(),
        )
        await meeting_repo.put_attendance(c, meeting.id, gone.id, "present", h.clock.now())

    await secretary.says("/members")
    await secretary.presses("🗑 移除党员…")
    await secretary.presses("要离开的人")
    await secretary.presses("🗑 要离开的人：迁往其他支部")
    assert secretary.answers()[-1] == "要离开的人 已从名册中移除，其记录仍然保留。"
    await secretary.says("/members")
    assert "要离开的人" not in secretary.last()
    async with h.db.read() as c:
        people = await meeting_repo.attendees(c, meeting.id)
    assert {p.name: p.status for p in people}["要离开的人"] == "present"
    await leaving.says("/study")
    assert leaving.last().startswith("您还没有登记")
    other = h.person("外人")
    h.emu.press_data(other.user, h.emu.last(secretary.user), f"mem:rm:{gone.id}:died")
    await h.settle()
    assert other.answers() == ["这不在您的管理范围内。"]
