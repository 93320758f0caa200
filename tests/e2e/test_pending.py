"""Requests to join, from the deciding side: /pending is one list with ✅/❌ for each
applicant (more messages only past Telegram's limits), and a request goes only to
managers who have opened the bot — the others find it in /pending."""

from __future__ import annotations

from datetime import date

from bot import registry
from bot.access import load_actor
from bot.markup import length
from bot.profile import Profile
from sandbox.emulator import SimMessage
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from tests.e2e.flows import invite_code, join, make_secretary
from tests.harness import Harness, Person


def buttons(message: SimMessage) -> list[str]:
    return [label for row in message.buttons for label, _ in row]


async def test_pending_is_one_list_decided_row_by_row(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    first, second, third = h.person("甲"), h.person("乙"), h.person("王秀英")
    await join(first, code, name="甲")
    await join(second, code, name="乙", away=("深圳", "电子厂"))
    await join(third, code, name="王秀英", year="1972", phone=None)  # on the roster

    before = len(secretary.sees())
    await secretary.says("/pending")
    (listed,) = h.emu.messages(secretary.user)[before:]
    assert listed.text == (
        "待审核：3 人\n\n"
        "1. 甲\n1980 年生 · 正式党员 · +8613800001111\n\n"
        "2. 乙\n1980 年生 · 正式党员 · +8613800001111 · 外出：深圳, 电子厂, 2026-11\n\n"
        "3. 王秀英\n1972 年生 · 正式党员 · 无电话 · 花名册编号 0002"
    )
    assert buttons(listed) == [
        "✅ 1. 甲",
        "❌ 1. 甲",
        "✅ 2. 乙",
        "❌ 2. 乙",
        "✅ 3. 王秀英",
        "❌ 3. 王秀英",
    ]

    await secretary.presses("✅ 2. 乙", message=listed)
    assert listed.text.endswith("花名册编号 0002\n✅ 已批准：乙")
    assert buttons(listed) == ["✅ 1. 甲", "❌ 1. 甲", "✅ 3. 王秀英", "❌ 3. 王秀英"]
    assert "欢迎加入 东岭村党支部" in second.last()
    await secretary.presses("❌ 3. 王秀英", message=listed)
    assert listed.text.endswith("✅ 已批准：乙\n❌ 已拒绝：王秀英")
    assert buttons(listed) == ["✅ 1. 甲", "❌ 1. 甲"]
    await secretary.presses("✅ 1. 甲", message=listed)
    assert buttons(listed) == [] and listed.text.endswith("❌ 已拒绝：王秀英\n✅ 已批准：甲")
    async with h.db.read() as c:
        assert await member_repo.member_of_user(c, first.id) is not None
        assert await member_repo.member_of_user(c, second.id) is not None
        assert await member_repo.member_of_user(c, third.id) is None
    await secretary.says("/pending")
    assert secretary.last() == "目前没有待审核的申请。"


async def applicants(h: Harness, branch_id: int, n: int, by: Person) -> None:
    """``n`` requests to join with every field as long as it may be (set up directly)."""
    actor = await load_actor(h.db, by.id, h.settings.admins)
    invite = await registry.create_invite(h.db, h.clock, branch_id, actor, days=1, uses=n)
    for i in range(n):
        user = h.emu.add_user(f"申请人{i}")
        user.started = True
        async with h.db.tx() as c:
            await member_repo.touch_user(
                c, user.id, user.first_name, None, "zh-hans", h.clock.now(), private=True
            )
        name = f"{i:03d}" + "𠀀" * 29  # 32 characters, 61 units as Telegram counts
        await registry.submit_application(
            h.db,
            h.clock,
            user.id,
            invite.code,
            Profile(
                name=name,
                birth_year=1980,
                status="full",
                phone="+8613800001111",
                flowing=True,
                flow_city="深圳" * 30,
                flow_employer="厂" * 60,
                flow_since=date(2026, 1, 1),
            ),
            [],
        )


async def test_a_long_pending_list_splits_only_at_telegrams_limits(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    await staff.says("/start")
    await applicants(h, county["east"], 60, staff)

    before = len(staff.sees())
    await staff.says("/pending")
    pages = h.emu.messages(staff.user)[before:]
    assert 1 < len(pages) <= 5  # the text is too long for one message; nothing else splits
    assert pages[0].text is not None and pages[0].text.startswith("待审核：60 人\n\n1. 000")
    assert all(length(p.text or "") <= 4096 for p in pages)
    shown = [label for page in pages for label in buttons(page)]
    assert len(shown) == 100  # fifty applicants, two buttons each …
    assert shown[-1].startswith("❌ 50. 049")
    assert (pages[-1].text or "").endswith("请先处理这些，再发送 /pending 查看其余的。")  # … then

    await staff.presses(shown[-2], message=pages[-1])
    assert (pages[-1].text or "").endswith("✅ 已批准：049" + "𠀀" * 29)
    assert len(buttons(pages[-1])) == len(buttons(h.emu.messages(staff.user)[before:][-1]))


async def test_requests_go_only_to_staff_who_opened_the_bot(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    # No secretary in the south branch; one staff id never opened the bot, one did.
    silent_staff = h.person("没打开过的工作人员")
    async with h.db.tx() as c:
        await member_repo.ensure_user(c, silent_staff.id, h.clock.now())
        await org_repo.grant(c, silent_staff.id, "staff", None, None, h.clock.now())
    await staff.says("/start")
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)  # an east invite: east's secretary gets that one
    await registry.create_invite(
        h.db,
        h.clock,
        county["south"],
        await load_actor(h.db, staff.id, h.settings.admins),
        days=1,
        uses=5,
    )
    async with h.db.read() as c:
        south_code = (await org_repo.live_invites(c, county["south"], h.clock.now()))[0].code

    await join(h.person("东岭人"), code, name="东岭人")
    await join(h.person("南坡人"), south_code, name="南坡人")

    assert secretary.last().startswith("新的入组申请") and "东岭人" in secretary.last()
    assert staff.last().startswith("新的入组申请") and "南坡人" in staff.last()
    assert silent_staff.sees() == []
    async with h.db.read() as c:
        counts = await outbox_repo.counts(c)
    assert "unreachable" not in counts and "failed" not in counts  # nobody tried in vain

    # When they open the bot, they hear of what waits, and find it in /pending.
    await silent_staff.says("/start")
    assert silent_staff.last() == "有 2 人等待加入，发送 /pending 审核。"
    await silent_staff.says("/pending")
    assert silent_staff.last().startswith("待审核：2 人")
    assert "东岭人 · 东岭村党支部" in silent_staff.last()


async def test_a_branch_whose_managers_never_opened_the_bot_keeps_its_request_visible(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    # The only staff id (ZHIBU_ADMINS) has never written to the bot; no secretary.
    actor = await load_actor(h.db, staff.id, h.settings.admins)
    invite = await registry.create_invite(h.db, h.clock, county["west"], actor, days=1, uses=5)
    applicant = h.person("西河人")
    await join(applicant, invite.code, name="西河人")
    assert "申请已发给支部书记" in applicant.last()
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {}  # not queued to someone Telegram refuses
    assert h.emu.messages(staff.user) == []

    await staff.says("/pending")
    assert staff.last().startswith("待审核：1 人\n\n1. 西河人 · 西河村党支部")
