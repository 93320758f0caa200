"""Meetings and study sessions: scheduling, the steps a tick drives, check-in and leave.

A meeting walks through steps, each recorded on its row when done so a restart or a
second tick never repeats it: the day-before and hour-before reminders (private, to the
invited members), opening (the check-in post in the branch group, when the check-in
window opens) and closing (absentees recorded, the summary posted, the record sent to
the secretary to add its effect). Every message goes through the outbox.

Check-in is one row per member and meeting (a primary key, not hope), so a press twice,
or Telegram delivering the press twice, counts once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from datetime import time as dt_time
from typing import Literal

from bot import notes
from bot.access import actor_of
from bot.callbacks import Attend, LeaveDecision, SessionChange
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.i18n import N_, Translator, translator
from bot.markup import MESSAGE_LIMIT, esc, shorten
from bot.profile import InvalidInput
from bot.recipients import managers, translator_of
from bot.write_faults import is_write_fault
from storage import audit, people
from storage import by_hand as by_hand_repo
from storage import group_members as presence_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    Attendance,
    AttendeeView,
    Meeting,
    MeetingKind,
    Member,
    NewMeeting,
    OutboxKind,
    OutboxRow,
    RoleName,
    Unit,
)

log = logging.getLogger(__name__)

KINDS: dict[MeetingKind, str] = {
    "assembly": N_("Branch members' assembly"),
    "committee": N_("Branch committee meeting"),
    "group": N_("Party group meeting"),
    "lesson": N_("Party lesson"),
    "activity_day": N_("Party activity day"),
    "study": N_("Centralised study"),
    "other": N_("Other session"),
}
TOPIC_MAX = 100
PLACE_MAX = 60
EFFECT_MAX = 1000
REASON_MAX = 300


@dataclass(frozen=True)
class Windows:
    """When check-in is open, and when the last reminder goes, around a start time."""

    before: timedelta
    after: timedelta
    reminder: timedelta

    def opens(self, meeting: Meeting) -> datetime:
        return meeting.starts_at - self.before

    def closes(self, meeting: Meeting) -> datetime:
        return meeting.starts_at + self.after


#: What a make-up lesson for members back home (回乡补课) may be: study, not business.
MAKEUP_KINDS: tuple[MeetingKind, ...] = ("lesson", "other")


# --- scheduling ------------------------------------------------------------------------------


#: The answer to someone who has scheduled as many sessions today as one may.
TOO_MANY_TODAY = N_(
    "You have scheduled {count} sessions today, as many as one person may "
    "in a day. Please schedule the next one tomorrow."
)


async def _check_daily_limit(c: Conn, clock: Clock, by: int, per_day: int | None) -> None:
    """Each session queues messages for a group or every member: a runaway form or script
    must not fill the outbox for hours (the limit is the setting ZHIBU_MEETINGS_PER_DAY)."""
    if per_day is None:
        return
    midnight = datetime.combine(clock.today(), dt_time(0), tzinfo=clock.tz)
    if await meeting_repo.scheduled_by_since(c, by, midnight) >= per_day:
        raise InvalidInput(TOO_MANY_TODAY, count=per_day)


async def may_schedule(db: Database, clock: Clock, by: int, per_day: int | None) -> None:
    """Refused (:class:`InvalidInput`) before a form is filled in for nothing."""
    async with db.read() as c:
        await _check_daily_limit(c, clock, by, per_day)


async def schedule(
    db: Database,
    clock: Clock,
    new: NewMeeting,
    guests: Sequence[int] = (),
    ending: Statement | None = None,
    *,
    per_day: int | None = None,
) -> Meeting:
    """Store the meeting (what the /meeting form collected, by ``created_by``), with the
    activists the secretary invites as well (``guests``; for audience 'listed', exactly
    them), and announce it in the branch group (if it has one); refused
    (:class:`InvalidInput`) past ``per_day`` sessions scheduled by ``created_by`` today."""
    now = clock.now()
    by = new.created_by
    async with db.tx() as c:
        await _check_daily_limit(c, clock, by, per_day)
        if ending is not None:
            await ending(c)
        meeting = await meeting_repo.add_meeting(c, new, now)
        await meeting_repo.add_guests(c, meeting.id, list(guests), by, now)
        group = await org_repo.live_group_of_branch(c, new.branch_id)
        if group is not None:
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"meeting:{meeting.id}:notice",
                        group.chat_id,
                        OutboxKind.MEETING_NOTICE,
                        meeting.id,
                    )
                ],
                now,
            )
        elif meeting.leadership:  # no group: each leadership member is invited privately
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"meeting:{meeting.id}:notice:member:{m.id}",
                        m.telegram_id,
                        OutboxKind.MEETING_NOTICE,
                        meeting.id,
                    )
                    for m in await meeting_repo.invited_with_account(c, meeting.id)
                    if m.telegram_id is not None
                ],
                now,
            )
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "meeting.schedule",
            f"meeting:{meeting.id}",
            f"{new.kind} {meeting.starts_at.isoformat()}"
            + (f" listed={len(guests)}" if new.audience == "listed" else "")
            + (" leadership" if new.leadership else ""),
        )
    return meeting


#: Who a kind of session invites, in words (the rule itself: storage/meetings.py INVITED).
INVITED_BY_KIND: dict[MeetingKind, str] = {
    "committee": N_("the branch committee"),
    "group": N_("the party group's members"),
}
INVITED_EVERYONE = N_("all full and probationary members")
INVITED_BACK_HOME = N_("the members back home, and no one else")
INVITED_LEADERSHIP = N_("the township's leadership, as marked on the roster")


@dataclass(frozen=True)
class Audience:
    """What the form needs to ask who a session invites: the branch's party groups (a
    group meeting is for one of them), whether anyone is on its committee, and the
    activists the secretary may add."""

    groups: list[Unit]
    committee: int
    activists: list[Member]


#: Why a kind cannot be scheduled for this branch yet, and what to do about it.
NO_COMMITTEE = N_(
    "No one in {branch} is marked as a member of the branch committee yet. "
    "Mark them under /members (or in the roster's 支委 column), then schedule "
    "the committee meeting."
)
NO_GROUPS = N_(
    "{branch} has no party groups on its roster, so there is no group meeting to "
    "hold. Party groups come from the roster's 党小组 column."
)


async def audience(db: Database, branch_id: int) -> Audience:
    async with db.read() as c:
        groups = await org_repo.children(c, branch_id, "group")
        roster = [v.member for v in await member_repo.branch_roster(c, branch_id)]
    return Audience(
        groups=groups,
        committee=sum(m.committee for m in roster),
        activists=[m for m in roster if m.status == "activist"],
    )


def refusal_for(kind: MeetingKind, found: Audience) -> str | None:
    """The answer when this branch cannot hold this kind of session with anyone invited."""
    if kind == "committee" and not found.committee:
        return NO_COMMITTEE
    if kind == "group" and not found.groups:
        return NO_GROUPS
    return None


async def invited_count(db: Database, draft: NewMeeting, guests: Sequence[int]) -> int:
    """How many the draft would invite: told before it is scheduled, so a wrong audience
    is seen before anyone is reminded."""
    async with db.read() as c:
        return await meeting_repo.count_invited_by_kind(
            c,
            draft.branch_id,
            draft.kind,
            draft.group_id,
            list(guests),
            draft.audience,
            draft.leadership,
        )


async def get(db: Database, meeting_id: int) -> Meeting | None:
    async with db.read() as c:
        return await meeting_repo.get_meeting(c, meeting_id)


async def has_group(db: Database, branch_id: int) -> bool:
    async with db.read() as c:
        return await org_repo.live_group_of_branch(c, branch_id) is not None


# --- the steps a tick drives ---------------------------------------------------------------


async def advance(
    db: Database, clock: Clock, windows: Windows, admins: list[int], policy: notes.NotePolicy
) -> int:
    """Do every step that is due now; returns how many messages were queued.

    One session per transaction — its step stamps and its messages commit together — so
    600 branches opening check-in at the same hour never hold the write lock for more
    than one session: a press or the update journal waiting for it goes between two. A
    session whose step fails is left for the next tick while the others go ahead; the
    first such failure is raised at the end (a full disk at once: nothing else could be
    written either)."""
    now = clock.now()
    async with db.read() as c:
        due = [
            m
            for m in await meeting_repo.not_closed_before(c, now + timedelta(days=1))
            if _not_stamped(m, _timely(m, now, windows))
        ]
    queued = 0
    failed: Exception | None = None
    for found in due:
        await asyncio.sleep(0)  # a writer that came meanwhile goes before the next session
        try:
            async with db.read() as c:
                ahead = await _read_ahead(c, found, now, windows)
            async with db.tx() as c:
                # As it stands now: moved or cancelled since it was read, it is judged
                # again (or left alone) here, and what was read ahead is not used.
                meeting = await meeting_repo.get_meeting(c, found.id)
                if meeting is not None and meeting.state in ("scheduled", "open"):
                    queued += await _advance_one(
                        c,
                        meeting,
                        now,
                        windows,
                        admins,
                        policy,
                        ahead if _same_time(meeting, found) else _Ahead(),
                    )
        except Exception as exc:
            if is_write_fault(exc):
                raise
            log.exception("session %d could not advance", found.id)
            failed = failed or exc
    if failed is not None:
        raise failed
    return queued


Step = Literal["reminded_day_at", "reminded_hour_at", "opened_at", "closed_at"]


def _timely(meeting: Meeting, now: datetime, windows: Windows) -> set[Step]:
    """The steps whose window holds ``now``, each named by the stamp that marks it done:
    the one place that says when a session's reminders, opening and closing happen."""
    start = meeting.starts_at
    last_reminder = start - windows.reminder
    steps: set[Step] = set()
    if start - timedelta(days=1) <= now < last_reminder:
        steps.add("reminded_day_at")
    if last_reminder <= now < start:
        steps.add("reminded_hour_at")
    if windows.opens(meeting) <= now < windows.closes(meeting):
        steps.add("opened_at")
    if now >= windows.closes(meeting):
        steps.add("closed_at")
    return steps


def _not_stamped(meeting: Meeting, steps: set[Step]) -> set[Step]:
    """Those of ``steps`` the session, as read, has not done yet (most sessions within
    the next day have none, and cost no transaction)."""
    return {step for step in steps if getattr(meeting, step) is None}


@dataclass(frozen=True)
class _Ahead:
    """What a session's due steps read at length — who is invited, the count at opening —
    read on the read connection before its transaction, so that the write lock is held
    for the writes alone (the rule of who is invited scans the branch's members). None:
    read in the transaction."""

    expected: list[Member] | None = None
    shown: str | None = None


def _same_time(meeting: Meeting, found: Meeting) -> bool:
    return (meeting.moves, meeting.starts_at, meeting.branch_id) == (
        found.moves,
        found.starts_at,
        found.branch_id,
    )


async def _read_ahead(c: Conn, meeting: Meeting, now: datetime, windows: Windows) -> _Ahead:
    due = _not_stamped(meeting, _timely(meeting, now, windows))
    if not due & {"reminded_day_at", "reminded_hour_at", "opened_at"}:
        return _Ahead()
    counted = (
        "opened_at" in due and await org_repo.live_group_of_branch(c, meeting.branch_id) is not None
    )
    return _Ahead(
        await meeting_repo.expected_with_account(c, meeting.id),
        (await _tally(c, meeting)).shown if counted else None,
    )


async def _record_to(c: Conn, meeting: Meeting, admins: list[int]) -> list[int]:
    """Who gets the record to complete: who scheduled it, if they still manage the branch;
    else its secretaries now (a relieved secretary sees no more of the branch's records)."""
    scheduler = actor_of(await people.person(c, meeting.created_by), meeting.created_by, admins)
    if scheduler.manages(meeting.branch_id):
        return [meeting.created_by]
    role: RoleName = "township" if meeting.leadership else "secretary"
    return [r.telegram_id for r in await org_repo.holders(c, role, meeting.branch_id)]


async def _advance_one(
    c: Conn,
    meeting: Meeting,
    now: datetime,
    windows: Windows,
    admins: list[int],
    policy: notes.NotePolicy,
    ahead: _Ahead,
) -> int:
    envelopes: list[outbox_repo.Envelope] = []
    timely = _timely(meeting, now, windows)

    async def stamped(step: Step) -> bool:  # due now, and done here rather than elsewhere
        return step in timely and await meeting_repo.mark_step(c, meeting.id, step, now)

    if await stamped("reminded_day_at"):
        envelopes += await _reminders(c, meeting, "day", ahead.expected)
    if await stamped("reminded_hour_at"):
        envelopes += await _reminders(c, meeting, "hour", ahead.expected)
    if await stamped("opened_at"):
        await meeting_repo.set_state(c, meeting.id, "open")
        envelopes += await _open(c, meeting, now, ahead)
    if await stamped("closed_at"):
        await meeting_repo.set_state(c, meeting.id, "closed")
        await meeting_repo.mark_absent(c, meeting.id, now)
        envelopes += await _close_post(c, meeting)
        envelopes += await _to_branch(c, meeting, "summary")
        # Those recorded by hand did not ask for anything themselves: no note is asked.
        by_hand = {m.member_id for m in await by_hand_repo.attendance_marks(c, meeting.id)}
        envelopes += await notes.ask_after_meeting(
            c,
            meeting,
            [m for m in await meeting_repo.attended(c, meeting.id) if m.id not in by_hand],
            now,
            policy,
        )
        envelopes += [
            outbox_repo.Envelope(
                f"meeting:{meeting.id}:record" + ("" if to == meeting.created_by else f":{to}"),
                to,
                OutboxKind.MEETING_RECORD,
                meeting.id,
            )
            for to in await _record_to(c, meeting, admins)
        ]
    if envelopes:
        await outbox_repo.enqueue_new(c, envelopes, now)
    return len(envelopes)


def message_key(meeting: Meeting, *parts: object) -> str:
    """The outbox key of a message about a session at its current time: once moved, its
    reminders and check-in post are new messages (``:t<moves>``), queued once each."""
    tag = f":t{meeting.moves}" if meeting.moves else ""
    return ":".join([f"meeting:{meeting.id}{tag}", *(str(part) for part in parts)])


def for_another_time(meeting: Meeting, row: OutboxRow) -> bool:
    """A reminder or check-in post queued before the session was moved: not sent (the
    session's new time has messages of its own)."""
    return int(row.payload.get("moves", 0)) != meeting.moves


async def _reminders(
    c: Conn, meeting: Meeting, which: str, expected: list[Member] | None
) -> list[outbox_repo.Envelope]:
    """Those invited who could come: a member working away is reminded of a session at
    home only if it can be joined remotely."""
    if expected is None:
        expected = await meeting_repo.expected_with_account(c, meeting.id)
    return [
        outbox_repo.Envelope(
            message_key(meeting, which, "member", m.id),
            m.telegram_id,
            OutboxKind.MEETING_REMINDER,
            meeting.id,
            {"which": which, "member": m.id, "moves": meeting.moves},
        )
        for m in expected
        if m.telegram_id is not None
    ]


#: What a session posts to its branch (in its key), and the kind of each.
Post = Literal["open", "summary"]
_POSTS: dict[Post, OutboxKind] = {
    "open": OutboxKind.MEETING_OPEN,
    "summary": OutboxKind.MEETING_SUMMARY,
}


async def _to_branch(c: Conn, meeting: Meeting, what: Post) -> list[outbox_repo.Envelope]:
    """To the branch's group chat; a branch without one gets it privately, each member
    (the check-in post only those who could come)."""
    group = await org_repo.live_group_of_branch(c, meeting.branch_id)
    if group is not None:
        return [
            outbox_repo.Envelope(
                message_key(meeting, what),
                group.chat_id,
                _POSTS[what],
                meeting.id,
                {"moves": meeting.moves},
            )
        ]
    people = (
        await meeting_repo.expected_with_account(c, meeting.id)
        if what == "open"
        else await meeting_repo.invited_with_account(c, meeting.id)
    )
    return _privately(meeting, what, people)


def _privately(meeting: Meeting, what: Post, people: list[Member]) -> list[outbox_repo.Envelope]:
    return [
        outbox_repo.Envelope(
            message_key(meeting, what, "member", m.id),
            m.telegram_id,
            _POSTS[what],
            meeting.id,
            {"member": m.id, "moves": meeting.moves},
        )
        for m in people
        if m.telegram_id is not None
    ]


async def _open(
    c: Conn, meeting: Meeting, now: datetime, ahead: _Ahead
) -> list[outbox_repo.Envelope]:
    """The check-in post: in the branch's group, with the live count; privately to every
    invited member who is not (known to be) in the group, or who asked for it (/me) —
    everyone, where the branch has no group."""
    group = await org_repo.live_group_of_branch(c, meeting.branch_id)
    invited = (
        ahead.expected
        if ahead.expected is not None
        else await meeting_repo.expected_with_account(c, meeting.id)
    )
    if group is None:
        return _privately(meeting, "open", invited)
    in_group = await presence_repo.present_among(
        c, group.chat_id, [m.telegram_id for m in invited if m.telegram_id is not None]
    )
    # The count at opening (read ahead: a press meanwhile is the live count's next edit).
    shown = ahead.shown if ahead.shown is not None else (await _tally(c, meeting)).shown
    await meeting_repo.start_counts(c, meeting.id, shown, now)
    return [
        outbox_repo.Envelope(
            _post_key(meeting),
            group.chat_id,
            OutboxKind.MEETING_OPEN,
            meeting.id,
            {"moves": meeting.moves},
        ),
        *_privately(
            meeting,
            "open",
            [m for m in invited if m.checkin_private or m.telegram_id not in in_group],
        ),
    ]


def _post_key(meeting: Meeting) -> str:
    """The outbox key of a session's check-in post in its group, at its current time (a
    moved session's post is a new message)."""
    return message_key(meeting, "open")


async def _close_post(c: Conn, meeting: Meeting) -> list[outbox_repo.Envelope]:
    """At closing, the group's check-in post loses its buttons and keeps the final count."""
    post = await outbox_repo.by_key(c, _post_key(meeting))
    if post is None or post.state not in ("queued", "sent"):
        return []
    return [
        outbox_repo.Envelope(
            f"meeting:{meeting.id}:count:closed",
            post.chat_id,
            OutboxKind.MEETING_COUNT,
            meeting.id,
            {"closed": True},
        )
    ]


@dataclass(frozen=True)
class Tally:
    """The live count on the check-in post."""

    present: int
    remote: int
    leave: int
    expected: int

    @property
    def shown(self) -> str:
        """As stored: what an edit would change."""
        return f"{self.present}/{self.remote}/{self.leave}/{self.expected}"


def tally(people: list[AttendeeView]) -> Tally:
    statuses = [p.status for p in people]
    return Tally(
        present=statuses.count("present"),
        remote=statuses.count("remote"),
        leave=statuses.count("leave") + statuses.count("leave_requested"),
        expected=len(people),
    )


async def _tally(c: Conn, meeting: Meeting) -> Tally:
    """Counted over the invited (``meeting_repo.attendees``: the one rule of who is)."""
    return tally(await meeting_repo.attendees(c, meeting.id))


async def count_now(db: Database, meeting: Meeting) -> Tally:
    async with db.read() as c:
        return await _tally(c, meeting)


async def queue_count_edits(
    db: Database, clock: Clock, every: timedelta
) -> tuple[int, float | None]:
    """An edit of each open session's check-in post whose count changed, at most one per
    post in ``every`` and never while the last one still waits to be sent (it shows the
    count of the moment it goes out); returns how many were queued and, if a post must
    wait for its next edit, in how many seconds to look again. The counts are read only
    for a post whose edit is due, and written only when they changed: a look during a
    burst of presses costs one small query."""
    now = clock.now()
    due: list[tuple[Meeting, Tally, int, int]] = []
    wait: float | None = None
    async with db.read() as c:
        for meeting, counts in await meeting_repo.open_counts(c):
            ready = counts.edited_at + every
            if now < ready:
                left = (ready - now).total_seconds()
                wait = left if wait is None else min(wait, left)
                continue
            last = await outbox_repo.by_key(c, f"meeting:{meeting.id}:count:{counts.edits}")
            post = await outbox_repo.by_key(c, _post_key(meeting))
            if (
                (last is not None and last.state == "queued")
                or post is None
                or post.state != "sent"
            ):
                continue  # the post (or the last edit) shows the count when it goes out
            current = await _tally(c, meeting)
            if current.shown != counts.shown:
                due.append((meeting, current, post.chat_id, counts.edits))

    async def write(c: Conn, some: Sequence[tuple[Meeting, Tally, int, int]]) -> int:
        envelopes = []
        for meeting, current, chat_id, edits in some:
            number = await meeting_repo.note_counts(c, meeting.id, edits, current.shown, now)
            if number is None:  # another look queued it meanwhile
                continue
            envelopes.append(
                outbox_repo.Envelope(
                    f"meeting:{meeting.id}:count:{number}",
                    chat_id,
                    OutboxKind.MEETING_COUNT,
                    meeting.id,
                )
            )
        await outbox_repo.enqueue(c, envelopes, now)
        return len(envelopes)

    return await in_chunks(db, due, write), wait


# --- check-in and leave --------------------------------------------------------------------


def away_from(member: Member, meeting: Meeting) -> bool:
    """Working away from this session's branch: their home's (or their township's, for
    its leadership), joined remotely if at all. A member working away who comes to their
    host branch's session lives there. (What storage.meetings.AWAY_FROM says of rows, for
    what a member is shown.)"""
    return member.flowing and (member.branch_id == meeting.branch_id or meeting.leadership)


CheckIn = Literal[
    "present",
    "remote",
    "already",
    "not_invited",
    "not_open",
    "closed",
    "no_remote",
    "not_flowing",
    "gone",
    "cancelled",
]


async def check_in(
    db: Database,
    clock: Clock,
    windows: Windows,
    meeting_id: int,
    member: Member | None,
    how: Literal["present", "remote"],
) -> CheckIn:
    """Check in under the one rule (storage.meetings.CHECK_IN_RULE): the usual case in one
    statement; only a refusal reads why, from the same rule."""
    now = clock.now()
    if member is not None:
        async with db.write() as c:
            if await meeting_repo.check_in(
                c, meeting_id, member.id, how, now, windows.before, windows.after
            ):
                return how
    async with db.read() as c:
        refusal = await meeting_repo.check_in_refusal(
            c,
            meeting_id,
            member.id if member is not None else None,
            how,
            now,
            windows.before,
            windows.after,
        )
    return refusal or "already"


LeaveRequest = Literal[
    "requested", "already_in", "already_requested", "not_invited", "closed", "gone", "cancelled"
]


async def can_ask_leave(
    db: Database, clock: Clock, windows: Windows, meeting_id: int, member: Member | None
) -> tuple[LeaveRequest | None, Meeting | None]:
    """None if the member may ask for leave now; otherwise why not."""
    async with db.read() as c:
        return await _leave_refusal(c, clock.now(), windows, meeting_id, member)


async def _leave_refusal(
    c: Conn, now: datetime, windows: Windows, meeting_id: int, member: Member | None
) -> tuple[LeaveRequest | None, Meeting | None]:
    meeting = await meeting_repo.get_meeting(c, meeting_id)
    if meeting is None:
        return "gone", meeting
    if meeting.state == "cancelled":
        return "cancelled", meeting
    if member is None or not await meeting_repo.is_invited(c, meeting.id, member.id):
        return "not_invited", meeting
    if now >= windows.closes(meeting) or meeting.state == "closed":
        return "closed", meeting
    current = await meeting_repo.attendance_of(c, meeting.id, member.id)
    if current is not None and current.status in ("present", "remote"):
        return "already_in", meeting
    if current is not None and current.status in ("leave_requested", "leave"):
        return "already_requested", meeting
    return None, meeting


async def ask_leave(
    db: Database,
    clock: Clock,
    windows: Windows,
    meeting_id: int,
    member: Member,
    reason: str | None,
    file_id: str | None,
    admins: list[int],
    ending: Statement | None = None,
) -> LeaveRequest:
    """The request, the form's end and the message to the branch's secretaries (a voice
    reason first, then the text with the buttons) in one transaction: a crash or a 429
    after it loses none of them. A refused request still ends the form."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        refusal, meeting = await _leave_refusal(c, now, windows, meeting_id, member)
        if refusal is not None or meeting is None:
            return refusal or "gone"
        await meeting_repo.put_attendance(
            c, meeting_id, member.id, "leave_requested", now, reason=reason, reason_file_id=file_id
        )
        # Keyed by the moment asked: a request refused can be asked again, and told again.
        asked = f"leave:{meeting_id}:{member.id}:{now.timestamp():.6f}"
        envelopes = []
        for to in await managers(c, meeting.branch_id, admins):
            if file_id is not None:
                envelopes.append(
                    outbox_repo.Envelope(
                        f"{asked}:voice:{to}",
                        to,
                        OutboxKind.LEAVE_VOICE,
                        meeting_id,
                        {"member": member.id},
                    )
                )
            envelopes.append(
                outbox_repo.Envelope(
                    f"{asked}:{to}", to, OutboxKind.LEAVE_REQUEST, meeting_id, {"member": member.id}
                )
            )
        await outbox_repo.enqueue(c, envelopes, now)
    return "requested"


async def decide_leave(
    db: Database,
    clock: Clock,
    meeting_id: int,
    member_id: int,
    approve: bool,
    by: int,
    manages: bool,
) -> bool | None:
    """True/False: decided now; None: not theirs, or decided already. The member hears
    the decision through the outbox, queued with it."""
    if not manages:
        return None
    now = clock.now()
    async with db.tx() as c:
        done = await meeting_repo.decide_leave(c, meeting_id, member_id, approve, by, now)
        member = await member_repo.get_member(c, member_id) if done else None
        if member is not None and member.telegram_id is not None:
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"leave-decided:{meeting_id}:{member_id}:{now.timestamp():.6f}",
                        member.telegram_id,
                        OutboxKind.LEAVE_DECISION,
                        meeting_id,
                        {"member": member_id, "approved": approve},
                    )
                ],
                now,
            )
    return done if done else None


async def _asking(db: Database, row: OutboxRow) -> tuple[Meeting, Member, Attendance] | None:
    """The session, the member and their request a leave row is about — None once the
    request is decided (by another secretary), taken back by checking in, or gone."""
    async with db.read() as c:
        meeting = await meeting_repo.get_meeting(c, row.ref_id or 0)
        member = await member_repo.get_member(c, int(row.payload["member"]))
        found = (
            await meeting_repo.attendance_of(c, meeting.id, member.id)
            if meeting is not None and member is not None
            else None
        )
    if meeting is None or member is None or found is None or found.status != "leave_requested":
        return None
    return meeting, member, found


async def render_leave_voice(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """A reason given as a voice message, passed on just before the request's text."""
    asking = await _asking(db, row)
    if asking is None or asking[2].reason_file_id is None:
        return None
    return Outgoing("", media_kind="voice", file_id=asking[2].reason_file_id)


async def render_leave_request(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    asking = await _asking(db, row)
    if asking is None:
        return None
    meeting, member, found = asking
    tr = await translator_of(db, row.chat_id)
    lines = [
        tr(
            "📝 <b>{name}</b> asks for leave from “{topic}” ({when}).",
            name=esc(member.name),
            topic=esc(meeting.topic),
            when=when_text(meeting, clock.tz),
        )
    ]
    lines.append(
        tr("Reason: {reason}", reason=esc(found.reason))
        if found.reason
        else tr("Reason: in the voice message above.")
    )
    return Outgoing(
        shorten("\n".join(lines), MESSAGE_LIMIT),
        [
            [
                (tr("✅ Approve"), LeaveDecision("ok", meeting.id, member.id).pack()),
                (tr("❌ Refuse"), LeaveDecision("no", meeting.id, member.id).pack()),
            ]
        ],
    )


async def render_leave_decision(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None:
        return None
    topic = esc(meeting.topic)
    if row.payload.get("approved"):
        return Outgoing(tr("Your leave from “{topic}” was approved.", topic=topic))
    if meeting.leadership:  # the township's session: its staff decided
        return Outgoing(
            tr(
                "Your leave from “{topic}” was not approved. Please attend, or talk to "
                "the township's staff.",
                topic=topic,
            )
        )
    return Outgoing(
        tr(
            "Your leave from “{topic}” was not approved. Please attend, or talk to "
            "your branch secretary.",
            topic=topic,
        )
    )


async def attendees(db: Database, meeting: Meeting) -> list[AttendeeView]:
    async with db.read() as c:
        return await meeting_repo.attendees(c, meeting.id)


async def hands(db: Database, meeting: Meeting) -> dict[int, str]:
    """Who was recorded at the session by hand: member → the name of who recorded them."""
    async with db.read() as c:
        return {
            mark.member_id: mark.by_name
            for mark in await by_hand_repo.attendance_marks(c, meeting.id)
        }


async def recent(db: Database, branch_ids: list[int]) -> list[Meeting]:
    async with db.read() as c:
        return await meeting_repo.recent(c, branch_ids)


# --- what people see ------------------------------------------------------------------------


def when_text(meeting: Meeting, tz: tzinfo) -> str:
    return meeting.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def describe(tr: Translator, meeting: Meeting, branch: str, tz: tzinfo) -> list[str]:
    """The four facts a record pins down, as lines (user text escaped)."""
    lines = [
        tr("<b>{kind}</b>: {topic}", kind=tr(KINDS[meeting.kind]), topic=esc(meeting.topic)),
        tr("Time: {when}", when=when_text(meeting, tz)),
        tr("Place: {place}", place=esc(meeting.place)),
        tr("For: the leadership of {township}", township=esc(branch))
        if meeting.leadership
        else tr("Branch: {branch}", branch=esc(branch)),
    ]
    if meeting.lecturer:
        lines.append(tr("Lecturer: {name}", name=esc(meeting.lecturer)))
    if meeting.remote_allowed:
        lines.append(tr("Members working away may join remotely."))
    return lines


def buttons(
    tr: Translator, meeting: Meeting, *, flowing: bool | None
) -> list[list[tuple[str, str]]]:
    """Check-in buttons. ``flowing`` None: a group post (everyone sees the same)."""
    row = []
    if flowing is None or not flowing:
        row.append((tr("✅ Check in"), Attend("in", meeting.id).pack()))
    if meeting.remote_allowed and (flowing is None or flowing):
        row.append((tr("🌐 Joining remotely"), Attend("remote", meeting.id).pack()))
    row.append((tr("📝 Ask for leave"), Attend("leave", meeting.id).pack()))
    return [row]


def change_buttons(tr: Translator, meeting: Meeting) -> list[tuple[str, str]]:
    """For whoever runs the branch: move the session, or cancel it (each asks, then
    confirms once: handlers/session_changes.py)."""
    return [
        (tr("🗓 Reschedule"), SessionChange("move", meeting.id).pack()),
        (tr("🚫 Cancel the session"), SessionChange("cancel", meeting.id).pack()),
    ]


def summary_lines(
    tr: Translator,
    meeting: Meeting,
    people: list[AttendeeView],
    branch: str,
    tz: tzinfo,
    hand: Mapping[int, str] | None = None,
) -> list[str]:
    return [
        tr("📋 <b>Session closed</b>"),
        *describe(tr, meeting, branch, tz),
        "",
        *people_lines(tr, people, hand),
    ]


def people_lines(
    tr: Translator, people: list[AttendeeView], hand: Mapping[int, str] | None = None
) -> list[str]:
    """The counts, then the names by status: the closing summary's and the record's;
    ``hand``: member → who recorded them by hand (代登记), said beside their name."""
    groups: dict[str, list[str]] = {
        "present": [],
        "remote": [],
        "leave": [],
        "leave_requested": [],
        "away": [],
        "absent": [],
    }
    for person in people:  # a member of another branch (working away here) says which
        name = esc(person.name) + (f"（{esc(person.home_branch)}）" if person.home_branch else "")
        if hand and person.member_id in hand:
            name = tr(
                "{name} (recorded by hand by {by})", name=name, by=esc(hand[person.member_id])
            )
        groups[person.status or "absent"].append(name)
    counts = tr(
        "Invited {invited} · present {present} · remote {remote} · on leave {leave} · "
        "absent {absent}",
        invited=len(people),
        present=len(groups["present"]),
        remote=len(groups["remote"]),
        leave=len(groups["leave"]) + len(groups["leave_requested"]),
        absent=len(groups["absent"]),
    )
    if groups["away"]:
        counts += tr(" · working away {away}", away=len(groups["away"]))
    lines = [counts]
    for heading, key in (
        (N_("✅ Present ({n})"), "present"),
        (N_("🌐 Remote ({n})"), "remote"),
        (N_("📝 On leave ({n})"), "leave"),
        (N_("📝 Leave not yet approved ({n})"), "leave_requested"),
        (N_("🧳 Working away, not expected ({n})"), "away"),
        (N_("❌ Absent ({n})"), "absent"),
    ):
        if groups[key]:
            lines.append(tr(heading, n=len(groups[key])) + "：" + "、".join(groups[key]))
    return lines


async def _branch_name(db: Database, meeting: Meeting) -> str:
    async with db.read() as c:
        unit = await org_repo.get_unit(c, meeting.branch_id)
    return unit.name if unit else "—"


async def _meeting_and_tr(db: Database, row: OutboxRow) -> tuple[Meeting | None, Translator]:
    async with db.read() as c:
        meeting = await meeting_repo.get_meeting(c, row.ref_id or 0)
    # Group chats read the organisation's default language; people their own.
    tr = await translator_of(db, row.chat_id) if row.chat_id > 0 else translator(None)
    return meeting, tr


async def render_notice(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None or meeting.state == "cancelled":
        return None
    lines = [
        tr("📅 <b>New session scheduled</b>"),
        *describe(tr, meeting, await _branch_name(db, meeting), clock.tz),
        tr("Check-in opens here shortly before it starts."),
    ]
    return Outgoing("\n".join(lines))


async def render_reminder(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if (
        meeting is None
        or meeting.state in ("cancelled", "closed")
        or for_another_time(meeting, row)
    ):
        return None
    async with db.read() as c:
        member = await member_repo.get_member(c, int(row.payload.get("member", 0)))
        current = await meeting_repo.attendance_of(c, meeting.id, member.id) if member else None
        # Who runs it: the branch's secretary, or for a township's session for its
        # leadership the township's staff — who may be leadership members themselves.
        runs_it = meeting.branch_id in await org_repo.secretary_units(c, row.chat_id) or (
            meeting.leadership
            and row.chat_id
            in {r.telegram_id for r in await org_repo.holders(c, "township", meeting.branch_id)}
        )
    if (
        member is None
        or member.state != "active"
        or (current is not None and current.status in ("leave", "leave_requested"))
    ):
        return None
    heading = (
        tr("⏰ <b>Tomorrow</b>")
        if row.payload.get("which") == "day"
        else tr("⏰ <b>Starting soon</b>")
    )
    lines = [heading, *describe(tr, meeting, await _branch_name(db, meeting), clock.tz)]
    away = away_from(member, meeting)
    if away and meeting.remote_allowed:
        lines.append(tr("You are working away: press “Joining remotely” when it starts."))
    keys = [[b for b in buttons(tr, meeting, flowing=away)[0] if not b[1].startswith("att:in:")]]
    if runs_it:  # who runs it: a storm forecast is read in this reminder
        keys.append(change_buttons(tr, meeting))
    return Outgoing("\n".join(lines), keys)


def count_line(tr: Translator, counts: Tally) -> str:
    return tr(
        "📊 Checked in {present} · remote {remote} · on leave {leave} · invited {expected}",
        present=counts.present,
        remote=counts.remote,
        leave=counts.leave,
        expected=counts.expected,
    )


async def _post_lines(
    db: Database, clock: Clock, tr: Translator, meeting: Meeting, *, in_group: bool
) -> list[str]:
    """The check-in post while check-in is open; in the group with the count so far."""
    starts = meeting.starts_at.astimezone(clock.tz)
    lines = [
        tr("🔔 <b>Check-in is open</b>"),
        *describe(tr, meeting, await _branch_name(db, meeting), clock.tz),
        tr("Press “Check in” when you arrive (starts {time}).", time=starts.strftime("%H:%M")),
    ]
    if in_group:
        lines.append(count_line(tr, await count_now(db, meeting)))
    return lines


async def render_open(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None or meeting.state != "open" or for_another_time(meeting, row):
        return None
    lines = await _post_lines(db, clock, tr, meeting, in_group=row.chat_id < 0)
    flowing = None
    if row.chat_id > 0:
        async with db.read() as c:
            member = await member_repo.get_member(c, int(row.payload.get("member", 0)))
        flowing = member is not None and away_from(member, meeting)
    return Outgoing("\n".join(lines), buttons(tr, meeting, flowing=flowing))


async def render_count(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """An edit of the group's check-in post: the count now, its buttons while check-in
    is open; at closing the final count and no buttons. Dropped when the post never went
    out (or a newer state makes this edit pointless)."""
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None:
        return None
    async with db.read() as c:
        post = await outbox_repo.by_key(c, _post_key(meeting))
    if post is None or post.state != "sent" or post.message_id is None:
        return None
    if row.payload.get("closed"):
        lines = [
            tr("🔒 <b>Check-in has closed</b>"),
            *describe(tr, meeting, await _branch_name(db, meeting), clock.tz),
            count_line(tr, await count_now(db, meeting)),
        ]
        return Outgoing("\n".join(lines), edit_message_id=post.message_id)
    if meeting.state != "open":
        return None
    lines = await _post_lines(db, clock, tr, meeting, in_group=True)
    return Outgoing(
        "\n".join(lines), buttons(tr, meeting, flowing=None), edit_message_id=post.message_id
    )


async def render_summary(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    meeting, tr = await _meeting_and_tr(db, row)
    if meeting is None:
        return None
    people = await attendees(db, meeting)
    lines = summary_lines(
        tr, meeting, people, await _branch_name(db, meeting), clock.tz, await hands(db, meeting)
    )
    return Outgoing(shorten("\n".join(lines), MESSAGE_LIMIT))
