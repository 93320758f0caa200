"""Personal data is kept only while it is needed (README "Privacy"): coordinates coarse
from the start, retention jobs erasing on their day and not before, with the bulletins'
figures unchanged, and `zhibu erase-member` on request."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, time
from pathlib import Path

from bot import bulletins, reports
from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import visits as visit_repo
from storage.db import Database
from storage.models import NewMeeting, NewMember
from tests.conftest import START, seed_county
from tests.e2e.flows import invite_code, join, make_leader, make_secretary, registered
from tests.e2e.process import zhibu
from tests.harness import Harness, Person


async def _visit_sharing(h: Harness, leader: Person, latitude: float, longitude: float) -> None:
    """A day's visit logged up to its last question, the location shared."""
    await leader.says("/visit")
    await leader.presses("今天")
    await leader.presses("1")
    await leader.presses("调查研究")
    await leader.says("走访了五户困难群众。")
    await leader.presses("没有")
    h.emu.send_location(leader.user, latitude, longitude)
    await h.settle()


async def test_a_shared_location_is_stored_to_about_a_kilometre(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    await _visit_sharing(h, leader, 28.213479, 112.941962)
    async with h.db.read() as c:  # the form in progress holds the coarse place already
        rows = await c.execute_fetchall("SELECT data FROM dialogs")
    assert [(json.loads(row[0])["lat"], json.loads(row[0])["lon"]) for row in rows] == [
        (28.21, 112.94)
    ]
    await leader.presses("✅ 保存")
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and (visit.latitude, visit.longitude) == (28.21, 112.94)
    where = h.emu.messages(secretary.user)[-2]
    assert where.media["location"] == {"latitude": 28.21, "longitude": 112.94}


async def _rows(h: Harness, sql: str) -> list[tuple[object, ...]]:
    async with h.db.read() as c:
        return [tuple(row) for row in await c.execute_fetchall(sql)]


async def test_retention_erases_on_its_day_and_not_before_and_the_bulletin_stays(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    applicant = h.person("路人甲")
    await join(applicant, code, name="路人甲", phone="+8613800001111")
    await secretary.says("/pending")
    await secretary.presses("❌ 1. 路人甲")
    halfway = h.person("半途者")
    await halfway.opens_link(code)
    await halfway.says("半途者")
    await halfway.says("1990")  # and never comes back
    passer = h.person("过客")
    await passer.says("/start")
    (leaving,) = await registered(h, county["east"], ["要离开的人"], flowing=True, city="深圳")
    async with h.db.tx() as c:
        gone = await member_repo.member_of_user(c, leaving.id)
        assert gone is not None
        await member_repo.update_member(c, gone.id, {"phone": "13700002222"}, clock.now())
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["east"],
                kind="lesson",
                starts_at=clock.now(),
                place="村委会",
                topic="学习",
                created_by=secretary.id,
            ),
            clock.now(),
        )
        await meeting_repo.put_attendance(c, meeting.id, gone.id, "present", clock.now())
    await secretary.says("/members")
    await secretary.presses("🗑 移除党员…")
    await secretary.presses("要离开的人")
    await secretary.presses("🗑 要离开的人：迁往其他支部")

    async def bulletin() -> object:
        return await bulletins.build(
            h.db, FrozenClock(START), county["county"], date(2026, 11, 1), date(2026, 12, 1), 3.0
        )

    removed_contacts = (
        f"SELECT name, phone, birth_year, flow_city FROM members WHERE id = {gone.id}"
    )
    strangers = (
        f"SELECT telegram_id FROM users WHERE telegram_id IN "
        f"({applicant.id}, {halfway.id}, {passer.id}) ORDER BY telegram_id"
    )

    def on(day: date, hour: int) -> None:
        clock.advance(datetime.combine(day, time(hour), tzinfo=clock.tz) - clock.now())

    on(date(2026, 12, 24), 23)  # thirty days kept: the last of them
    await h.tick()
    assert await _rows(h, "SELECT name, state FROM applications") == [("路人甲", "rejected")]
    assert (halfway.id,) in await _rows(h, "SELECT telegram_id FROM dialogs")
    assert len(await _rows(h, strangers)) == 3
    assert await _rows(h, removed_contacts) == [("要离开的人", "13700002222", 1985, "深圳")]

    on(date(2026, 12, 25), 0)  # the first tick of the day after
    before = await bulletin()
    await h.tick()
    assert await bulletin() == before
    assert await _rows(h, "SELECT name, state FROM applications") == []
    assert await _rows(h, "SELECT telegram_id FROM dialogs") == []
    assert await _rows(h, strangers) == []
    assert await _rows(h, removed_contacts) == [("要离开的人", "13700002222", 1985, "深圳")]
    assert len(await _rows(h, f"SELECT 1 FROM users WHERE telegram_id = {secretary.id}")) == 1

    on(date(2027, 5, 23), 23)  # 180 days after the removal
    await h.tick()
    assert await _rows(h, removed_contacts) == [("要离开的人", "13700002222", 1985, "深圳")]
    on(date(2027, 5, 24), 0)
    before = await bulletin()
    await h.tick()
    assert await _rows(h, removed_contacts) == [("要离开的人", None, None, None)]
    assert await _rows(h, f"SELECT status FROM attendance WHERE member_id = {gone.id}") == [
        ("present",)
    ]
    await h.tick()  # a second run has nothing left to do
    assert await bulletin() == before
    # Someone forgotten who comes back is met as new.
    await passer.says("/start")
    assert len(await _rows(h, f"SELECT 1 FROM users WHERE telegram_id = {passer.id}")) == 1


async def test_zhibu_erase_member_keeps_the_counts_and_nothing_else(tmp_path: Path) -> None:
    database = tmp_path / "zhibu.sqlite3"
    clock = FrozenClock(START)
    db = await Database.open(database)
    try:
        county = await seed_county(db, clock)
        now = clock.now()
        async with db.tx() as c:
            await member_repo.touch_user(c, 777, "周九", "zhoujiu", "zh-hans", now, private=True)
            member = await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=county["east"],
                    name="周九",
                    birth_year=1961,
                    status="full",
                    state="active",
                    telegram_id=777,
                    phone="13912345678",
                    flowing=True,
                    flow_city="东莞",
                    flow_employer="电子厂",
                ),
                now,
            )
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county["east"],
                    kind="lesson",
                    starts_at=now,
                    place="村委会",
                    topic="学习",
                    created_by=1,
                ),
                now,
            )
            await meeting_repo.put_attendance(c, meeting.id, member.id, "present", now)
            await c.execute(
                "INSERT INTO notes (member_id, kind, body, created_at) "
                "VALUES (?, 'text', '我的心得：家里的事', ?)",
                (member.id, now.isoformat()),
            )
            # Copies of the name elsewhere: a notice's receipt, a message naming them.
            await c.execute(
                "INSERT INTO notices (id, sender, scope_unit_id, audience, body, send_at, "
                "created_at) VALUES (1, 1, ?, 'everyone', '通知', ?, ?)",
                (county["east"], now.isoformat(), now.isoformat()),
            )
            await c.execute(
                "INSERT INTO notice_recipients (notice_id, telegram_id, member_id, name, "
                "branch_id) VALUES (1, 777, ?, '周九', ?)",
                (member.id, county["east"]),
            )
            await c.execute(
                "INSERT INTO outbox (key, chat_id, kind, payload, state, created_at) "
                "VALUES ('k', 1, 'role_ended', ?, 'sent', ?)",
                ('{"name": "周九", "role": "secretary"}', now.isoformat()),
            )
    finally:
        await db.close()
    env = {"ZHIBU_DATABASE": str(database), "ZHIBU_LANGUAGE": "en"}

    code, out, err = await zhibu("erase-member", str(member.id), **env)
    assert (code, err) == (1, "") and "add --yes" in out and len(out.splitlines()) == 1
    code, out, err = await zhibu("erase-member", "999", "--yes", **env)
    assert (code, out) == (2, "") and err == "zhibu: there is no member 999\n"
    code, out, err = await zhibu("erase-member", str(member.id), "--yes", **env)
    assert (code, err) == (0, "")
    assert out == f"erased member {member.id}'s personal data; their attendance and counts stay\n"

    db = await Database.open(database)
    try:
        async with db.read() as c:
            erased = await member_repo.get_member(c, member.id)
            notes = [tuple(r) for r in await c.execute_fetchall("SELECT kind, body FROM notes")]
            present = [
                tuple(r)
                for r in await c.execute_fetchall("SELECT member_id, status FROM attendance")
            ]
            audit = [
                tuple(r)
                for r in await c.execute_fetchall(
                    "SELECT actor, action, subject, detail FROM audit"
                )
            ]
    finally:
        await db.close()
    assert erased is not None and erased.name == f"已删除的党员 #{member.id}"
    assert (
        erased.phone,
        erased.birth_year,
        erased.flow_city,
        erased.flow_employer,
        erased.telegram_id,
        erased.state,
    ) == (None, None, None, None, None, "removed")
    assert notes == [("text", "")]
    assert present == [(member.id, "present")]
    assert audit == [("cli", "member.erase", f"member:{member.id}", "")]
    with sqlite3.connect(database) as conn:  # nowhere in the database any more
        dump = "\n".join(conn.iterdump())
    for personal in ("周九", "zhoujiu", "13912345678", "东莞", "电子厂", "家里的事"):
        assert personal not in dump, personal


async def test_a_location_goes_even_when_its_bulletin_never_went_out(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """No staff to send the half-year bulletin to (or the bot down on its day): the
    location is not kept for ever, but two months after the half-year ended."""
    leader = await make_leader(h, county["east"], [county["south"]])
    await _visit_sharing(h, leader, 28.21, 112.94)
    await leader.presses("✅ 保存")
    place = "SELECT latitude, longitude FROM visits"
    for day, kept in [
        (date(2027, 1, 2), True),
        (date(2027, 3, 3), True),
        (date(2027, 3, 4), False),
    ]:
        clock.advance(datetime.combine(day, time(1), tzinfo=clock.tz) - clock.now())
        await h.tick()
        assert (await _rows(h, place) == [(28.21, 112.94)]) is kept, day


async def test_a_visits_location_is_erased_after_its_half_year_bulletin_went_out(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    leader = await make_leader(h, county["east"], [county["south"]])
    await _visit_sharing(h, leader, 28.21, 112.94)
    await leader.presses("✅ 保存")
    place = "SELECT latitude, longitude, day, days FROM visits"

    async def figures() -> object:
        bulletin = await reports.visit_bulletin(
            h.db, FrozenClock(START), date(2026, 7, 1), date(2027, 1, 1), 3.0
        )
        return bulletin.rows

    def on(day: date, hour: int) -> None:
        clock.advance(datetime.combine(day, time(hour), tzinfo=clock.tz) - clock.now())

    on(date(2027, 1, 1), 10)  # the bulletin of July–December goes out today
    await h.tick()
    await h.settle()
    assert await _rows(h, place) == [(28.21, 112.94, "2026-11-24", 1.0)]
    before = await figures()
    on(date(2027, 1, 2), 0)
    await h.tick()
    assert await _rows(h, place) == [(None, None, "2026-11-24", 1.0)]
    assert await figures() == before
