"""Bulletins that report measures, the yearly review that names no village by itself,
and the township leadership's centralised study — as staff, secretaries and members see
them.

The first test checks a year of generated activity against figures the test computes
itself: in the message, the spreadsheet and the chart's data. The county test walks a
county of 19 branches through the scheduled bulletins of December and the fourth
quarter, then the yearly draft and its assessment branch by branch.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from openpyxl import load_workbook

from bot import bulletins, materials, notes, notices, review, roster, visits
from bot.clock import FrozenClock
from storage import audit
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notes as note_repo
from storage import org as org_repo
from storage import reviews as review_repo
from storage.models import (
    MeetingKind,
    Member,
    NewMaterial,
    NewMeeting,
    NewMember,
    NewNotice,
    NewVisit,
)
from tests import sheets
from tests.e2e.flows import make_leader, make_secretary, registered
from tests.harness import Harness, Person

TZ_START = datetime.fromisoformat("2026-01-01T00:00:00+08:00")
LABELS = ("后进", "末位", "⚠️")  # what no monthly or quarterly bulletin may carry


def _xlsx(h: Harness, person: Person, named: str = "") -> dict[str, list[list[object]]]:
    """The newest spreadsheet the person received (whose file name has ``named``): each
    sheet's heading and rows under it (the title row above is left out), by name."""
    document = [
        m
        for m in h.emu.messages(person.user)
        if m.document and named in m.document.get("file_name", "")
    ][-1]
    data = h.emu.files[document.document["file_id"]].data  # type: ignore[index]
    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [list(sheets.heading(sheet)), *map(list, sheets.rows(sheet))]
        for sheet in book.worksheets
    }


async def test_the_bulletin_matches_what_happened(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    rng = random.Random(2026)
    branches = {"east": county["east"], "south": county["south"], "west": county["west"]}
    people: dict[str, list[Person]] = {}
    for key, branch_id in branches.items():
        people[key] = await registered(h, branch_id, [f"{key}{i}" for i in range(4)])
    expected: dict[int, dict[str, list[float]]] = {
        b: {m: [0.0, 0.0] for m in ("attendance", "study", "notes", "notices")}
        for b in branches.values()
    }
    lesson_quarters: dict[int, set[int]] = {b: set() for b in branches.values()}
    now = clock.now()
    async with h.db.read() as c:
        member_ids = {
            p.id: (await member_repo.member_of_user(c, p.id)).id  # type: ignore[union-attr]
            for group in people.values()
            for p in group
        }
        invited_counts = {
            b: len(
                [
                    m
                    for m in await member_repo.all_members(c)
                    if m.branch_id == b and m.state == "active"
                ]
            )
            for b in branches.values()
        }

    # Party lessons (one a quarter is due), some held; one session never held.
    for key, branch_id in branches.items():
        for _ in range(rng.randint(2, 5)):
            start = TZ_START + timedelta(days=rng.randint(0, 300), hours=19)
            async with h.db.tx() as c:
                meeting = await meeting_repo.add_meeting(
                    c,
                    NewMeeting(
                        branch_id=branch_id,
                        kind="lesson",
                        starts_at=start,
                        place="村委会",
                        topic="学习",
                        created_by=staff.id,
                    ),
                    now,
                )
                leave = 0
                present = 0
                for person in people[key]:
                    status = rng.choice(["present", "present", "remote", "leave", None])
                    if status is not None:
                        await meeting_repo.put_attendance(
                            c, meeting.id, member_ids[person.id], status, now
                        )
                    present += status in ("present", "remote")
                    leave += status == "leave"
                await meeting_repo.set_state(c, meeting.id, "closed")
                await meeting_repo.mark_absent(c, meeting.id, now)
            if present:
                lesson_quarters[branch_id].add((start.month - 1) // 3)
            expected[branch_id]["attendance"][0] += present
            expected[branch_id]["attendance"][1] += invited_counts[branch_id] - leave
        async with h.db.tx() as c:
            await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=branch_id,
                    kind="committee",
                    place="—",
                    topic="未开",
                    starts_at=TZ_START + timedelta(days=100),
                    created_by=staff.id,
                ),
                now,
            )

    # A material to every branch; some study it. Notes asked of some; some write.
    for key, branch_id in branches.items():
        pushed = await materials.push(
            h.db,
            clock,
            NewMaterial(
                scope_unit_id=branch_id, audience="all", title=f"材料{key}", created_by=staff.id
            ),
        )
        await h.settle()
        for person in people[key]:
            member = await _member(h, person)
            expected[branch_id]["study"][1] += 1
            if rng.random() < 0.6:
                await materials.mark_studied(
                    h.db, clock, pushed.material.id, member, notes.NotePolicy.of(h.settings)
                )
                expected[branch_id]["study"][0] += 1
                expected[branch_id]["notes"][1] += 1  # studying asks for a note on it
            async with h.db.tx() as c:
                await note_repo.ask(
                    c, [(member.id, f"meeting:{branch_id}", "学习")], now, now + timedelta(days=14)
                )
            expected[branch_id]["notes"][1] += 1
            if rng.random() < 0.5:
                await notes.submit(
                    h.db, clock, member, f"meeting:{branch_id}", "学习", "text", "心得", None
                )
                expected[branch_id]["notes"][0] += 1
        # the two roster members of east received it too, without an account
        if key == "east":
            expected[branch_id]["study"][1] += 2

    # Contact-point days at south by a leader (quota 3 a month, 11 months in the period).
    leader = await make_leader(h, county["west"], [county["south"]])
    total_days = 0.0
    for month in range(1, 11):
        days = 2.0 if month == 1 else rng.choice([0.5, 1.0, 2.0, 3.0])
        await visits.log(
            h.db,
            clock,
            NewVisit(
                leader_telegram_id=leader.id,
                branch_id=county["south"],
                day=datetime(2026, month, 10).date(),
                days=days,
                activity="research",
                record="记录",
            ),
        )
        total_days += days
    # 11 January logged again: a calendar day at the point counts once.
    await visits.log(
        h.db,
        clock,
        NewVisit(
            leader_telegram_id=leader.id,
            branch_id=county["south"],
            day=datetime(2026, 1, 11).date(),
            days=1.0,
            activity="research",
            record="又记一次",
        ),
    )
    expected[county["south"]]["visits"] = [total_days, 3.0 * 11]

    # A notice to everyone; some acknowledge.
    await notices.create(
        h.db,
        clock,
        NewNotice(
            sender=staff.id,
            scope_unit_id=county["dongling"],
            audience="everyone",
            body="通知",
            send_at=now,
        ),
    )
    await h.settle()
    for key in ("east", "south"):
        for person in people[key]:
            expected[branches[key]]["notices"][1] += 1
            if rng.random() < 0.7:
                await notices.acknowledge(h.db, clock, 1, person.id)
                expected[branches[key]]["notices"][0] += 1
    # East's two roster members without Telegram are to be told in person: expected too,
    # never left out as "unreachable".
    expected[county["east"]]["notices"][1] += 2
    # Sessions due from 1 January to today (24 November, the year still running): each
    # month a committee meeting and a party day (11 months, November's counted since it
    # runs), each quarter an assembly and a lesson (4); held: the quarters with a lesson.
    for branch_id in branches.values():
        expected[branch_id]["sessions"] = [float(len(lesson_quarters[branch_id])), 11 * 2 + 4 * 2]

    built = await bulletins.build(
        h.db, clock, county["county"], TZ_START.date(), (now + timedelta(days=1)).date(), 3.0
    )
    for line in built.lines:
        for measure, (done, possible) in expected[line.branch_id].items():
            assert line.figures.get(measure, (0.0, 0.0)) == (done, possible), (line.name, measure)
    order = [county["east"], county["south"], county["west"]]  # by township, then name
    assert [line.branch_id for line in built.lines] == order
    assert bulletins.chart_data(built) == [
        (
            round(100 * min(1.0, expected[b]["sessions"][0] / expected[b]["sessions"][1]), 1),
            round(100 * min(1.0, expected[b]["attendance"][0] / expected[b]["attendance"][1]), 1),
        )
        for b in order
    ]

    # Through the bot: the message, the spreadsheet and the chart.
    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("今年至今")
    await staff.presses("🏛 全县")
    message = next(t for t in staff.sees() if t.startswith("📊 工作通报：青山县"))
    assert not any(label in message for label in LABELS)
    assert "本期尚未结束：本月、本季度末前应开的会议计入应开。" in message
    assert "本期没有任何记录" not in message
    names = {line.branch_id: line.name for line in built.lines}

    def fraction(b: int, m: str) -> str:
        done, possible = expected[b][m]
        return f"{done:g}/{possible:g}"

    def percent(b: int, m: str) -> str:
        done, possible = expected[b][m]
        return f"{min(1.0, done / possible):.0%}"

    for number, branch_id in enumerate(order, start=1):
        text = (
            f"{number}. {names[branch_id]} — 会议 {fraction(branch_id, 'sessions')} · "
            f"出勤 {percent(branch_id, 'attendance')} · 学习 {percent(branch_id, 'study')} "
            f"· 心得 {fraction(branch_id, 'notes')} · 通知确认 "
            + (fraction(branch_id, "notices") if branch_id != county["west"] else "—")
        )
        if branch_id == county["south"]:
            text += f" · 联系点 {total_days:g} 天（联系领导应到 33 天）"
        assert text in message.split("\n"), text
    assert message.index("\n东岭镇\n") < message.index("1. ") < message.index("\n西河乡\n")
    book = _xlsx(h, staff)
    assert list(book) == ["支部", "党员", "集中学习"]
    branch_rows = {row[1]: row for row in book["支部"][1:]}
    for branch_id in order:
        row = branch_rows[names[branch_id]]
        assert (row[4], row[5]) == tuple(expected[branch_id]["sessions"])
        assert (row[6], row[7]) == tuple(expected[branch_id]["attendance"])
    assert h.emu.last(staff.user).media.get("photo") is not None


async def test_a_period_without_activity_lists_every_branch(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("去年（2025）")
    await staff.presses("🏛 全县")
    assert staff.last() == (
        "📊 工作通报：青山县，2025-01-01 – 2025-12-31\n"
        "这段时间没有活动：没有会议、学习材料、心得、联系点工作或通知可以统计。\n\n"
        "本期没有任何记录（3 个）\n"
        "东岭村党支部（东岭镇）、南坡村党支部（东岭镇）、西河村党支部（西河乡）"
    )
    assert not any(m.document for m in h.emu.messages(staff.user))


async def test_a_past_period_keeps_the_days_of_a_leader_moved_elsewhere(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    """Days follow the visits: a leader who worked at 南坡 in October and has been moved
    to 西河 since still counts for 南坡 in October's bulletin, against no one's quota."""
    leader = await make_leader(h, county["west"], [county["south"]])
    await visits.log(
        h.db,
        clock,
        NewVisit(
            leader_telegram_id=leader.id,
            branch_id=county["south"],
            day=date(2026, 10, 12),
            days=2.0,
            activity="research",
            record="记录",
        ),
    )
    async with h.db.tx() as c:
        await org_repo.remove_contact_point(c, leader.id, county["south"])
        await org_repo.add_contact_point(c, leader.id, county["west"], None, clock.now())
    built = await bulletins.build(
        h.db, clock, county["county"], date(2026, 10, 1), date(2026, 11, 1), 3.0
    )
    figures = {line.name: line.figures.get("visits") for line in built.lines}
    assert figures["南坡村党支部"] == (2.0, 0.0)
    assert figures["西河村党支部"] == (0.0, 3.0)


async def _member(h: Harness, person: Person) -> Member:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member


async def test_an_appointed_secretary_finds_report_and_gets_their_branch(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    (newcomer,) = await registered(h, county["east"], ["周新"])
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
    assert newcomer.last() == (
        "📊 工作通报：东岭村党支部，2025-01-01 – 2025-12-31\n"
        "这段时间没有活动：没有会议、学习材料、心得、联系点工作或通知可以统计。\n\n"
        "本期没有任何记录（1 个）\n东岭村党支部（东岭镇）"
    )


# --- a county of 19 branches over 2026 ------------------------------------------------------

NUMBERS = "一二三四五六七八"


async def _session(
    h: Harness,
    branch_id: int,
    kind: MeetingKind,
    day: date,
    present: list[int],
    by: int,
    *,
    leadership: bool = False,
) -> None:
    """A session on the day at 19:00, closed: those present, everyone else absent (a
    township's session for its ``leadership``: its branch_id the township)."""
    now = h.clock.now()
    starts = datetime(day.year, day.month, day.day, 19, tzinfo=h.clock.tz)
    async with h.db.tx() as c:
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=branch_id,
                kind=kind,
                starts_at=starts,
                place="村委会",
                topic="学习",
                created_by=by,
                leadership=leadership,
            ),
            now,
        )
        for member_id in present:
            await meeting_repo.put_attendance(c, meeting.id, member_id, "present", now)
        await meeting_repo.set_state(c, meeting.id, "closed")
        await meeting_repo.mark_absent(c, meeting.id, now)


async def _county_of_nineteen(h: Harness, county: dict[str, int], by: int) -> dict[str, int]:
    """Eight more villages in each township (19 branches), two roster members each but
    one, both on the branch committee; a committee meeting in October, November and
    December everywhere, all present — except 东岭八村 (nothing at all, no members) and
    西河八村 (one meeting in December that nobody came to)."""
    now = h.clock.now()
    async with h.db.tx() as c:
        for number in NUMBERS:
            for township, prefix in ((county["dongling"], "东岭"), (county["xihe"], "西河")):
                unit = await org_repo.add_unit(
                    c, "branch", f"{prefix}{number}村党支部", township, now
                )
                county[f"{prefix}{number}"] = unit.id
        for key, branch_id in list(county.items()):
            if (key[:2] in ("东岭", "西河") and key != "东岭八") or key in (
                "east",
                "south",
                "west",
            ):
                for i in range(2):
                    await member_repo.insert_member(
                        c,
                        NewMember(
                            branch_id=branch_id,
                            name=f"{key}党员{i}",
                            birth_year=1970,
                            status="full",
                            state="active",
                            committee=True,
                        ),
                        now,
                    )
    async with h.db.read() as c:
        everyone = await member_repo.all_members(c)
    for key, branch_id in county.items():
        if not (key[:2] in ("东岭", "西河") or key in ("east", "south", "west")):
            continue
        present = [m.id for m in everyone if m.branch_id == branch_id and m.state == "active"]
        if key == "西河八":
            await _session(h, branch_id, "committee", date(2026, 12, 10), [], by)
        elif key != "东岭八":
            for month in (10, 11, 12):
                await _session(h, branch_id, "committee", date(2026, month, 15), present, by)
    return county


async def _flag_leadership(h: Harness, tmp: Path, name: str, branch: str) -> None:
    """The organisation department's roster marks the township leadership (zhibu import)."""
    csv = tmp / "leadership.csv"
    csv.write_text(
        f"编号,姓名,乡镇,支部,身份,乡镇领导班子\nL001,{name},东岭镇,{branch},正式党员,是\n",
        encoding="utf-8",
    )
    report = await roster.import_roster(h.db, [csv], h.clock)
    assert report.written and report.linked == ["L001"], report
    async with h.db.tx() as c:  # marked before the year began: judged from 1 January
        (member,) = [m for m in await member_repo.keyed_members(c) if m.roster_key == "L001"]
        assert member.township_leadership_since == h.clock.today()  # the day of the import
        await member_repo.update_member(
            c, member.id, {"township_leadership_since": None}, h.clock.now()
        )


async def test_a_county_bulletins_and_its_yearly_review(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock, tmp_path: Path
) -> None:
    await staff.says("/start")  # staff who opened the bot get what is sent by itself
    await _county_of_nineteen(h, county, staff.id)
    secretary = await make_secretary(h, county["east"])
    cadre, ordinary = await registered(h, county["east"], ["乡镇干部", "普通党员"])
    await _flag_leadership(h, tmp_path, "乡镇干部", "东岭村党支部")
    cadre_id, ordinary_id = (await _member(h, cadre)).id, (await _member(h, ordinary)).id
    for month in range(1, 7):  # six centralised study sessions; the ordinary member at one
        await _session(
            h,
            county["east"],
            "study",
            date(2026, month, 8),
            [cadre_id, ordinary_id] if month == 1 else [cadre_id],
            staff.id,
        )
        # … and the same days, the township's for its leadership: these are the twenty's.
        await _session(
            h,
            county["dongling"],
            "study",
            date(2026, month, 8),
            [cadre_id],
            staff.id,
            leadership=True,
        )

    # The leadership member sees the twenty and the pace — the township's six, not their
    # branch's; an ordinary member does not, though they attended a centralised study
    # session too.
    await cadre.says("/record")
    assert (
        "集中学习（乡镇领导班子）：今年已 6 次，目标 20 次；按进度此时约应 18 次"
        in cadre.last().split("\n")
    )
    await ordinary.says("/record")
    # (their record lists the sessions, centralised study among them, but not the twenty)
    assert not any(line.startswith("集中学习（") for line in ordinary.last().split("\n"))
    assert "目标" not in ordinary.last() and "✅ 01-08 集中学习：" in ordinary.last()
    await secretary.says("/members")
    roster_lines = secretary.last().split("\n")
    assert "• 乡镇干部 · 正式党员 · 乡镇领导班子" in roster_lines
    assert "• 普通党员 · 正式党员" in roster_lines

    # The secretary's own branch: measures, no label, nothing compared.
    await secretary.says("/report")
    await secretary.presses("本季度至今")
    own = next(t for t in reversed(secretary.sees()) if t.startswith("📊 工作通报"))
    assert own.startswith("📊 工作通报：东岭村党支部，2026-10-01 – 2026-11-24\n")
    assert "\n1. 东岭村党支部 — 会议 2/6 · 出勤 " in own
    assert not any(label in own for label in LABELS) and "本期没有任何记录" not in own

    # 1 January 2027, 09:00: December's and the fourth quarter's bulletins arrive.
    clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=clock.tz))
    await h.tick()
    quarter = "\n".join(
        t for t in staff.sees() if t.startswith("📊 工作通报：青山县，2026-10-01 – 2026-12-31")
    )
    december = "\n".join(
        t for t in staff.sees() if t.startswith("📊 工作通报：青山县，2026-12-01 – 2026-12-31")
    )
    assert quarter and december
    for text in (quarter, december):
        assert not any(label in text for label in LABELS)
    lines = quarter.split("\n")
    # The village with nothing recorded comes first, under its own heading; the rest by
    # township and name, each with its measures — equal figures are simply equal.
    assert lines[3:5] == ["本期没有任何记录（1 个）", "东岭八村党支部（东岭镇）"]
    assert lines[6] == "东岭镇"
    same = " — 会议 3/8 · 出勤 100% · 学习 — · 心得 — · 通知确认 —"
    figures = {
        line.split(". ", 1)[1].split(" — ")[0]: line.split(" — ", 1)[1]
        for line in lines
        if line[:1].isdigit()
    }
    assert len(figures) == 18
    assert sum(f" — {value}" == same for value in figures.values()) == 17
    assert figures["西河八村党支部"] == "会议 0/8 · 出勤 0% · 学习 — · 心得 — · 通知确认 —"
    assert lines.index("西河乡") > lines.index("东岭镇")
    # The township leadership's centralised study, for the year.
    assert (
        "乡镇领导班子集中学习，2026 年截至 2026-12-31（全年不少于 20 次；按进度此时约应 20 次）"
        in lines
    )
    assert "东岭镇：乡镇干部 6/20（心得 0 · 调研文章 0）" in lines
    assert "花名册中未标注领导班子成员的乡镇（“乡镇领导班子”列）：西河乡" in lines
    quarter_sheets = _xlsx(h, staff, "2026-10-01_2026-12-31")
    assert quarter_sheets["集中学习"][1:] == [
        ["东岭镇", "东岭村党支部", "乡镇干部", 6, 20, 20, 0, 0, None]
    ]
    assert quarter_sheets["支部"][1][:3] == ["东岭镇", "东岭八村党支部", "否"]

    # The first working morning (Monday 4 January): the draft of the yearly review.
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=clock.tz))  # a Saturday: nothing yet
    await h.tick()
    assert not [t for t in staff.sees() if "年度评定" in t]
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=clock.tz))
    await h.tick()
    draft = staff.last().split("\n")
    assert draft[:4] == [
        "🗂 2026 年度评定：青山县——初步名单",
        "参与比较的支部 19 个；其 10%（向下取整）为 1 个。",
        "有 2 个支部在分界处综合指数相同（0%），并列的一并列入，因此初步名单共 2 个。",
        "综合指数：应开会议的召开比例 ×2、出勤率 ×2、学习材料完成率 ×1（未收到材料的不计此项）。"
        "点击确认、心得篇数和领导联系点天数不计入。",
    ]
    assert draft[5:8] == [
        "初步名单：逐个对照“五个好”评定",
        "1. 东岭八村党支部（东岭镇）综合 0%：会议 0/32 · 出勤 0/0 · 学习 0/0 — "
        "⏳ 未决定（已评 0/5 项）",
        "2. 西河八村党支部（西河乡）综合 0%：会议 0/32 · 出勤 0/2 · 学习 0/0 — "
        "⏳ 未决定（已评 0/5 项）",
    ]
    # Once: the next morning's tick sends it again to nobody.
    drafts = [t for t in staff.sees() if t.startswith("🗂 2026 年度评定")]
    clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=clock.tz))
    await h.tick()
    assert [t for t in staff.sees() if t.startswith("🗂 2026 年度评定")] == drafts
    async with h.db.read() as c:
        stored = await review_repo.find(c, 2026, county["county"])
        assert stored is not None and stored.state == "draft"
        rows = await review_repo.branches(c, stored.id)
    assert len(rows) == 19 and sorted(r.name for r in rows if r.drafted) == [
        "东岭八村党支部",
        "西河八村党支部",
    ]

    # Nothing is confirmed before every listed branch is decided.
    await staff.presses("✅ 确认名单")
    assert staff.answers()[-1] == "请先对名单上的每个支部作出决定；尚未决定：2 个。"
    staff.message_with_button("✅ 全部决定后确认名单")  # the button says so now

    # 东岭八村: the five good, one by one (a second press changes yes to no), a comment.
    await staff.presses("📝 东岭八村党支部")
    assert staff.last().startswith("📝 东岭八村党支部（东岭镇）— 2026 年度评定\n")
    await staff.presses("⚠️ 后进，需重点帮扶")
    assert staff.answers()[-1] == "请先评定全部五项：按各项编号，直到显示 ✅ 或 ❌。"
    for label in ("1. ❔", "2. ❔", "2. ✅", "3. ❔", "4. ❔", "4. ✅", "5. ❔"):
        await staff.presses(label)
    await staff.presses("💬 评语")
    await staff.says("班子软弱涣散，一年没有开会。")
    await staff.presses("⚠️ 后进，需重点帮扶")
    form = staff.last().split("\n")
    assert form[5:10] == [
        "1. 领导班子好: ✅",
        "2. 党员干部队伍好: ❌",
        "3. 工作机制好: ✅",
        "4. 小康建设业绩好: ❌",
        "5. 农民群众反映好: ✅",
    ]
    assert form[11:] == ["评语：班子软弱涣散，一年没有开会。", "决定：⚠️ 后进，需重点帮扶"]

    # 西河八村: five times yes — not backward after all.
    await staff.presses("📝 西河八村党支部")
    for number in range(1, 6):
        await staff.presses(f"{number}. ❔")
    await staff.presses("✔️ 不列为后进")
    assert staff.last().endswith("决定：✔️ 不列为后进")

    # 西河一村, which the draft left out, is added and assessed.
    await staff.presses("➕ 增列支部…")
    await staff.presses("西河乡")
    await staff.presses("西河一村党支部")
    assert "工作人员增列" in staff.last()
    for number in range(1, 6):
        await staff.presses(f"{number}. ❔")
        await staff.presses(f"{number}. ✅")
    await staff.presses("⚠️ 后进，需重点帮扶")

    await staff.presses("✅ 全部决定后确认名单")  # at once: a new press, not a repeat
    confirmed = next(t for t in reversed(staff.sees()) if t.startswith("🗂 2026 年度评定"))
    assert confirmed.startswith("🗂 2026 年度评定：青山县——已确认\n")
    assert (
        "已确认：后进、需重点帮扶的支部，2 个\n• 东岭八村党支部（东岭镇）\n"
        "• 西河一村党支部（西河乡）"
    ) in confirmed
    book = _xlsx(h, staff, "年度评定-青山县-2026-01-01_2026-12-31")
    assert list(book) == ["确认名单", "参与比较的支部"]
    listed, compared = book["确认名单"], book["参与比较的支部"]
    assert [row[:8] for row in listed[1:]] == [
        ["东岭镇", "东岭八村党支部", "⚠️ 后进，需重点帮扶", "是", "否", "是", "否", "是"],
        ["西河乡", "西河八村党支部", "✔️ 不列为后进", "是", "是", "是", "是", "是"],
        ["西河乡", "西河一村党支部", "⚠️ 后进，需重点帮扶", "否", "否", "否", "否", "否"],
    ]
    assert listed[1][8] == "班子软弱涣散，一年没有开会。"
    assert listed[1][11] == "组织部小李"
    assert len(compared) == 1 + 19
    document = [m for m in h.emu.messages(staff.user) if m.document][-1]
    printed = sheets.book(h.emu.files[document.document["file_id"]].data)  # type: ignore[index]
    assert sheets.title(printed["确认名单"]).startswith(
        "2026 年度评定：确认名单 · 青山县 · 2026-01-01 至 2026-12-31 · 制表 "
    )
    composite = compared[0].index("综合指数") + 1
    assert printed["参与比较的支部"].cell(3, composite).number_format == "0%"

    # Recorded: the review and every step in the audit trail.
    async with h.db.read() as c:
        stored = await review_repo.find(c, 2026, county["county"])
        entries = [e for e in await audit.entries(c) if e.action.startswith("review.")]
    assert stored is not None and stored.state == "confirmed"
    assert stored.confirmed_by == staff.id
    actions = [e.action for e in reversed(entries)]
    assert actions[0] == "review.draft" and actions[-1] == "review.confirm"
    assert actions.count("review.decide") == 3 and actions.count("review.add") == 1
    assert actions.count("review.good") == 7 + 5 + 10
    decided = [e.detail for e in reversed(entries) if e.action == "review.decide"]
    assert decided[0] == (
        "attention; five good yes,no,yes,no,yes; comment: 班子软弱涣散，一年没有开会。"
    )
    assert entries[0].detail == "东岭八村党支部, 西河一村党支部"

    # Confirmed is final: an old button changes nothing.
    before = await _review_rows(h, stored.id)
    await staff.presses("1. ✅")
    assert staff.answers()[-1] == "本次评定已确认，不能再修改。"
    assert await _review_rows(h, stored.id) == before

    # On demand: the county's review is the one recorded; a township of nine is too few.
    await staff.says("/report")
    await staff.presses("🗂 年度评定（五个好）")
    await staff.presses("2026")
    await staff.presses("🏛 全县")
    assert any(t.startswith("🗂 2026 年度评定：青山县——已确认") for t in staff.sees()[-3:])
    await staff.says("/report")
    await staff.presses("🗂 年度评定（五个好）")
    await staff.presses("2026")
    await staff.presses("西河乡")
    assert staff.last() == (
        "🗂 2026 年度评定：西河乡\n只有 9 个支部参与比较：排出末位 10% 至少需要 "
        "10 个，因此不出初步名单，由人工评定。"
    )


async def _review_rows(h: Harness, review_id: int) -> list[object]:
    async with h.db.read() as c:
        return list(await review_repo.branches(c, review_id))


def test_the_draft_is_ten_percent_rounded_down_with_ties_together() -> None:
    distinct = {branch: Fraction(branch, 100) for branch in range(1, 20)}  # 19 branches
    assert review.drafted(distinct) == {1}
    assert review.drafted({b: Fraction(b, 100) for b in range(1, 30)}) == {1, 2}
    tied = {**distinct, 2: Fraction(1, 100), 3: Fraction(1, 100)}
    assert review.drafted(tied) == {1, 2, 3}
    assert review.drafted({b: Fraction(b, 100) for b in range(1, 10)}) == set()
