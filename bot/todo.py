"""What is still open for a member, in one place: /todo, and the evening reminder.

Open means: study materials received and not marked studied; notices delivered and not
acknowledged; sessions they are invited to that have not closed (who is invited is
:data:`storage.meetings.INVITED`, the one rule); heartfelt notes owed (the one
definition in ``storage/notes.py``, so whoever is exempt owes nothing here either).
/todo lists them all: a few of each, with the buttons each already has elsewhere, and a
count of the rest.

The evening reminder is the same list cut down to what is due a word tonight — one
message a member a day, and each thing named on a bounded number of evenings, as the
rules against formalism ask (reminders are few, bundled, and end):

* a material with a due date: ``ZHIBU_STUDY_REMINDER_DAYS`` before it, and on the day;
* a note owed: on at most :data:`bot.notes.NOTE_REMINDERS` evenings, counted as queued;
* a notice not acknowledged: on :data:`NOTICE_EVENINGS` — the first evening after the
  day it came and again three days later, as a note;
* sessions in the next :data:`EVENING_SESSION_DAYS` days are listed beside them, but are
  never the reason for the message: they have their own reminders, the day and the hour
  before.

The message is rendered when it goes out: what was done since it was queued is not
named, and with nothing left it is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from bot import meetings, notes, rectification
from bot.callbacks import MaterialPress, NoteWrite, NoticePress, RectifyPress, TodoShow
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.i18n import Translator
from bot.markup import esc, short, shorten, visible
from bot.recipients import translator_of
from storage import materials as material_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notes as note_repo
from storage import notices as notice_repo
from storage import outbox as outbox_repo
from storage import rectifications as rectification_repo
from storage.db import Conn, Database
from storage.models import (
    ComingSession,
    Material,
    Member,
    NoteRequest,
    Notice,
    OutboxKind,
    OutboxRow,
    Rectification,
)

SHOWN = 5  # things of each kind in one message, with their buttons; the rest counted
LINE_MAX = 150  # one thing's line, as Telegram counts: 4 kinds × 5 lines fit a message
RECTIFY_SHOWN = 3  # rectification items, after the four kinds (the rest: /rectify)
LABEL_MAX = 30  # characters of a title on a button
NOTICE_EVENINGS = (1, 1 + notes.REMINDER_GAP_DAYS)  # days after the day a notice came
EVENING_SESSION_DAYS = 7


@dataclass(frozen=True)
class NoticePage:
    """Notices to confirm as a list shows them: a few, how many in all, how many after."""

    shown: list[Notice]
    total: int
    rest: int


@dataclass(frozen=True)
class Open:
    """What is open for someone (or, in the evening, what is due a word): whole lists,
    except notices, a page of which is enough to count and show them."""

    materials: list[Material] = field(default_factory=list)
    notices: NoticePage = field(default_factory=lambda: NoticePage([], 0, 0))
    sessions: list[ComingSession] = field(default_factory=list)
    notes: list[NoteRequest] = field(default_factory=list)
    # Rectification items one is responsible for (/todo only: their reminders are the
    # ledger's own, bot/rectification.py).
    rectify: list[Rectification] = field(default_factory=list)

    @property
    def to_do(self) -> bool:
        """Something asks for the member's hand: study, confirm, write (a session coming
        only tells them when to be there)."""
        return bool(self.materials or self.notices.total or self.notes or self.rectify)

    @property
    def empty(self) -> bool:
        return not (self.to_do or self.sessions)


def _study_order(material: Material) -> tuple[bool, date, datetime, int]:
    """The soonest due first, then the oldest; those without a due date last."""
    return (
        material.due_date is None,
        material.due_date or date.max,
        material.created_at,
        material.id,
    )


async def open_for(
    db: Database, clock: Clock, windows: meetings.Windows, telegram_id: int, member: Member | None
) -> Open:
    """Everything open for this person now; someone with a role but no membership has
    only notices."""
    now = clock.now()
    notices = await unconfirmed_notices(db, telegram_id)
    async with db.read() as c:
        rectify = await rectification_repo.of_responsible(c, telegram_id, ("open",))
    if member is None or member.state != "active":
        return Open(notices=notices, rectify=rectify)
    async with db.read() as c:
        materials = await material_repo.open_for_member(c, member.id)
        # Not closed yet: check-in is open until ``after`` past the start.
        sessions = await meeting_repo.coming_for(c, member.id, now - windows.after)
        owed = await note_repo.owed(c, member.id, now)
    return Open(
        sorted(materials, key=_study_order),
        notices,
        sessions,
        sorted(owed, key=lambda r: (r.asked_at, r.subject)),
        rectify,
    )


async def unconfirmed_notices(db: Database, telegram_id: int, after: int = 0) -> NoticePage:
    """This person's notices to confirm: the next :data:`SHOWN` after the notice
    ``after`` (0: from the oldest)."""
    async with db.read() as c:
        shown = await notice_repo.unconfirmed(c, telegram_id, after=after, limit=SHOWN)
        total = await notice_repo.count_unconfirmed(c, telegram_id)
        rest = (
            await notice_repo.count_unconfirmed(c, telegram_id, after=shown[-1].id)
            if len(shown) == SHOWN
            else 0
        )
    return NoticePage(shown, total, rest)


# --- what people see -----------------------------------------------------------------------

Part = tuple[list[str], Buttons]  # a kind's lines (its heading first) and its buttons


def _line(text: str) -> str:
    return shorten(f"• {text}", LINE_MAX)


def _when(tr: Translator, moment: datetime, now: datetime, tz: tzinfo) -> str:
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return tr("today {time}", time=hhmm)
    if local.date() == today + timedelta(days=1):
        return tr("tomorrow {time}", time=hhmm)
    return local.strftime("%m-%d %H:%M")


def _preview(tr: Translator, notice: Notice) -> str:
    """A notice's first words as plain text (its body is the sender's HTML)."""
    words = " ".join(visible(notice.body).split())
    return words or tr("📎 a file")


def notice_lines(tr: Translator, page: NoticePage, tz: tzinfo, *, more: bool = True) -> Part:
    """Notices to confirm: a line and a row of buttons each (read it again, received),
    and past those shown, how many more (``more``: with a button to the next ones)."""
    lines = [tr("📢 <b>Notices to confirm ({n})</b>", n=page.total)]
    buttons: Buttons = []
    shown = page.shown
    for notice in shown:
        preview = _preview(tr, notice)
        day = notice.send_at.astimezone(tz).strftime("%m-%d")
        lines.append(_line(f"{day} {esc(preview)}"))
        buttons.append(
            [
                (short(f"📢 {preview}", LABEL_MAX), NoticePress("show", notice.id).pack()),
                (tr("✅ Received"), NoticePress("ack", notice.id).pack()),
            ]
        )
    if page.rest > 0:
        lines.append(tr("… and {n} more notices", n=page.rest))
    if page.rest > 0 and shown and more:
        buttons.append(
            [(tr("📢 {n} more notices", n=page.rest), NoticePress("mine", shown[-1].id).pack())]
        )
    return lines, buttons


def material_lines(tr: Translator, materials: list[Material], today: date) -> Part:
    lines = [tr("📚 <b>Study materials ({n})</b>", n=len(materials))]
    buttons: Buttons = []
    for material in materials[:SHOWN]:
        due = material.due_date
        when = (
            ""
            if due is None
            else " — "
            + (tr("due today") if due == today else tr("due {date}", date=due.isoformat()))
        )
        lines.append(_line(f"{esc(material.title)}{when}"))
        buttons.append(
            [(short(f"📖 {material.title}", LABEL_MAX), MaterialPress("show", material.id).pack())]
        )
    if len(materials) > SHOWN:
        lines.append(tr("… and {n} more: /study", n=len(materials) - SHOWN))
    lines.append(tr("Press a title to read it again, then “✅ Studied”."))
    return lines, buttons


def session_lines(
    tr: Translator,
    sessions: list[ComingSession],
    now: datetime,
    tz: tzinfo,
    windows: meetings.Windows | None,
    flowing: bool,
) -> Part:
    """``windows`` given: a session whose check-in is open carries its buttons."""
    lines = [tr("📅 <b>Sessions coming ({n})</b>", n=len(sessions))]
    buttons: Buttons = []
    for coming in sessions[:SHOWN]:
        meeting = coming.meeting
        text = tr(
            "{when} {kind}: {topic} · {place}",
            when=_when(tr, meeting.starts_at, now, tz),
            kind=tr(meetings.KINDS[meeting.kind]),
            topic=esc(meeting.topic),
            place=esc(meeting.place),
        )
        checking_in = (
            windows is not None
            and coming.status is None
            and windows.opens(meeting) <= now < windows.closes(meeting)
        )
        if coming.status == "leave_requested":
            text += " — " + tr("leave asked, waiting for the secretary")
        elif checking_in:
            text += " — " + tr("check-in is open")
        lines.append(_line(text))
        if checking_in:
            buttons += meetings.buttons(tr, meeting, flowing=flowing)
    if len(sessions) > SHOWN:
        lines.append(tr("… and {n} more sessions", n=len(sessions) - SHOWN))
    return lines, buttons


def note_lines(tr: Translator, owed: list[NoteRequest], tz: tzinfo) -> Part:
    lines = [tr("✍️ <b>Heartfelt notes to write ({n})</b>", n=len(owed))]
    buttons: Buttons = []
    for request in owed[:SHOWN]:
        last = notes.last_day(request, tz).strftime("%m-%d")
        lines.append(_line(tr("{title} — by {date}", title=esc(request.title), date=last)))
        buttons.append(
            [(short(f"✍️ {request.title}", LABEL_MAX), NoteWrite.about(request.subject).pack())]
        )
    if len(owed) > SHOWN:
        lines.append(tr("… and {n} more: /note", n=len(owed) - SHOWN))
    return lines, buttons


def rectify_lines(tr: Translator, items: list[Rectification], today: date) -> Part:
    lines = [tr("📌 <b>Rectification items you are responsible for ({n})</b>", n=len(items))]
    buttons: Buttons = []
    for item in items[:RECTIFY_SHOWN]:
        lines.append(
            _line(
                tr(
                    "{project} — deadline {day} ({left})",
                    project=esc(item.project),
                    day=item.deadline.isoformat(),
                    left=rectification.days_word(tr, item, today),
                )
            )
        )
        buttons.append(
            [(short(f"📌 {item.project}", LABEL_MAX), RectifyPress("card", item.id).pack())]
        )
    if len(items) > RECTIFY_SHOWN:
        lines.append(tr("… and {n} more: /rectify", n=len(items) - RECTIFY_SHOWN))
    return lines, buttons


def render(
    tr: Translator,
    items: Open,
    tz: tzinfo,
    now: datetime,
    *,
    heading: str,
    windows: meetings.Windows | None = None,
    flowing: bool = False,
    evening: bool = False,
) -> Outgoing:
    """The list as one message, within Telegram's limits by construction: a heading per
    kind, at most :data:`SHOWN` lines of each, each line at most :data:`LINE_MAX`, and a
    few buttons per line."""
    if items.empty:
        return Outgoing(tr("📋 Nothing is open for you right now. Well done!"))
    parts: list[Part] = []
    if items.materials:
        parts.append(material_lines(tr, items.materials, now.astimezone(tz).date()))
    if items.notices.total:
        # In the evening only tonight's are named; the list of all is one press away.
        parts.append(notice_lines(tr, items.notices, tz, more=not evening))
    if items.sessions:
        parts.append(session_lines(tr, items.sessions, now, tz, windows, flowing))
    if items.notes:
        parts.append(note_lines(tr, items.notes, tz))
    if items.rectify:
        parts.append(rectify_lines(tr, items.rectify, now.astimezone(tz).date()))
    lines = [heading]
    buttons: Buttons = []
    for part_lines, part_buttons in parts:
        lines += ["", *part_lines]
        buttons += part_buttons
    if evening:
        buttons.append([(tr("📋 Everything open"), TodoShow().pack())])
    return Outgoing("\n".join(lines), buttons)


# --- the evening reminder -------------------------------------------------------------------


def reminder_days(today: date, lead_days: int) -> set[date]:
    """Materials due on these days are reminded about today: due today, or in lead days."""
    return {today, today + timedelta(days=lead_days)}


def notice_periods(today: date, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """Notices that came on these (local) days are named this evening."""
    days = [today - timedelta(days=n) for n in NOTICE_EVENINGS]
    return [
        (
            datetime.combine(day, time(0), tzinfo=tz),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
        )
        for day in days
    ]


async def queue_evening(db: Database, clock: Clock, at: time, lead_days: int) -> int:
    """Once it is past the reminder hour, queue tonight's reminders: one per member,
    however many things are due a word (the key makes a second run add nothing). A note
    request is counted as reminded in the transaction that queues its member's reminder,
    so it is named on at most :data:`bot.notes.NOTE_REMINDERS` evenings.

    Who is due is read on the read connection; the reminders are written a few hundred
    members per transaction (:mod:`bot.chunked`), so a county's 30,000 never hold the
    write lock for long. A crash between two leaves the written ones written and counted;
    the next run queues the rest."""
    now = clock.now()
    if now.time() < at:
        return 0
    today = now.date()
    start_of_day = datetime.combine(today, time(0), tzinfo=clock.tz)
    async with db.read() as c:
        owed = await note_repo.due_reminders(
            c, today, start_of_day, now, notes.NOTE_REMINDERS, notes.REMINDER_GAP_DAYS
        )
        people = sorted(
            set(await material_repo.members_to_remind(c, reminder_days(today, lead_days)))
            | {(member_id, telegram_id) for member_id, _, telegram_id in owed}
            | set(await notice_repo.unconfirmed_by_members(c, notice_periods(today, clock.tz)))
        )
    requests: dict[int, list[tuple[int, str]]] = {}
    for member_id, subject, _ in owed:
        requests.setdefault(member_id, []).append((member_id, subject))

    async def write(c: Conn, chunk: Sequence[tuple[int, int]]) -> int:
        await note_repo.count_reminded(
            c,
            [r for member_id, _ in chunk for r in requests.get(member_id, [])],
            today,
            notes.NOTE_REMINDERS,
            notes.REMINDER_GAP_DAYS,
        )
        # The kind and key keep the names they had when the reminder named only study: a
        # bot upgraded in the evening finds tonight's already queued, and adds none.
        return await outbox_repo.enqueue_new(
            c,
            [
                outbox_repo.Envelope(
                    f"study-reminder:{member_id}:{today.isoformat()}",
                    telegram_id,
                    OutboxKind.STUDY_REMINDER,
                    member_id,
                    {"day": today.isoformat(), "lead": lead_days},
                )
                for member_id, telegram_id in chunk
            ],
            now,
        )

    return await in_chunks(db, people, write)


async def evening_for(
    db: Database, clock: Clock, member: Member, day: date, lead_days: int
) -> Open:
    """What the evening reminder of ``day`` names, as it stands now."""
    now = clock.now()
    async with db.read() as c:
        materials = await material_repo.due_open_for_member(
            c, member.id, reminder_days(day, lead_days)
        )
        # Still owed when sent: written, lapsed or exempt since it was queued, it is not.
        owed = await note_repo.reminded_on(c, member.id, day, now)
        notices = (
            await notice_repo.unconfirmed(
                c, member.telegram_id, sent_in=notice_periods(day, clock.tz)
            )
            if member.telegram_id is not None
            else []
        )
        sessions = await meeting_repo.coming_for(
            c, member.id, now, now + timedelta(days=EVENING_SESSION_DAYS)
        )
    page = NoticePage(notices[:SHOWN], len(notices), max(0, len(notices) - SHOWN))
    return Open(materials, page, sessions, sorted(owed, key=lambda r: (r.asked_at, r.subject)))


async def render_evening(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """What is due a word tonight, in one message; a note whose reminders are spent is not
    named again here, even when something else is reminded (it is listed for the
    secretary instead)."""
    async with db.read() as c:
        member = await member_repo.get_member(c, row.ref_id or 0)
    if member is None or member.state != "active":
        return None
    items = await evening_for(
        db,
        clock,
        member,
        date.fromisoformat(str(row.payload["day"])),
        int(row.payload.get("lead", 0)),
    )
    if not items.to_do:
        return None  # studied, confirmed and written since it was queued
    tr = await translator_of(db, row.chat_id)
    heading = tr("⏰ <b>This evening's reminder</b>")
    return render(
        tr, items, clock.tz, clock.now(), heading=heading, flowing=member.flowing, evening=True
    )
