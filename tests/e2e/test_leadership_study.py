"""The township leadership's study ledger (#14): township staff schedule centralised
study for their township's leadership, who alone are invited — privately — check in and
have it counted once; research reports filed and listed; the ledger as a message and a
spreadsheet; and the one reminder after a quarter's end to a member behind pace."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot import leadership, roster
from bot.callbacks import LeadershipPress
from bot.clock import FrozenClock
from sandbox.emulator import SimMessage
from storage import leadership as ledger_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage.models import NewMeeting
from tests import sheets
from tests.e2e.flows import goes_away, make_secretary, registered, schedule, snapshot
from tests.e2e.test_rights import audit_actions
from tests.e2e.test_township import appoint_officer, buttons
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
OPENS = TOMORROW_1930 - timedelta(minutes=30)
CLOSES = TOMORROW_1930 + timedelta(minutes=60)
TOPIC = "学习贯彻全会精神"


async def mark_leadership(h: Harness, *people: Person, since: date | None = None) -> None:
    """Marked 乡镇领导班子 on the roster (set up, not under test): by default before the
    year began (judged from 1 January), else on the day ``since``."""
    async with h.db.tx() as c:
        for person in people:
            member = await member_repo.member_of_user(c, person.id)
            assert member is not None
            await member_repo.update_member(
                c,
                member.id,
                {"township_leadership": True, "township_leadership_since": since},
                h.clock.now(),
            )


async def centralised(h: Harness, person: Person, year: int = 2026) -> int:
    """The person's centralised study count in the ledger for the year."""
    tz = h.clock.tz
    async with h.db.read() as c:
        rows = await ledger_repo.ledger(
            c, datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
        )
    return next(row.sessions for row in rows if row.telegram_id == person.id)


async def schedule_for_leadership(officer: Person, when: str = "明天 19:30") -> str:
    """The township's staff schedule centralised study for its leadership; the
    confirmation's text."""
    await officer.says("/leadership")
    await officer.presses("📅 安排集中学习")
    assert "东岭镇 领导班子集中学习" in officer.sees()[-2]
    await officer.says(when)
    await officer.says("镇政府三楼会议室")
    await officer.says(TOPIC)
    await officer.says("镇党委书记")
    confirm = officer.last()
    await officer.presses("✅ 安排")
    assert "已安排。已私信邀请领导班子成员。" in officer.sees()[-2:]  # (they may be invited)
    return confirm


def post(h: Harness, person: Person, words: str = TOPIC) -> SimMessage:
    """The newest message to the person about a session (its check-in post, once open)."""
    return [m for m in h.emu.messages(person.user) if words in (m.text or "")][-1]


def told(person: Person, words: str = TOPIC) -> list[str]:
    return [text for text in person.sees() if words in text]


async def test_township_staff_schedule_study_for_their_leadership_who_alone_are_invited(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    east_lead, south_lead, plain = await registered(
        h, county["east"], ["东岭班子甲", "东岭班子乙", "普通党员"]
    )
    (west_lead,) = await registered(h, county["west"], ["西河班子"])
    async with h.db.tx() as c:  # 东岭班子乙: of the township's other branch, working away
        member = await member_repo.member_of_user(c, south_lead.id)
        assert member is not None
        await member_repo.update_member(
            c,
            member.id,
            {"branch_id": county["south"], "flowing": True, "flow_city": "深圳"},
            clock.now(),
        )
    await mark_leadership(h, east_lead, south_lead, west_lead)
    secretary = await make_secretary(h, county["east"])
    await appoint_officer(staff)

    await plain.says("/leadership")  # neither a member nor a secretary
    assert plain.last() == "只有乡镇党委和县委组织部工作人员可以进行此操作。"
    await secretary.says("/leadership")
    assert secretary.last() == "只有乡镇党委和县委组织部工作人员可以进行此操作。"

    confirm = await schedule_for_leadership(officer)
    assert "参加：东岭镇 领导班子" in confirm
    assert "邀请：2 人（花名册中标注的乡镇领导班子成员）。" in confirm
    # Invited privately, each of the township's leadership; nobody else.
    for invited in (east_lead, south_lead):
        (notice,) = told(invited)
        assert notice.startswith("📅 新活动通知") and "参加：东岭镇 领导班子" in notice
    assert told(plain) == [] and told(west_lead) == []
    async with h.db.read() as c:
        (meeting,) = await ledger_repo.coming_sessions(c, county["dongling"], clock.now(), 5)
    assert (meeting.branch_id, meeting.kind, meeting.leadership) == (
        county["dongling"],
        "study",
        True,
    )
    # The branch holds centralised study of its own the same day: its members (the
    # leadership member among them) are invited to that one as well.
    await schedule(
        secretary, None, kind="集中学习", remote="否", when="明天 15:00", topic="支部学习"
    )

    clock.set(TOMORROW_1930 - timedelta(hours=1))  # the reminders: the leadership only
    await h.tick()
    assert [t for t in told(east_lead) if t.startswith("⏰")]
    assert not [t for t in told(plain) if t.startswith("⏰")]
    # Working away, and the session cannot be joined remotely: not reminded of it.
    assert not [t for t in told(south_lead) if t.startswith("⏰")]

    clock.set(OPENS)
    await h.tick()
    (post,) = [m for m in h.emu.messages(east_lead.user) if TOPIC in (m.text or "")][-1:]
    assert (post.text or "").startswith("🔔 开始签到")
    await east_lead.presses("✅ 签到", message=post)
    assert east_lead.answers()[-1] == "✅ 签到成功，欢迎！"
    assert not [
        m for m in h.emu.messages(plain.user) if "🔔" in (m.text or "") and TOPIC in (m.text or "")
    ]

    clock.set(CLOSES)
    await h.tick()
    record = officer.last()
    assert TOPIC in record and "东岭班子甲" in record and "东岭班子乙" in record
    assert "普通党员" not in record
    assert "邀请对象：花名册中标注的乡镇领导班子成员" in record.split("\n")
    # recorded working away, not absent: no fault of theirs
    assert "🧳 外出务工，不计应到（1）：东岭班子乙（南坡村党支部）" in record.split("\n")
    assert await centralised(h, east_lead) == 1  # the township's session, once
    assert await centralised(h, south_lead) == 0
    # Asked for a note, as after any centralised study; the note counts in the ledger.
    assert any(t.startswith("✍️") and TOPIC in t for t in east_lead.sees())
    await east_lead.presses("✍️ 现在就写")
    await east_lead.says("学习全会精神的体会。")
    await east_lead.says("/record")
    assert (
        "集中学习（乡镇领导班子）：今年已 1 次，目标 20 次；按进度此时约应 18 次"
        in east_lead.last().split("\n")
    )

    # The ledger: a line per leadership member, in the roster's order, no ranking.
    await officer.says("/leadership")
    ledger = officer.last().split("\n")
    assert ledger[0] == "📚 东岭镇 领导班子学习台账，2026 年截至 2026-11-25"
    assert ledger[3:5] == [
        "东岭班子甲 1/20（心得 1 · 调研文章 0） — 东岭村党支部",
        "东岭班子乙 0/20（心得 0 · 调研文章 0） — 南坡村党支部",
    ]
    assert "西河班子" not in officer.last()
    await officer.presses("📥 电子表格")
    document = [m for m in h.emu.messages(officer.user) if m.document][-1]
    assert document.document is not None
    assert document.document["file_name"].endswith("2026-01-01_2026-11-25.xlsx")
    book = load_workbook(io.BytesIO(h.emu.files[document.document["file_id"]].data))
    sheet = book.worksheets[0]
    assert sheets.title(sheet).startswith("乡镇领导班子学习台账")
    assert list(sheets.heading(sheet)) == [
        "乡镇",
        "支部",
        "党员",
        "今年次数",
        "目标",
        "截至 2026-11-25 按进度应达",
        "学习心得",
        "调研文章",
        "标注为领导班子日期",
    ]
    assert [list(row) for row in sheets.rows(sheet)] == [
        ["东岭镇", "东岭村党支部", "东岭班子甲", 1, 20, 18, 1, 0, None],
        ["东岭镇", "南坡村党支部", "东岭班子乙", 0, 20, 18, 0, 0, None],
    ]

    # The month's bulletin to the township: the same figures, member by member.
    clock.set(datetime.fromisoformat("2026-12-01T09:30:00+08:00"))
    await h.tick()
    bulletin = "\n".join(t for t in officer.sees() if t.startswith("📊 工作通报：东岭镇"))
    assert (
        "东岭镇：东岭班子甲 1/20（心得 1 · 调研文章 0） · 东岭班子乙 0/20（心得 0 · 调研文章 0）"
        in bulletin.split("\n")
    )
    sent = [m.document for m in h.emu.messages(officer.user) if m.document][-1]
    assert sent is not None and sent["file_name"].endswith("2026-11-01_2026-11-30.xlsx")
    book = load_workbook(io.BytesIO(h.emu.files[sent["file_id"]].data))
    assert [list(row) for row in sheets.rows(book["集中学习"])] == [
        ["东岭镇", "东岭村党支部", "东岭班子甲", 1, 20, 18, 1, 0, None],
        ["东岭镇", "南坡村党支部", "东岭班子乙", 0, 20, 18, 0, 0, None],
    ]

    # Another township's ledger is not theirs: a forged press changes and shows nothing.
    before = snapshot(h)
    shown = len(officer.sees())
    h.emu.press_data(
        officer.user, h.emu.last(officer.user), LeadershipPress("xlsx", county["xihe"]).pack()
    )
    await h.settle()
    assert officer.answers()[-1] == "这不在您的管理范围内。"
    assert len(officer.sees()) == shown and snapshot(h) == before
    # County staff choose among every township.
    await staff.says("/leadership")
    assert buttons(staff) == ["东岭镇", "西河乡"]
    await staff.presses("西河乡")
    assert "西河班子 0/20（心得 0 · 调研文章 0） — 西河村党支部" in staff.last()


async def test_a_leadership_session_is_changed_cancelled_and_asked_leave_from_by_the_township(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    lead, other = await registered(h, county["east"], ["东岭班子甲", "东岭班子乙"])
    await mark_leadership(h, lead, other)
    await appoint_officer(staff)
    await schedule_for_leadership(officer)

    # A leadership member asks for leave: the township's staff decide it.
    invitation = [m for m in h.emu.messages(other.user) if TOPIC in (m.text or "")][-1]
    assert invitation.buttons == []
    clock.set(TOMORROW_1930 - timedelta(hours=20))
    await h.tick()
    await other.presses("📝 请假")
    await other.says("在县里开会")
    assert other.last() == "您的申请已发给乡镇党委工作人员。"
    request = officer.message_with_button("✅ 批准")
    assert "东岭班子乙" in (request.text or "")
    await officer.presses("✅ 批准", message=request)
    assert f"您“{TOPIC}”的请假已批准。" in other.sees()

    # The coming session is theirs to cancel, from the ledger.
    await officer.says("/leadership")
    await officer.presses("✏️ 修改即将进行的学习")
    await officer.presses(next(b for b in buttons(officer) if TOPIC in b))
    await officer.presses("🚫 取消活动")
    await officer.presses("主讲人来不了")
    await officer.presses(next(b for b in buttons(officer) if b.startswith("🚫")))
    async with h.db.read() as c:
        meeting = await meeting_repo.get_meeting(c, 1)
    assert meeting is not None and meeting.state == "cancelled"
    assert any("取消" in t and TOPIC in t for t in lead.sees())
    # The township's own session records: the month's, with this one called off.
    await officer.says("/leadership")
    await officer.presses("🗂 活动记录")
    month = officer.last()
    assert month.startswith("🗂 活动记录：东岭镇，2026-11") and TOPIC in month


async def test_research_reports_are_filed_by_the_leadership_and_listed_for_the_township(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    lead, plain = await registered(h, county["east"], ["东岭班子甲", "普通党员"])
    await mark_leadership(h, lead)
    await appoint_officer(staff)

    await plain.says("/research")
    assert plain.last().startswith("调研文章由花名册中标注的乡镇领导班子成员提交")
    await plain.says("/record")
    assert "➕ 提交调研文章" not in buttons(plain)
    await lead.says("/research")
    assert lead.last() == "📄 您 2026 年的调研文章：0 篇"
    await lead.says("/record")  # their study record leads there too
    await lead.presses("➕ 提交调研文章")
    assert lead.last() == "📄 调研文章\n标题是什么？"
    await lead.says("关于村集体经济发展的调研")
    await lead.says("")  # nothing: asked again
    h.emu.send_document(lead.user, b"PK docx", "调研报告.docx", caption="附调研报告全文")
    await h.settle()
    assert lead.last() == "已提交：“关于村集体经济发展的调研”。/research 可查看您的调研文章。"
    await lead.says("/research")
    await lead.presses("➕ 提交调研文章")
    await lead.says("春耕备耕情况调研")
    await lead.says("全镇春耕备耕总体有序……")
    await lead.says("/research")
    assert lead.last().split("\n") == [  # the newest first
        "📄 您 2026 年的调研文章：2 篇",
        "· 2026-11-24 春耕备耕情况调研",
        "· 2026-11-24 📎关于村集体经济发展的调研",
    ]
    assert [a for _, a, _ in audit_actions(h) if a == "research.file"] == ["research.file"] * 2

    await officer.says("/leadership")
    assert "东岭班子甲 0/20（心得 0 · 调研文章 2） — 东岭村党支部" in officer.last()
    await officer.presses("📄 调研文章")
    assert officer.last().split("\n") == [
        "📄 东岭镇 领导班子 2026 年调研文章：2 篇",
        "· 2026-11-24 春耕备耕情况调研 — 东岭班子甲",
        "· 2026-11-24 📎关于村集体经济发展的调研 — 东岭班子甲",
    ]
    # Each opens: the document with its caption, the text as a message.
    assert buttons(officer) == ["📖 春耕备耕情况调研", "📖 关于村集体经济发展的调研"]
    await officer.presses("📖 关于村集体经济发展的调研")
    document = h.emu.messages(officer.user)[-1]
    assert document.document is not None and document.document["file_name"] == "调研报告.docx"
    assert (document.caption or "").split("\n") == [
        "📄 关于村集体经济发展的调研 — 东岭班子甲，2026-11-24",
        "附调研报告全文",
    ]
    await officer.presses("📖 春耕备耕情况调研")
    assert officer.last().endswith("全镇春耕备耕总体有序……")
    # Not for a plain member, nor another township's staff: a forged press is refused.
    report = officer.message_with_button("📖 春耕备耕情况调研")
    data = next(d for row in report.buttons for label, d in row if label == "📖 春耕备耕情况调研")
    before = snapshot(h)
    h.emu.press_data(plain.user, h.emu.last(plain.user), data)
    await h.settle()
    assert plain.answers()[-1] == "这不在您的管理范围内。" and snapshot(h) == before

    # A township with nobody marked: its ledger says so, and no session is begun for it.
    await staff.says("/leadership")
    await staff.presses("西河乡")
    nobody = "西河乡 在花名册中没有标注领导班子成员（“乡镇领导班子”列）。"
    assert nobody in staff.last().split("\n")
    await staff.presses("📅 安排集中学习")
    assert staff.last() == nobody
    await staff.says("明天 19:30")
    assert staff.last() == "我没看明白。发送 /help 查看我能做什么。"


async def test_behind_pace_at_a_quarters_end_is_told_once_and_on_pace_is_not(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    behind, on_pace = await registered(h, county["east"], ["落后班子", "按时班子"])
    await mark_leadership(h, behind, on_pace)
    await appoint_officer(staff)
    # After the fourth quarter the year is over: below 20, its total is told, once.
    clock.set(datetime.fromisoformat("2027-01-04T09:30:00+08:00"))
    await h.tick()
    year = (
        "📚 2026 年集中学习：乡镇领导班子全年应不少于 20 次，您参加了 0 次。\n本季度只提醒这一次。"
    )
    assert [t for t in behind.sees() if t.startswith("📚")] == [year]
    assert [t for t in on_pace.sees() if t.startswith("📚")] == [year]
    # In the first quarter of 2027, the member on pace attended five of the township's
    # centralised study sessions for its leadership (set up, not under test); the one
    # behind attended one.
    clock.set(datetime.fromisoformat("2027-03-01T09:00:00+08:00"))
    async with h.db.tx() as c:
        people = {p.id: await member_repo.member_of_user(c, p.id) for p in (behind, on_pace)}
        for n in range(5):
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county["dongling"],
                    kind="study",
                    leadership=True,
                    starts_at=datetime(2027, 2, 1 + n, 9, 0, tzinfo=clock.tz),
                    place="村委会",
                    topic=f"第{n + 1}次学习",
                    created_by=officer.id,
                ),
                clock.now(),
            )
            await meeting_repo.set_state(c, meeting.id, "closed")
            for person in (on_pace, behind) if n == 0 else (on_pace,):
                found = people[person.id]
                assert found is not None
                await meeting_repo.put_attendance(c, meeting.id, found.id, "present", clock.now())
    await schedule_for_leadership(officer, when="2027-04-08 09:00")

    # 1 April 2027 is a Thursday: the first working morning after the quarter.
    clock.set(datetime.fromisoformat("2027-04-01T08:00:00+08:00"))  # before the hour
    await h.tick()
    assert not [t for t in behind.sees() if t.startswith("📚 集中学习：")]
    clock.set(datetime.fromisoformat("2027-04-01T09:30:00+08:00"))
    await h.tick()
    (reminder,) = [t for t in behind.sees() if t.startswith("📚 集中学习：")]
    assert reminder.split("\n") == [
        "📚 集中学习：截至 2027-03-31，您今年参加了 1 次；"
        "按进度此时约应 5 次（全年不少于 20 次）。",
        "本乡镇接下来的集中学习：",
        f"· 2027-04-08 09:00 {TOPIC}",
        "本季度只提醒这一次。",
    ]
    assert not [t for t in on_pace.sees() if t.startswith("📚 集中学习：")]
    # A second tick, the next day, a restart: nothing more.
    await h.tick()
    clock.set(datetime.fromisoformat("2027-04-02T09:30:00+08:00"))
    await h.tick()
    await h.restart()
    await h.tick()
    assert len([t for t in behind.sees() if t.startswith("📚 集中学习：")]) == 1
    assert len([t for t in behind.sees() if t.startswith("📚")]) == 2  # and the year's


def _sheets(h: Harness, person: Person) -> dict[str, list[list[object]]]:
    """The newest spreadsheet the person received: each sheet's rows under its heading."""
    document = [m.document for m in h.emu.messages(person.user) if m.document][-1]
    assert document is not None
    book = load_workbook(io.BytesIO(h.emu.files[document["file_id"]].data))
    return {sheet.title: [list(row) for row in sheets.rows(sheet)] for sheet in book.worksheets}


async def test_a_township_session_is_no_work_away_and_no_branch_figure(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    """The township's session for its leadership is neither a host branch's session
    (the member is at home) nor their village branch's work (it held nothing)."""
    (officer,) = await registered(h, county["east"], ["镇书记"])
    lead, mover = await registered(h, county["east"], ["东岭班子甲", "东岭班子乙"])
    await mark_leadership(h, lead, mover)
    secretary = await make_secretary(h, county["east"])
    await appoint_officer(staff)
    await secretary.says("/report")
    await secretary.presses("本季度至今")
    before = secretary.last().split("\n")
    assert before[2:] == ["", "本期没有任何记录（1 个）", "东岭村党支部（东岭镇）"]

    await schedule_for_leadership(officer)
    clock.set(OPENS)
    await h.tick()
    for person in (lead, mover):
        post = [m for m in h.emu.messages(person.user) if TOPIC in (m.text or "")][-1]
        await person.presses("✅ 签到", message=post)
    clock.set(CLOSES)
    await h.tick()
    await lead.presses("✍️ 现在就写")  # asked for a note, as after any centralised study
    await lead.says("学习全会精神的体会。")
    assert await centralised(h, lead) == 1

    # At home, in their own township: nothing of working away in their record.
    await lead.says("/record")
    record = lead.last()
    assert "🧳" not in record and "流入地" not in record
    assert f"✅ 11-25 集中学习：{TOPIC}" in record.split("\n")
    # One who later goes to work at 西河: their home roster counts no session at the host.
    await goes_away(mover, "县城", host=("西河乡", "西河村党支部"))
    await secretary.says("/members")
    assert (
        "• 东岭班子乙 · 正式党员 · 乡镇领导班子 — 县城，自 2026-11 · "
        "流入地：西河村党支部，今年在当地参加 0 次"
    ) in secretary.last().split("\n")
    await secretary.says("/record")
    await secretary.presses("东岭班子乙")
    assert "流入地支部参加的活动" not in secretary.last()

    # The branch's bulletin is as it was: the note about the township's session is the
    # leadership's (their ledger), not the branch's.
    await secretary.says("/report")
    await secretary.presses("本季度至今")
    assert secretary.last().split("\n")[1:] == before[1:]
    await officer.says("/leadership")
    assert "东岭班子甲 1/20（心得 1 · 调研文章 0） — 东岭村党支部" in officer.last().split("\n")
    # The township's monthly bulletin: no branch held anything; the members' sheet has
    # no note of the branch's; the ledger has it.
    clock.set(datetime.fromisoformat("2026-12-01T09:30:00+08:00"))
    await h.tick()
    bulletin = next(t for t in officer.sees() if t.startswith("📊 工作通报：东岭镇"))
    assert "本期没有任何记录（2 个）" in bulletin.split("\n") and "心得 0/1" not in bulletin
    assert (
        "东岭镇：东岭班子乙 1/20（心得 0 · 调研文章 0） · 东岭班子甲 1/20（心得 1 · 调研文章 0）"
    ) in bulletin.split("\n")
    book = _sheets(h, officer)
    members = {row[1]: row for row in book["党员"]}
    assert members["东岭班子甲"][2:8] == [0, 0, 0, 0, 0, 0]  # sessions, materials, notes


async def test_only_the_townships_study_for_its_leadership_counts_toward_the_twenty(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    """A leadership member at their branch's centralised study in the afternoon and the
    township's for its leadership in the evening: one of the twenty, not two."""
    (officer,) = await registered(h, county["east"], ["镇书记"])
    (lead,) = await registered(h, county["east"], ["东岭班子甲"])
    await mark_leadership(h, lead)
    secretary = await make_secretary(h, county["east"])
    await appoint_officer(staff)
    await schedule(
        secretary, None, kind="集中学习", remote="否", when="明天 15:00", topic="支部学习"
    )
    await schedule_for_leadership(officer)

    clock.set(datetime.fromisoformat("2026-11-25T14:30:00+08:00"))
    await h.tick()
    await lead.presses("✅ 签到", message=post(h, lead, "支部学习"))
    assert lead.answers()[-1] == "✅ 签到成功，欢迎！"
    clock.set(OPENS)
    await h.tick()
    await lead.presses("✅ 签到", message=post(h, lead))
    assert lead.answers()[-1] == "✅ 签到成功，欢迎！"
    clock.set(CLOSES)
    await h.tick()
    await lead.says("/record")
    record = lead.last().split("\n")
    assert "✅ 11-25 集中学习：支部学习" in record and f"✅ 11-25 集中学习：{TOPIC}" in record
    assert "集中学习（乡镇领导班子）：今年已 1 次，目标 20 次；按进度此时约应 18 次" in record
    assert await centralised(h, lead) == 1
    await officer.says("/leadership")
    assert "东岭班子甲 1/20（心得 0 · 调研文章 0） — 东岭村党支部" in officer.last().split("\n")


async def roster_marks(h: Harness, tmp: Path, name: str, marked: bool) -> None:
    """The organisation department's roster marks (是) or unmarks (否) a member of 东岭村
    as township leadership (zhibu import)."""
    csv = tmp / "leadership.csv"
    csv.write_text(
        "编号,姓名,乡镇,支部,身份,乡镇领导班子\n"
        f"L001,{name},东岭镇,东岭村党支部,正式党员,{'是' if marked else '否'}\n",
        encoding="utf-8",
    )
    report = await roster.import_roster(h.db, [csv], h.clock)
    assert report.written, report


async def since(h: Harness, person: Person) -> tuple[bool, date | None]:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member.township_leadership, member.township_leadership_since


def pace_reminders(person: Person) -> list[str]:
    return [t for t in person.sees() if t.startswith("📚 集中学习：")]


async def test_one_marked_during_the_year_is_expected_from_that_day_and_q3_waits_for_the_holiday(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock, tmp_path: Path
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    old, new = await registered(h, county["east"], ["老班子", "新班子"])
    await mark_leadership(h, old)  # marked before 2027
    await appoint_officer(staff)
    # 10 May 2027: the roster marks 新班子 — the day is kept.
    clock.set(datetime.fromisoformat("2027-05-10T10:00:00+08:00"))
    await roster_marks(h, tmp_path, "新班子", True)
    assert await since(h, new) == (True, date(2027, 5, 10))
    assert await since(h, old) == (True, None)
    async with h.db.tx() as c:  # the township's session on 1 June, 新班子 there (set up)
        member = await member_repo.member_of_user(c, new.id)
        assert member is not None
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["dongling"],
                kind="study",
                leadership=True,
                starts_at=datetime(2027, 6, 1, 9, 0, tzinfo=clock.tz),
                place="镇政府",
                topic="六月学习",
                created_by=officer.id,
            ),
            clock.now(),
        )
        await meeting_repo.set_state(c, meeting.id, "closed")
        await meeting_repo.put_attendance(c, meeting.id, member.id, "present", clock.now())

    # 30 June: the pace expected of 新班子 runs from 10 May — 52 of the year's 365 days
    # of the twenty, about 3 — in their record and in the township's ledger.
    clock.set(datetime.fromisoformat("2027-06-30T10:00:00+08:00"))
    await new.says("/record")
    assert (
        "集中学习（乡镇领导班子）：今年已 1 次，目标 20 次；2027-05-10 起标注为领导班子，"
        "按进度此时约应 3 次"
    ) in new.last().split("\n")
    await old.says("/record")
    assert (
        "集中学习（乡镇领导班子）：今年已 0 次，目标 20 次；按进度此时约应 10 次"
        in old.last().split("\n")
    )
    await officer.says("/leadership")
    ledger = officer.last().split("\n")
    assert ledger[3:5] == [
        "新班子 1/20（2027-05-10 起标注，按进度约应 3 次 · 心得 0 · 调研文章 0） — 东岭村党支部",
        "老班子 0/20（心得 0 · 调研文章 0） — 东岭村党支部",
    ]
    await officer.presses("📥 电子表格")
    rows = _sheets(h, officer)["集中学习"]
    assert [row[2:] for row in rows] == [
        ["新班子", 1, 20, 3, 0, 0, datetime(2027, 5, 10)],
        ["老班子", 0, 20, 10, 0, 0, None],
    ]

    # 1 July (a Thursday): the second quarter's reminders — not to 新班子, marked in it.
    clock.set(datetime.fromisoformat("2027-07-01T09:30:00+08:00"))
    await h.tick()
    assert pace_reminders(new) == []
    assert [r.split("\n")[0] for r in pace_reminders(old)] == [
        "📚 集中学习：截至 2027-06-30，您今年参加了 0 次；"
        "按进度此时约应 10 次（全年不少于 20 次）。"
    ]
    bulletin = next(t for t in officer.sees() if t.startswith("📊 工作通报：东岭镇，2027-06-01"))
    assert (
        "东岭镇：新班子 1/20（2027-05-10 起标注，按进度约应 3 次 · 心得 0 · 调研文章 0） · "
        "老班子 0/20（心得 0 · 调研文章 0）"
    ) in bulletin.split("\n")

    # 1 October is in the National Day holiday: the third quarter's reminders wait for
    # the first working day after it, Friday 8 October.
    clock.set(datetime.fromisoformat("2027-10-01T09:30:00+08:00"))
    await h.tick()
    clock.set(datetime.fromisoformat("2027-10-07T09:30:00+08:00"))
    await h.tick()
    assert pace_reminders(new) == [] and len(pace_reminders(old)) == 1
    clock.set(datetime.fromisoformat("2027-10-08T09:30:00+08:00"))
    await h.tick()
    assert pace_reminders(new) == [
        "📚 集中学习：截至 2027-09-30，您今年参加了 1 次；"
        "按进度此时约应 8 次（全年不少于 20 次）。\n"
        "按进度自 2027-05-10 起计算（您被标注为乡镇领导班子成员之日）。\n"
        "本季度只提醒这一次。"
    ]
    assert pace_reminders(old)[-1].startswith(
        "📚 集中学习：截至 2027-09-30，您今年参加了 0 次；按进度此时约应 15 次"
    )

    # Unmarked by the roster: the day is cleared; marked again, a new day.
    await roster_marks(h, tmp_path, "新班子", False)
    assert await since(h, new) == (False, None)
    clock.set(datetime.fromisoformat("2027-11-02T10:00:00+08:00"))
    await roster_marks(h, tmp_path, "新班子", True)
    assert await since(h, new) == (True, date(2027, 11, 2))


async def test_the_township_runs_its_session_in_refusals_and_reminders(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    """A refused leave points to the township's staff; staff who are leadership members
    themselves get the change buttons in their own reminder, as a secretary would."""
    (officer,) = await registered(h, county["east"], ["镇书记"])
    (lead,) = await registered(h, county["east"], ["东岭班子甲"])
    await mark_leadership(h, officer, lead)
    await appoint_officer(staff)
    await schedule_for_leadership(officer)
    clock.set(TOMORROW_1930 - timedelta(hours=20))
    await h.tick()
    reminder = post(h, officer)
    assert (reminder.text or "").startswith("⏰ 明天")
    labels = [label for row in reminder.buttons for label, _ in row]
    assert "🗓 改期" in labels and "🚫 取消活动" in labels
    assert not [label for row in post(h, lead).buttons for label, _ in row if label == "🗓 改期"]

    await lead.presses("📝 请假")
    await lead.says("在县里开会")
    await officer.presses("❌ 不批准", message=officer.message_with_button("❌ 不批准"))
    assert f"您“{TOPIC}”的请假未获批准。请按时参加，或与乡镇党委工作人员联系。" in lead.sees()


async def test_research_reports_list_the_newest_and_stay_after_the_mark_comes_off(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (officer,) = await registered(h, county["east"], ["镇书记"])
    (lead,) = await registered(h, county["east"], ["东岭班子甲"])
    await mark_leadership(h, lead)
    await appoint_officer(staff)
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, lead.id)
    assert member is not None
    for n in range(1, 23):  # 22 reports, a day apart (set up: the form is tested above)
        clock.set(datetime(2026, 11, 24, 10, tzinfo=clock.tz) + timedelta(days=n))
        title = f"第{n}篇调研：" + "关于村集体经济发展壮大的若干问题与对策思考" * 2 * (n == 22)
        await leadership.file_report(h.db, clock, member, title, "正文", None, lead.id)

    await lead.says("/research")
    shown = lead.last().split("\n")
    assert shown[:3] == [
        "📄 您 2026 年的调研文章：22 篇",
        "· 2026-12-16 第22篇调研：" + "关于村集体经济发展壮大的若干问题与对策思考" * 2,
        "· 2026-12-15 第21篇调研：",
    ]
    assert shown[-2:] == ["· 2026-11-27 第3篇调研：", "……另有更早的 2 篇未列出。"]
    labels = buttons(lead)
    assert (
        labels[0] == "📖 第22篇调研：关于村集体经济发展壮大的若干问题与对策思考关于村集体经济发展…"
    )
    assert labels[1:] == [*(f"📖 第{n}篇调研：" for n in range(21, 2, -1)), "➕ 提交调研文章"]

    # The roster takes the mark off: their reports stay in the township's list, and
    # they still read their own; filing a new one is the leadership's.
    async with h.db.tx() as c:
        await member_repo.update_member(c, member.id, {"township_leadership": False}, clock.now())
    await officer.says("/leadership")
    await officer.presses("📄 调研文章")
    listed = officer.last().split("\n")
    assert listed[0] == "📄 东岭镇 领导班子 2026 年调研文章：22 篇"
    assert listed[2] == "· 2026-12-15 第21篇调研： — 东岭班子甲"
    assert listed[-1] == "……另有更早的 2 篇未列出。" and len(buttons(officer)) == 20
    await lead.says("/research")
    assert lead.last().split("\n")[0] == "📄 您 2026 年的调研文章：22 篇"
    assert lead.last().endswith(
        "调研文章由花名册中标注的乡镇领导班子成员提交（“乡镇领导班子”列）。"
    )
    assert "➕ 提交调研文章" not in buttons(lead)
    await lead.presses("📖 第21篇调研：")
    assert lead.last().startswith("📄 第21篇调研： — 东岭班子甲，2026-12-15")
