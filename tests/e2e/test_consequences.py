"""What a change sets off for someone else is an outbox row written in the change's own
transaction: a crash between the change and the send, or a 429 at the moment of it, loses
nothing — the row is sent when the sender next can.

A crash "after the change, before the send" is made here by hand: the sender is stopped
(and taken out of the services), the person acts, and the bot is restarted on the same
database — what a SIGKILL in that moment leaves behind. (tests/e2e/test_crash.py kills a
real process.)
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot import meetings
from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import outbox as outbox_repo
from tests.e2e.flows import branch_group, make_leader, make_secretary, registered, schedule
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
SENT = "您的申请已发给支部书记。"
REQUEST = "王五 申请请假：“学习党章”（2026-11-25 19:30）。"


async def sender_down(h: Harness) -> None:
    """The process dies after the next change and before the sender gets to its row."""
    sender = h.services.sender
    assert sender is not None
    h.services.sender = None
    await sender.stop()
    await sender.bot.shutdown()


async def queued(h: Harness, kind_prefix: str) -> list[tuple[str, int, str]]:
    """(kind, chat, state) of the outbox rows of these kinds."""
    async with h.db.read() as c:
        rows = await c.execute_fetchall(
            "SELECT kind, chat_id, state FROM outbox WHERE kind LIKE ? ORDER BY id",
            (f"{kind_prefix}%",),
        )
    return [(str(kind), int(chat), str(state)) for kind, chat, state in rows]


async def asking_leave(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> tuple[Person, Person]:
    """A session tomorrow; the day before, 王五 presses "📝 请假" on his reminder and is
    asked for the reason."""
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["王五"])
    await schedule(secretary, None)
    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    await member.presses("📝 请假")
    assert member.last().startswith("📝 申请请假：“学习党章”")
    return secretary, member


async def status_of(h: Harness, person: Person) -> str | None:
    async with h.db.read() as c:
        found = list(
            await c.execute_fetchall(
                "SELECT a.status FROM attendance a JOIN members m ON m.id = a.member_id "
                "WHERE m.telegram_id = ?",
                (person.id,),
            )
        )
    return str(found[0][0]) if found else None


async def test_a_leave_request_and_its_decision_survive_a_crash_before_the_send(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary, member = await asking_leave(h, county, clock)
    seen = len(secretary.sees())

    await sender_down(h)
    h.emu.send_voice(member.user, b"OggS reason", duration=4)
    await h.settle()
    assert member.last() == SENT
    # The request is stored and its message queued with it; nothing reached the secretary.
    assert await status_of(h, member) == "leave_requested"
    assert await queued(h, "leave") == [
        ("leave_voice", secretary.id, "queued"),
        ("leave_request", secretary.id, "queued"),
    ]
    assert len(secretary.sees()) == seen

    await h.restart()
    await h.settle()
    voice, text = h.emu.messages(secretary.user)[-2:]
    assert voice.media.get("voice") is not None  # the voice first, then what it is
    assert text.text == f"📝 {REQUEST}\n原因：见上方语音。"
    assert [label for row in text.buttons for label, _ in row] == ["✅ 批准", "❌ 不批准"]

    await sender_down(h)
    await secretary.presses("✅ 批准")
    assert secretary.answers()[-1] == "✅ 已批准"
    assert member.last() == SENT  # not told yet: the process "died"
    assert await status_of(h, member) == "leave"
    await h.restart()
    await h.settle()
    assert member.last() == "您“学习党章”的请假已批准。"
    assert await queued(h, "leave") == [
        ("leave_voice", secretary.id, "sent"),
        ("leave_request", secretary.id, "sent"),
        ("leave_decision", member.id, "sent"),
    ]


async def test_a_leave_request_outlasts_a_429_to_the_secretary(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """Telegram refuses the secretary's copy at that moment: sent directly, it was lost
    (and the member's form with it); from the outbox it goes out after the wait."""
    secretary, member = await asking_leave(h, county, clock)
    h.emu.inject("sendMessage", error_code=429, retry_after=1, chat_id=secretary.id)
    await member.says("家里有事")
    assert member.last() == SENT
    async with asyncio.timeout(10):  # the row waits out the second Telegram asked for
        await h.emu.until(lambda: secretary.last() == f"📝 {REQUEST}\n原因：家里有事")
    assert h.emu.stats["429"] == 1
    await secretary.presses("❌ 不批准")
    assert member.last() == "您“学习党章”的请假未获批准。请按时参加，或与支部书记联系。"


async def test_the_request_its_message_and_the_end_of_the_form_commit_together(
    h: Harness, county: dict[str, int], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the outbox row: the request is not stored either and the form
    stays open, so the member's next answer makes all three at once."""
    secretary, member = await asking_leave(h, county, clock)
    enqueue = outbox_repo.enqueue

    async def refused(*args: object, **kwargs: object) -> object:
        raise RuntimeError("disk I/O error (as it were)")

    monkeypatch.setattr(outbox_repo, "enqueue", refused)  # as bot/meetings.py calls it
    with pytest.raises(AssertionError, match="disk I/O error"):
        await member.says("家里有事")
    h.errors.clear()
    assert await status_of(h, member) is None
    assert await queued(h, "leave") == []

    monkeypatch.setattr(outbox_repo, "enqueue", enqueue)
    await member.says("家里有事")  # the form is still open: this is the reason again
    assert member.last() == SENT
    assert secretary.last() == f"📝 {REQUEST}\n原因：家里有事"
    async with h.db.read() as c:
        meeting = await meeting_repo.get_meeting(c, 1)
    assert meeting is not None and await status_of(h, member) == "leave_requested"


async def test_a_request_decided_before_its_message_went_out_is_not_sent(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """The secretary's copy is drawn when it is sent: a request another secretary (or
    staff) decided meanwhile sends nothing stale; the member hears the decision."""
    secretary, member = await asking_leave(h, county, clock)
    await sender_down(h)
    await member.says("家里有事")
    async with h.db.read() as c:
        asker = await member_repo.member_of_user(c, member.id)
    assert asker is not None
    assert await meetings.decide_leave(h.db, h.clock, 1, asker.id, True, 1, manages=True)

    await h.restart()
    await h.settle()
    assert not any("申请请假" in text for text in secretary.sees())
    assert member.last() == "您“学习党章”的请假已批准。"
    assert await queued(h, "leave") == [
        ("leave_request", secretary.id, "dropped"),
        ("leave_decision", member.id, "sent"),
    ]


async def test_the_secretary_hears_the_bot_was_removed_even_across_a_crash(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary])
    seen = len(secretary.sees())

    await sender_down(h)
    h.emu.remove_bot_from_group(group, by=secretary.user)
    await h.settle()
    assert len(secretary.sees()) == seen
    assert await queued(h, "group_lost") == [("group_lost", secretary.id, "queued")]

    await h.restart()
    await h.settle()
    assert secretary.last() == (
        "⚠️ 我已被移出“东岭村党员群”（东岭村党支部）。如需再次使用群聊，"
        "请把我加回群里，并在群里发送 /bind。"
    )
    assert await queued(h, "group_lost") == [("group_lost", secretary.id, "sent")]


async def test_a_visits_correction_and_the_end_of_its_form_commit_together(
    h: Harness, county: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses to end the form: the corrected days are not stored either, and
    the form stays at its question, so the next answer makes both at once."""
    from storage import dialogs as dialog_repo
    from storage import visits as visit_repo
    from tests.e2e.test_visits import log_visit

    leader = await make_leader(h, county["east"], [county["south"]])
    await log_visit(leader)
    await leader.says("/visits")
    day = f"{h.clock.today():%m-%d}"
    await leader.presses(f"✏️ 改天数 {day}")
    end = dialog_repo.end

    async def refused(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("disk I/O error (as it were)")

    monkeypatch.setattr(dialog_repo, "end", refused)  # as bot/dialogs.py calls it
    with pytest.raises(AssertionError, match="disk I/O error"):
        await leader.says("0.5")
    h.errors.clear()
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and visit.days == 1

    monkeypatch.setattr(dialog_repo, "end", end)
    await leader.says("0.5")  # still asked: this is the number of days again
    assert leader.last() == "已保存。"
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
        history = await visit_repo.history(c, 1)
    assert visit is not None and visit.days == 0.5
    assert [what for _, _, what in history] == ["days"]
