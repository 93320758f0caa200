"""Forged values inside one's own form: a client can send any callback data, so a button's
day, month, number or id meets the rule a typed one meets — the same polite answer in the
person's language, nothing stored, no handler error (nothing for bot/trouble.py to record,
no ERROR in the log)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from tests.e2e.flows import invite_code, make_leader, make_secretary, registered, schedule, snapshot
from tests.harness import Harness, Person

OVER_90_DAYS = "已超过 90 天，请联系组织部工作人员。"
NOT_YET = "这个日期还没到，请重新输入。"
TOO_FAR = "日期太远了，请输入一年以内的日期。"
PASSED = "这个日期已经过去了，请输入以后的日期。"
NO_SUCH_DATE = "没有这个日期，请重新输入。"
BUTTONS = "请用按钮选择。"
HUGE = str(10**12)


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    caplog.set_level(logging.WARNING)
    records: list[logging.LogRecord] = []
    yield records
    records.extend(r for r in caplog.records if r.levelno >= logging.ERROR)
    assert not records, [r.getMessage() for r in records]


async def forge(h: Harness, person: Person, data: str) -> None:
    h.emu.press_data(person.user, h.emu.last(person.user), data)
    await h.settle()


async def refused(h: Harness, person: Person, data: str, answer: str) -> None:
    """The forged press is answered as the typed value would be, and changes nothing."""
    before = snapshot(h)
    await forge(h, person, data)
    assert person.last() == answer, data
    assert snapshot(h) == before, data
    assert not h.errors


async def test_a_visit_day_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await leader.says("/visit")
    for data, answer in [
        ("dlg:visit:day:400", OVER_90_DAYS),  # as "400 days ago" typed
        (f"dlg:visit:day:{HUGE}", OVER_90_DAYS),  # past the calendar
        ("dlg:visit:day:-3", NOT_YET),
        ("dlg:visit:day:²", BUTTONS),
        ("dlg:visit:day:abc", BUTTONS),
    ]:
        await refused(h, leader, data, answer)
    await leader.presses("今天")
    assert leader.last() == "工作了几天？半天也可以。"
    for data, answer in [
        ("dlg:visit:days:-1", "天数必须大于零。"),
        ("dlg:visit:days:nan", "请输入天数，例如 1 或 0.5。"),
        ("dlg:visit:days:inf", "请输入天数，例如 1 或 0.5。"),
    ]:
        await refused(h, leader, data, answer)
    await leader.says("inf")  # typed: the same rule
    assert leader.last() == "请输入天数，例如 1 或 0.5。"


async def test_a_contact_point_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    leader = await make_leader(h, county["east"], [county["south"], county["west"]])
    await leader.says("/visit")
    for data in ("dlg:visit:point:²", f"dlg:visit:point:{10**30}", "dlg:visit:point:-1"):
        await refused(h, leader, data, BUTTONS)


async def test_a_due_date_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    secretary = await make_secretary(h, county["east"])
    await registered(h, county["east"], ["王芳"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（1）")
    await secretary.says("材料")
    await secretary.says("正文")
    for data, answer in [
        (f"dlg:push:due:{HUGE}", TOO_FAR),
        ("dlg:push:due:400", TOO_FAR),
        ("dlg:push:due:-1", PASSED),
        ("dlg:push:due:²", BUTTONS),
    ]:
        await refused(h, secretary, data, answer)
    await secretary.presses("7 天内")  # the offered buttons still work
    assert any("2026-12-01" in text for text in secretary.sees()[-3:])


async def test_working_away_since_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    (member,) = await registered(h, county["east"], ["赵磊"])
    await member.says("/flow")
    await member.presses("🚶 是，我在外地务工")
    await member.says("杭州")
    await member.presses("跳过")
    for data, answer in [
        ("dlg:flow:since:2099-01-01", NOT_YET),
        ("dlg:flow:since:2026-13-01", NO_SUCH_DATE),
        ("dlg:flow:since:1800-01-01", "请按“年-月”输入，例如 2026-03。"),
        ("dlg:flow:since:x", "请按“年-月”输入，例如 2026-03。"),
    ]:
        await refused(h, member, data, answer)
    await member.presses("本月")
    await member.presses("暂无 / 跳过")
    assert member.last().startswith("已记录：自 2026-11 起在 杭州 务工。")


async def test_a_host_branch_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    """Only a branch of the county, other than one's own, offered under the township
    pressed: a forged township, branch, own branch or number is refused like a wrong
    press, and nothing is stored."""
    (member,) = await registered(h, county["east"], ["赵磊"])
    await member.says("/flow")
    await member.presses("🚶 是，我在外地务工")
    await member.says("县城")
    await member.presses("跳过")
    await member.presses("本月")
    for data in (
        f"dlg:flow:host:{county['west']}",
        f"dlg:flow:host:{HUGE}",
        f"dlg:flow:host:{county['county']}",
        "dlg:flow:host:x",
    ):
        await refused(h, member, data, BUTTONS)
    await member.presses("东岭镇")
    for data in (
        f"dlg:flow:host_branch:{county['east']}",  # their own branch
        f"dlg:flow:host_branch:{county['dongling']}",
        f"dlg:flow:host_branch:{HUGE}",
        "dlg:flow:host_branch:²",
    ):
        await refused(h, member, data, BUTTONS)
    await member.presses("南坡村党支部")
    assert member.last().startswith("已记录：自 2026-11 起在 县城 务工。")


async def test_working_away_since_when_joining(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    secretary = await make_secretary(h, county["east"])
    person = h.person("陈静")
    await person.opens_link(await invite_code(secretary))
    await person.says("陈静")
    await person.says("1980")
    await person.presses("正式党员")
    await person.shares_contact("+8613800001111")
    await person.presses("是")
    await person.says("深圳")
    await person.presses("跳过")
    await refused(h, person, "dlg:reg:since:2099-01-01", NOT_YET)


async def test_a_meeting_day_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    secretary = await make_secretary(h, county["east"])
    await secretary.says("/meeting")
    await secretary.presses("党课")
    for data, answer in [
        ("dlg:meeting:when:2099-01-01", TOO_FAR),
        ("dlg:meeting:when:2020-01-01", "这个时间已经过去了，请输入以后的时间。"),
        ("dlg:meeting:when:2026-13-01", BUTTONS),
        ("dlg:meeting:when:<b>", BUTTONS),
    ]:
        await refused(h, secretary, data, answer)
    await secretary.presses("明天")
    await refused(h, secretary, "dlg:meeting:time:2561", "没有这个时间，请重新输入。")


async def test_a_scope_from_a_forged_button(
    h: Harness, county: dict[str, int], staff: Person, errors_logged: list[logging.LogRecord]
) -> None:
    await staff.says("/push")
    for data in ("dlg:push:scope:²", f"dlg:push:scope:{10**30}"):
        await refused(h, staff, data, BUTTONS)


async def test_a_quota_for_someone_forged(
    h: Harness, county: dict[str, int], staff: Person, errors_logged: list[logging.LogRecord]
) -> None:
    await make_leader(h, county["east"], [county["south"]])
    await staff.says("/quota")
    before = snapshot(h)
    await forge(h, staff, f"quota:set:{10**30}")
    await forge(h, staff, "quota:set:12345")
    # Staff pressing either: a button that is not (or no longer) one the bot made.
    assert staff.answers()[-2:] == ["这个按钮已失效。", "这个按钮已失效。"]
    assert snapshot(h) == before
    await staff.says("3")  # no quota form was opened
    assert staff.last() == "我没看明白。发送 /help 查看我能做什么。"


async def test_a_report_period_from_a_forged_button(
    h: Harness, county: dict[str, int], staff: Person, errors_logged: list[logging.LogRecord]
) -> None:
    await staff.says("/report")
    for data, answer in [
        ("rpt:visits:2026-06-01:2026-01-01", "结束日期早于开始日期。"),
        ("rpt:bp:2020-01-01:2026-01-01", "时间段最长两年。"),
        ("rpt:visits:9999-12-30:9999-12-31", TOO_FAR),
        (f"rpt:b:2026-01-01:2026-02-01:{10**30}", None),
    ]:
        shown = len(staff.sees())
        await forge(h, staff, data)
        if answer is not None:
            assert staff.last() == answer, data
        else:
            assert len(staff.sees()) == shown
    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("其他日期……")
    await staff.says("9999-12-31 9999-12-31")  # typed: the same rule, no overflow
    assert staff.last() == TOO_FAR
    await staff.says("0001-01-01 0001-06-30")  # nor at the calendar's other end
    assert staff.last() == "请选择 2000 年以后的日期。"


async def test_records_by_hand_from_forged_buttons(
    h: Harness, county: dict[str, int], clock: FrozenClock, errors_logged: list[logging.LogRecord]
) -> None:
    """A session's record by hand (代登记): a forged target, member, page or intent finds
    nothing, says so, and stores nothing."""
    secretary = await make_secretary(h, county["east"])
    elder = county["roster:0001"]
    await schedule(secretary, None)
    clock.set(clock.now() + timedelta(days=2))
    await h.tick()
    inactive = "这个按钮已失效。"
    for data in (
        f"hand:do:m1:{elder}:7:p0",
        f"hand:do:m1:{10**30}:1:p0",
        "hand:do:m1:99999:1:p0",
        f"hand:do:m{HUGE}:{elder}:1:p0",
        f"hand:do:b{county['east']}:{elder}:1:p0",
        f"hand:do:m1:{elder}:1:q0",
        f"hand:do:m1:{elder}:1:p-1",
        f"hand:do:s1:{elder}:1:p0",
        f"hand:ask:n1:{elder}:1:p0",
        f"hand:ask:m1:{elder}:²:p0",
        "hand:ls:m1:-1",
        "hand:ls:m1:²",
        "hand:ls:m1:10000",
        "hand:ls:x1:0",
        "hand:ls:m0:0",
        "hand:new:m99999",
        f"hand:new:b{10**30}",
        f"hand:new:b{county['dongling']}",
        "hand:new",
        "hand:zap:m1",
    ):
        before = snapshot(h)
        await forge(h, secretary, data)
        assert secretary.answers()[-1] == inactive, data
        assert snapshot(h) == before, data
        assert not h.errors
    await forge(h, secretary, f"hand:do:m1:{elder}:1:p0")  # the real thing still works
    assert secretary.answers()[-1] == "✅ 已代登记。"


async def test_a_session_change_from_forged_buttons(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    secretary = await make_secretary(h, county["east"])
    await schedule(secretary, None, remote="否")
    for data, answer in [
        (f"mtg:cancel:{10**30}", "这个按钮已失效。"),
        ("mtg:move:²", "这个按钮已失效。"),
        ("mtg:show:999", "这个按钮已失效。"),
        (f"mtg:list:{county['west']}", "这不在您的管理范围内。"),
        # a township's own sessions (its leadership's) are its staff's, not a secretary's
        (f"mtg:list:{county['dongling']}", "这不在您的管理范围内。"),
        (f"mtg:list:{county['county']}", "这个按钮已失效。"),
    ]:
        before = snapshot(h)
        await forge(h, secretary, data)
        assert secretary.answers()[-1] == answer, data
        assert snapshot(h) == before, data

    # Why: only the offered reasons by button ('other' is what is typed), or a few words.
    await secretary.presses("🚫 取消活动")
    for data in ("dlg:calloff:reason:other", "dlg:calloff:reason:flood", "dlg:calloff:reason:²"):
        await refused(h, secretary, data, BUTTONS)
    await secretary.says("暴" * 101)
    assert secretary.last() == "请不要超过 100 个字。"
    await secretary.says("/cancel")

    # When: a forged day meets the rule a typed one meets; the same time is no move.
    await secretary.presses("🗓 改期")
    for data, answer in [
        ("dlg:move:when:2099-01-01", TOO_FAR),
        ("dlg:move:when:2020-01-01", "这个时间已经过去了，请输入以后的时间。"),
        ("dlg:move:when:<b>", BUTTONS),
    ]:
        await refused(h, secretary, data, answer)
    await secretary.presses("明天")
    await refused(h, secretary, "dlg:move:time:2561", "没有这个时间，请重新输入。")
    await secretary.presses("19:30")
    assert secretary.sees()[-2] == "这就是现在的时间，请选择另一个时间。"
    await secretary.presses("11-26 周四")
    await secretary.presses("19:30")
    assert secretary.last().startswith("请核对：把“学习党章”从 2026-11-25 19:30 改到 2026-11-26")


async def test_a_scope_that_is_not_theirs_from_a_forged_button(
    h: Harness, county: dict[str, int], errors_logged: list[logging.LogRecord]
) -> None:
    """A secretary may address their own branch only: another branch, or a township, sent
    as the scope's button is refused and the form ends (Actor.manages decides)."""
    from storage import org as org_repo

    secretary = await make_secretary(h, county["east"])
    async with h.db.tx() as c:  # two branches: the form asks which
        await org_repo.grant(c, secretary.id, "secretary", county["west"], None, h.clock.now())
    for unit in ("south", "dongling", "county"):
        await secretary.says("/push")
        await forge(h, secretary, f"dlg:push:scope:{county[unit]}")
        assert secretary.last() == "这不在您的管理范围内。", unit
        await secretary.says("学习材料")  # the form has ended: not taken as its title
        assert secretary.last() == "我没看明白。发送 /help 查看我能做什么。", unit
    assert not h.errors
