"""Cancelling or moving a session that has not closed.

Each is one transaction with everything it sets off: the session's row (why, who and
when; or the new time with its steps to do again), what still waited in the outbox for
the old time dropped, the check-ins and leave requests made for it cleared, one message
to each invited member who has an account (and to the branch group when the session
was announced there), and the audit entry. The person who made the change is answered
directly, so they get no second message.

A cancelled session never closes, so nobody is recorded absent, and it counts nowhere:
not as scheduled, held, invited or attended. A session moved is a session at its new
time: reminders, the check-in post and closing follow that time, once each (their
outbox keys carry the number of moves, :func:`bot.meetings.message_key`); a reminder
whose moment has come already at the move is not sent — the message about the move
says it. Check-ins and leave made for the old time are cleared: being there at a time
the session did not take place is not attending it, and a leave asked for one day says
nothing of another; those members are told to check in, or ask again, at the new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from bot.clock import Clock
from bot.delivery import Outgoing
from bot.i18n import N_, Tr, Translator
from bot.markup import esc
from bot.meetings import Windows, _branch_name, _meeting_and_tr, describe, message_key, when_text
from storage import audit
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import CancelCause, Meeting, Member, OutboxKind, OutboxRow

#: The reasons most sessions are called off, offered as buttons; anything else is typed.
CAUSES: dict[CancelCause, str] = {
    "weather": N_("Bad weather"),
    "farm_work": N_("Busy farming season"),
    "lecturer": N_("The lecturer cannot come"),
    "mistake": N_("Scheduled by mistake"),
}
REASON_MAX = 100
COMING_SHOWN = 20  # sessions listed to change: a branch has a handful coming

#: What waits in the outbox for a session's time: not sent once it is cancelled; the
#: reminders and check-in posts not sent once it is moved (the announcement is about the
#: session, not its hour: still queued, it shows the new time).
FOR_ITS_TIME = (OutboxKind.MEETING_REMINDER, OutboxKind.MEETING_OPEN)
ANNOUNCED = ("notice", "open")

Change = Literal["done", "closed", "cancelled", "gone", "same", "passed"]


def reason_words(tr: Tr, cause: str | None, reason: str | None) -> str:
    """Why a session was cancelled, in the reader's language: a common reason's words, or
    those typed (plain text)."""
    for key, words in CAUSES.items():
        if key == cause:
            return tr(words)
    return reason or "—"


async def coming(db: Database, branch_id: int) -> list[Meeting]:
    async with db.read() as c:
        return await meeting_repo.coming(c, branch_id, COMING_SHOWN)


async def still_open(db: Database, meeting_id: int) -> Meeting | None:
    """The session, if it can still be changed (not closed or cancelled)."""
    async with db.read() as c:
        meeting = await meeting_repo.get_meeting(c, meeting_id)
    return meeting if meeting is not None and meeting.state in ("scheduled", "open") else None


async def reach(db: Database, meeting_id: int, by: int) -> tuple[int, int]:
    """(invited members with an account but ``by``, who changes it; check-ins and leave
    made so far): what the confirmation says a change will touch."""
    async with db.read() as c:
        told = len(await _to_tell(c, meeting_id, by))
        pressed = await meeting_repo.attendance_count(c, meeting_id)
    return told, pressed


async def _told_in_group(c: Conn, meeting: Meeting) -> int | None:
    """The branch group's chat, if the session was announced there (its notice or a
    check-in post went out): the group then hears of the change too."""
    group = await org_repo.live_group_of_branch(c, meeting.branch_id)
    if group is None:
        return None
    keys = [f"meeting:{meeting.id}:notice"]
    for moves in range(meeting.moves + 1):
        keys.append(message_key(meeting.model_copy(update={"moves": moves}), "open"))
    return group.chat_id if await outbox_repo.any_sent(c, keys) else None


async def _to_tell(c: Conn, meeting_id: int, by: int) -> list[Member]:
    """Who is told of a change: the invited members the bot can write to, but the one who
    made it (they are answered directly)."""
    return [
        m for m in await meeting_repo.invited_with_account(c, meeting_id) if m.telegram_id != by
    ]


async def _changeable(c: Conn, meeting_id: int) -> tuple[Meeting | None, Change | None]:
    """The session, and why it can no longer change (None: it can)."""
    meeting = await meeting_repo.get_meeting(c, meeting_id)
    if meeting is None:
        return None, "gone"
    if meeting.state in ("closed", "cancelled"):
        return meeting, "closed" if meeting.state == "closed" else "cancelled"
    return meeting, None


async def cancel(
    db: Database,
    clock: Clock,
    meeting_id: int,
    by: int,
    cause: CancelCause,
    reason: str | None,
    ending: Statement | None = None,
) -> tuple[Change, int]:
    """Cancel the session; returns what happened and how many members are told. A refusal
    (closed or cancelled meanwhile) leaves the form for the caller to end."""
    now = clock.now()
    async with db.tx() as c:
        meeting, refused = await _changeable(c, meeting_id)
        if refused is not None or meeting is None:
            return refused or "gone", 0
        if ending is not None:
            await ending(c)
        group = await _told_in_group(c, meeting)
        invited = await _to_tell(c, meeting.id, by)
        if not await meeting_repo.cancel(c, meeting.id, by, cause, reason, now):
            return "cancelled", 0
        await outbox_repo.drop_about(
            c, meeting.id, (OutboxKind.MEETING_NOTICE, *FOR_ITS_TIME), now, "session cancelled"
        )
        await meeting_repo.clear_attendance(c, meeting.id)
        envelopes = [
            outbox_repo.Envelope(
                f"meeting:{meeting.id}:cancelled:member:{m.id}",
                m.telegram_id,
                OutboxKind.MEETING_CANCELLED,
                meeting.id,
                {"member": m.id},
            )
            for m in invited
            if m.telegram_id is not None
        ]
        if group is not None:
            envelopes.append(
                outbox_repo.Envelope(
                    f"meeting:{meeting.id}:cancelled",
                    group,
                    OutboxKind.MEETING_CANCELLED,
                    meeting.id,
                )
            )
        await outbox_repo.enqueue(c, envelopes, now)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "meeting.cancel",
            f"meeting:{meeting.id}",
            audit.changes(state=(meeting.state, "cancelled"), reason=(None, reason or cause)),
        )
    return "done", len(invited)


async def move(
    db: Database,
    clock: Clock,
    windows: Windows,
    meeting_id: int,
    starts_at: datetime,
    by: int,
    ending: Statement | None = None,
) -> tuple[Change, int]:
    """Move the session to ``starts_at``; returns what happened and how many members are
    told. A refusal leaves the form as it is: "passed" asks the time again."""
    now = clock.now()
    async with db.tx() as c:
        meeting, refused = await _changeable(c, meeting_id)
        if refused is not None or meeting is None:
            return refused or "gone", 0
        if starts_at <= now:
            return "passed", 0
        if starts_at == meeting.starts_at:
            return "same", 0
        if ending is not None:
            await ending(c)
        group = await _told_in_group(c, meeting)
        day_done = now if now >= starts_at - timedelta(days=1) else None
        hour_done = now if now >= starts_at - windows.reminder else None
        if not await meeting_repo.move(
            c, meeting.id, starts_at, day_done=day_done, hour_done=hour_done
        ):
            return "cancelled", 0
        await outbox_repo.drop_about(c, meeting.id, FOR_ITS_TIME, now, "session moved")
        cleared = await meeting_repo.clear_attendance(c, meeting.id)
        moved = meeting.model_copy(update={"starts_at": starts_at, "moves": meeting.moves + 1})
        was = meeting.starts_at.isoformat()
        invited = await _to_tell(c, meeting.id, by)
        envelopes = [
            outbox_repo.Envelope(
                message_key(moved, "moved", "member", m.id),
                m.telegram_id,
                OutboxKind.MEETING_MOVED,
                meeting.id,
                {"member": m.id, "moves": moved.moves, "was": was, "cleared": cleared.get(m.id)},
            )
            for m in invited
            if m.telegram_id is not None
        ]
        if group is not None:
            envelopes.append(
                outbox_repo.Envelope(
                    message_key(moved, "moved"),
                    group,
                    OutboxKind.MEETING_MOVED,
                    meeting.id,
                    {"moves": moved.moves, "was": was},
                )
            )
        await outbox_repo.enqueue(c, envelopes, now)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "meeting.move",
            f"meeting:{meeting.id}",
            audit.changes(starts_at=(when_text(meeting, clock.tz), when_text(moved, clock.tz))),
        )
    return "done", len(invited)


# --- what people see ------------------------------------------------------------------------

#: What a member who had pressed something for the old time is told about it.
CLEARED = {
    "present": N_(
        "Your check-in for the old time no longer counts: please check in again "
        "when check-in opens."
    ),
    "remote": N_(
        "Your check-in for the old time no longer counts: please check in again "
        "when check-in opens."
    ),
    "leave": N_(
        "Your leave was for the old time: if you cannot come at the new time either, "
        "please ask for leave again."
    ),
    "leave_requested": N_(
        "Your leave request was for the old time: if you cannot come at the "
        "new time either, please ask for leave again."
    ),
}


async def _member_left(db: Database, row: OutboxRow) -> bool:
    """The member was taken off the roster since: nothing more to tell them."""
    if row.chat_id < 0:
        return False
    async with db.read() as c:
        member = await member_repo.get_member(c, int(row.payload.get("member", 0)))
    return member is None or member.state != "active"


async def render_cancelled(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None or meeting.state != "cancelled" or await _member_left(db, row):
        return None
    lines = [
        tr("🚫 <b>Session cancelled</b>"),
        *describe(tr, meeting, await _branch_name(db, meeting), clock.tz),
        tr(
            "Reason: {reason}",
            reason=esc(reason_words(tr, meeting.cancel_cause, meeting.cancel_reason)),
        ),
        tr("It will not take place, and nobody is recorded absent."),
    ]
    return Outgoing("\n".join(lines))


async def render_moved(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    # Moved again since, or cancelled: the newer message says what holds.
    if (
        meeting is None
        or meeting.state not in ("scheduled", "open")
        or int(row.payload.get("moves", 0)) != meeting.moves
        or await _member_left(db, row)
    ):
        return None
    was = datetime.fromisoformat(str(row.payload["was"])).astimezone(clock.tz)
    lines = [
        tr("🗓 <b>Session moved</b>"),
        *describe(tr, meeting, await _branch_name(db, meeting), clock.tz),
        tr("It was to start {when}.", when=was.strftime("%Y-%m-%d %H:%M")),
    ]
    cleared = row.payload.get("cleared")
    if isinstance(cleared, str) and cleared in CLEARED:
        lines.append(tr(CLEARED[cleared]))
    lines.append(_follows(tr, row))
    return Outgoing("\n".join(lines))


def _follows(tr: Translator, row: OutboxRow) -> str:
    if row.chat_id < 0:
        return tr("Check-in opens here shortly before the new time.")
    return tr("Reminders and check-in follow the new time.")
