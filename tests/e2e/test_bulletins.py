"""The branch bulletin over a year of generated activity, checked against figures the
test computes itself: in the message, the spreadsheet and the chart's data."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from openpyxl import load_workbook

from bot import bulletins, materials, notes, notices, visits
from bot.clock import FrozenClock
from bot.materials import Draft
from bot.notices import NoticeDraft
from bot.visits import VisitDraft
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notes as note_repo
from storage.models import Member
from tests import sheets
from tests.e2e.flows import make_leader, registered
from tests.harness import Harness, Person

TZ_START = datetime.fromisoformat("2026-01-01T00:00:00+08:00")


async def test_the_bulletin_matches_what_happened(
        h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock) -> None:
    rng = random.Random(2026)
    branches = {"east": county["east"], "south": county["south"], "west": county["west"]}
    people: dict[str, list[Person]] = {}
    for key, branch_id in branches.items():
        people[key] = await registered(h, branch_id, [f"{key}{i}" for i in range(4)])
    expected: dict[int, dict[str, list[float]]] = {
        b: {m: [0.0, 0.0] for m in bulletins.MEASURES} for b in branches.values()}
    now = clock.now()
    async with h.db.read() as c:
        member_ids = {p.id: (await member_repo.member_of_user(c, p.id)).id  # type: ignore[union-attr]
                      for group in people.values() for p in group}
        invited_counts = {b: len([m for m in await member_repo.all_members(c)
                                  if m.branch_id == b and m.state == "active"])
                          for b in branches.values()}

    # Sessions: some closed with attendance, one per branch scheduled but never held.
    for key, branch_id in branches.items():
        for _ in range(rng.randint(2, 5)):
            start = TZ_START + timedelta(days=rng.randint(0, 300), hours=19)
            async with h.db.tx() as c:
                meeting = await meeting_repo.add_meeting(c, {
                    "branch_id": branch_id, "kind": "lesson", "starts_at": start,
                    "place": "村委会", "topic": "学习", "created_by": staff.id}, now)
                leave = 0
                present = 0
                for person in people[key]:
                    status = rng.choice(["present", "present", "remote", "leave", None])
                    if status is not None:
                        await meeting_repo.put_attendance(c, meeting.id, member_ids[person.id],
                                                          status, now)
                    present += status in ("present", "remote")
                    leave += status == "leave"
                await meeting_repo.set_state(c, meeting.id, "closed")
                await meeting_repo.mark_absent(c, meeting.id, branch_id, now)
            expected[branch_id]["meetings"][0] += present > 0
            expected[branch_id]["meetings"][1] += 1
            expected[branch_id]["attendance"][0] += present
            expected[branch_id]["attendance"][1] += invited_counts[branch_id] - leave
        async with h.db.tx() as c:
            await meeting_repo.add_meeting(c, {
                "branch_id": branch_id, "kind": "group", "place": "—", "topic": "未开",
                "starts_at": TZ_START + timedelta(days=100), "created_by": staff.id}, now)
        expected[branch_id]["meetings"][1] += 1

    # A material to every branch; some study it. Notes asked of some; some write.
    for key, branch_id in branches.items():
        pushed = await materials.push(h.db, clock, Draft(branch_id, "all", f"材料{key}"),
                                      staff.id)
        await h.settle()
        for person in people[key]:
            member = await _member(h, person)
            expected[branch_id]["study"][1] += 1
            if rng.random() < 0.6:
                await materials.mark_studied(h.db, clock, pushed.material.id, member,
                                             notes.NotePolicy.of(h.settings))
                expected[branch_id]["study"][0] += 1
                expected[branch_id]["notes"][1] += 1  # studying asks for a note on it
            async with h.db.tx() as c:
                await note_repo.ask(c, [(member.id, f"meeting:{branch_id}", "学习")], now,
                                    now + timedelta(days=14))
            expected[branch_id]["notes"][1] += 1
            if rng.random() < 0.5:
                await notes.submit(h.db, clock, member, f"meeting:{branch_id}", "学习", "text",
                                   "心得", None)
                expected[branch_id]["notes"][0] += 1
        # the two roster members of east received it too, without an account
        if key == "east":
            expected[branch_id]["study"][1] += 2

    # Contact-point days at south by a leader (quota 3 a month, 11 months in the period).
    leader = await make_leader(h, county["west"], [county["south"]])
    total_days = 0.0
    for month in range(1, 11):
        days = rng.choice([0.5, 1.0, 2.0, 3.0])
        await visits.log(h.db, clock, leader.id, VisitDraft(
            county["south"], datetime(2026, month, 10).date(), days, "research", "记录", None,
            "", False))
        total_days += days
    expected[county["south"]]["visits"] = [total_days, 3.0 * 11]

    # A notice to everyone; some acknowledge.
    await notices.create(h.db, clock, NoticeDraft(county["dongling"], "everyone", "通知",
                                                  None, None, False, now), staff.id)
    await h.settle()
    for key in ("east", "south"):
        for person in people[key]:
            expected[branches[key]]["notices"][1] += 1
            if rng.random() < 0.7:
                await notices.acknowledge(h.db, clock, 1, person.id)
                expected[branches[key]]["notices"][0] += 1

    def score(branch_id: int) -> float:
        rates = [min(1.0, done / possible) for done, possible in expected[branch_id].values()
                 if possible]
        return sum(rates) / len(rates)

    built = await bulletins.build(h.db, clock, county["county"], TZ_START.date(),
                                  (now + timedelta(days=1)).date(), 3.0)
    for line in built.lines:
        for measure, (done, possible) in expected[line.branch_id].items():
            assert line.figures.get(measure, (0.0, 0.0)) == (done, possible), (
                line.name, measure)
        assert abs((line.score or 0) - score(line.branch_id)) < 1e-9
    ranked = sorted(branches.values(), key=lambda b: -score(b))
    assert [line.branch_id for line in built.ranked] == ranked
    assert [line.backward for line in built.ranked] == [False, False, True]
    assert bulletins.chart_data(built) == [round(score(b) * 100, 1) for b in ranked]

    # Through the bot: the message, the spreadsheet and the chart.
    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("今年至今")
    await staff.presses("🏛 全县")
    message = next(t for t in staff.sees() if t.startswith("📊 工作通报：青山县"))
    names = {line.branch_id: line.name for line in built.lines}
    for rank, branch_id in enumerate(ranked, start=1):
        assert f"{rank}. {names[branch_id]} {score(branch_id):.0%}" in message
    assert f"后进（末位 10%）：{names[ranked[-1]]}" in message
    sheet_message = next(m for m in h.emu.messages(staff.user) if m.document)
    data = h.emu.files[sheet_message.document["file_id"]].data  # type: ignore[index]
    book = load_workbook(io.BytesIO(data))
    ranking = sheets.rows(book["排名"])
    assert [(row[1], row[3]) for row in ranking] == [
        (names[b], round(score(b), 4)) for b in ranked]
    attendance = {row[0]: (row[2], row[3]) for row in sheets.rows(book["出勤率"])}
    for branch_id in branches.values():
        assert attendance[names[branch_id]] == tuple(expected[branch_id]["attendance"])
    assert h.emu.last(staff.user).media.get("photo") is not None


async def test_a_period_without_activity_says_so(h: Harness, county: dict[str, int],
                                                 staff: Person) -> None:
    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("去年（2025）")
    await staff.presses("🏛 全县")
    assert staff.last() == ("📊 工作通报：青山县，2025-01-01 – 2025-12-31\n"
                            "这段时间没有活动：没有会议、学习材料、心得、联系点工作或通知可以统计。")
    assert not any(m.document for m in h.emu.messages(staff.user))


async def _member(h: Harness, person: Person) -> Member:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member


async def test_an_appointed_secretary_finds_report_and_gets_their_branch(
        h: Harness, county: dict[str, int], staff: Person) -> None:
    newcomer, = await registered(h, county["east"], ["周新"])
    await newcomer.says("/help")
    assert "/report" not in newcomer.last()
    await staff.says("/appoint")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.presses("周新")
    await staff.presses("本支部书记")

    menu = h.emu.commands[(f'{{"chat_id": {newcomer.id}, "type": "chat"}}', "")]
    described = {c["command"]: c["description"] for c in menu}
    assert described["report"] == "通报：按月、季度或任意日期"
    await newcomer.says("/help")
    assert "/report — 通报：按月、季度或任意日期" in newcomer.last()

    await newcomer.says("/report")
    assert newcomer.last() == "📊 支部工作通报\n哪个时间段？"
    await newcomer.presses("去年（2025）")
    assert newcomer.last() == ("📊 工作通报：东岭村党支部，2025-01-01 – 2025-12-31\n"
                               "这段时间没有活动：没有会议、学习材料、心得、联系点工作或通知可以统计。")
