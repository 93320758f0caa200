"""Rights end when a role ends: relieved, replaced, removed from staff, a contact point
taken away — at the person's very next press or answer.

Staff end roles with the buttons of /appoint, as they would; the person concerned is told,
their command menu follows, and everything they were shown while they held the role —
requests to join, leave requests, the roster's remove buttons, notes to mark, a visit to
confirm, invite links, records, bulletins, a form half filled in — is refused politely,
with the database compared before and after each press.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path

import pytest

from bot.callbacks import unpack
from bot.clock import FrozenClock
from sandbox.emulator import SimMessage
from storage import members as member_repo
from tests.conftest import START
from tests.e2e.flows import (
    branch_group,
    invite_code,
    join,
    log_visit,
    make_secretary,
    material_and_notice,
    registered,
    schedule,
    snapshot,
)
from tests.e2e.process import zhibu
from tests.e2e.test_access import MANAGERS_ONLY, RECORDS_ONLY, STAFF_ONLY
from tests.e2e.test_button_access import REFUSALS
from tests.harness import Harness, Person

STOPPED = "您已无权进行此操作，本次填写已停止，没有保存任何内容。"
APPOINT_STAFF_ONLY = "只有组织部工作人员可以任命支部书记和联系领导。"
LEADERS_ONLY = "只有有联系点的领导干部可以记录。组织部工作人员可用 /appoint 指定联系点。"
TOMORROW_1930 = START.replace(hour=19, minute=30) + timedelta(days=1)
# The kinds of button a secretary is shown as secretary (prefix:action).
MANAGER_KINDS = {
    "app:ok",
    "app:no",
    "lv:ok",
    "lv:no",
    "mem:list",
    "mem:pick",
    "mem:rm",
    "note:read",
    "note:star",
    "note:redo",
    "note:exempt",
    "note:lift",
    "vst:ok",
    "inv:rv",
    "inv:new",
    "rec:show",
    "rpt:bp",
    "mat:who",
    "ntc:who",
    "mtg:effect",
    "hand:new",
    "hand:ls",
    "hand:ask",
    "hand:do",
    "mtg:lect",
    "ses:m",
    "ses:card",
    "ses:years",
    "ses:xlsx",
    "mtg:move",
    "mtg:cancel",
}


# --- what staff do, with the buttons ------------------------------------------------------


async def open_branch(staff: Person, township: str, branch: str) -> None:
    await staff.says("/appoint")
    await staff.presses(township)
    await staff.presses(branch)


async def appoint_secretary(
    staff: Person,
    name: str,
    *,
    township: str = "东岭镇",
    branch: str = "东岭村党支部",
    replace: bool | None = None,
) -> None:
    await open_branch(staff, township, branch)
    await staff.presses(name)
    await staff.presses("本支部书记")
    if replace is True:
        await staff.presses("🔁 接替现任书记")
        await staff.presses("✅ 接替")
    elif replace is False:
        await staff.presses("➕ 同时任职（副书记）")


async def relieve(
    staff: Person, name: str, *, township: str = "东岭镇", branch: str = "东岭村党支部"
) -> None:
    await open_branch(staff, township, branch)
    await staff.presses(f"🚫 免去 {name} 的书记职务")
    await staff.presses("✅ 免去")


async def appoint_leader(
    staff: Person, name: str, home: tuple[str, str], point: tuple[str, str]
) -> None:
    await open_branch(staff, *home)
    await staff.presses(name)
    await staff.presses("联系领导（选择联系点）")
    await staff.presses(point[0])
    await staff.presses(point[1])


def menu(h: Harness, person: Person) -> list[str] | None:
    """The commands in the person's own menu, None if they have only everyone's."""
    scope = json.dumps({"type": "chat", "chat_id": person.id}, sort_keys=True)
    found = h.emu.commands.get((scope, ""))
    return None if found is None else [c["command"] for c in found]


def audit_actions(h: Harness) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{h.settings.database}?mode=ro", uri=True) as c:
        return [
            tuple(row) for row in c.execute("SELECT actor, action, subject FROM audit ORDER BY id")
        ]


def roles_of(h: Harness, person: Person) -> list[tuple[str, int | None]]:
    with sqlite3.connect(f"file:{h.settings.database}?mode=ro", uri=True) as c:
        return [
            tuple(row)
            for row in c.execute(
                "SELECT role, unit_id FROM roles WHERE telegram_id = ? ORDER BY role", (person.id,)
            )
        ]


def open_dialog(h: Harness, person: Person) -> list[str]:
    with sqlite3.connect(f"file:{h.settings.database}?mode=ro", uri=True) as c:
        return [
            row[0]
            for row in c.execute(
                "SELECT kind FROM dialogs WHERE telegram_id = ? AND step != 'ended'", (person.id,)
            )
        ]


def but_forms(stored: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows for table, rows in stored.items() if table != "dialogs"}


async def press_as_before(h: Harness, person: Person, message: SimMessage, label: str) -> str:
    """Press a button on an old message; what they are told (answer, else a new message)."""
    answers, seen = len(h.emu.callback_answers(person.user)), len(person.sees())
    h.emu.press(person.user, message, label)
    await h.settle()
    said = [a.text for a in h.emu.callback_answers(person.user)[answers:] if a.text]
    new = person.sees()[seen:]
    return said[0] if said else (new[0] if new else "(nothing)")


def shown_as_manager(h: Harness, person: Person) -> list[tuple[SimMessage, str, str]]:
    """Every manager's button in the person's private chat: (message, label, kind)."""
    found = []
    for message in h.emu.messages(person.user):
        for row in message.buttons:
            for label, data in row:
                parsed = unpack(data)
                kind = f"{parsed.prefix}:{parsed.action}" if parsed else ""
                if kind in MANAGER_KINDS:
                    found.append((message, label, kind))
    return found


# --- a branch at work, seen by its secretary -------------------------------------------------


async def secretary_at_work(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> dict[str, Person]:
    """李书记 is appointed with the buttons and is shown every manager's button."""
    secretary, member, writer, leaving = await registered(
        h, county["east"], ["李书记", "普通党员", "张三", "要移除的"]
    )
    await registered(h, county["east"], ["流动党员"], flowing=True)
    (leader,) = await registered(h, county["west"], ["县领导"])
    async with h.db.tx() as c:  # on the roster as unable to write: /notes offers to lift it
        await member_repo.update_member(c, county["roster:0002"], {"no_writing": True}, clock.now())
    await appoint_secretary(staff, "李书记")
    await appoint_leader(staff, "县领导", ("西河乡", "西河村党支部"), ("东岭镇", "东岭村党支部"))
    applicant = h.person("申请人")
    await join(applicant, await invite_code(secretary), name="申请人")
    group = await branch_group(h, county["east"], "东岭群", [secretary, member, writer])

    await material_and_notice(secretary, flowing=1, everyone=5)

    await schedule(secretary, group, remote="否")
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await writer.presses("✅ 签到", chat=group)  # and owes a note afterwards
    await member.presses("📝 请假", chat=group)
    await member.says("家里有事")
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()  # closed: the record comes to the secretary
    # Recording by hand: a list left at its question, and a list left open.
    await secretary.presses("🖊 代登记")
    await secretary.presses("📵 陈建国")
    clock.set(clock.now() + timedelta(minutes=1))
    await secretary.presses("🖊 代登记")
    clock.set(clock.now() + timedelta(minutes=1))  # a press later is a press of its own
    await member.says("/note")
    await member.says("学习心得正文")

    await log_visit(leader)

    for command in ("/pending", "/study", "/notices", "/notes", "/record", "/report", "/invite"):
        await secretary.says(command)
    await secretary.says("/meetings")  # the session records, and the ledger's years
    await secretary.presses("📥 年度台账（Excel）…")
    clock.advance(timedelta(minutes=1))  # a press on the list later is a press of its own
    # The roster's remove buttons at each of their three steps, on three lists.
    await secretary.says("/members")
    await secretary.presses("🗑 移除党员…")
    await secretary.presses("要移除的", message=h.emu.messages(secretary.user)[-1])
    await secretary.says("/members")
    await secretary.presses("🗑 移除党员…")
    await secretary.says("/members")
    return {
        "secretary": secretary,
        "member": member,
        "leaving": leaving,
        "applicant": applicant,
        "leader": leader,
    }


async def test_a_relieved_secretary_is_refused_every_old_button_and_sees_no_more(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    cast = await secretary_at_work(h, county, staff, clock)
    secretary = cast["secretary"]
    assert "members" in (menu(h, secretary) or [])
    shown = shown_as_manager(h, secretary)
    assert {kind for _, _, kind in shown} == MANAGER_KINDS  # every kind is there to press

    await relieve(staff, "李书记")
    assert staff.last() == "李书记 已不再担任 东岭村党支部 书记。"
    assert secretary.last().startswith("您已不再担任 东岭村党支部 书记。感谢您的付出。")
    assert menu(h, secretary) is None  # back to the menu every member has
    assert roles_of(h, secretary) == []
    assert (f"tg:{staff.id}", "relieve.secretary", f"tg:{secretary.id}") in audit_actions(h)

    pressed = set()
    for message, label, kind in shown:
        if kind == "rec:show" and label == "李书记":
            continue  # their own record: every member may see theirs
        before = snapshot(h)
        said = await press_as_before(h, secretary, message, label)
        assert said in REFUSALS, f"{kind} ({label}) answered {said!r}"
        assert snapshot(h) == before, f"pressing {kind} ({label}) changed the database"
        pressed.add(kind)
    assert pressed == MANAGER_KINDS

    # Nothing of the branch's members, materials, notices or records any more.
    for command in ("/members", "/pending", "/notes", "/notices", "/invite", "/report"):
        before = snapshot(h)
        await secretary.says(command)
        assert secretary.last() == MANAGERS_ONLY, command
        assert snapshot(h) == before
    await secretary.says("/meetings")
    assert secretary.last() == RECORDS_ONLY
    await secretary.says("/record")
    assert secretary.last().startswith("📒 学习档案：李书记")  # their own, not the list
    await secretary.says("/study")
    assert "普通党员" not in secretary.last() and "流动党员" not in secretary.last()
    await secretary.says("/help")
    assert "/members" not in secretary.last() and "/record" in secretary.last()
    # The applicant still waits for a secretary: staff may decide.
    await staff.says("/pending")
    assert "申请人" in staff.sees()[-1]


@pytest.mark.parametrize(
    "form", ["push", "push confirm", "notice", "meeting", "report", "rewrite", "effect"]
)
async def test_a_form_half_filled_before_the_end_is_refused_after_it(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock, form: str
) -> None:
    secretary, member = await registered(h, county["east"], ["李书记", "普通党员"])
    await appoint_secretary(staff, "李书记")
    answer = None
    if form == "push":
        await secretary.says("/push")
        await secretary.presses("👥 全体党员（4）")
        await secretary.says("标题")
        answer = "正文"  # the material itself
    elif form == "push confirm":
        await secretary.says("/push")
        await secretary.presses("👥 全体党员（4）")
        await secretary.says("标题")
        await secretary.says("正文")
        await secretary.presses("不设截止日期")
    elif form == "notice":
        await secretary.says("/notice")
        await secretary.presses("所有人（2）")
        answer = "通知正文"
    elif form == "meeting":
        group = await branch_group(h, county["east"], "东岭群", [secretary, member])
        await secretary.says("/meeting", chat=group)
        await secretary.presses("党课")
        answer = "明天 19:30"
    elif form == "report":
        await secretary.says("/report")
        await secretary.presses("其他日期……")
        answer = "2026-01-01 2026-06-30"
    elif form == "rewrite":
        await member.says("/note")
        await member.says("我的心得")
        await secretary.says("/notes")
        await secretary.presses("↩️ 请重写")
        answer = "请写具体一些"
    elif form == "effect":
        await schedule(secretary, None, remote="否")
        clock.set(TOMORROW_1930 + timedelta(minutes=60))
        await h.tick()
        await secretary.presses("✍️ 补充效果")
        answer = "大家都有收获"
    assert open_dialog(h, secretary), "the form is open"

    await relieve(staff, "李书记")
    before = snapshot(h)
    if answer is None:
        await secretary.presses("✅ 发送给 2 人")
    else:
        await secretary.says(answer)
    assert secretary.last() == STOPPED
    assert open_dialog(h, secretary) == []  # the form is over
    assert but_forms(snapshot(h)) == but_forms(before)  # and nothing else changed


async def test_a_replaced_secretary_hands_over_in_one_step(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    old, new = await registered(h, county["east"], ["老书记", "新书记"])
    await appoint_secretary(staff, "老书记")
    applicant = h.person("申请人")
    await join(applicant, await invite_code(old), name="申请人")
    request = h.emu.messages(old.user)[-1]
    assert "申请人" in (request.text or "")

    await appoint_secretary(staff, "新书记", replace=True)
    assert staff.last() == "新书记 已接替 老书记 任 东岭村党支部 书记。"
    assert old.last().startswith("您已不再担任 东岭村党支部 书记。")
    assert new.last().startswith("您已被任命为 东岭村党支部 书记。")
    assert roles_of(h, old) == [] and roles_of(h, new) == [("secretary", county["east"])]
    assert menu(h, old) is None and "pending" in (menu(h, new) or [])
    actions = [action for _, action, _ in audit_actions(h)]
    assert actions[-2:] == ["relieve.secretary", "appoint.secretary"]

    before = snapshot(h)
    assert await press_as_before(h, old, request, "✅ 批准") == "这不在您的审批范围内。"
    assert snapshot(h) == before
    await new.says("/pending")
    await new.presses("✅ 1. 申请人")
    assert applicant.last().startswith("欢迎加入 东岭村党支部")


async def test_secretaries_side_by_side_keep_their_rights(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    first, second = await registered(h, county["east"], ["老书记", "副书记"])
    await appoint_secretary(staff, "老书记")
    await appoint_secretary(staff, "副书记", replace=False)
    assert staff.last() == "副书记 已被任命为 东岭村党支部 书记。"
    assert roles_of(h, first) == roles_of(h, second) == [("secretary", county["east"])]
    for person in (first, second):
        await person.says("/members")
        assert "老书记" in person.last() and "副书记" in person.last()


def menu_descriptions(h: Harness, person: Person) -> list[str]:
    scope = json.dumps({"type": "chat", "chat_id": person.id}, sort_keys=True)
    return [c["description"] for c in h.emu.commands.get((scope, ""), [])]


async def test_a_secretarys_own_menu_follows_the_language_chosen(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (secretary,) = await registered(h, county["east"], ["老书记"])
    await appoint_secretary(staff, "老书记")
    chinese = menu_descriptions(h, secretary)
    assert "What I can do for you" not in chinese and len(chinese) > 6
    await secretary.says("/lang")
    await secretary.presses("English")
    assert secretary.last() == "Language set: English."
    english = menu_descriptions(h, secretary)
    assert len(english) == len(chinese) and "What I can do for you" in english


async def test_cancelling_an_end_changes_nothing(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (secretary,) = await registered(h, county["east"], ["李书记"])
    await appoint_secretary(staff, "李书记")
    await open_branch(staff, "东岭镇", "东岭村党支部")
    await staff.presses("🚫 免去 李书记 的书记职务")
    before = snapshot(h)
    await staff.presses("❌ 取消")
    assert staff.last() == "已取消，没有做任何更改。"
    assert but_forms(snapshot(h)) == but_forms(before)
    assert roles_of(h, secretary) == [("secretary", county["east"])]


async def zhibu_admin(h: Harness, *args: str) -> str:
    """`zhibu admin …` as the operator types it, on the database the bot is using."""
    code, out, err = await zhibu("admin", *args, ZHIBU_DATABASE=str(h.settings.database))
    assert code == 0, err
    return out.strip()


async def no_longer_staff(
    h: Harness, person: Person, quota: SimMessage, answer: Coroutine[object, object, None]
) -> None:
    """Their half-filled form stops at ``answer``; an old /quota button and /appoint are
    refused; nothing is stored."""
    before = snapshot(h)
    await answer
    assert person.last() == STOPPED
    assert but_forms(snapshot(h)) == but_forms(before)
    before = snapshot(h)
    assert isinstance(h.clock, FrozenClock)
    h.clock.advance(timedelta(minutes=1))  # not Telegram handing the first press over again
    assert await press_as_before(h, person, quota, "所有人") == STAFF_ONLY
    await person.says("/appoint")
    assert person.last() == APPOINT_STAFF_ONLY
    assert snapshot(h) == before


async def test_zhibu_admin_remove_ends_staff_rights_at_the_next_press(
    h: Harness, county: dict[str, int]
) -> None:
    helper = h.person("组织部小王")
    await helper.says("/start")
    assert await zhibu_admin(h, "add", str(helper.id)) == f"{helper.id} is now organisation staff"
    await h.tick()
    assert "appoint" in (menu(h, helper) or [])
    await helper.says("/quota")
    quota = h.emu.messages(helper.user)[-1]
    await helper.presses("所有人")  # a form: how many days?
    assert helper.last() == "每月多少天？（例如 3 或 2.5）"

    out = await zhibu_admin(h, "remove", str(helper.id))  # while the bot runs
    assert out == f"{helper.id} is no longer organisation staff"
    await h.settle()  # the outbox sends what the command line queued
    assert helper.last() == "您已不再是组织部工作人员。发送 /help 查看您现在可以做什么。"
    await no_longer_staff(h, helper, quota, helper.says("2"))

    await h.tick()  # the bot publishes what the command line marked
    assert menu(h, helper) is None
    assert ("cli", "staff.remove", f"tg:{helper.id}") in audit_actions(h)


async def test_staff_taken_out_of_zhibu_admins_keep_nothing_after_a_restart(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    await registered(h, county["east"], ["普通党员"])
    await staff.says("/start")  # Telegram takes a personal menu once the chat is open
    await h.tick()
    assert "appoint" in (menu(h, staff) or [])
    await staff.says("/quota")
    quota = h.emu.messages(staff.user)[-1]
    await staff.says("/members")
    townships = h.emu.messages(staff.user)[-1]  # the picker: which township?
    await open_branch(staff, "东岭镇", "东岭村党支部")  # a form, half filled in
    assert open_dialog(h, staff) == ["appoint"]

    h.settings = h.settings.model_copy(update={"admins": []})
    await h.restart()
    assert roles_of(h, staff) == []  # nothing was stored that makes them staff
    await no_longer_staff(h, staff, quota, staff.presses("普通党员"))
    before = snapshot(h)
    assert await press_as_before(h, staff, townships, "东岭镇") == "这不在您的管理范围内。"
    assert snapshot(h) == before
    await h.tick()
    assert menu(h, staff) is None


async def test_a_leader_whose_contact_point_is_removed_can_no_longer_act_there(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (leader,) = await registered(h, county["west"], ["县领导"])
    await appoint_leader(staff, "县领导", ("西河乡", "西河村党支部"), ("东岭镇", "东岭村党支部"))
    await appoint_leader(staff, "县领导", ("西河乡", "西河村党支部"), ("东岭镇", "南坡村党支部"))
    assert "visit" in (menu(h, leader) or [])
    await log_visit(leader, "东岭村党支部")
    await leader.says("/visits")
    standing = h.emu.messages(leader.user)[-1]
    day = f"{START:%m-%d}"
    await leader.says("/visit")  # a second visit, half logged
    await leader.presses("东岭村党支部")
    await leader.presses("今天")

    await open_branch(staff, "东岭镇", "东岭村党支部")
    await staff.presses("📍 县领导（联系领导）")
    await staff.presses("📍 取消联系点：东岭村党支部")
    await staff.presses("✅ 取消联系点")
    assert staff.last() == "东岭村党支部 已不再是 县领导 的联系点。"
    assert leader.last().startswith("东岭村党支部 已不再是您的联系点。")
    assert "relieve.contact_point" in [a for _, a, _ in audit_actions(h)]

    before = snapshot(h)
    await leader.presses("1")  # the half-logged visit
    assert leader.last() == STOPPED
    assert but_forms(snapshot(h)) == but_forms(before)
    for label in (f"✏️ 改天数 {day}", f"✏️ 改记录 {day}", f"🗑 撤回 {day}"):
        before = snapshot(h)
        assert await press_as_before(h, leader, standing, label) == "这不在您的管理范围内。"
        assert snapshot(h) == before
    await leader.says("/visit")  # only the contact point left
    assert leader.last().startswith("📍 到 南坡村党支部 工作。")
    await leader.says("/cancel")
    assert "visit" in (menu(h, leader) or [])

    await open_branch(staff, "东岭镇", "南坡村党支部")
    await staff.presses("📍 县领导（联系领导）")
    await staff.presses("🚫 结束联系领导身份")
    await staff.presses("✅ 结束身份")
    assert staff.last() == "县领导 已不再是联系领导。"
    assert leader.last().startswith("您的联系领导身份已结束。")
    assert roles_of(h, leader) == []
    await leader.says("/visit")
    assert leader.last() == LEADERS_ONLY
    assert menu(h, leader) is None


async def test_a_secretary_taken_off_the_roster_loses_the_role_a_leader_keeps_theirs(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    """Being the branch's secretary comes with its membership; a leader's appointment is
    the county's: a village secretary taking them off the roster does not end it, and
    staff are told, to end it in /appoint if the person no longer serves."""
    keeper = await make_secretary(h, county["east"], name="留任书记")
    leaving, leader = await registered(h, county["east"], ["离任书记", "本村领导"])
    await appoint_secretary(staff, "离任书记", replace=False)
    await appoint_leader(staff, "本村领导", ("东岭镇", "东岭村党支部"), ("西河乡", "西河村党支部"))
    applicant = h.person("申请人")
    await join(applicant, await invite_code(leaving), name="申请人")
    request = h.emu.messages(leaving.user)[-1]

    for name in ("离任书记", "本村领导"):
        await keeper.says("/members")
        await keeper.presses("🗑 移除党员…")
        await keeper.presses(name)
        await keeper.presses(f"🗑 {name}：迁往其他支部")
    assert roles_of(h, leaving) == [] and menu(h, leaving) is None
    assert roles_of(h, leader) == [("leader", None)]
    actions = [(actor, action) for actor, action, _ in audit_actions(h)]
    assert (f"tg:{keeper.id}", "relieve.secretary") in actions
    assert (f"tg:{keeper.id}", "relieve.leader") not in actions
    assert staff.last() == (
        "ℹ️ 本村领导 是有联系点的领导干部，已被移出 东岭村党支部 的名册（迁往其他支部）。"
        "其领导干部任命仍然保留：如其已不再任职，请在 /appoint 中免去。"
    )
    before = snapshot(h)
    assert await press_as_before(h, leaving, request, "✅ 批准") in REFUSALS
    assert snapshot(h) == before
    await leader.says("/visit")  # still the county's leader, with their contact points
    assert leader.last() != LEADERS_ONLY


async def test_a_roster_import_that_moves_a_secretary_ends_the_old_branch_role(
    h: Harness, county: dict[str, int], tmp_path: Path
) -> None:
    from bot.roster import import_roster

    secretary = await make_secretary(h, county["east"], name="调走的书记")
    async with h.db.tx() as c:
        await c.execute(
            "UPDATE members SET roster_key = 'QS0009' WHERE telegram_id = ?", (secretary.id,)
        )
    rows = [
        "编号,姓名,乡镇,支部,出生年份,身份",
        "QS0009,调走的书记,西河乡,西河村党支部,1970,正式党员",
    ]
    (tmp_path / "members.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = await import_roster(h.db, [tmp_path / "members.csv"], h.clock)
    assert not report.errors, report.errors
    assert roles_of(h, secretary) == []
    assert ("cli", "relieve.secretary", f"tg:{secretary.id}") in audit_actions(h)
    await h.settle()
    assert secretary.last().startswith("您已不再担任 东岭村党支部 书记。")
    await secretary.says("/members")
    assert secretary.last() == MANAGERS_ONLY


async def test_a_session_record_goes_to_who_manages_the_branch_when_it_closes(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    old, new = await registered(h, county["east"], ["老书记", "新书记"])
    await appoint_secretary(staff, "老书记")
    await schedule(old, None, remote="否")
    await appoint_secretary(staff, "新书记", replace=True)
    seen = len(old.sees())
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    assert not any("活动记录" in text for text in old.sees()[seen:])
    record = h.emu.messages(new.user)[-1]
    assert "活动记录" in (record.text or "") and record.buttons[0][0][0] == "✍️ 补充效果"
