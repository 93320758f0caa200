"""/meeting, the check-in / remote / leave buttons, leave decisions and the effect.

A secretary may type /meeting in the branch group: the form continues in the private
chat (the group should not watch a form being filled in, and bots in groups only see
commands). Buttons under a meeting carry ``att:<in|remote|leave>:<meeting id>``; the
service checks who pressed and when, so a forged or late press changes nothing.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot import meetings, organisation, session_changes, session_records
from bot.callbacks import Attend, HandNew, LeaveDecision, SessionList, SessionRecord
from bot.context import ZContext
from bot.delivery import send
from bot.i18n import N_, Translator
from bot.markup import KEYBOARD_BUTTONS, shorten
from bot.meetings import KINDS
from bot.profile import InvalidInput, clean_body, clean_text
from bot.schedule import windows
from bot.when import offered_day, parse_when
from handlers import away, dialog, picker
from handlers.dialog import Answer
from handlers.guards import NOT_YOURS_TO_DECIDE, Refused, Stale, on_press
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Meeting, MeetingKind, Member, NewMeeting, Unit

MEETING = "meeting"
LEAVE = "leave"
EFFECT = "effect"


# --- /meeting ---------------------------------------------------------------------------------


async def meeting_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    if chat.type == ChatType.PRIVATE:
        await picker.choose_branch(update, context, MEETING)
        return
    branch = await organisation.branch_of_chat(context.db, chat.id)
    if branch is None:
        await chat.send_message(
            tr("This group is not tied to a branch yet. The branch secretary can do it with /bind.")
        )
        return
    if not context.actor.manages(branch.id):
        await chat.send_message(tr("Only this branch's secretary can schedule its sessions."))
        return
    if await _start(update, context, branch, in_private=True):
        await chat.send_message(tr("I have written to you privately to set up the session."))


async def schedule_in_branch(update: Update, context: ZContext, branch: Unit) -> None:
    await _start(update, context, branch, in_private=False)


async def start_makeup(
    update: Update, context: ZContext, branch: Unit, guests: list[Member]
) -> bool:
    """The form for a make-up lesson (回乡补课) for members back home: the same steps, the
    kind a party lesson or other, inviting exactly ``guests`` (nobody else is reminded),
    no remote attendance to ask about (they are home)."""
    return await _start(update, context, branch, in_private=True, makeup=guests)


async def start_leadership(update: Update, context: ZContext, township: Unit) -> bool:
    """The form for a township's centralised study for its leadership (乡镇领导班子): the
    same steps from the start time on — the kind is centralised study, the session is the
    township's (no group chat: everyone is told privately), it invites the leadership
    members of its branches, and there is no remote attendance or guests to ask about."""
    return await _start(update, context, township, in_private=True, leadership=True)


async def _start(
    update: Update,
    context: ZContext,
    branch: Unit,
    *,
    in_private: bool,
    makeup: list[Member] | None = None,
    leadership: bool = False,
) -> bool:
    """Open the form privately; False (and said where they asked) past the day's limit."""
    tr = context.tr
    try:
        await meetings.may_schedule(
            context.db, context.clock, context.actor.telegram_id, context.settings.meetings_per_day
        )
    except InvalidInput as refused:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(tr(refused.message, **refused.fields))
        return False
    data: dict[str, object] = {"branch": branch.id, "branch_name": branch.name}
    heading = tr("📅 <b>New session for {branch}</b>", branch=esc(branch.name))
    offered = list(KINDS)
    if makeup is not None:
        data.update(audience="listed", guests=[m.id for m in makeup], remote=False)
        offered = list(meetings.MAKEUP_KINDS)
        heading = tr(
            "📚 <b>Make-up lesson (回乡补课) for {branch}</b>\nInvited: {names}",
            branch=esc(branch.name),
            names=_names(makeup),
        )
    if leadership:
        data.update(kind="study", leadership=True, remote=False)
        await dialog.begin(update, context, MEETING, "when", data, in_private=in_private)
        await context.bot.send_message(
            context.actor.telegram_id,
            tr(
                "📅 <b>Centralised study for the leadership of {township}</b>",
                township=esc(branch.name),
            ),
        )
        await ask_when(update, context, MEETING)
        return True
    await dialog.begin(update, context, MEETING, "kind", data, in_private=in_private)
    kinds = grid(
        [button(tr(KINDS[kind]), dialog.choice(MEETING, "kind", kind)) for kind in offered]
    )
    coming = len(await session_changes.coming(context.db, branch.id))
    if coming and makeup is None:  # the same command reaches the sessions already scheduled
        kinds.append(
            [button(tr("✏️ Change a coming session ({n})", n=coming), SessionList(branch.id).pack())]
        )
    await context.bot.send_message(
        context.actor.telegram_id,
        heading + "\n" + tr("What kind of session?"),
        reply_markup=inline(kinds),
    )
    return True


def _names(people: list[Member]) -> str:
    """Who a make-up lesson invites, escaped, within a form's message."""
    return shorten("、".join(esc(m.name) for m in people), NAMES_MAX)


NAMES_MAX = 1500


async def manages_branch(context: ZContext, current: Dialog) -> bool:
    return context.actor.manages(int(current.data["branch"]))


async def meeting_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await MEETING_STEPS.answer(update, context, current, answer)


async def _read_kind(turn: Turn) -> None:
    if turn.action not in get_args(MeetingKind):
        raise InvalidInput(N_("Please choose with the buttons."))
    kind: MeetingKind = turn.action  # type: ignore[assignment]
    if _makeup(turn.current) and kind not in meetings.MAKEUP_KINDS:
        raise InvalidInput(N_("Please choose with the buttons."))
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    refusal = meetings.refusal_for(kind, found)
    if refusal is not None:  # the kind buttons stay for another choice
        raise InvalidInput(refusal, branch=esc(turn.data["branch_name"]))
    await turn.acknowledge(turn.tr(KINDS[kind]))
    if kind == "group" and len(found.groups) > 1:
        await turn.go("group", kind=kind)
        return
    await turn.go("when", kind=kind, group=found.groups[0].id if kind == "group" else None)


async def _ask_group(turn: Turn) -> None:
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    await turn.say(
        turn.tr("Which party group meets?"),
        reply_markup=inline(
            grid(
                [
                    button(g.name, dialog.choice(MEETING, "group", g.id))
                    for g in found.groups[:KEYBOARD_BUTTONS]
                ],
                2,
            )
        ),
    )


async def _read_group(turn: Turn) -> None:
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    chosen = next((g for g in found.groups if str(g.id) == turn.action), None)
    if chosen is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(chosen.name)
    await turn.go("when", group=chosen.id)


async def _ask_when(turn: Turn) -> None:
    await ask_when(turn.update, turn.context, MEETING)


async def _read_when(turn: Turn) -> None:
    """Steps ``when`` and ``time`` (which :func:`read_when` moves to itself)."""
    starts = await read_when(turn.update, turn.context, turn.current, turn.answer, MEETING)
    if starts is not None:
        await turn.go("place", starts=starts.isoformat())


async def _ask_place(turn: Turn) -> None:
    starts = datetime.fromisoformat(turn.data["starts"])
    await turn.say(
        turn.tr(
            "Starts {when}. Where? (for example 村委会二楼会议室)",
            when=starts.strftime("%Y-%m-%d %H:%M"),
        )
    )


async def _read_place(turn: Turn) -> None:
    await turn.go("topic", place=few_words(turn.text, meetings.PLACE_MAX))


async def _ask_topic(turn: Turn) -> None:
    await turn.say(turn.tr("What is the topic or content?"))


async def _read_topic(turn: Turn) -> None:
    await turn.go("lecturer", topic=few_words(turn.text, meetings.TOPIC_MAX))


async def _ask_lecturer(turn: Turn) -> None:
    await turn.say(
        turn.tr("Who gives the lecture or leads it?"),
        reply_markup=inline(
            [[button(turn.tr("Skip"), dialog.choice(MEETING, "lecturer", "skip"))]]
        ),
    )


async def _read_lecturer(turn: Turn) -> None:
    lecturer = None
    if turn.action == "skip":
        await turn.acknowledge(turn.tr("Skip"))
    else:
        lecturer = few_words(turn.text, 40)
    # A make-up lesson: who comes is fixed, and they are home; the leadership's study too.
    fixed = _makeup(turn.current) or _leadership(turn.current)
    await turn.go("confirm" if fixed else "remote", lecturer=lecturer)


async def _ask_remote(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(
        tr("May members working away join remotely (远程参学), and count as attending?"),
        reply_markup=turn.yes_no(),
    )


async def _read_remote(turn: Turn) -> None:
    remote = await turn.yes_or_no()
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    if found.activists:
        await turn.go("guests", remote=remote, guests=[])
        return
    await turn.go("confirm", remote=remote)


async def ask_when(update: Update, context: ZContext, kind: str) -> None:
    """The question of a session's start (the form's ``when`` step, in dialog ``kind``):
    the next seven days as buttons, or day and time typed."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    today = context.clock.today()
    days = [
        button(
            _day_label(tr, today, today + timedelta(days=n)),
            dialog.choice(kind, "when", (today + timedelta(days=n)).isoformat()),
        )
        for n in range(7)
    ]
    await chat.send_message(
        tr(
            "When does it start? Pick the day, or type day and time, for example "
            "明天 19:30, 12-05 19:30 or 2026-12-05 19:30."
        ),
        reply_markup=inline(grid(days, 4)),
    )


async def read_when(
    update: Update, context: ZContext, current: Dialog, answer: Answer, kind: str
) -> datetime | None:
    """The answers to :func:`ask_when`, for /meeting and for moving a session alike: a day
    pressed asks the time (step ``time``: buttons, or typed); a day and time typed, or the
    time after the day, give the moment, read by :func:`bot.when.parse_when` (a refusal
    raises InvalidInput and keeps the buttons). None while the time is still to come."""
    chat = update.effective_chat
    assert chat is not None
    if current.step == "when" and answer.action is not None:
        day = offered_day(answer.action, context.clock.today())
        await away.acknowledge(answer, day.isoformat())
        await dialog.advance(update, context, current, "time", day=day.isoformat())
        times = [
            button(hhmm, dialog.choice(kind, "time", hhmm.replace(":", "")))
            for hhmm in TIME_CHOICES
        ]
        await chat.send_message(
            context.tr("At what time? Pick one, or type it, for example 19:30."),
            reply_markup=inline(grid(times, 4)),
        )
        return None
    text = answer.text
    picked = f"{answer.action[:2]}:{answer.action[2:]}" if answer.action else None
    if current.step == "time":
        text = f"{current.data['day']} {picked or answer.text or ''}"
    starts = parse_when(text, context.clock.now())
    if picked:
        await away.acknowledge(answer, picked)
    return starts


def _guest_keys(tr: Translator, activists: list[Member], chosen: list[int]) -> InlineKeyboardMarkup:
    """One button per activist (☑ once chosen), then Continue; as many as a keyboard
    holds (a branch has a handful of activists)."""
    shown = activists[: KEYBOARD_BUTTONS - 1]
    names = [
        button(("☑ " if m.id in chosen else "☐ ") + m.name, dialog.choice(MEETING, "guests", m.id))
        for m in shown
    ]
    return inline(
        [*grid(names, 2), [button(tr("Continue ▶"), dialog.choice(MEETING, "guests", "done"))]]
    )


async def _ask_guests(turn: Turn) -> None:
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    await turn.say(
        turn.tr(
            "Activists (入党积极分子) are not invited unless you add them. "
            "Press the names of those to invite, then Continue."
        ),
        reply_markup=_guest_keys(
            turn.tr, found.activists, [int(i) for i in turn.data.get("guests", [])]
        ),
    )


async def _read_guests(turn: Turn) -> None:
    """A press adds or takes back one activist; Continue goes on to the confirmation."""
    tr = turn.tr
    found = await meetings.audience(turn.context.db, int(turn.data["branch"]))
    chosen = [int(i) for i in turn.data.get("guests", [])]
    if turn.action == "done":
        await turn.acknowledge(tr("{n} activists invited", n=len(chosen)))
        await turn.go("confirm")
        return
    query = turn.answer.query
    pressed = next((m for m in found.activists if str(m.id) == turn.action), None)
    if pressed is None or query is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    chosen = (
        [i for i in chosen if i != pressed.id] if pressed.id in chosen else [*chosen, pressed.id]
    )
    await turn.keep(guests=chosen)
    await query.answer()
    with contextlib.suppress(TelegramError):  # unchanged markup on a repeated press
        await query.edit_message_reply_markup(_guest_keys(tr, found.activists, chosen))


TIME_CHOICES = ("08:30", "09:00", "10:00", "14:30", "15:00", "19:00", "19:30", "20:00")


def _day_label(tr: Translator, today: date, day: date) -> str:
    offset = (day - today).days
    if offset == 0:
        return tr("Today")
    if offset == 1:
        return tr("Tomorrow")
    return f"{day.month}-{day.day} {tr(WEEKDAYS[day.weekday()])}"


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def few_words(text: str | None, limit: int) -> str:
    value = clean_text(text)
    if not value or value.startswith("/"):
        raise InvalidInput(N_("Please type it in a few words."))
    if len(value) > limit:
        raise InvalidInput(N_("Please keep it under {limit} characters."), limit=limit)
    return value


def _makeup(current: Dialog) -> bool:
    return current.data.get("audience") == "listed"


def _leadership(current: Dialog) -> bool:
    """A township's centralised study for its leadership (the form's unit a township)."""
    return bool(current.data.get("leadership"))


def _draft(current: Dialog, by: int) -> NewMeeting:
    """The session the form collected, as it is to be stored."""
    data = current.data
    return NewMeeting(
        branch_id=int(data["branch"]),
        kind=data["kind"],
        starts_at=datetime.fromisoformat(data["starts"]),
        place=data["place"],
        topic=data["topic"],
        lecturer=data.get("lecturer"),
        remote_allowed=bool(data.get("remote")),
        group_id=int(data["group"]) if data.get("group") else None,
        audience="listed" if _makeup(current) else "kind",
        leadership=_leadership(current),
        created_by=by,
    )


def _invited_too(current: Dialog) -> tuple[int, ...]:
    """The activists the secretary invites as well (a make-up lesson: exactly these)."""
    return tuple(int(i) for i in current.data.get("guests", []))


async def _confirm_question(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    current = turn.current
    draft, guests = _draft(current, context.actor.telegram_id), _invited_too(current)
    preview = Meeting(
        **draft.model_dump(),
        id=0,
        state="scheduled",
        effect=None,
        reminded_day_at=None,
        reminded_hour_at=None,
        opened_at=None,
        closed_at=None,
        created_at=context.clock.now(),
    )
    settings = context.settings
    lines = [
        tr("<b>Please check:</b>"),
        *meetings.describe(tr, preview, current.data["branch_name"], context.clock.tz),
        "",
        tr(
            "Members are reminded the day before and {minutes} minutes before. "
            "Check-in opens {before} minutes before the start and closes {after} "
            "minutes after it.",
            minutes=settings.meeting_reminder_minutes,
            before=settings.checkin_before_minutes,
            after=settings.checkin_after_minutes,
        ),
        tr(
            "Invited: {n} members ({who}).",
            n=await meetings.invited_count(context.db, draft, guests),
            who=tr(meetings.INVITED_BACK_HOME)
            if _makeup(current)
            else tr(meetings.INVITED_LEADERSHIP)
            if draft.leadership
            else tr(meetings.INVITED_BY_KIND.get(draft.kind, meetings.INVITED_EVERYONE)),
        ),
    ]
    if guests and not _makeup(current):
        lines.append(tr("Including {n} activists you added.", n=len(guests)))
    if draft.leadership:
        lines.append(
            tr(
                "Each of them is invited privately now, and gets the reminders and the "
                "check-in buttons privately."
            )
        )
    elif not await meetings.has_group(context.db, draft.branch_id):
        lines.append(
            tr(
                "The branch has no group chat tied to it, so each member gets the "
                "check-in buttons privately. /bind ties the group."
            )
        )
    await dialog.ask_to_confirm(turn.update, context, MEETING, "\n".join(lines), tr("✅ Schedule"))


async def _confirm(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update,
        context,
        turn.answer,
        tr("✅ Schedule"),
        tr("Cancelled. Nothing was scheduled."),
    ):
        return
    draft = _draft(turn.current, context.actor.telegram_id)
    if draft.starts_at <= context.clock.now():
        await turn.go("when", ask=False)  # typed: parse_when
        await turn.say(tr("That time has passed. Please type a later one."))
        return
    try:
        meeting = await meetings.schedule(
            context.db,
            context.clock,
            draft,
            _invited_too(turn.current),
            ending=turn.ending(),
            per_day=context.settings.meetings_per_day,
        )
    except InvalidInput:  # used up since the form opened (another form, a script)
        await turn.finish()
        raise
    context.services.poke_outbox()
    told = await meetings.has_group(context.db, draft.branch_id)
    # Kept for the session itself: who came without a phone is recorded by hand from here.
    await turn.say(
        tr("Scheduled. The branch group has been told.")
        if told
        else tr("Scheduled. The leadership members have been invited privately.")
        if draft.leadership
        else tr("Scheduled."),
        reply_markup=inline(
            [
                [button(label, data) for label, data in meetings.change_buttons(tr, meeting)],
                [button(tr("🖊 Record by hand"), HandNew(f"m{meeting.id}").pack())],
            ]
        ),
    )


MEETING_STEPS = StepTable(
    MEETING,
    {
        "kind": Step(_read_kind, next=("group", "when")),
        "group": Step(_read_group, next=("when",), ask=_ask_group),
        "when": Step(_read_when, next=("time", "place"), ask=_ask_when),
        "time": Step(_read_when, next=("place",)),  # asked by read_when
        "place": Step(_read_place, next=("topic",), ask=_ask_place),
        "topic": Step(_read_topic, next=("lecturer",), ask=_ask_topic),
        "lecturer": Step(_read_lecturer, next=("remote", "confirm"), ask=_ask_lecturer),
        "remote": Step(_read_remote, next=("guests", "confirm"), ask=_ask_remote),
        "guests": Step(_read_guests, next=("confirm",), ask=_ask_guests),
        "confirm": Step(_confirm, next=("when",), ask=_confirm_question),
    },
    first=("kind", "when"),  # "when": a township's study for its leadership
)


# --- check-in buttons --------------------------------------------------------------------------

CHECK_IN_ANSWERS = {
    "present": N_("✅ Checked in. Welcome!"),
    "remote": N_("🌐 Recorded: joining remotely."),
    "already": N_("You are already checked in."),
    "not_invited": N_("You are not invited to this session."),
    "not_open": N_("Check-in has not opened yet."),
    "closed": N_("Check-in has closed."),
    "no_remote": N_("This session cannot be joined remotely."),
    "not_flowing": N_("Joining remotely is for members working away; please check in here."),
    "gone": N_("This session no longer exists."),
    "cancelled": N_("This session was cancelled."),
}


@on_press()
async def attendance_button(
    update: Update, context: ZContext, query: CallbackQuery, data: Attend
) -> None:
    tr = context.tr
    meeting_id = data.meeting
    member = context.actor.active_member
    wins = windows(context.settings)
    if data.action == "leave":
        await _leave_pressed(update, context, meeting_id)
        return
    how: Literal["present", "remote"] = "present" if data.action == "in" else "remote"
    result = await meetings.check_in(context.db, context.clock, wins, meeting_id, member, how)
    if result in ("present", "remote"):
        context.services.poke_counts()  # the group post's count follows, spaced out
    await query.answer(
        tr(CHECK_IN_ANSWERS[result]), show_alert=result not in ("present", "remote", "already")
    )


# --- leave ------------------------------------------------------------------------------------

LEAVE_REFUSALS = {
    "already_in": N_("You are already checked in."),
    "already_requested": N_("You have already asked for leave."),
    "not_invited": N_("You are not invited to this session."),
    "closed": N_("Check-in has closed."),
    "gone": N_("This session no longer exists."),
    "cancelled": N_("This session was cancelled."),
}


async def _leave_pressed(update: Update, context: ZContext, meeting_id: int) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    refusal, meeting = await meetings.can_ask_leave(
        context.db,
        context.clock,
        windows(context.settings),
        meeting_id,
        context.actor.active_member,
    )
    if refusal is not None or meeting is None:
        await query.answer(tr(LEAVE_REFUSALS[refusal or "gone"]), show_alert=True)
        return
    await dialog.begin(update, context, LEAVE, "reason", {"meeting": meeting_id}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "📝 Asking for leave from “{topic}”. Please give the reason: type it, or send a voice "
            "message.",
            topic=esc(meeting.topic),
        ),
    )
    chat = update.effective_chat
    await query.answer(
        tr("Please give the reason in your private chat with me.")
        if chat is not None and chat.type != ChatType.PRIVATE
        else None
    )


async def leave_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await LEAVE_STEPS.answer(update, context, current, answer)


async def _read_leave_reason(turn: Turn) -> None:
    """The reason typed, or a voice message; the request and the secretaries' copy are
    stored with the end of the form."""
    context = turn.context
    message = turn.answer.message
    voice = message.voice if message is not None else None
    reason = None if voice else clean_body(turn.text, meetings.REASON_MAX)
    member = context.actor.active_member
    if member is None:
        await turn.finish()
        return
    if not reason and voice is None:
        raise InvalidInput(N_("Please type the reason, or send a voice message."))
    result = await meetings.ask_leave(
        context.db,
        context.clock,
        windows(context.settings),
        int(turn.data["meeting"]),
        member,
        reason,
        voice.file_id if voice else None,
        context.settings.admins,
        ending=turn.ending(),
    )
    if result != "requested":
        await turn.say(turn.tr(LEAVE_REFUSALS[result]))
        return
    context.services.poke_counts()
    context.services.poke_outbox()  # the secretaries' copy, queued with the request
    meeting = await meetings.get(context.db, int(turn.data["meeting"]))
    await turn.say(
        turn.tr("Your request has been sent to the township's staff.")
        if meeting is not None and meeting.leadership
        else turn.tr("Your request has been sent to the branch secretary.")
    )


# Begun by the leave button under a session, which asks the question.
LEAVE_STEPS = StepTable(LEAVE, {"reason": Step(_read_leave_reason)}, first=("reason",))


@on_press()
async def leave_decision_button(
    update: Update, context: ZContext, query: CallbackQuery, data: LeaveDecision
) -> None:
    tr = context.tr
    meeting_id, member_id, approved = data.meeting, data.member, data.verdict == "ok"
    meeting = await meetings.get(context.db, meeting_id)
    manages = meeting is not None and context.actor.manages(meeting.branch_id)
    decided = await meetings.decide_leave(
        context.db,
        context.clock,
        meeting_id,
        member_id,
        approved,
        context.actor.telegram_id,
        manages,
    )
    if not manages:
        raise Refused(NOT_YOURS_TO_DECIDE)
    if decided is None:
        await query.answer(tr("Already decided."))
        return
    outcome = tr("✅ Approved") if approved else tr("❌ Refused")
    context.services.poke_counts()  # a refused leave leaves the count
    await query.answer(outcome)
    original = getattr(query.message, "text_html", "") or ""
    await query.edit_message_text(f"{original}\n<b>{esc(outcome)}</b>")
    context.services.poke_outbox()  # the member hears it, queued with the decision


# --- completing the record: the effect and the lecturer ------------------------------------

#: The record card's buttons (``mtg:effect:<id>``, ``mtg:lect:<id>``): what each completes.
COMPLETES = {"effect": "effect", "lect": "lecturer"}


@on_press()
async def meeting_button(
    update: Update, context: ZContext, query: CallbackQuery, data: SessionRecord
) -> None:
    tr = context.tr
    meeting = await meetings.get(context.db, data.meeting)
    if meeting is None:
        raise Stale
    if not context.actor.manages(meeting.branch_id):
        raise Refused
    await query.answer()
    field = COMPLETES[data.field]
    await dialog.begin(
        update, context, EFFECT, "text", {"meeting": meeting.id, "field": field}, in_private=True
    )
    topic = esc(meeting.topic)
    if field == "lecturer":
        question = tr("Who gave the lecture or led “{topic}”? Type the name.", topic=topic)
        if meeting.lecturer:
            question += "\n" + tr("Recorded now: {value}", value=esc(meeting.lecturer))
    elif meeting.effect:
        question = (
            tr(
                "What did “{topic}” achieve? Type the new text; it replaces the one recorded now:",
                topic=topic,
            )
            + "\n"
            + esc(meeting.effect)
        )
    else:
        question = tr(
            "What did “{topic}” achieve? Type a few sentences for the record.", topic=topic
        )
    await context.bot.send_message(context.actor.telegram_id, question)


async def manages_meeting(context: ZContext, current: Dialog) -> bool:
    """A form about one session (its effect, a move, a cancellation): for whoever runs its
    branch now."""
    meeting = await meetings.get(context.db, int(current.data["meeting"]))
    return meeting is not None and context.actor.manages(meeting.branch_id)


async def effect_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await EFFECT_STEPS.answer(update, context, current, answer)


async def _read_record(turn: Turn) -> None:
    """One answer completes the record: the effect (a few sentences) or the lecturer's name
    (a form begun before the lecturer could be changed has no field: the effect)."""
    tr = turn.tr
    context = turn.context
    field = str(turn.data.get("field", "effect"))
    if field == "lecturer":
        value = few_words(turn.text, session_records.LECTURER_MAX)
    else:
        value = clean_body(turn.text, meetings.EFFECT_MAX)
    if not value:
        raise InvalidInput(N_("Please type a few sentences."))
    meeting = await session_records.complete(
        context.db,
        context.clock,
        int(turn.data["meeting"]),
        field,
        value,
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    if meeting is None:
        await turn.finish()
        return
    topic = esc(meeting.topic)
    await turn.say(
        tr("Saved. The record of “{topic}” is complete.", topic=topic)
        if field == "effect"
        else tr("Saved. The lecturer of “{topic}” is {name}.", topic=topic, name=esc(value))
    )
    found = await session_records.card(context.db, meeting.id)
    if found is not None:
        for part in session_records.card_parts(tr, found, context.clock.tz, manages=True):
            await send(context.bot, turn.chat.id, part)


# Begun by the session's "record the effect / lecturer" buttons, which ask the question.
EFFECT_STEPS = StepTable(EFFECT, {"text": Step(_read_record)}, first=("text",))
