"""Township staff (乡镇党委书记, 组织委员): a role bound to one township, appointed and ended
by county staff — in /appoint with buttons, or with `zhibu admin` — who do for their own
township's branches what county staff do for the county, and nothing outside it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import notices, registry
from bot.access import load_actor
from bot.callbacks import NoticePress, Pick, ReportBranches
from bot.clock import FrozenClock
from handlers import dialog
from storage import members as member_repo
from storage import org as org_repo
from storage.models import NewNotice
from tests.e2e.flows import join, log_visit, make_leader, registered, snapshot
from tests.e2e.process import zhibu
from tests.e2e.test_button_access import press
from tests.e2e.test_rights import (
    STOPPED,
    audit_actions,
    but_forms,
    menu,
    press_as_before,
    roles_of,
    zhibu_admin,
)
from tests.harness import Harness, Person

NOT_YOURS = "这不在您的管理范围内。"
STAFF_ONLY = "只有组织部工作人员可以进行此操作。"
MANAGERS_ONLY = "只有支部书记和组织部工作人员可以进行此操作。"
STAFF_COMMANDS = {"notice", "notices", "push", "members", "invite", "pending", "report", "visits"}


async def appoint_officer(staff: Person, name: str = "镇书记") -> None:
    """County staff make a member of 东岭村 township staff of 东岭镇, with buttons."""
    await staff.says("/appoint")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.presses(name)
    await staff.presses("东岭镇 党委工作人员")


def buttons(person: Person) -> list[str]:
    """The labels on the newest message in the person's private chat."""
    return [text for row in person.h.emu.last(person.user).buttons for text, _ in row]


async def test_county_staff_appoint_township_staff_whose_notice_reaches_only_their_township(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    (east,) = await registered(h, county["east"], ["东岭党员"])
    (south,) = await registered(h, county["south"], ["南坡党员"])
    (west,) = await registered(h, county["west"], ["西河党员"])
    await officer.says("/notice")
    assert officer.last() == MANAGERS_ONLY  # not yet

    await appoint_officer(staff)
    assert staff.last() == "镇书记 已被任命为 东岭镇 党委工作人员。"
    assert officer.last().startswith("您已被任命为 东岭镇 党委工作人员")
    assert roles_of(h, officer) == [("township", county["dongling"])]
    assert (f"tg:{staff.id}", "appoint.township", f"tg:{officer.id}") in audit_actions(h)
    shown = set(menu(h, officer) or [])
    assert shown >= STAFF_COMMANDS and not {"appoint", "quota"} & shown
    await officer.says("/me")
    assert "身份：乡镇党委工作人员" in officer.last()

    await officer.says("/notice")
    assert buttons(officer) == ["东岭镇"]  # neither the county nor 西河乡
    await officer.presses("东岭镇")
    assert buttons(officer) == ["东岭镇全部", "东岭村党支部", "南坡村党支部"]
    await officer.presses("东岭镇全部")
    everyone = next(label for label in buttons(officer) if label.startswith("所有人"))
    assert "仅支部书记" in "".join(buttons(officer))  # staff's audiences, not a secretary's
    await officer.presses(everyone)
    await officer.says("本周六上午召开党员大会。")
    await officer.presses("立即发送")
    await officer.presses(next(b for b in buttons(officer) if b.startswith("✅ 发送给")))
    for reader in (east, south):
        assert any("本周六上午召开党员大会。" in text for text in reader.sees())
    assert not any("本周六上午召开党员大会。" in text for text in west.sees())


async def test_a_study_push_and_the_visits_are_their_townships(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    (south,) = await registered(h, county["south"], ["南坡党员"])
    (west,) = await registered(h, county["west"], ["西河党员"])
    near = await make_leader(h, county["west"], [county["south"]], name="南坡联系领导")
    far = await make_leader(h, county["east"], [county["west"]], name="西河联系领导")
    await log_visit(near, problem="水渠年久失修")
    await log_visit(far, problem="路灯坏了")
    await appoint_officer(staff)

    await officer.says("/push")
    assert buttons(officer) == ["东岭镇"]
    await officer.presses("东岭镇")
    await officer.presses("南坡村党支部")
    await officer.presses(next(b for b in buttons(officer) if b.startswith("👥")))
    await officer.says("学习材料标题")
    await officer.says("学习材料正文")
    await officer.presses("不设截止日期")
    await officer.presses(next(b for b in buttons(officer) if b.startswith("✅ 发送给")))
    assert any("学习材料标题" in text for text in south.sees())
    assert not any("学习材料标题" in text for text in west.sees())

    await officer.says("/visits")  # the visits to their township's branches, not the county's
    shown = officer.last()
    assert "南坡联系领导" in shown and "水渠年久失修" in shown
    assert "西河联系领导" not in shown and "路灯坏了" not in shown
    assert "✔️" in "".join(buttons(officer))  # they may mark the problem there solved


async def test_township_staff_are_refused_another_townships_branch(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await registered(h, county["west"], ["西河党员"])
    await appoint_officer(staff)

    await officer.says("/members")  # typed: the choice is their township's branches only
    assert officer.last() == "东岭镇 的哪个支部？"
    assert buttons(officer) == ["东岭村党支部", "南坡村党支部"]
    await officer.presses("南坡村党支部")
    assert "南坡村党支部" in officer.last()

    before = snapshot(h)
    picker = h.emu.last(officer.user)
    h.emu.press_data(officer.user, picker, Pick("members", county["west"]).pack())
    await h.settle()
    assert officer.answers()[-1] == NOT_YOURS
    h.emu.press_data(officer.user, picker, Pick("members", county["xihe"]).pack())
    await h.settle()
    assert officer.answers()[-1] == NOT_YOURS

    await officer.says("/notice")
    scope = h.emu.last(officer.user)
    h.emu.press_data(officer.user, scope, dialog.choice("notice", "scope", county["xihe"]))
    await h.settle()
    assert officer.last() == NOT_YOURS  # and the form is over
    await officer.says("/notice")
    h.emu.press_data(
        officer.user, h.emu.last(officer.user), dialog.choice("notice", "scope", county["county"])
    )
    await h.settle()
    assert officer.last() == NOT_YOURS
    await officer.says("/appoint")
    assert officer.last() == "只有组织部工作人员可以任命支部书记和联系领导。"
    assert but_forms(snapshot(h)) == but_forms(before)


async def test_another_townships_notice_is_not_theirs_to_remind_read_or_cancel(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await registered(h, county["west"], ["西河党员"])
    await appoint_officer(staff)
    sent, _ = await notices.create(
        h.db,
        clock,
        NewNotice(
            sender=staff.id,
            scope_unit_id=county["xihe"],
            audience="everyone",
            body="西河乡的通知",
            send_at=clock.now(),
        ),
    )
    later, _ = await notices.create(
        h.db,
        clock,
        NewNotice(
            sender=staff.id,
            scope_unit_id=county["west"],
            audience="everyone",
            body="西河村的定时通知",
            send_at=clock.now() + timedelta(days=2),
        ),
    )
    h.services.poke_outbox()
    await h.settle()
    await officer.says("/notices")
    assert not any("西河" in text for text in officer.sees())
    before = snapshot(h)
    for data in (
        NoticePress("remind", sent.id),
        NoticePress("who", sent.id),
        NoticePress("cancel", later.id),
        NoticePress("stop", later.id),
    ):
        answer = await press(h, officer, data.pack())
        assert answer in (NOT_YOURS, STAFF_ONLY), (data, answer)
    assert snapshot(h) == before


async def test_township_staffs_bulletin_covers_only_their_township(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await registered(h, county["west"], ["西河党员"])
    await appoint_officer(staff)
    await officer.says("/report")
    assert officer.last().startswith("📊 支部工作通报")  # no choice of the county-wide kinds
    seen = len(officer.sees())
    await officer.presses("本月至今")
    bulletin = "\n".join(officer.sees()[seen:])
    assert "东岭镇" in bulletin and "东岭村党支部" in bulletin and "南坡村党支部" in bulletin
    assert "西河" not in bulletin and "青山县" not in bulletin

    today = h.clock.today()
    seen = len(officer.sees())
    h.emu.press_data(
        officer.user,
        h.emu.last(officer.user),
        ReportBranches(today.replace(day=1), today, county["xihe"]).pack(),
    )
    await h.settle()
    assert officer.sees()[seen:] == [NOT_YOURS]


async def test_the_monthly_bulletin_reaches_township_staff_for_their_township(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await appoint_officer(staff)
    seen = len(officer.sees())
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=clock.tz))
    await h.tick()
    bulletin = "\n".join(officer.sees()[seen:])
    assert "东岭镇" in bulletin and "东岭村党支部" in bulletin and "南坡村党支部" in bulletin
    assert "西河" not in bulletin and "青山县" not in bulletin
    assert any("西河村党支部" in text for text in staff.sees())  # staff: the county's
    await h.tick()  # once
    assert "\n".join(officer.sees()[seen:]) == bulletin


async def test_the_role_ended_in_appoint_takes_the_powers_at_once(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await appoint_officer(staff)
    await officer.says("/members")
    picker = h.emu.last(officer.user)
    await officer.says("/notice")
    await officer.presses("东岭镇")  # a form half filled in

    await staff.says("/appoint")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    assert "东岭镇 党委工作人员：镇书记" in staff.last()
    await staff.presses("🚫 取消 镇书记 的乡镇党委工作人员身份")
    assert staff.last().startswith("取消 镇书记 的 东岭镇 党委工作人员身份？")
    await staff.presses("✅ 结束身份")
    assert staff.last() == "镇书记 已不再是 东岭镇 党委工作人员。"
    assert officer.last().startswith("您已不再是 东岭镇 党委工作人员。")
    assert roles_of(h, officer) == []
    assert (f"tg:{staff.id}", "relieve.township", f"tg:{officer.id}") in audit_actions(h)

    before = snapshot(h)
    await officer.presses("东岭镇全部")
    assert officer.last() == STOPPED
    assert await press_as_before(h, officer, picker, "东岭村党支部") == NOT_YOURS
    await officer.says("/notice")
    assert officer.last() == MANAGERS_ONLY
    await officer.says("/members")
    assert officer.last() == MANAGERS_ONLY
    assert but_forms(snapshot(h)) == but_forms(before)
    await h.tick()
    assert not STAFF_COMMANDS & set(menu(h, officer) or [])


async def test_zhibu_admin_appoints_and_ends_township_staff(
    h: Harness, county: dict[str, int]
) -> None:
    (officer,) = await registered(h, county["west"], ["乡委员"])
    out = await zhibu_admin(h, "add-township", str(officer.id), "西河乡")
    assert out == f"{officer.id} is now township staff of 西河乡"
    await h.settle()  # the outbox sends what the command line queued
    assert officer.last().startswith("您已被任命为 西河乡 党委工作人员")
    listed = (await zhibu_admin(h, "list")).splitlines()
    assert f"{officer.id} (township staff of 西河乡)" in listed
    await officer.says("/members")
    assert "西河村党支部" in officer.last()  # their one branch, without asking
    await officer.says("/notice")
    assert buttons(officer) == ["西河乡"]
    await officer.says("/cancel")

    code, _, err = await zhibu(
        "admin", "add-township", str(officer.id), "无此乡", ZHIBU_DATABASE=str(h.settings.database)
    )
    assert code == 1 and err.strip() == "no township is named 无此乡"

    out = await zhibu_admin(h, "remove-township", str(officer.id), "西河乡")
    assert out == f"{officer.id} is no longer township staff of 西河乡"
    await h.settle()
    assert officer.last().startswith("您已不再是 西河乡 党委工作人员。")
    await officer.says("/members")
    assert officer.last() == MANAGERS_ONLY
    assert roles_of(h, officer) == []


async def test_a_branch_without_a_secretary_sends_its_requests_to_its_township(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    """The township answers for its branches directly: where no secretary can be reached,
    a request to join goes to the township's staff, and to the county only where the
    township has none."""
    await staff.says("/start")
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await appoint_officer(staff)
    actor = await load_actor(h.db, staff.id, h.settings.admins)
    south = await registry.create_invite(h.db, h.clock, county["south"], actor, days=1, uses=5)
    west = await registry.create_invite(h.db, h.clock, county["west"], actor, days=1, uses=5)
    seen_by_staff = len(staff.sees())

    await join(h.person("南坡人"), south.code, name="南坡人")  # 东岭镇 has township staff
    assert officer.last().startswith("新的入组申请") and "南坡人" in officer.last()
    await join(h.person("西河人"), west.code, name="西河人")  # 西河乡 has none
    assert not any("西河人" in text for text in officer.sees())
    told = staff.sees()[seen_by_staff:]
    assert len(told) == 1 and "西河人" in told[0] and "南坡人" not in told[0]

    await officer.says("/pending")
    assert officer.last().startswith("待审核：1 人") and "西河人" not in officer.last()
    await officer.presses("✅ 1. 南坡人")
    async with h.db.read() as c:
        assert [m.name for m in await member_repo.members_with_account(c, county["south"])] == [
            "南坡人"
        ]


async def test_township_staff_who_are_secretary_elsewhere_keep_both(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    """A township cadre who is also secretary (第一书记) of a branch in another township is
    offered their township and that branch — neither role hides the other."""
    (officer,) = await registered(h, county["east"], ["镇书记"])
    await appoint_officer(staff)
    async with h.db.tx() as c:
        await org_repo.grant(c, officer.id, "secretary", county["west"], None, h.clock.now())

    await officer.says("/members")
    assert officer.last() == "哪个乡镇或支部？"
    assert buttons(officer) == ["东岭镇", "西河村党支部"]
    await officer.presses("西河村党支部")
    assert "西河村党支部" in officer.last()
    await officer.says("/members")
    await officer.presses("东岭镇")
    assert buttons(officer) == ["东岭村党支部", "南坡村党支部"]

    await officer.says("/notice")
    assert buttons(officer) == ["东岭镇", "西河村党支部"]
    await officer.presses("西河村党支部")
    assert "西河村党支部" in officer.last()
