"""A member opens an invite link, answers with buttons, and the secretary approves."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from storage import members as member_repo
from tests.e2e.flows import LINK, invite_code, join, make_secretary
from tests.harness import Harness


async def test_member_joins_through_invite_and_is_approved(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    assert len(code) <= 64
    assert "有效期至 2026-12-08 10:00；已使用 0 / 50 次。" in secretary.sees()[-2]

    member = h.person("张伟")
    await member.opens_link(code)
    assert "您正在加入 <b>东岭村党支部</b>" not in member.last()  # tags are rendered, not shown
    assert "您正在加入 东岭村党支部" in member.sees()[-2]
    assert member.last() == "请问您的姓名？"
    await member.says("张伟")
    await member.says("1985")
    await member.presses("预备党员")
    assert "预备党员" in member.sees()[-2]  # the question keeps the chosen answer
    await member.shares_contact("+86 138-0000-2222")
    assert member.sees()[-2] == "电话：+8613800002222"
    await member.presses("否")
    summary = member.last()
    assert "姓名：张伟" in summary and "出生年份：1985" in summary
    assert "身份：预备党员" in summary and "外出务工：否" in summary
    await member.presses("✅ 提交")
    assert "申请已发给支部书记" in member.last()

    # Until approved, the applicant sees nothing of the branch.
    await member.says("/members")
    assert member.last() == "只有支部书记和组织部工作人员可以进行此操作。"

    request = secretary.last()
    assert request.startswith("新的入组申请")
    assert "张伟" in request and "+8613800002222" in request
    request_message = secretary.message_with_button("✅ 批准")
    data = next(d for row in request_message.buttons for label, d in row if label == "✅ 批准")
    await secretary.presses("✅ 批准", message=request_message)
    assert secretary.last().endswith("✅ 已批准")
    assert "欢迎加入 东岭村党支部" in member.last()

    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, member.id)
    assert stored is not None
    assert (
        stored.name,
        stored.birth_year,
        stored.status,
        stored.phone,
        stored.state,
        stored.branch_id,
        stored.flowing,
    ) == ("张伟", 1985, "probationary", "+8613800002222", "active", county["east"], False)

    # The same press delivered again changes nothing and says so.
    before = secretary.sees()
    h.emu.press_data(secretary.user, request_message, data)
    await h.settle()
    assert secretary.answers()[-1] == "已经处理过了：✅ 已批准"
    assert secretary.sees() == before
    async with h.db.read() as c:
        assert len([m for m in await member_repo.all_members(c) if m.name == "张伟"]) == 1


async def test_flowing_member_joins_in_english(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["west"])
    code = await invite_code(secretary)
    member = h.person("Liu Yang", language="en")
    await member.opens_link(code)
    assert "You are joining West" not in member.sees()[-2]
    assert "You are joining 西河村党支部" in member.sees()[-2]
    await member.says("刘洋")
    await member.says("1990")
    await member.presses("Full member")
    await member.presses_keyboard("Skip")
    assert member.sees()[-2] == "Phone: none"
    await member.presses("Yes")
    assert member.last() == "In which city are you working?"
    await member.says("深圳")
    await member.says("富华电子厂")
    await member.presses("Last month")
    summary = member.last()
    assert "Working away: 深圳" in summary and "Work unit: 富华电子厂" in summary
    assert "Since: 2026-10" in summary
    await member.presses("✅ Submit")
    await secretary.presses("✅ 批准")
    assert member.last().startswith("Welcome to 西河村党支部!")
    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, member.id)
    assert stored is not None and stored.flowing
    assert (stored.flow_city, stored.flow_employer, str(stored.flow_since)) == (
        "深圳",
        "富华电子厂",
        "2026-10-01",
    )


async def test_roster_member_is_matched_not_duplicated(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("王秀英")
    await join(member, code, name="王秀英", year="1972", phone=None)
    request = secretary.last()
    assert "花名册上有：王秀英（编号 0002，1972 年生）" in request
    await secretary.presses("✅ 批准")
    async with h.db.read() as c:
        rows = [m for m in await member_repo.all_members(c) if m.name == "王秀英"]
    assert len(rows) == 1
    assert rows[0].id == county["roster:0002"] and rows[0].roster_key == "0002"
    assert rows[0].telegram_id == member.id


async def test_rejected_applicant_is_told_and_not_a_member(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("路人甲")
    await join(member, code, name="路人甲")
    await secretary.says("/pending")
    assert secretary.last().startswith("待审核：1 人\n\n1. 路人甲")
    await secretary.presses("❌ 1. 路人甲")
    assert "未获批准" in member.last()
    async with h.db.read() as c:
        assert await member_repo.member_of_user(c, member.id) is None


async def test_expired_revoked_and_unknown_invites(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    late = h.person("迟到者")
    clock.advance(timedelta(days=15))
    await late.opens_link(code)
    assert late.last() == "这个邀请链接已过期，请向支部书记要一个新的。"

    fresh = await invite_code(secretary)
    await secretary.presses("🚫 作废此链接")
    assert secretary.answers()[-1] == "已作废。"
    assert secretary.sees()[-2] == "🚫 此邀请链接已作废，不能再使用。"  # the link, edited
    await late.opens_link(fresh)
    assert late.last() == "这个邀请链接已被收回，请向支部书记要一个新的。"

    await late.opens_link("no-such-code_123")
    assert late.last() == "这个邀请链接无效，请向支部书记核实。"
    async with h.db.read() as c:
        assert await member_repo.pending_application_of(c, late.id) is None


async def test_link_revoked_while_applicant_types_is_refused_at_submit(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("慢慢")
    await member.opens_link(code)
    await member.says("慢慢")
    await secretary.presses("🚫 作废此链接")
    await member.says("1980")
    await member.presses("正式党员")
    await member.presses_keyboard("跳过")
    await member.presses("否")
    await member.presses("✅ 提交")
    assert member.last() == "这个邀请链接已被收回，请向支部书记要一个新的。"
    async with h.db.read() as c:
        assert await member_repo.pending_application_of(c, member.id) is None


async def test_bad_answers_get_clear_replies_and_a_second_try(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("捣蛋")
    await member.opens_link(code)
    await member.says("王" * 10_000)
    assert member.last() == "姓名最多 32 个字。"
    await member.says("<b>王</b> 🌾")
    await member.says("abc")
    assert member.last() == "请输入四位数的出生年份，例如 1975。"
    await member.says("1850")
    assert member.last() == "出生年份应在 1900 到 2010 之间。"
    await member.says("１９８８")
    await member.presses("正式党员")
    await member.shares_contact("+8613900000000", own=False)
    assert member.last() == "请用下面的按钮分享您本人的号码，或选择“跳过”。"
    await member.says("not a phone")
    assert member.last() == "这不像是电话号码。"
    await member.presses_keyboard("跳过")
    await member.presses("否")
    assert "姓名：<b>王</b> 🌾" in member.last()  # shown literally, not as bold
    await member.presses("✅ 提交")
    assert "&lt;b&gt;" not in secretary.last()
    assert "姓名：<b>王</b> 🌾" in secretary.last()
    async with h.db.read() as c:
        application = await member_repo.pending_application_of(c, member.id)
    assert application is not None and application.name == "<b>王</b> 🌾"
    assert application.birth_year == 1988


async def test_cancel_leaves_the_conversation(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("犹豫")
    await member.opens_link(code)
    await member.says("犹豫")
    await member.says("/cancel")
    assert member.last() == "已取消，未保存后续内容。"
    await member.says("1980")
    assert member.last() == "我没看明白。发送 /help 查看我能做什么。"
    await member.says("/cancel")
    assert member.last() == "当前没有要取消的操作。"


async def test_old_buttons_do_nothing(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("重复")
    await member.opens_link(code)
    await member.says("重复")
    await member.says("1980")
    status_question = member.message_with_button("正式党员")
    await member.presses("正式党员")
    await member.shares_contact("+8613800003333")
    # the edited question has no buttons any more; a crafted press of the old data is stale
    h.emu.press_data(member.user, status_question, "dlg:reg:status:full")
    await h.settle()
    assert member.answers()[-1] == "这个按钮已失效。"
    assert member.last() == "您现在是否在外地务工经商？"


async def test_stranger_cannot_decide_an_application(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("申请人")
    await join(member, code, name="申请人")
    async with h.db.read() as c:
        application = await member_repo.pending_application_of(c, member.id)
    assert application is not None
    stranger = h.person("陌生人")
    await stranger.says("/start")
    h.emu.press_data(stranger.user, h.emu.last(stranger.user), f"app:ok:{application.id}")
    await h.settle()
    assert stranger.answers()[-1] == "这不在您的审批范围内。"
    other = await make_secretary(h, county["west"], name="别的书记")
    h.emu.press_data(other.user, h.emu.last(other.user), f"app:ok:{application.id}")
    await h.settle()
    assert other.answers()[-1] == "这不在您的审批范围内。"
    async with h.db.read() as c:
        still = await member_repo.get_application(c, application.id)
    assert still is not None and still.state == "pending"


async def test_invite_link_format(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    assert LINK.fullmatch(f"https://t.me/zhibu_test_bot?start={code}")
    second = await invite_code(secretary)
    assert second == code  # a live link is shown again, not a new one each time
    await secretary.presses("➕ 新链接")
    newest = LINK.search(secretary.last())
    assert newest and newest.group(1) != code


async def test_a_restart_in_the_middle_of_joining_loses_nothing(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    member = h.person("赵敏")
    await member.opens_link(await invite_code(secretary))
    await member.says("赵敏")
    await member.says("1990")
    question = member.message_with_button("正式党员")
    assert question is h.emu.last(member.user)

    await h.restart()  # the server is redeployed while she looks for her phone number

    await member.presses("正式党员")  # the button sent before the restart still works
    await member.presses_keyboard("跳过")
    await member.presses("否")
    assert "姓名：赵敏" in member.last() and "出生年份：1990" in member.last()
    await member.presses("✅ 提交")
    await h.restart()
    await secretary.presses("✅ 批准")
    assert "欢迎加入 东岭村党支部" in member.last()
