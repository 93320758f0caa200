"""One place for what is open: /todo, the evening reminder that bundles it, the notices
not confirmed yet.

A member who was away from the phone for days opens /todo and finds everything waiting
for them — materials, notices, sessions, notes — acts from its buttons, and the list
gets shorter. The evening reminder is that list cut down to what is due a word tonight:
one message a member an evening, and every thing named on a few evenings only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import notices
from bot.clock import FrozenClock
from sandbox.emulator import SimChat
from storage import meetings as meeting_repo
from storage import notes as note_repo
from storage.models import NewNotice
from tests.e2e.flows import branch_group, make_secretary, registered, schedule
from tests.e2e.test_materials import push_text
from tests.e2e.test_notes import born, member_id_of
from tests.harness import Harness, Person

EVENING = (20, 0)


def at(clock: FrozenClock, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.tz)


def labels(h: Harness, person: Person) -> list[str]:
    return [label for row in h.emu.last(person.user).buttons for label, _ in row]


async def lesson(
    h: Harness,
    clock: FrozenClock,
    secretary: Person,
    group: SimChat,
    attendees: list[Person],
    *,
    day: date,
    topic: str = "学习党章",
) -> None:
    """A party lesson at 19:30 that day, checked into from the group, and closed: those
    who attended and must write are asked for a note."""
    await schedule(secretary, group, when=f"{day.isoformat()} 19:30", remote="否", topic=topic)
    clock.set(at(clock, day, 19, 10))
    await h.tick()
    for person in attendees:
        await person.presses("✅ 签到", chat=group)
    clock.set(at(clock, day, 20, 30))
    await h.tick()


async def notice_to_branch(secretary: Person, text: str) -> None:
    """The secretary's /notice to everyone in the branch, now."""
    await secretary.says("/notice")
    label = next(label for label in labels(secretary.h, secretary) if label.startswith("所有人"))
    await secretary.presses(label)
    await secretary.says(text)
    if "否" in labels(secretary.h, secretary):
        await secretary.presses("否")
    await secretary.presses("立即发送")
    await secretary.presses(
        next(label for label in labels(secretary.h, secretary) if label.startswith("✅ 发送给"))
    )


async def test_four_days_away_from_the_phone_then_todo_has_all_four_and_shrinks(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["张党员"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, member])
    # Monday evening's party lesson: she attends and is asked for a note. Then her phone
    # stays in a drawer for four days while the branch goes on.
    await lesson(h, clock, secretary, group, [member], day=date(2026, 11, 24))
    clock.set(at(clock, date(2026, 11, 25), 9))
    await push_text(secretary, "学习二十大报告", "全文", due="@2026-12-05", audience="👥 全体党员")
    await secretary.presses(
        next(label for label in labels(h, secretary) if label.startswith("✅ 发送给"))
    )
    await notice_to_branch(secretary, "本周五前交党费。")
    await schedule(
        secretary, group, when="2026-11-30 19:30", remote="否", kind="主题党日", topic="植树"
    )
    for day in range(25, 29):
        clock.set(at(clock, date(2026, 11, day), *EVENING))
        await h.tick()

    clock.set(at(clock, date(2026, 11, 29), 9))
    await member.says("/todo")
    assert member.last() == (
        "📋 您的待办事项\n\n"
        "📚 待学习的材料（1）\n• 学习二十大报告 — 2026-12-05 截止\n"
        "按标题可再次阅读，学完后请按“✅ 已学习”。\n\n"
        "📢 待确认的通知（1）\n• 11-25 本周五前交党费。\n\n"
        "📅 即将召开的会议（1）\n• 明天 19:30 主题党日：植树 · 村委会会议室\n\n"
        "✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-08"
    )
    assert labels(h, member) == [
        "📖 学习二十大报告",
        "📢 本周五前交党费。",
        "✅ 收到",
        "✍️ 学习党章",
    ]
    todo = h.emu.last(member.user)

    # From the list: confirm the notice (its button says so; the others stay) ...
    await member.presses("✅ 收到", message=todo)
    assert member.answers()[-1] == "✅ 谢谢，已记录收到。"
    assert [label for row in todo.buttons for label, _ in row] == [
        "📖 学习二十大报告",
        "📢 本周五前交党费。",
        "✅ 已收到 11-29 09:00",
        "✍️ 学习党章",
    ]
    # ... write the note ...
    await member.presses("✍️ 学习党章", message=todo)
    assert member.last().startswith("✍️ 请写下您的心得（关于“学习党章”）：")
    await member.says("党章是根本大法。")
    # ... and open the material, then mark it studied (which asks for a note on it).
    await member.presses("📖 学习二十大报告", message=todo)
    assert member.last().startswith("📚 学习材料：学习二十大报告")
    await member.presses("✅ 已学习")

    await member.says("/todo")
    assert member.last() == (
        "📋 您的待办事项\n\n"
        "📅 即将召开的会议（1）\n• 明天 19:30 主题党日：植树 · 村委会会议室\n\n"
        "✍️ 待写的心得体会（1）\n• 学习二十大报告 — 截至 12-13"
    )
    member_id = await member_id_of(h, member)
    async with h.db.read() as c:
        receipts = await c.execute_fetchall(
            "SELECT acknowledged_at FROM notice_recipients WHERE telegram_id = ?", (member.id,)
        )
        studied = await c.execute_fetchall(
            "SELECT studied_at FROM material_recipients WHERE member_id = ?", (member_id,)
        )
        written = await c.execute_fetchall(
            "SELECT subject, body FROM notes WHERE member_id = ?", (member_id,)
        )
        owed = await note_repo.owed(c, member_id, clock.now())
    assert [r[0] for r in receipts] == ["2026-11-29T01:00:00+00:00"]
    assert [r[0] for r in studied] == ["2026-11-29T01:00:00+00:00"]
    assert [tuple(r) for r in written] == [("meeting:1", "党章是根本大法。")]
    assert [r.title for r in owed] == ["学习二十大报告"]

    # When check-in opens, /todo carries its buttons; checked in, the session is done.
    clock.set(at(clock, date(2026, 11, 30), 19, 5))
    await h.tick()
    await member.says("/todo")
    assert "• 今天 19:30 主题党日：植树 · 村委会会议室 — 正在签到" in member.last()
    assert labels(h, member) == ["✅ 签到", "📝 请假", "✍️ 学习二十大报告"]
    await member.presses("✅ 签到", message=h.emu.last(member.user))
    assert member.answers()[-1] == "✅ 签到成功，欢迎！"
    async with h.db.read() as c:
        attendance = await meeting_repo.attendance_of(c, 2, member_id)
    assert attendance is not None and attendance.status == "present"
    await member.says("/todo")
    assert "即将召开的会议" not in member.last()


async def test_nothing_open_is_said_kindly_and_the_exempt_owe_no_notes(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["east"])
    young, elder, silent = await registered(h, county["east"], ["青年", "老党员", "无写"])
    (away,) = await registered(h, county["east"], ["在外"], flowing=True)
    (english,) = await registered(h, county["east"], ["Li"], language="en")
    await born(h, elder, 1958)
    silent_id = await member_id_of(h, silent)
    async with h.db.tx() as c:
        await c.execute("UPDATE members SET no_writing = 1 WHERE id = ?", (silent_id,))
    group = await branch_group(
        h, county["east"], "东岭群", [secretary, young, elder, silent, away, english]
    )
    for person in (young, elder, silent, away, english):
        await person.says("/todo")
        assert person.last() == (
            "📋 Nothing is open for you right now. Well done!"
            if person is english
            else "📋 您目前没有待办事项，很好！"
        )

    # All five attend a party lesson: only the two who must write are asked.
    await lesson(
        h, clock, secretary, group, [young, elder, silent, away, english], day=date(2026, 11, 24)
    )
    for person in (elder, silent, away):
        await person.says("/todo")
        assert person.last() == "📋 您目前没有待办事项，很好！"
    await young.says("/todo")
    assert young.last() == "📋 您的待办事项\n\n✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-08"
    await english.says("/todo")
    assert english.last() == (
        "📋 What is open for you\n\n✍️ Heartfelt notes to write (1)\n• 学习党章 — by 12-08"
    )
    assert labels(h, english) == ["✍️ 学习党章"]

    # Their evening: the two who owe hear of it; the exempt hear nothing.
    clock.set(at(clock, date(2026, 11, 25), *EVENING))
    await h.tick()
    assert young.last() == ("⏰ 今晚提醒\n\n✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-08")
    assert english.last().startswith("⏰ This evening's reminder\n")
    for person in (elder, silent, away):
        assert not any(text.startswith("⏰ 今晚提醒") for text in person.sees())

    # Someone not in the organisation is told how to join; staff have nothing to do.
    stranger = h.person("路人")
    await stranger.says("/todo")
    assert stranger.last() == "您还没有登记。要加入支部，请打开支部书记发给您的邀请链接。"
    await staff.says("/todo")
    assert staff.last() == "📋 您目前没有待办事项，很好！"


async def test_the_evening_reminder_is_one_message_a_member_and_ends(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    writer, reader = await registered(h, county["east"], ["甲", "乙"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, writer, reader])
    # On 11-24: a material due 11-28, a notice, a lesson on the 27th, and tonight a lesson
    # after which 甲 owes a note.
    await push_text(secretary, "材料", "正文", due="@2026-11-28", audience="👥 全体党员")
    await secretary.presses(
        next(label for label in labels(h, secretary) if label.startswith("✅ 发送给"))
    )
    await notice_to_branch(secretary, "请核对党员信息。")
    await schedule(secretary, group, when="2026-11-27 19:30", remote="否", topic="党史")
    await lesson(h, clock, secretary, group, [writer], day=date(2026, 11, 24))
    clock.set(at(clock, date(2026, 11, 25), 9))
    await born(h, reader, 1958)  # 乙 is 68: studying asks for no note
    await reader.presses("✅ 已学习")

    seen: dict[str, dict[str, list[str]]] = {"甲": {}, "乙": {}}
    for n in range(1, 14):  # through 12-07, the last evening the note is owed
        day = date(2026, 11, 24) + timedelta(days=n)
        clock.set(at(clock, day, *EVENING))
        before = {p.user.first_name: len(p.sees()) for p in (writer, reader)}
        await h.tick()
        await h.tick()  # a second tick that evening (or a restart) adds nothing
        for person in (writer, reader):
            name = person.user.first_name
            new = [t for t in person.sees()[before[name] :] if t.startswith("⏰ 今晚提醒")]
            if new:
                seen[name][day.strftime("%m-%d")] = new
    assert all(len(texts) == 1 for texts in [*seen["甲"].values(), *seen["乙"].values()])
    assert sorted(seen["甲"]) == ["11-25", "11-26", "11-28"]
    assert sorted(seen["乙"]) == ["11-25", "11-28"]
    notice = "📢 待确认的通知（1）\n• 11-24 请核对党员信息。"
    note = "✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-08"
    hint = "按标题可再次阅读，学完后请按“✅ 已学习”。"
    coming = "📅 即将召开的会议（1）\n• 11-27 19:30 党课：党史 · 村委会会议室"
    assert seen["甲"]["11-25"] == [f"⏰ 今晚提醒\n\n{notice}\n\n{coming}\n\n{note}"]
    assert seen["甲"]["11-26"] == [
        f"⏰ 今晚提醒\n\n📚 待学习的材料（1）\n• 材料 — 2026-11-28 截止\n{hint}\n\n"
        "📅 即将召开的会议（1）\n• 明天 19:30 党课：党史 · 村委会会议室"
    ]
    assert seen["甲"]["11-28"] == [
        f"⏰ 今晚提醒\n\n📚 待学习的材料（1）\n• 材料 — 今天截止\n{hint}\n\n{notice}\n\n{note}"
    ]
    assert seen["乙"]["11-25"] == [f"⏰ 今晚提醒\n\n{notice}\n\n{coming}"]
    assert seen["乙"]["11-28"] == [f"⏰ 今晚提醒\n\n{notice}"]
    # The note is still owed and the notice unconfirmed: /todo has them, the evening no more.
    clock.set(at(clock, date(2026, 12, 8), 9))
    await writer.says("/todo")
    assert notice in writer.last() and note in writer.last()
    async with h.db.read() as c:
        rows = await c.execute_fetchall(
            "SELECT chat_id, count(*) FROM outbox WHERE kind = 'study_reminder' "
            "AND chat_id IN (?, ?) GROUP BY chat_id ORDER BY count(*) DESC",
            (writer.id, reader.id),
        )
        requests = await c.execute_fetchall(
            "SELECT reminders FROM note_requests WHERE member_id = ?",
            (await member_id_of(h, writer),),
        )
    assert [tuple(r) for r in rows] == [(writer.id, 3), (reader.id, 2)]
    assert [r[0] for r in requests] == [2]

    # Its button opens the whole list.
    evening = next(
        m for m in reversed(h.emu.messages(writer.user)) if (m.text or "").startswith("⏰ 今晚提醒")
    )
    await writer.presses("📋 全部待办", message=evening)
    assert writer.last().startswith("📋 您的待办事项\n\n📚 待学习的材料（1）")


async def test_a_member_lists_the_notices_not_confirmed_and_confirms_there(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["甲"])
    (other,) = await registered(h, county["west"], ["西河党员"])
    for n in range(1, 13):  # twelve notices, a minute apart (set up, not under test)
        await notices.create(
            h.db,
            clock,
            NewNotice(
                sender=secretary.id,
                scope_unit_id=county["east"],
                audience="everyone",
                body=f"第 {n:02d} 号通知",
                send_at=clock.now(),
            ),
        )
        clock.advance(timedelta(minutes=1))
    h.services.poke_outbox()
    await h.settle()

    await member.says("/todo")
    assert member.last() == (
        "📋 您的待办事项\n\n📢 待确认的通知（12）\n"
        + "".join(f"• 11-24 第 {n:02d} 号通知\n" for n in range(1, 6))
        + "……另有 7 条通知"
    )
    todo = h.emu.last(member.user)
    assert [[label for label, _ in row] for row in todo.buttons] == [
        *([f"📢 第 {n:02d} 号通知", "✅ 收到"] for n in range(1, 6)),
        ["📢 另外 7 条通知"],
    ]
    h.emu.press_data(member.user, todo, "ntc:ack:2")  # the second one's ✅
    await h.settle()
    assert [label for label, _ in todo.buttons[1]] == ["📢 第 02 号通知", "✅ 已收到 11-24 10:12"]

    await member.presses("📢 另外 7 条通知")
    assert member.last() == (
        "📢 待确认的通知（11）\n"
        + "".join(f"• 11-24 第 {n:02d} 号通知\n" for n in range(6, 11))
        + "……另有 2 条通知"
    )
    await member.presses("📢 另外 2 条通知")
    assert member.last() == ("📢 待确认的通知（11）\n• 11-24 第 11 号通知\n• 11-24 第 12 号通知")
    assert labels(h, member) == ["📢 第 11 号通知", "✅ 收到", "📢 第 12 号通知", "✅ 收到"]
    # Read one again, whole, and confirm it under itself.
    await member.presses("📢 第 12 号通知")
    assert member.last() == "📢 通知\n第 12 号通知\n\n—— 东岭村党支部"
    await member.presses("✅ 收到")
    async with h.db.read() as c:
        confirmed = await c.execute_fetchall(
            "SELECT notice_id FROM notice_recipients WHERE telegram_id = ? "
            "AND acknowledged_at IS NOT NULL ORDER BY notice_id",
            (member.id,),
        )
    assert [r[0] for r in confirmed] == [2, 12]
    await member.says("/todo")
    assert "📢 待确认的通知（10）" in member.last()

    # Someone else's notice is not shown to them (a forged press); their own list is empty.
    await other.says("/todo")
    assert other.last() == "📋 您目前没有待办事项，很好！"
    h.emu.press_data(other.user, h.emu.last(other.user), "ntc:show:1")
    await h.settle()
    assert other.answers()[-1] == "这条通知不是发给您的。"
    assert other.last() == "📋 您目前没有待办事项，很好！"
    h.emu.press_data(other.user, h.emu.last(other.user), "ntc:mine:0")
    await h.settle()
    assert other.last() == "📢 所有通知您都已确认收到，谢谢！"
