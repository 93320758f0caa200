"""Who a session invites depends on its kind: the committee meeting its committee, a party
group meeting its group, the other kinds every full and probationary member; activists
only when the secretary adds them; a member working away who could not join is recorded
working away, not absent. "Expected" counts only those invited."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from storage import audit
from storage import bulletins as figures_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import org as org_repo
from tests.e2e.flows import branch_group, make_secretary, registered, schedule
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")


async def _member_id(h: Harness, person: Person) -> int:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member.id


async def _set(h: Harness, person: Person, **fields: object) -> None:
    """Roster facts (set up, not under test: the roster import sets them in real life)."""
    async with h.db.tx() as c:
        await member_repo.update_member(c, await _member_id(h, person), dict(fields), h.clock.now())


def _reminded(person: Person) -> bool:
    return any(text.startswith("⏰ 明天") for text in person.sees())


async def test_a_committee_meeting_invites_the_committee_marked_under_members(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    deputy, member = await registered(h, county["east"], ["张委员", "王党员"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, deputy, member])

    # Nobody is marked yet: the kind is refused with what to do, the buttons stay.
    await secretary.says("/meeting")
    await secretary.presses("支委会")
    assert secretary.last() == (
        "东岭村党支部还没有标记支部委员。请先在 /members 中（或花名册的"
        "“支委”列）标记，再安排支委会。"
    )
    await secretary.says("/cancel")

    # The secretary marks the committee under /members, a press per name.
    await secretary.says("/members")
    await secretary.presses("👥 支部委员…")
    await secretary.presses("☐ 李书记")
    assert secretary.answers()[-1] == "李书记 已设为支部委员。"
    await secretary.presses("☐ 张委员")
    await secretary.presses("☐ 王党员")
    clock.advance(timedelta(seconds=31))  # the same button again, later
    await secretary.presses("☑ 王党员")  # a mistake, taken back
    assert secretary.answers()[-1] == "王党员 已不再是支部委员。"
    labels = [label for row in h.emu.last(secretary.user).buttons for label, _ in row]
    assert sorted(labels) == ["☐ 王党员", "☐ 王秀英", "☐ 陈建国", "☑ 张委员", "☑ 李书记"]
    async with h.db.read() as c:
        entries = [e for e in await audit.entries(c) if e.action == "member.committee"]
    assert len(entries) == 4 and entries[0].detail == '{"committee": [true, false]}'
    await secretary.says("/members")
    assert "张委员 · 正式党员 · 支委" in secretary.last()

    await schedule(secretary, group, kind="支委会", remote="否")
    confirm = [t for t in secretary.sees() if t.startswith("请核对")][-1]
    assert "邀请：2 人（支部委员）。" in confirm

    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    assert _reminded(deputy) and _reminded(secretary) and not _reminded(member)

    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await deputy.presses("✅ 签到", chat=group)
    await member.presses("✅ 签到", chat=group)
    assert member.answers()[-1] == "您不在本次活动的邀请名单中。"

    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    summary = secretary.last(group)
    assert "应到 2 · 实到 1 · 远程 0 · 请假 0 · 缺席 1" in summary
    assert "王党员" not in summary
    async with h.db.read() as c:
        rows = {a.name: a.status for a in await meeting_repo.attendees(c, 1)}
    assert rows == {"张委员": "present", "李书记": "absent"}


async def test_a_group_meeting_and_the_activists_the_secretary_adds(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    first, second, asked, not_asked = await registered(
        h, county["east"], ["一组党员", "二组党员", "积极分子甲", "积极分子乙"]
    )
    now = clock.now()
    async with h.db.tx() as c:
        one = await org_repo.add_unit(c, "group", "第一党小组", county["east"], now)
        two = await org_repo.add_unit(c, "group", "第二党小组", county["east"], now)
    await _set(h, first, group_id=one.id)
    await _set(h, second, group_id=two.id)
    for activist in (asked, not_asked):
        await _set(h, activist, status="activist", group_id=one.id)
    group = await branch_group(
        h, county["east"], "东岭村党员群", [secretary, first, second, asked, not_asked]
    )

    await secretary.says("/meeting", chat=group)
    await secretary.presses("党小组会")
    assert secretary.last() == "哪个党小组开会？"
    await secretary.presses("第一党小组")
    await secretary.says("明天 19:30")
    await secretary.says("村委会")
    await secretary.says("学习党章")
    await secretary.presses("跳过")
    await secretary.presses("否")
    assert secretary.last().startswith("入党积极分子默认不邀请。")
    await secretary.presses("☐ 积极分子甲")
    await secretary.presses("☐ 积极分子乙")
    clock.advance(timedelta(seconds=31))
    await secretary.presses("☑ 积极分子乙")  # changed their mind
    await secretary.presses("继续 ▶")
    confirm = secretary.last()
    assert "邀请：2 人（本党小组党员）。" in confirm
    assert "其中包括您加入的 1 名入党积极分子。" in confirm
    await secretary.presses("✅ 安排")
    async with h.db.read() as c:
        meeting = await meeting_repo.get_meeting(c, 1)
        invited = {m.name for m in await meeting_repo.invited(c, 1)}
    assert meeting is not None and meeting.group_id == one.id
    assert invited == {"一组党员", "积极分子甲"}

    # An assembly without activists added: every full and probationary member.
    await schedule(secretary, group, kind="支部党员大会", topic="换届")
    async with h.db.read() as c:
        invited = {m.name for m in await meeting_repo.invited(c, 2)}
    assert invited == {"李书记", "一组党员", "二组党员", "王秀英", "陈建国"}  # two on the roster

    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    reminded = {
        p.user.first_name: sum(t.startswith("⏰ 明天") for t in p.sees())
        for p in (secretary, first, second, asked, not_asked)
    }
    assert reminded == {"李书记": 1, "一组党员": 2, "二组党员": 1, "积极分子甲": 1, "积极分子乙": 0}


async def test_a_member_working_away_is_away_not_absent(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """A session that cannot be joined remotely: the flowing member could not come, so
    they are recorded working away and the branch's attendance does not count them."""
    secretary = await make_secretary(h, county["east"])
    (home,) = await registered(h, county["east"], ["在家党员"])
    (away,) = await registered(h, county["east"], ["外出党员"], flowing=True)
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, home, away])
    await schedule(secretary, group, remote="否")
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await home.presses("✅ 签到", chat=group)
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    summary = secretary.last(group)
    # Invited: the three, and the two roster members without Telegram (absent).
    assert "应到 5 · 实到 1 · 远程 0 · 请假 0 · 缺席 3 · 外出务工 1" in summary
    assert "🧳 外出务工，不计应到（1）：外出党员" in summary
    async with h.db.read() as c:
        figures = await figures_repo.attendance(
            c, TOMORROW_1930 - timedelta(days=2), TOMORROW_1930 + timedelta(days=2)
        )
    assert figures[county["east"]] == (1.0, 4.0)  # 1 of the 4 who could come
