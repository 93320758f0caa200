"""Check-in reaches everyone invited: a newcomer outside the branch group is given the
group's link when approved and checks in privately; a member in the group is not
written to; a member who asked for it is; the group post shows the live count, edited a
few times however many press, and loses its buttons when check-in closes."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from sandbox.emulator import SimChat, SimMessage
from storage import group_members as presence_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import org as org_repo
from tests.e2e.flows import branch_group, invite_code, join, make_secretary, registered, schedule
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
OPENS = TOMORROW_1930 - timedelta(minutes=30)
CLOSES = TOMORROW_1930 + timedelta(minutes=60)
CHECK_IN = ["✅ 签到", "📝 请假"]


def edits_of(h: Harness, group: SimChat) -> list[str]:
    """Every edit of a message in the group, in order, as the bot sent it (its text)."""
    return [
        str(params["text"])
        for name, params in h.emu.calls
        if name == "editMessageText" and params.get("chat_id") == group.id
    ]


def update_kinds(h: Harness) -> list[str]:
    """The kinds of update Telegram made for the bot, in order: "message", "chat_member" …"""
    return [kind for update in h.emu.updates_made() for kind in update if kind != "update_id"]


def check_in_posts(person: Person) -> list[SimMessage]:
    return [
        m for m in person.h.emu.messages(person.user) if (m.text or "").startswith("🔔 开始签到")
    ]


def post_of(h: Harness, group: SimChat) -> SimMessage:
    return next(m for m in h.emu.messages(group) if (m.text or "").startswith(("🔔", "🔒")))


async def test_a_newcomer_outside_the_group_is_given_its_link_and_checks_in_privately(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (in_group,) = await registered(h, county["east"], ["张三"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, in_group])
    # The secretary makes the bot an administrator that may invite: it makes the
    # group's link at the next tick, and learns who of the branch is in the group.
    h.emu.promote_bot(group, by=secretary.user)
    await h.tick()
    async with h.db.read() as c:
        bound = await org_repo.group_chat(c, group.id)
        known = await presence_repo.present_among(c, group.id, [secretary.id, in_group.id])
    assert bound is not None and bound.bot_admin and bound.can_invite
    link = bound.invite_link
    assert link is not None and h.emu.invite_links[link][0] == group.id
    assert h.emu.invite_links[link][1]["name"] == "zhibu"
    assert known == {secretary.id, in_group.id}

    newcomer = h.person("王芳")
    await join(newcomer, await invite_code(secretary), name="王芳")
    request = secretary.message_with_button("✅ 批准")
    approve = next(data for row in request.buttons for label, data in row if label == "✅ 批准")
    await secretary.presses("✅ 批准", message=request)
    said = (
        "✅ 已批准\n👥 王芳 尚未加入群“东岭村党员群”：已把入群链接发给他。"
        "/members 可查看所有未进群的党员。"
    )
    assert secretary.last().endswith(said)
    h.emu.press_data(secretary.user, request, approve)  # a phone still showing the button
    await h.settle()
    assert secretary.answers()[-1] == "已经处理过了：✅ 已批准"
    assert secretary.last().endswith(said) and secretary.last().count("已批准") == 1
    welcome = newcomer.last()
    assert welcome.startswith("欢迎加入 东岭村党支部")
    assert welcome.endswith(f"👥 请加入支部群“东岭村党员群”：{link}\n活动签到会发在群里。")

    # The secretary's list of who is not in the group yet.
    await secretary.says("/members")
    roster = secretary.last()
    assert "尚未加入群“东岭村党员群”（1）\n王芳" in roster
    assert "我无法给新党员发入群链接" not in roster

    await schedule(secretary, group, remote="否")
    clock.set(OPENS)
    await h.tick()
    post = post_of(h, group)
    assert [label for row in post.buttons for label, _ in row] == CHECK_IN
    assert (post.text or "").endswith("📊 应到 5 · 已签到 0 · 远程 0 · 请假 0")  # 3 + 2 roster
    # The newcomer gets the buttons privately; the member in the group does not.
    (private,) = check_in_posts(newcomer)
    assert [label for row in private.buttons for label, _ in row] == CHECK_IN
    assert "📊" not in (private.text or "")
    assert check_in_posts(in_group) == [] and check_in_posts(secretary) == []

    await newcomer.presses("✅ 签到", message=private)
    assert newcomer.answers()[-1] == "✅ 签到成功，欢迎！"
    await in_group.presses("✅ 签到", chat=group)
    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, newcomer.id)
        assert stored is not None
        mine = await meeting_repo.attendance_of(c, 1, stored.id)
    assert mine is not None and mine.status == "present"
    assert edits_of(h, group) == []  # within seconds of the post: the count waits

    clock.set(OPENS + timedelta(seconds=6))
    await h.tick()
    assert edits_of(h, group)[-1].endswith("📊 应到 5 · 已签到 2 · 远程 0 · 请假 0")
    assert [label for row in post_of(h, group).buttons for label, _ in row] == CHECK_IN

    # Closing: the post keeps the final count and loses its buttons; the summary follows.
    clock.set(CLOSES)
    await h.tick()
    closed = post_of(h, group)
    assert closed.buttons == []
    assert (closed.text or "").startswith("🔒 签到已结束\n党课：学习党章")
    assert (closed.text or "").endswith("📊 应到 5 · 已签到 2 · 远程 0 · 请假 0")
    summary = h.emu.texts(group)[-1]
    assert summary.startswith("📋 活动已结束")
    assert "✅ 实到（2）：" in summary and "王芳" in summary.split("✅ 实到（2）：")[1]
    assert len(edits_of(h, group)) == 2

    # Later the newcomer joins by the link: at the next session nothing comes privately.
    h.emu.join_by_link(newcomer.user, link)
    await h.settle()
    await secretary.says("/members")
    assert "已注册的党员都在群“东岭村党员群”里。" in secretary.last()
    await schedule(secretary, group, remote="否", when="12-01 19:30", topic="第二次")
    clock.set(datetime.fromisoformat("2026-12-01T19:00:00+08:00"))
    await h.tick()
    assert len(check_in_posts(newcomer)) == 1


async def test_joins_and_leaves_are_learned_and_a_member_may_ask_for_the_buttons(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    stays, leaves, wants_private = await registered(h, county["east"], ["张三", "李四", "赵六"])
    group = await branch_group(
        h, county["east"], "东岭村党员群", [secretary, stays, leaves, wants_private]
    )
    await h.tick()  # who is in the group: asked
    # Not an administrator: Telegram sends no chat_member updates, only its note in the
    # group — which is enough.
    h.emu.leave_group(leaves.user, group)
    await h.settle()
    assert "chat_member" not in update_kinds(h)
    async with h.db.read() as c:
        present = await presence_repo.present_among(
            c, group.id, [stays.id, leaves.id, wants_private.id]
        )
    assert present == {stays.id, wants_private.id}

    await wants_private.says("/me")
    assert "私信签到：仅在您不在支部群时" in wants_private.last()
    await wants_private.presses("🔔 每次活动都私信签到")
    assert wants_private.last() == (
        "已设置：每次活动的签到按钮都会私信发给您；如果您在支部群里，群里也照常有。"
    )
    async with h.db.read() as c:
        chosen = await member_repo.member_of_user(c, wants_private.id)
    assert chosen is not None and chosen.checkin_private

    await schedule(secretary, group, remote="否")
    clock.set(OPENS)
    await h.tick()
    assert len(check_in_posts(leaves)) == 1  # left the group
    assert len(check_in_posts(wants_private)) == 1  # asked for it
    assert check_in_posts(stays) == []
    await wants_private.presses("✅ 签到", message=check_in_posts(wants_private)[0])
    await wants_private.presses("✅ 签到", chat=group)  # and in the group: one record
    assert wants_private.answers()[-1] == "您已经签到了。"

    # As an administrator the bot hears of joins by chat_member updates too.
    h.emu.promote_bot(group, can_invite_users=False, by=secretary.user)
    h.emu.join_group(leaves.user, group, by=secretary.user)
    await h.settle()
    assert update_kinds(h).count("chat_member") == 1
    async with h.db.read() as c:
        assert await presence_repo.present_among(c, group.id, [leaves.id]) == {leaves.id}
        bound = await org_repo.group_chat(c, group.id)
    assert bound is not None and bound.bot_admin and not bound.can_invite

    # /me back: only while not in the group.
    await wants_private.says("/me")
    assert "私信签到：每次活动都发" in wants_private.last()
    await wants_private.presses("🔔 仅不在群时私信签到")
    async with h.db.read() as c:
        chosen = await member_repo.member_of_user(c, wants_private.id)
    assert chosen is not None and not chosen.checkin_private


async def test_without_the_right_to_invite_the_secretary_is_asked_to_add_the_newcomer(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"], language="en")
    group = await branch_group(h, county["east"], "East group", [secretary])
    await h.tick()
    newcomer = h.person("李娜")
    await join(newcomer, await invite_code(secretary), name="李娜")
    await secretary.presses("✅ Approve", message=secretary.message_with_button("✅ Approve"))
    assert secretary.last().endswith(
        "✅ Approved\n👥 李娜 is not in the group “East group” yet: please add them. "
        "/members lists everyone not in it."
    )
    assert newcomer.last().endswith(
        "👥 支部有群聊“East group”：请联系支部书记把您拉进群。"
        "进群之前，活动的签到按钮会私信发给您。"
    )
    await secretary.says("/members")
    roster = secretary.last()
    assert "Not in the group “East group” yet (1)\n李娜" in roster
    assert (
        "I cannot give newcomers the group's invite link: make me an administrator of "
        "the group with the right to invite users, or add them yourself."
    ) in roster
    assert not any(name == "createChatInviteLink" for name, _ in h.emu.calls)

    # One already in the group when approved is neither sent there nor listed.
    insider = h.person("周")
    h.emu.join_group(insider.user, group, by=secretary.user)
    await join(insider, await invite_code(secretary), name="周")
    await secretary.presses("✅ Approve", message=secretary.message_with_button("✅ Approve"))
    assert secretary.last().endswith("✅ Approved")
    assert "👥" not in insider.last()


async def test_hundreds_of_presses_are_a_few_edits(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    members = await registered(h, county["east"], [f"党员{i:03d}" for i in range(150)])
    group = await branch_group(h, county["east"], "群", [secretary, *members])
    await schedule(secretary, group, remote="否")
    clock.set(OPENS)
    await h.tick()
    post = post_of(h, group)
    assert not any(check_in_posts(m) for m in members[:5])  # all in the group
    # 450 presses at once — every member, half of them twice and a third a third time —
    # within the first seconds: no edit at all.
    for member in members:
        h.emu.press(member.user, post, "✅ 签到")
    for member in members[::2]:
        h.emu.press(member.user, post, "✅ 签到")
    for member in members[::3]:
        h.emu.press(member.user, post, "✅ 签到")
    await h.settle()
    assert edits_of(h, group) == []
    # Seconds later one more press: one edit, with the count of that moment.
    clock.set(OPENS + timedelta(seconds=7))
    h.emu.press(secretary.user, post, "✅ 签到")
    await h.settle()
    edits = edits_of(h, group)
    assert len(edits) == 1 and edits[0].endswith("📊 应到 153 · 已签到 151 · 远程 0 · 请假 0")
    # More presses in the same seconds wait for the next edit; nothing changed: no edit.
    for _ in range(3):
        h.emu.press(members[0].user, post, "✅ 签到")
    await h.tick()
    assert len(edits_of(h, group)) == 1
    clock.set(CLOSES)
    await h.tick()
    assert len(edits_of(h, group)) == 2 and post_of(h, group).buttons == []
    async with h.db.read() as c:
        people = await meeting_repo.attendees(c, 1)
    assert sum(p.status == "present" for p in people) == 151
