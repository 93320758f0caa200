"""A secretary ties the branch's group chat to the branch with a one-time code."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import FrozenClock
from storage import org as org_repo
from tests.e2e.flows import branch_group, from_outbox, make_secretary
from tests.harness import Harness, Person

CODE = re.compile(r"/bind ([A-Za-z0-9_-]+)")


async def bind_code(person: Person) -> str:
    await person.says("/bind")
    for text in reversed(person.sees()):
        match = CODE.search(text)
        if match:
            return match.group(1)
    raise AssertionError(f"no bind code in {person.sees()[-3:]}")


async def test_secretary_binds_group_and_others_cannot(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    villager = h.person("普通党员")
    group = h.group("东岭村党员群", [secretary, villager])
    code = await bind_code(secretary)
    assert "绑定码只能用一次，24 小时内有效。" in secretary.sees()

    # Someone who is not the secretary cannot use the code, even if they saw it.
    await villager.says(f"/bind {code}", chat=group)
    assert villager.last(group) == "只有本支部书记或组织部工作人员可以把群聊绑定到支部。"
    async with h.db.read() as c:
        assert await org_repo.group_chat(c, group.id) is None

    await secretary.says(f"/bind@zhibu_test_bot {code}", chat=group)
    assert h.emu.texts(group)[-1] == (
        "本群已绑定到 东岭村党支部。支部的会议和通知将在这里发布。\n"
        "请把我设为本群管理员并允许邀请成员：这样我能知道谁进群、谁退群，并把入群链接发给新党员。"
    )
    async with h.db.read() as c:
        bound = await org_repo.group_chat(c, group.id)
    assert bound is not None and bound.branch_id == county["east"] and bound.state == "bound"

    await secretary.says(f"/bind {code}", chat=group)
    assert h.emu.texts(group)[-1].startswith("这个绑定码已经用过了")

    # Another branch's secretary cannot take the group over with their own code.
    other = await make_secretary(h, county["west"], name="西河书记")
    group.members.add(other.id)
    other_code = await bind_code(other)
    await other.says(f"/bind {other_code}", chat=group)
    assert h.emu.texts(group)[-1].startswith("这个群已绑定到其他支部")
    async with h.db.read() as c:
        still = await org_repo.group_chat(c, group.id)
    assert still is not None and still.branch_id == county["east"]

    # Codes expire.
    late = await bind_code(secretary)
    clock.advance(timedelta(hours=25))
    await secretary.says(f"/bind {late}", chat=group)
    assert h.emu.texts(group)[-1].startswith("这个绑定码已过期")

    await villager.says("/bind", chat=group)
    assert h.emu.texts(group)[-1].startswith("要把本群绑定到支部")


async def test_staff_picks_township_and_branch_for_a_code(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    await staff.says("/bind")
    assert staff.last() == "哪个乡镇？"
    await staff.presses("西河乡")
    assert staff.last() == "西河乡 的哪个支部？"
    await staff.presses("西河村党支部")
    code = CODE.search(staff.sees()[-2])
    assert code is not None
    group = h.group("西河村群", [staff])
    await staff.says(f"/bind {code.group(1)}", chat=group)
    async with h.db.read() as c:
        bound = await org_repo.group_chat(c, group.id)
    assert bound is not None and bound.branch_id == county["west"]


async def test_plain_member_cannot_get_a_code(h: Harness, county: dict[str, int]) -> None:
    member = h.person("群众")
    await member.says("/bind")
    assert member.last() == "只有支部书记和组织部工作人员可以进行此操作。"
    forged = h.emu.last(member.user)
    h.emu.press_data(member.user, forged, f"pick:bind:{county['east']}")
    await h.settle()
    assert member.answers()[-1] == "这不在您的管理范围内。"
    async with h.db.read() as c:
        assert await org_repo.live_group_of_branch(c, county["east"]) is None


async def test_the_binding_follows_a_supergroup_and_ends_when_the_bot_is_removed(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary])
    supergroup = h.emu.migrate_group(group)
    await h.settle()
    await secretary.says("/meeting", chat=supergroup)
    assert secretary.last(supergroup) == "我已私信您，请在私聊中完成安排。"

    h.emu.remove_bot_from_group(supergroup, by=secretary.user)
    await h.settle()
    assert secretary.last() == (
        "⚠️ 我已被移出“东岭村党员群”（东岭村党支部）。如需再次使用群聊，"
        "请把我加回群里，并在群里发送 /bind。"
    )
    assert (await from_outbox(h, secretary))[-1] == "group_lost"
    async with h.db.read() as c:
        bound = await org_repo.live_group_of_branch(c, county["east"])
    assert bound is None
