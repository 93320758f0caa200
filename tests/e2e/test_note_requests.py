"""Notes asked where the guidelines ask, reminded a few times, and then no more.

Heartfelt notes belong to study — party lessons, centralised study, the party activity day
— not to the business of a committee meeting (which kinds is ``ZHIBU_NOTE_AFTER``). The
rules against formalism: a request is named in at most two evening reminders, then only
the secretary sees it; it lapses after ``ZHIBU_NOTE_DAYS``. "Unable to write" is a
secretary's judgement that a secretary can take back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from sandbox.emulator import SimChat
from storage import audit
from storage import bulletins as figures_repo
from storage import members as member_repo
from storage.db import Database
from tests.e2e.flows import branch_group, make_secretary, registered, schedule
from tests.e2e.test_notes import member_id_of
from tests.harness import Harness, Person
from tests.unit.test_cli import refused, zhibu

ASK = "✍️ 请就“{topic}”写一篇心得体会"
REMINDER = "⏰ 今晚提醒"
EVENING = (20, 0)


def asked(person: Person, topic: str) -> bool:
    return any(text.startswith(ASK.format(topic=topic)) for text in person.sees())


async def held(
    h: Harness,
    clock: FrozenClock,
    secretary: Person,
    group: SimChat,
    attendees: list[Person],
    *,
    kind: str,
    topic: str,
    day: date,
) -> None:
    """A session scheduled from the group for 19:30 that day, checked into, and closed."""
    starts = datetime(day.year, day.month, day.day, 19, 30, tzinfo=clock.tz)
    await schedule(
        secretary,
        group,
        when=starts.strftime("%Y-%m-%d %H:%M"),
        remote="否",
        kind=kind,
        topic=topic,
    )
    clock.set(starts - timedelta(minutes=20))
    await h.tick()
    for person in attendees:
        await person.presses("✅ 签到", chat=group)
    clock.set(starts + timedelta(minutes=60))
    await h.tick()


async def requests(db: Database) -> list[tuple[str, str, int]]:
    """(member, title, reminders) of every note request stored."""
    async with db.read() as c:
        rows = await c.execute_fetchall(
            """SELECT m.name, r.title, r.reminders FROM note_requests r
               JOIN members m ON m.id = r.member_id ORDER BY r.asked_at, m.name"""
        )
    return [(str(a), str(b), int(n)) for a, b, n in rows]


async def a_branch(h: Harness, county: dict[str, int]) -> tuple[Person, Person, SimChat]:
    """East's secretary, a member who must write, and the branch's group chat; both are
    on the branch committee (the roster's 支委 column), so its meetings invite them."""
    secretary = await make_secretary(h, county["east"])
    (writer,) = await registered(h, county["east"], ["刘青年"])
    async with h.db.tx() as c:
        for person in (secretary, writer):
            member = await member_repo.member_of_user(c, person.id)
            assert member is not None
            await member_repo.update_member(c, member.id, {"committee": True}, h.clock.now())
    return secretary, writer, await branch_group(h, county["east"], "东岭群", [secretary, writer])


async def test_notes_follow_study_sessions_not_committee_business_unless_configured(
    h: Harness, county: dict[str, int], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    secretary, writer, group = await a_branch(h, county)

    await held(
        h,
        clock,
        secretary,
        group,
        [secretary, writer],
        kind="支委会",
        topic="研究修路",
        day=date(2026, 11, 25),
    )
    assert secretary.sees(group)[-1].startswith("📋 活动已结束\n支委会：研究修路")
    assert not asked(writer, "研究修路") and not asked(secretary, "研究修路")
    await held(
        h,
        clock,
        secretary,
        group,
        [secretary, writer],
        kind="党课",
        topic="学习党章",
        day=date(2026, 11, 26),
    )
    assert asked(writer, "学习党章") and asked(secretary, "学习党章")
    assert await requests(h.db) == [("刘青年", "学习党章", 0), ("李书记", "学习党章", 0)]

    # The operator adds the committee meeting to the setting and restarts the bot.
    monkeypatch.setenv("ZHIBU_NOTE_AFTER", "committee, lesson, study, activity_day")
    h.settings = Settings(_env_file=None, **h.settings.model_dump(exclude={"note_after"}))
    assert h.settings.note_after == ["committee", "lesson", "study", "activity_day"]
    await h.restart()
    await held(
        h,
        clock,
        secretary,
        group,
        [writer],
        kind="支委会",
        topic="再议修路",
        day=date(2026, 11, 27),
    )
    assert asked(writer, "再议修路")
    assert ("刘青年", "再议修路", 0) in await requests(h.db)


def test_a_kind_of_session_the_bot_does_not_know_is_named_in_one_line(tmp_path: Path) -> None:
    line = refused(
        zhibu(
            "migrate", env={"ZHIBU_NOTE_AFTER": "lesson, 党课", "LANG": "zh_CN.UTF-8"}, cwd=tmp_path
        )
    )
    assert line == (
        "zhibu: 设置有误：ZHIBU_NOTE_AFTER：“党课”不是会议类型：请用 assembly, "
        "committee, group, lesson, activity_day, study, other"
    )
    assert refused(zhibu("migrate", env={"ZHIBU_NOTE_DAYS": "0"}, cwd=tmp_path)) == (
        "zhibu: invalid setting ZHIBU_NOTE_DAYS: must be at least 1"
    )


async def test_an_owed_note_is_reminded_twice_then_only_listed_and_then_lapses(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary, writer, group = await a_branch(h, county)
    await held(
        h, clock, secretary, group, [writer], kind="党课", topic="学习党章", day=date(2026, 11, 25)
    )
    assert asked(writer, "学习党章")
    # Two materials with due dates: their reminders come on other evenings too, and on
    # 11-29 in the same message as the note's.
    for title, due in (("材料一", "2026-11-29"), ("材料二", "2026-12-05")):
        await push(secretary, title, due)

    seen: dict[str, list[str]] = {}
    first = date(2026, 11, 26)
    for n in range(30):
        day = first + timedelta(days=n)
        clock.set(datetime(day.year, day.month, day.day, *EVENING, tzinfo=clock.tz))
        before = len(writer.sees())
        await h.tick()
        await h.tick()  # a second tick that evening (or a restart) adds nothing
        new = [text for text in writer.sees()[before:] if text.startswith(REMINDER)]
        if new:
            seen[day.strftime("%m-%d")] = new
    note = "✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-09"
    assert all(len(texts) == 1 for texts in seen.values())  # one message an evening
    assert sorted(seen) == ["11-26", "11-27", "11-29", "12-03", "12-05"]
    assert [day for day, texts in seen.items() if note in texts[0]] == ["11-26", "11-29"]
    assert "• 材料一 — 今天截止" in seen["11-29"][0]  # the same evening: one message
    assert note not in seen["12-03"][0] and note not in seen["12-05"][0]
    assert await requests(h.db) == [("刘青年", "学习党章", 2)]

    # After its last day it is owed nowhere: not listed, not in the record, not offered.
    await secretary.says("/notes")
    assert not any("刘青年" in text for text in secretary.sees()[-2:])
    await writer.says("/record")
    assert "心得体会：已写 0 篇（优秀 0 篇），待写 0 篇" in writer.last()
    await writer.says("/note")
    assert writer.last().startswith("✍️ 请写下您的心得")  # no "what about?" choice
    await writer.says("/cancel")
    # It stays as history: asked, not written, in the bulletins' figure ...
    branch = county["east"]
    november = (datetime(2026, 11, 1, tzinfo=clock.tz), datetime(2026, 12, 1, tzinfo=clock.tz))
    async with h.db.read() as c:
        assert (await figures_repo.notes(c, *november))[branch] == (0, 1)
    # ... and a note written late from the request's own button still answers it.
    await writer.presses("✍️ 现在就写")
    assert writer.last().startswith("✍️ 请写下您的心得（关于“学习党章”）：")
    await writer.says("迟到的心得。")
    async with h.db.read() as c:
        assert (await figures_repo.notes(c, *november))[branch] == (1, 1)


async def test_while_owed_the_secretary_sees_until_when_and_that_reminders_are_over(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary, writer, group = await a_branch(h, county)
    await held(
        h, clock, secretary, group, [writer], kind="主题党日", topic="植树", day=date(2026, 11, 25)
    )
    await secretary.says("/notes")
    assert "• 刘青年 — 植树 · 截至 12-09\n" in secretary.last()
    for day in (26, 29):  # its two reminders
        clock.set(datetime(2026, 11, day, *EVENING, tzinfo=clock.tz))
        await h.tick()
    await secretary.says("/notes")
    assert "• 刘青年 — 植树 · 截至 12-09 · 已不再提醒\n" in secretary.last()
    assert "每篇心得最多在晚间提醒里提醒 2 次" in secretary.last()

    # A rewrite asked late keeps the note owed for a full period from then.
    await writer.says("/note")
    await writer.presses("✍️ 植树")
    await writer.says("种了十棵树。")
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=clock.tz))
    await secretary.says("/notes")
    await secretary.presses("↩️ 请重写")
    await secretary.says("请写写体会。")
    clock.set(datetime(2026, 12, 12, 9, 0, tzinfo=clock.tz))  # past the first last day
    await secretary.says("/notes")
    assert "• 刘青年 — 植树 · 截至 12-22 · 已不再提醒\n" in secretary.last()


async def test_the_secretary_lifts_unable_to_write_and_studying_asks_again(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    other = await make_secretary(h, county["west"], name="西河书记")
    silent, elder = await registered(h, county["east"], ["王不写", "赵大爷"])
    async with h.db.tx() as c:  # 赵大爷 is 66: the guidelines do not ask him to write
        await member_repo.update_member(
            c, await member_id_of(h, elder), {"birth_year": 1960}, clock.now()
        )
    group = await branch_group(h, county["east"], "东岭群", [secretary, silent, elder])
    await held(
        h,
        clock,
        secretary,
        group,
        [silent, elder],
        kind="党课",
        topic="学习党章",
        day=date(2026, 11, 25),
    )
    assert asked(silent, "学习党章") and not asked(elder, "学习党章")
    await secretary.says("/notes")
    await secretary.presses("🚫 王不写 无写作能力")

    # Marked unable to write, or 60 or over: studying a material asks nothing.
    await push(secretary, "材料一", "2026-12-20")
    await silent.presses("✅ 已学习")
    await elder.presses("✅ 已学习")
    assert not asked(silent, "材料一") and not asked(elder, "材料一")

    await secretary.says("/notes")
    listing = h.emu.last(secretary.user)
    assert (listing.text or "").startswith("已标记为无写作能力（1）\n• 王不写\n")
    assert [label for row in listing.buttons for label, _ in row] == ["✍️ 王不写 能写"]
    lift = listing.buttons[0][0][1]
    silent_id = await member_id_of(h, silent)
    assert lift == f"note:lift:{silent_id}"

    # Neither the member himself nor another branch's secretary may lift it.
    for person in (silent, other):
        h.emu.press_data(person.user, h.emu.messages(person.user)[-1], lift)
        h.emu.press_data(person.user, h.emu.messages(person.user)[-1], f"{lift}:yes")
        await h.settle()
        assert person.answers()[-2:] == ["这不在您的管理范围内。"] * 2
    assert await unable(h, silent_id)

    await secretary.presses("✍️ 王不写 能写")
    assert [label for row in h.emu.last(secretary.user).buttons for label, _ in row] == [
        "✅ 确认：王不写 能写",
        "✖ 不，保持不变",
    ]
    await secretary.presses("✖ 不，保持不变")
    assert secretary.answers()[-1] == "没有做任何更改。" and await unable(h, silent_id)
    await secretary.says("/notes")
    await secretary.presses("✍️ 王不写 能写")
    await secretary.presses("✅ 确认：王不写 能写")
    assert secretary.answers()[-1] == "今后学习后会再请 王不写 写心得。"
    assert h.emu.last(secretary.user).buttons == []
    assert not await unable(h, silent_id)
    clock.advance(timedelta(minutes=1))  # not a quick repeat: pressed again later
    h.emu.press_data(secretary.user, h.emu.last(secretary.user), f"{lift}:yes")
    await h.settle()
    assert secretary.answers()[-1] == "已经记录过了。"
    async with h.db.read() as c:
        entries = [(e.actor, e.action, e.subject, e.detail) for e in await audit.entries(c)]
    assert entries[0] == (
        f"tg:{secretary.id}",
        "member.can_write",
        f"member:{silent_id}",
        '{"no_writing": [true, false]}',
    )
    assert [e[1] for e in entries].count("member.can_write") == 1
    assert (
        f"tg:{secretary.id}",
        "member.no_writing",
        f"member:{silent_id}",
        '{"no_writing": [false, true]}',
    ) in entries

    # Asked again: his session's note is owed again, and the next material asks him.
    before = len(secretary.sees())
    await secretary.says("/notes")
    assert any("• 王不写 — 学习党章 · 截至 12-09" in text for text in secretary.sees()[before:])
    await push(secretary, "材料二", "2026-12-20")
    await silent.presses("✅ 已学习")
    assert asked(silent, "材料二")


async def unable(h: Harness, member_id: int) -> bool:
    async with h.db.read() as c:
        member = await member_repo.get_member(c, member_id)
    assert member is not None
    return member.no_writing


async def push(secretary: Person, title: str, due: str) -> None:
    """A text material to every member of the branch, due that day."""
    await secretary.says("/push")
    label = next(
        label
        for row in secretary.h.emu.last(secretary.user).buttons
        for label, _ in row
        if label.startswith("👥 全体党员")
    )
    await secretary.presses(label)
    await secretary.says(title)
    await secretary.says("内容")
    await secretary.says(due)
    confirm = next(
        label
        for row in secretary.h.emu.last(secretary.user).buttons
        for label, _ in row
        if label.startswith("✅ 发送给")
    )
    await secretary.presses(confirm)
