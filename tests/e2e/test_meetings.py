"""A secretary schedules a session in the group chat; members check in, join remotely or
ask for leave; the bot reminds, opens, closes and keeps the record."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from sandbox.emulator import SimChat
from storage import meetings as meeting_repo
from tests.e2e.flows import branch_group, from_outbox, make_secretary, registered, schedule
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")


def buttons(h: Harness, chat: Person | SimChat) -> list[str]:
    target = chat.user if isinstance(chat, Person) else chat
    return [label for row in h.emu.last(target).buttons for label, _ in row]


async def test_a_whole_session_from_the_group_chat_to_the_record(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    present, late, asks_leave = await registered(h, county["east"], ["张三", "李四", "王五"])
    (away,) = await registered(h, county["east"], ["外出者"], flowing=True)
    (neighbour,) = await registered(h, county["south"], ["邻村人"])
    group = await branch_group(
        h, county["east"], "东岭村党员群", [secretary, present, late, asks_leave, away, neighbour]
    )

    await schedule(secretary, group)
    assert secretary.last() == "已安排，并已通知支部群。"
    notice = secretary.last(group)
    assert notice.startswith(
        "📅 新活动通知\n党课：学习党章\n时间：2026-11-25 19:30\n"
        "地点：村委会会议室\n支部：东岭村党支部\n主讲：王书记"
    )
    async with h.db.read() as c:
        meeting = await meeting_repo.get_meeting(c, 1)
    assert meeting is not None and meeting.starts_at == TOMORROW_1930

    # The day before: a private reminder; the flowing member may join remotely.
    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    assert present.last().startswith("⏰ 明天\n党课：学习党章")
    assert buttons(h, present) == ["📝 请假"]
    assert buttons(h, away) == ["🌐 远程参学", "📝 请假"]
    assert not any("学习党章" in text for text in neighbour.sees())

    # Leave asked from the reminder, with a voice message; the secretary approves.
    await asks_leave.presses("📝 请假")
    assert asks_leave.last().startswith("📝 申请请假：“学习党章”")
    h.emu.send_voice(asks_leave.user, b"OggS reason", duration=4)
    await h.settle()
    assert asks_leave.last() == "您的申请已发给支部书记。"
    assert h.emu.messages(secretary.user)[-2].media.get("voice") is not None
    assert "王五 申请请假：“学习党章”（2026-11-25 19:30）。\n原因：见上方语音。" in secretary.last()
    await secretary.presses("✅ 批准")
    assert asks_leave.last() == "您“学习党章”的请假已批准。"
    # Both ways through the outbox, queued with the request and with the decision.
    assert (await from_outbox(h, secretary))[-2:] == ["leave_voice", "leave_request"]
    assert (await from_outbox(h, asks_leave))[-1] == "leave_decision"

    clock.set(TOMORROW_1930 - timedelta(minutes=60))
    await h.tick()
    assert present.last().startswith("⏰ 即将开始")
    assert not asks_leave.last().startswith("⏰ 即将开始")  # on leave: not reminded

    # The check-in post opens in the group half an hour before the start.
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    assert secretary.last(group).startswith("🔔 开始签到")
    assert buttons(h, group) == ["✅ 签到", "🌐 远程参学", "📝 请假"]
    await present.presses("✅ 签到", chat=group)
    await present.presses("✅ 签到", chat=group)  # at once: the same press, answered once
    assert present.answers()[-2:] == ["✅ 签到成功，欢迎！", ""]
    clock.set(TOMORROW_1930 - timedelta(minutes=29))
    await present.presses("✅ 签到", chat=group)  # a minute later: a press of its own
    assert present.answers()[-1] == "您已经签到了。"
    await late.presses("🌐 远程参学", chat=group)
    assert late.answers()[-1] == "远程参学仅限流动党员，请在现场签到。"
    await away.presses("🌐 远程参学", chat=group)
    assert away.answers()[-1] == "🌐 已记录：远程参学。"
    await neighbour.presses("✅ 签到", chat=group)
    assert neighbour.answers()[-1] == "您不在本次活动的邀请名单中。"

    # Closing: the summary in the group, the record to the secretary.
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    summary = secretary.last(group)
    assert summary.startswith("📋 活动已结束\n党课：学习党章")
    assert "应到 7 · 实到 1 · 远程 1 · 请假 1 · 缺席 4" in summary  # 3 + 外出者 + 书记 + 2 roster
    assert "✅ 实到（1）：张三" in summary and "🌐 远程（1）：外出者" in summary
    assert "📝 请假（1）：王五" in summary and "李四" in summary.split("❌ 缺席")[1]
    post = h.emu.messages(group)[-2]
    assert post.text is not None and post.text.startswith("🔒 签到已结束")
    assert post.buttons == []  # its buttons went at closing
    h.emu.press_data(late.user, post, "att:in:1")  # a phone that still shows them
    await h.settle()
    assert late.answers()[-1] == "签到已结束。"

    assert secretary.last().startswith("🗂 活动记录")
    await secretary.presses("✍️ 补充效果")
    await secretary.says("大家对党章有了更深的理解。")
    assert secretary.sees()[-2] == "已保存，“学习党章”的记录已完整。"
    assert secretary.last().endswith("效果：大家对党章有了更深的理解。")  # the card again
    async with h.db.read() as c:
        meeting = await meeting_repo.get_meeting(c, 1)
        people = await meeting_repo.attendees(c, 1)
    assert meeting is not None and meeting.state == "closed"
    assert meeting.effect == "大家对党章有了更深的理解。"
    assert {p.name: p.status for p in people}["李四"] == "absent"

    await h.tick()  # nothing happens twice
    assert secretary.last(group) == summary


async def test_a_hundred_presses_within_a_second_count_exactly(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    members = await registered(h, county["east"], [f"党员{i:03d}" for i in range(100)])
    group = await branch_group(h, county["east"], "群", [secretary, *members])
    await schedule(secretary, group, remote="否")
    clock.set(TOMORROW_1930 - timedelta(minutes=10))
    await h.tick()
    post = h.emu.last(group)
    for member in members:
        h.emu.press(member.user, post, "✅ 签到")
    for member in members[:10]:  # pressed twice
        h.emu.press(member.user, post, "✅ 签到")
    for update_id in h.emu.update_ids_queued[-5:]:  # Telegram hands some over twice
        h.emu.redeliver(update_id)
    await h.settle()
    async with h.db.read() as c:
        people = await meeting_repo.attendees(c, 1)
    assert sum(1 for p in people if p.status == "present") == 100
    # A press repeated at once, or handed over again, is the same press: one answer (the
    # copies only stop their spinner).
    once = "✅ 签到成功，欢迎！"
    assert [m.answers() for m in members[:5]] == [[once, ""]] * 5
    assert [m.answers() for m in members[5:10]] == [[once, "", ""]] * 5
    assert [m.answers() for m in members[10:]] == [[once]] * 90


async def test_malformed_dates_in_both_languages_get_a_second_try(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    await secretary.says("/meeting")
    await secretary.presses("支部党员大会")
    for typed, answer in (
        ("13-45 19:00", "没有这个日期，请重新输入。"),
        ("明天 25:00", "没有这个时间，请重新输入。"),
        ("今天 9:00", "这个时间已经过去了，请输入以后的时间。"),
        ("明天", "请同时写上时间，例如 19:30。"),
        ("下周某天", "请输入日期和时间，例如 明天 19:30、12-05 19:30 或 2026-12-05 19:30。"),
    ):
        await secretary.says(typed)
        assert secretary.last() == answer
    await secretary.says("12月5日 晚上7点半")
    assert secretary.last().startswith("开始时间 2026-12-05 19:30。")

    english = await make_secretary(h, county["west"], name="Wang", language="en")
    await english.says("/meeting")
    await english.presses("Party lesson")
    await english.says("someday")
    assert english.last() == (
        "Please type the day and time, for example 明天 19:30, 12-05 19:30 or 2026-12-05 19:30."
    )
    await english.says("2026-02-30 10:00")
    assert english.last() == "That date does not exist. Please try again."
    await english.says("tomorrow 7:30 pm")
    assert english.last().startswith("Starts 2026-11-25 19:30.")


async def test_only_the_branch_secretary_schedules_and_early_presses_wait(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["普通党员"])
    group = await branch_group(h, county["east"], "群", [secretary, member])
    await member.says("/meeting", chat=group)
    assert member.last(group) == "只有本支部书记可以安排会议。"
    await schedule(secretary, None, remote="否")  # from the private chat this time
    await h.settle()
    notice = h.emu.last(group)
    h.emu.press_data(member.user, notice, "att:in:1")  # a crafted press before opening
    await h.settle()
    assert member.answers() == ["签到尚未开始。"]
    h.emu.press_data(member.user, notice, "att:in:999")
    await h.settle()
    assert member.answers()[-1] == "该活动已不存在。"


async def test_day_and_time_can_be_picked_with_buttons(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    await secretary.says("/meeting")
    await secretary.presses("主题党日")
    assert buttons(h, secretary)[:3] == ["今天", "明天", "11-26 周四"]
    await secretary.presses("今天")
    await secretary.presses("08:30")  # it is 10:00 already
    assert secretary.last() == "这个时间已经过去了，请输入以后的时间。"
    await secretary.presses("19:30")  # the buttons are still there
    assert secretary.last().startswith("开始时间 2026-11-24 19:30。")
