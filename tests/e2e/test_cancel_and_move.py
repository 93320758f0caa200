"""A secretary cancels or moves a session that has not closed, and staff cancel a notice
before its time: with buttons and one confirmation; everyone invited told once; nothing
sent for the old time; no absences and no missing session in the bulletin, the reason
shown instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import roles, session_records
from bot.access import load_actor
from bot.clock import FrozenClock
from bot.i18n import translator
from sandbox.emulator import SimChat
from storage import audit
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notices as notice_repo
from storage.models import Meeting, NewMeeting
from tests import sheets
from tests.e2e.flows import branch_group, make_secretary, registered, schedule, snapshot
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
DAY_AFTER_1930 = TOMORROW_1930 + timedelta(days=1)


def buttons(h: Harness, chat: Person | SimChat) -> list[list[str]]:
    target = chat.user if isinstance(chat, Person) else chat
    return [[label for label, _ in row] for row in h.emu.last(target).buttons]


class Inbox:
    """What people (and group chats) receive from a moment on."""

    def __init__(self, h: Harness, *chats: Person | SimChat) -> None:
        self.h = h
        self.seen = {self._key(chat): len(self._texts(chat)) for chat in chats}
        self.chats = chats

    @staticmethod
    def _key(chat: Person | SimChat) -> int:
        return chat.id

    def _texts(self, chat: Person | SimChat) -> list[str]:
        return self.h.emu.texts(chat.user if isinstance(chat, Person) else chat)

    def new(self, chat: Person | SimChat) -> list[str]:
        return self._texts(chat)[self.seen[self._key(chat)] :]

    def nothing_new(self) -> bool:
        return all(not self.new(chat) for chat in self.chats)


async def meeting(h: Harness, meeting_id: int = 1) -> Meeting:
    async with h.db.read() as c:
        found = await meeting_repo.get_meeting(c, meeting_id)
    assert found is not None
    return found


async def attendance_rows(h: Harness, meeting_id: int = 1) -> int:
    async with h.db.read() as c:
        return await meeting_repo.attendance_count(c, meeting_id)


async def held_committee_meeting(h: Harness, branch_id: int, member: Person, by: int) -> None:
    """A committee meeting held earlier this month, one member there (set up, not under
    test): the branch then has records to compare."""
    now = h.clock.now()
    async with h.db.tx() as c:
        held = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=branch_id,
                kind="committee",
                place="村委会",
                topic="月度工作",
                starts_at=datetime.fromisoformat("2026-11-10T19:30:00+08:00"),
                created_by=by,
            ),
            now,
        )
        row = await member_repo.member_of_user(c, member.id)
        assert row is not None
        await meeting_repo.put_attendance(c, held.id, row.id, "present", now)
        await meeting_repo.set_state(c, held.id, "closed")


async def test_a_session_cancelled_the_day_before(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    zhang, li = await registered(h, county["east"], ["张三", "李四"])
    (away,) = await registered(h, county["east"], ["外出者"], flowing=True)
    (tom,) = await registered(h, county["east"], ["Tom"], language="en")
    (south,) = await registered(h, county["south"], ["南坡党员"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, zhang, li, away])
    await held_committee_meeting(h, county["east"], zhang, secretary.id)
    await held_committee_meeting(h, county["south"], south, staff.id)
    await schedule(secretary, group, kind="主题党日", topic="参观红色基地", remote="否")  # no. 3
    assert buttons(h, secretary) == [["🗓 改期", "🚫 取消活动"], ["🖊 代登记"]]  # on "scheduled"

    # The day before, the reminder; the secretary's own has the two buttons too.
    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    assert zhang.last().startswith("⏰ 明天\n主题党日：参观红色基地")
    assert buttons(h, zhang) == [["📝 请假"]]
    assert buttons(h, secretary) == [["📝 请假"], ["🗓 改期", "🚫 取消活动"]]

    await li.presses("📝 请假")
    await li.says("出差")
    assert await attendance_rows(h, 3) == 1

    # A storm is forecast: the secretary cancels from that reminder, with a typed reason.
    clock.set(TOMORROW_1930 - timedelta(hours=22, minutes=30))
    inbox = Inbox(h, zhang, li, away, tom, group, secretary)
    await secretary.presses("🚫 取消活动")
    assert secretary.last() == (
        "🚫 取消“参观红色基地”（2026-11-25 19:30）。原因是什么？"
        "请选择，或直接输入——会告知应到党员。"
    )
    assert buttons(h, secretary) == [["恶劣天气"], ["农忙"], ["主讲人来不了"], ["安排有误"]]
    await secretary.says("暴雨")
    assert secretary.last() == (
        "请核对：取消“参观红色基地”（2026-11-25 19:30）？\n原因：暴雨\n"
        "将通知 4 名使用 Telegram 的应到党员，不会有人被记为缺席。按规定应开的会议（三会一课、"
        "主题党日）仍算应开：当月或当季没有另行召开的，通报中显示为已取消并注明原因。"
        "想保留这次会议，请改用“🗓 改期”。"
    )
    assert buttons(h, secretary) == [["🚫 确认取消活动", "↩️ 保留"]]
    assert (await meeting(h, 3)).state == "scheduled"  # nothing until confirmed
    await secretary.presses("🚫 确认取消活动")
    assert secretary.last() == "已取消。正在通知 4 名应到党员；不会有人被记为缺席。"

    # Everyone invited is told once, the group too (it was announced there); the
    # secretary has their answer and nothing more.
    told = (
        "🚫 活动取消\n主题党日：参观红色基地\n时间：2026-11-25 19:30\n地点：村委会会议室\n"
        "支部：东岭村党支部\n主讲：王书记\n原因：暴雨\n本次活动不再举行，不会有人被记为缺席。"
    )
    for person in (zhang, li, away):
        assert inbox.new(person) == [told]
    assert inbox.new(group) == [told]
    assert inbox.new(tom) == [
        "🚫 Session cancelled\nParty activity day: 参观红色基地\nTime: 2026-11-25 19:30\n"
        "Place: 村委会会议室\nBranch: 东岭村党支部\nLecturer: 王书记\nReason: 暴雨\n"
        "It will not take place, and nobody is recorded absent."
    ]
    assert inbox.new(secretary)[-1] == "已取消。正在通知 4 名应到党员；不会有人被记为缺席。"
    cancelled = await meeting(h, 3)
    assert (
        cancelled.state,
        cancelled.cancel_cause,
        cancelled.cancel_reason,
        cancelled.cancelled_by,
        cancelled.cancelled_at,
    ) == ("cancelled", "other", "暴雨", secretary.id, clock.now())
    # Its record card (/meetings) keeps the reason: called off, nobody absent.
    card = await session_records.card(h.db, 3)
    assert card is not None
    shown = session_records.card_lines(translator("zh"), card, clock.tz)
    assert "❌ 已取消：不记任何人缺席。" in shown and "原因：暴雨" in shown
    async with h.db.read() as c:
        (entry,) = [e for e in await audit.entries(c) if e.action == "meeting.cancel"]
    assert (entry.actor, entry.subject) == (f"tg:{secretary.id}", "meeting:3")

    # Nothing more for the old time: no reminder, no check-in post, no close, no absence.
    inbox = Inbox(h, zhang, li, away, tom, group, secretary)
    for moment in (
        TOMORROW_1930 - timedelta(minutes=60),
        TOMORROW_1930 - timedelta(minutes=30),
        TOMORROW_1930 + timedelta(minutes=60),
        TOMORROW_1930 + timedelta(hours=3),
    ):
        clock.set(moment)
        await h.tick()
    assert inbox.nothing_new()
    assert await attendance_rows(h, 3) == 0
    assert (await meeting(h, 3)).state == "cancelled"
    await zhang.presses("📝 请假")  # on yesterday's reminder
    assert zhang.answers()[-1] == "该活动已取消。"

    # The bulletin: the branch reads as the one next door (the same session held), and
    # the slot its cancelled session would have filled shows why.
    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("本月至今")
    await staff.presses("🏛 全县")
    message = next(t for t in staff.sees() if t.startswith("📊 工作通报：青山县"))
    lines = message.split("\n")
    east_line = next(line for line in lines if "东岭村党支部 —" in line)
    south_line = next(line for line in lines if "南坡村党支部 —" in line)
    assert east_line.endswith(" · 主题党日已取消：暴雨")
    east_figures = east_line.split(" — ")[1].removesuffix(" · 主题党日已取消：暴雨")
    assert east_figures == south_line.split(" — ")[1]
    assert east_figures.startswith("会议 1/4 · 出勤 100%")
    document = [m for m in h.emu.messages(staff.user) if m.document][-1]
    book = sheets.book(h.emu.files[document.document["file_id"]].data)  # type: ignore[index]
    table = book["支部"]
    heading = sheets.heading(table)
    assert heading[-1] == "应开未开：已取消及原因"
    by_branch = {row[1]: row for row in sheets.rows(table)}
    assert by_branch["东岭村党支部"][-1] == "主题党日已取消：暴雨"
    assert not by_branch["南坡村党支部"][-1]
    assert by_branch["东岭村党支部"][3:-1] == by_branch["南坡村党支部"][3:-1]
    members = {row[1]: row for row in sheets.rows(book["党员"])}
    assert members["李四"][2:4] == (0, 0)  # not invited to anything that took place
    await li.says("/record")
    assert "参加会议和学习：0 / 0 次" in li.last()


async def test_a_session_moved_to_the_next_day(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (zhang,) = await registered(h, county["east"], ["张三"])
    (away,) = await registered(h, county["east"], ["外出者"], flowing=True)
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, zhang, away])
    await schedule(secretary, group, remote="是")
    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    assert zhang.last().startswith("⏰ 明天\n党课：学习党章\n时间：2026-11-25 19:30")

    # From /meeting: the branch's coming sessions, one of them, "reschedule".
    clock.set(TOMORROW_1930 - timedelta(hours=22, minutes=30))
    await secretary.says("/meeting")
    assert buttons(h, secretary)[-1] == ["✏️ 改动已安排的活动（1）"]
    await secretary.presses("✏️ 改动已安排的活动（1）")
    assert secretary.last() == "✏️ 东岭村党支部即将举行的活动\n选择要改期或取消的活动。"
    await secretary.presses("11-25 19:30 党课 学习党章")
    assert secretary.last() == (
        "党课：学习党章\n时间：2026-11-25 19:30\n地点：村委会会议室\n"
        "支部：东岭村党支部\n主讲：王书记\n流动党员可以远程参学。\n"
        "改动时将通知的应到党员：2 人。"
    )
    inbox = Inbox(h, zhang, away, group)
    await secretary.presses("🗓 改期")
    assert secretary.sees()[-2] == "🗓 改期：“学习党章”，目前定于 2026-11-25 19:30。"
    await secretary.presses("11-26 周四")
    await secretary.presses("19:30")
    assert secretary.last() == (
        "请核对：把“学习党章”从 2026-11-25 19:30 改到 2026-11-26 19:30。\n"
        "将通知 2 名使用 Telegram 的应到党员；提醒、签到和结束都按新时间进行。"
    )
    await secretary.presses("✅ 确认改期")
    assert secretary.last() == "已改到 2026-11-26 19:30。正在通知 2 名应到党员。"
    moved = await meeting(h)
    assert (moved.starts_at, moved.moves, moved.state, moved.reminded_day_at) == (
        DAY_AFTER_1930,
        1,
        "scheduled",
        None,
    )
    for person in (zhang, away):
        (message,) = inbox.new(person)
        assert message.startswith("🗓 活动改期\n党课：学习党章\n时间：2026-11-26 19:30\n")
        assert message.endswith("原定时间：2026-11-25 19:30。\n提醒和签到都按新时间进行。")
    (group_message,) = inbox.new(group)
    assert group_message.endswith("新时间开始前不久，这里会开始签到。")
    async with h.db.read() as c:
        (entry,) = [e for e in await audit.entries(c) if e.action == "meeting.move"]
    assert entry.detail == '{"starts_at": ["2026-11-25 19:30", "2026-11-26 19:30"]}'

    # The old time passes with nothing; the new one has each step once.
    inbox = Inbox(h, zhang, away, group)
    for minutes in (-60, -30):
        clock.set(TOMORROW_1930 + timedelta(minutes=minutes))
        await h.tick()
    assert inbox.nothing_new()
    clock.set(TOMORROW_1930)  # a day before the new time
    await h.tick()
    assert inbox.new(zhang) == [zhang.last()]
    assert zhang.last().startswith("⏰ 明天\n党课：学习党章\n时间：2026-11-26 19:30")
    clock.set(TOMORROW_1930 + timedelta(minutes=60))  # the old closing
    await h.tick()
    assert (await meeting(h)).state == "scheduled" and await attendance_rows(h) == 0
    clock.set(DAY_AFTER_1930 - timedelta(minutes=60))
    await h.tick()
    assert zhang.last().startswith("⏰ 即将开始\n党课：学习党章\n时间：2026-11-26 19:30")
    clock.set(DAY_AFTER_1930 - timedelta(minutes=30))
    await h.tick()
    assert h.emu.texts(group)[-1].startswith("🔔 开始签到")
    await zhang.presses("✅ 签到", chat=group)
    clock.set(DAY_AFTER_1930 + timedelta(minutes=60))
    await h.tick()
    await h.tick()
    summary = h.emu.texts(group)[-1]
    assert summary.startswith("📋 活动已结束") and "✅ 实到（1）：张三" in summary
    assert [
        len([t for t in inbox.new(zhang) if t.startswith(start)])
        for start in ("⏰ 明天", "⏰ 即将开始")
    ] == [1, 1]
    # The check-in post, once, edited at closing to the final count without its buttons.
    assert [
        len([t for t in inbox.new(group) if t.startswith(start)])
        for start in ("🔒 签到已结束", "📋 活动已结束")
    ] == [1, 1]


async def test_moving_a_session_whose_check_in_is_open_clears_it(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    zhang, li = await registered(h, county["east"], ["张三", "李四"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, zhang, li])
    await schedule(secretary, group, when="今天 19:30", remote="否")
    clock.set(clock.now().replace(hour=19, minute=5))
    await h.tick()
    await zhang.presses("✅ 签到", chat=group)
    await li.presses("📝 请假", chat=group)
    await li.says("家里有事")
    assert await attendance_rows(h) == 2

    # Rain: moved to tomorrow, from the secretary's "scheduled" message.
    clock.set(clock.now().replace(minute=40))  # the day reminder's moment has passed
    inbox = Inbox(h, zhang, li, group)
    await secretary.presses(
        "🗓 改期",
        message=next(
            m for m in h.emu.messages(secretary.user) if m.text == "已安排，并已通知支部群。"
        ),
    )
    await secretary.says("明天 19:30")
    assert secretary.last().endswith(
        "原时间已有的 2 条签到和请假将被清除；请这些党员按新时间重新签到或重新请假。"
    )
    await secretary.presses("✅ 确认改期")
    assert await attendance_rows(h) == 0
    moved = await meeting(h)
    assert (moved.state, moved.opened_at, moved.reminded_day_at) == ("scheduled", None, clock.now())
    assert "您在原时间的签到不再有效：开始签到后请重新签到。" in inbox.new(zhang)[0]
    assert "您的请假申请是针对原时间的：如果新时间也来不了，请重新请假。" in inbox.new(li)[0]
    await secretary.presses("✅ 批准")  # the leave asked for the old time
    assert secretary.answers()[-1] == "已经处理过了。"
    await zhang.presses(
        "✅ 签到",
        chat=group,
        message=next(
            m for m in h.emu.messages(group) if m.text and m.text.startswith("🔔 开始签到")
        ),
    )
    assert zhang.answers()[-1] == "签到尚未开始。"

    # The day reminder's time had come at the move: the message about it was the
    # reminder. The hour before, the check-in, the close follow the new time.
    inbox = Inbox(h, zhang, li, group)
    clock.set(clock.now() + timedelta(minutes=5))
    await h.tick()
    assert inbox.nothing_new()
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await zhang.presses("✅ 签到", chat=group)
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    summary = h.emu.texts(group)[-1]
    assert "✅ 实到（1）：张三" in summary and "李四" in summary.split("❌ 缺席")[1]
    assert [t.split("\n")[0] for t in inbox.new(zhang)][:1] == ["⏰ 即将开始"]
    assert [t.split("\n")[0] for t in inbox.new(group)] == ["🔒 签到已结束", "📋 活动已结束"]


async def test_only_who_runs_the_branch_changes_its_sessions(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    other = await make_secretary(h, county["west"], name="西河书记")
    (member,) = await registered(h, county["east"], ["普通党员"])
    await schedule(secretary, None, remote="否")
    for person in (other, member):
        await person.says("/help")
        for data in ("mtg:cancel:1", "mtg:move:1", "mtg:show:1", f"mtg:list:{county['east']}"):
            before = snapshot(h)
            h.emu.press_data(person.user, h.emu.last(person.user), data)
            await h.settle()
            assert person.answers()[-1] == "这不在您的管理范围内。", (person, data)
            assert snapshot(h) == before
    await other.says("/meeting")  # their own branch has nothing coming
    assert "改动已安排的活动" not in str(buttons(h, other))

    # A secretary relieved while the form is open is stopped at the confirmation.
    await secretary.presses("🚫 取消活动")
    await secretary.presses("恶劣天气")
    assert secretary.last().startswith("请核对：取消“学习党章”")
    by = await load_actor(h.db, staff.id, h.settings.admins)
    assert await roles.relieve_secretary(h.db, clock, secretary.id, county["east"], by)
    await h.settle()
    await secretary.presses("🚫 确认取消活动")
    assert secretary.last() == "您已无权进行此操作，本次填写已停止，没有保存任何内容。"
    assert (await meeting(h)).state == "scheduled"

    # Staff may; a closed session can no longer change.
    await staff.says("/meeting")
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.presses("✏️ 改动已安排的活动（1）")
    await staff.presses("11-25 19:30 党课 学习党章")
    clock.set(TOMORROW_1930 + timedelta(hours=1))
    await h.tick()
    await staff.presses("🚫 取消活动")
    assert staff.answers()[-1] == "该活动已经结束，不能再改动。"
    assert (await meeting(h)).state == "closed"


async def test_a_scheduled_notice_cancelled_by_staff_is_never_delivered(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    members = await registered(h, county["east"], ["张三", "李四"])
    other = await make_secretary(h, county["west"], name="西河书记")
    for body in ("明天停电，会议照常。", "年底前完成党费收缴。"):
        await staff.says("/notice")
        await staff.presses("🏛 全县")
        await staff.presses("所有人（3）")
        await staff.says(body)
        await staff.says("明天 08:00")
        await staff.presses("✅ 发送给 3 人")
        assert staff.last() == "已定于 2026-11-25 08:00 发送。"
    assert buttons(h, staff) == [["🚫 取消这条通知"]]

    # The first one was a mistake: cancelled from /notices, once confirmed.
    await staff.says("/notices")
    first = next(
        m
        for m in h.emu.messages(staff.user)
        if m.text and m.text.startswith("⏰ 2026-11-25 08:00 明天停电")
    )
    assert first.text == (
        "⏰ 2026-11-25 08:00 明天停电，会议照常。\n已定时，尚未发出：青山县，所有人。"
    )
    h.emu.press_data(other.user, h.emu.last(other.user), "ntc:stop:1")  # not theirs
    await h.settle()
    assert other.answers()[-1] == "这不在您的管理范围内。"
    await staff.presses("🚫 取消这条通知", message=first)
    assert staff.last() == (
        "取消这条发给青山县所有人、定于 2026-11-25 08:00 发出的通知吗？\n"
        "明天停电，会议照常。\n目前还没有人收到：现在取消，就不会发出，也不会通知"
        "任何人。"
    )
    await staff.presses("🚫 确认取消")
    assert staff.last().endswith("\n🚫 已取消：不会发出，也不会通知任何人。")
    assert staff.answers()[-1] == "已取消。"
    async with h.db.read() as c:
        notice = await notice_repo.get_notice(c, 1)
        (entry,) = [e for e in await audit.entries(c) if e.action == "notice.cancel"]
    assert notice is not None and (notice.state, notice.cancelled_by) == ("cancelled", staff.id)
    assert entry.subject == "notice:1"
    shown = len(staff.sees())
    await staff.says("/notices")
    assert staff.sees()[shown:] == [
        "⏰ 2026-11-25 08:00 年底前完成党费收缴。\n已定时，尚未发出：青山县，所有人。"
    ]

    # Its time comes: the other goes out, the cancelled one to nobody, and nobody is told.
    clock.set(datetime.fromisoformat("2026-11-25T08:00:00+08:00"))
    await h.tick()
    await h.tick()
    for member in members:
        assert [t for t in member.sees() if t.startswith("📢 通知")] == [
            "📢 通知\n年底前完成党费收缴。\n\n—— 青山县"
        ]
    async with h.db.read() as c:
        rows = await c.execute_fetchall("SELECT DISTINCT ref_id FROM outbox WHERE kind = 'notice'")
    assert [row[0] for row in rows] == [2]

    # Gone out: no longer cancelled, and said so.
    await staff.presses(
        "🚫 取消这条通知",
        message=next(
            m
            for m in h.emu.messages(staff.user)
            if m.text == "已定于 2026-11-25 08:00 发送。"
            and m.buttons
            and m.buttons[0][0][1] == "ntc:cancel:2"
        ),
    )
    assert staff.answers()[-1] == "这条通知已经发出，无法撤回。如需更正，请另发一条通知。"
