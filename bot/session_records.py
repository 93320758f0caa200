"""The record of every session a branch held, to get back later (四落实: time, content,
people, effect).

A session becomes part of the record when it closes (or is called off); one in progress
is not a record yet. Records are found by month (``/meetings``: the current month first,
then earlier months that have records), each opens as its record card — the facts, who
the session invited by its kind, everyone by status and the effect — and the secretary
completes the card later: the effect and the lecturer, each change in the audit trail
with before and after. The card is also the message the secretary gets at closing, so
there is one record, not two. The year's ledger is a spreadsheet: a row per session and
a sheet per session's attendance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from bot import rendered, session_changes
from bot.callbacks import HandNew, LedgerYears, SessionCard, SessionMonth, SessionRecord
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.file_names import period_file_name
from bot.i18n import N_, Tr, Translator, translator
from bot.markup import CAPTION_LIMIT, MESSAGE_LIMIT, chunks, esc, shorten
from bot.meetings import (
    EFFECT_MAX,
    INVITED_BY_KIND,
    INVITED_EVERYONE,
    INVITED_LEADERSHIP,
    KINDS,
    describe,
    people_lines,
)
from bot.recipients import translator_of
from bot.spreadsheets import Sheet, title_row, workbook
from storage import audit
from storage import by_hand as by_hand_repo
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage.db import Conn, Database, Statement
from storage.models import AttendanceStatus, AttendeeView, Meeting, OutboxRow, Unit

LECTURER_MAX = 40
#: What the secretary completes later, and the longest each may be (characters).
COMPLETED: dict[str, int] = {"effect": EFFECT_MAX, "lecturer": LECTURER_MAX}
SESSIONS_SHOWN = 30  # sessions with a button on one page of a month's list
LEDGER_YEARS = 10  # years offered for the ledger, newest first
LABEL_MAX = 40  # characters on a session's button
TOPIC_SHOWN = 30  # characters of a topic in a list line (the card has it whole)
INVITED_LISTED = N_("the members listed for it")
STATUS_WORDS: dict[AttendanceStatus, str] = {
    "present": N_("Present"),
    "remote": N_("Remote"),
    "leave": N_("On leave"),
    "leave_requested": N_("Leave not yet approved"),
    "away": N_("Working away"),
    "absent": N_("Absent"),
}


# --- months -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: date) -> Month:
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, code: str) -> Month | None:
        """``202611`` as a button carries it; None for anything else."""
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            return None
        year, month = int(code[:4]), int(code[4:])
        return cls(year, month) if 2000 <= year <= 9998 and 1 <= month <= 12 else None

    @property
    def code(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def after(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime.combine(date(self.year, self.month, 1), time(0), tzinfo=tz)


@dataclass(frozen=True)
class MonthPage:
    """One page of a branch's sessions in a month, and where the records go on."""

    branch: Unit
    month: Month
    sessions: list[Meeting]
    counts: dict[int, Counter[str]]
    page: int
    pages: int
    earlier: Month | None  # the latest earlier month with records
    later: Month | None  # the first later month with records, up to now


async def month_page(
    db: Database, clock: Clock, branch: Unit, month: Month | None, page: int = 0
) -> MonthPage:
    """``month`` None: the current one. A month after the current one shows nothing."""
    tz = clock.tz
    current = Month.of(clock.today())
    month = min(month or current, current)
    start, end = month.start(tz), month.after().start(tz)
    async with db.read() as c:
        found = await meeting_repo.recorded_between(c, branch.id, start, end)
        before = await meeting_repo.last_recorded_before(c, branch.id, start)
        after = await meeting_repo.first_recorded_since(c, branch.id, end)
        pages = max(1, -(-len(found) // SESSIONS_SHOWN))
        page = min(max(page, 0), pages - 1)
        shown = found[page * SESSIONS_SHOWN : (page + 1) * SESSIONS_SHOWN]
        counts = await _counts(c, [m.id for m in shown])
    later = Month.of(after.astimezone(tz)) if after else None
    return MonthPage(
        branch,
        month,
        shown,
        counts,
        page,
        pages,
        Month.of(before.astimezone(tz)) if before else None,
        later if later is not None and later <= current else None,
    )


async def _counts(c: Conn, meeting_ids: list[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {i: Counter() for i in meeting_ids}
    for row in await meeting_repo.attendance_counts(c, meeting_ids):
        counts[row.meeting_id][row.status] += row.count
    return counts


def _attended(counts: Counter[str]) -> tuple[int, int]:
    """(present or remote, invited) of a session's counts."""
    return counts["present"] + counts["remote"], sum(counts.values())


def session_label(tr: Tr, meeting: Meeting, tz: tzinfo) -> str:
    """How a session is named on its button: day, kind, topic (shortened to fit)."""
    local = meeting.starts_at.astimezone(tz)
    label = f"{local:%m-%d} {tr(KINDS[meeting.kind])} · {meeting.topic}"
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def month_text(tr: Tr, found: MonthPage, tz: tzinfo) -> str:
    lines = [
        tr(
            "🗂 <b>Session records: {branch}, {month}</b>",
            branch=esc(found.branch.name),
            month=found.month.label,
        )
    ]
    if not found.sessions:
        lines.append(
            tr("No sessions were held this month.")
            if found.earlier or found.later
            else tr(
                "No sessions are recorded yet. Sessions scheduled with /meeting "
                "appear here once they have taken place."
            )
        )
        return "\n".join(lines)
    if found.pages > 1:
        lines.append(tr("Page {page} of {pages}", page=found.page + 1, pages=found.pages))
    for meeting in found.sessions:
        local = meeting.starts_at.astimezone(tz)
        topic = esc(
            meeting.topic
            if len(meeting.topic) <= TOPIC_SHOWN
            else meeting.topic[: TOPIC_SHOWN - 1] + "…"
        )
        head = f"• {local:%m-%d %H:%M} {esc(tr(KINDS[meeting.kind]))}：{topic}"
        if meeting.state == "cancelled":
            lines.append(tr("{session} — called off", session=head))
            continue
        came, invited = _attended(found.counts[meeting.id])
        line = tr(
            "{session} — {came} of {invited} attended", session=head, came=came, invited=invited
        )
        if not meeting.effect:
            line += tr(" · effect not recorded")
        lines.append(line)
    lines.append(tr("Press a session to open its record."))
    return shorten("\n".join(lines), MESSAGE_LIMIT)


def month_buttons(tr: Tr, found: MonthPage, tz: tzinfo, *, ledger: bool) -> Buttons:
    """A button per session (at most :data:`SESSIONS_SHOWN`), then the way to other pages
    and months, then the ledger for those who may export it."""
    rows: Buttons = [[(session_label(tr, m, tz), SessionCard(m.id).pack())] for m in found.sessions]
    nav = []
    branch = found.branch.id
    if found.page > 0:
        nav.append(
            (
                tr("◀ Page {page}", page=found.page),
                SessionMonth(branch, found.month.code, found.page - 1).pack(),
            )
        )
    elif found.earlier is not None:
        nav.append((f"◀ {found.earlier.label}", SessionMonth(branch, found.earlier.code, 0).pack()))
    if found.page + 1 < found.pages:
        nav.append(
            (
                tr("Page {page} ▶", page=found.page + 2),
                SessionMonth(branch, found.month.code, found.page + 1).pack(),
            )
        )
    elif found.later is not None:
        nav.append((f"{found.later.label} ▶", SessionMonth(branch, found.later.code, 0).pack()))
    if nav:
        rows.append(nav)
    if ledger:
        rows.append([(tr("📥 The year's ledger (Excel)…"), LedgerYears(branch).pack())])
    return rows


# --- one session's record card ------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    meeting: Meeting
    branch: str
    group: str | None  # the party group of a group meeting
    guests: int  # members added beyond the kind's (activists)
    people: list[AttendeeView]
    hand: dict[int, str]  # member → who recorded them by hand (代登记)


async def card(db: Database, meeting_id: int) -> Card | None:
    async with db.read() as c:
        meeting = await meeting_repo.get_meeting(c, meeting_id)
        if meeting is None:
            return None
        branch = await org_repo.get_unit(c, meeting.branch_id)
        group = await org_repo.get_unit(c, meeting.group_id) if meeting.group_id else None
        guests = await meeting_repo.guest_count(c, meeting.id)
        people = await meeting_repo.attendees(c, meeting.id)
        hand = {
            mark.member_id: mark.by_name
            for mark in await by_hand_repo.attendance_marks(c, meeting.id)
        }
    return Card(
        meeting, branch.name if branch else "—", group.name if group else None, guests, people, hand
    )


def invited_words(tr: Tr, found: Card) -> str:
    """Who the session invited, by the one rule (storage/meetings.py INVITED), in words."""
    meeting = found.meeting
    if meeting.audience == "listed":
        return tr(INVITED_LISTED)
    who = (
        tr(INVITED_LEADERSHIP)
        if meeting.leadership
        else tr(INVITED_BY_KIND.get(meeting.kind, INVITED_EVERYONE))
    )
    if found.group:
        who = tr("{who} ({group})", who=who, group=esc(found.group))
    if found.guests:
        who = tr("{who}, and {n} activists added", who=who, n=found.guests)
    return who


def card_lines(tr: Translator, found: Card, tz: tzinfo) -> list[str]:
    """The four facts, who was invited, everyone by status, the effect."""
    meeting = found.meeting
    lines = [
        tr("🗂 <b>Session record</b>"),
        *describe(tr, meeting, found.branch, tz),
        tr("Invited: {who}", who=invited_words(tr, found)),
        "",
    ]
    if meeting.state == "cancelled":
        # A called-off session records nobody absent; its reason is part of the record.
        lines.append(tr("❌ Called off: nobody is recorded absent."))
        lines.append(
            tr(
                "Reason: {reason}",
                reason=esc(
                    session_changes.reason_words(tr, meeting.cancel_cause, meeting.cancel_reason)
                ),
            )
        )
    else:
        lines += people_lines(tr, found.people, found.hand)
    lines.append("")
    lines.append(
        tr("<b>Effect:</b> {effect}", effect=esc(meeting.effect))
        if meeting.effect
        else tr("<b>Effect:</b> not recorded yet.")
    )
    return lines


def card_buttons(tr: Tr, found: Card, tz: tzinfo, *, manages: bool) -> Buttons:
    """Completing the record (for who manages the branch), and its month's list."""
    meeting = found.meeting
    rows: Buttons = []
    if manages and meeting.state != "cancelled":
        rows.append(
            [
                (
                    tr("✏️ Edit the effect") if meeting.effect else tr("✍️ Add the effect"),
                    SessionRecord("effect", meeting.id).pack(),
                ),
                (
                    tr("🎤 Change the lecturer") if meeting.lecturer else tr("🎤 Add the lecturer"),
                    SessionRecord("lect", meeting.id).pack(),
                ),
            ]
        )
        rows.append([(tr("🖊 Record by hand"), HandNew(f"m{meeting.id}").pack())])
    month = Month.of(meeting.starts_at.astimezone(tz))
    rows.append(
        [
            (
                tr("🗂 Sessions of {month}", month=month.label),
                SessionMonth(meeting.branch_id, month.code).pack(),
            )
        ]
    )
    return rows


def card_parts(tr: Translator, found: Card, tz: tzinfo, *, manages: bool) -> list[Outgoing]:
    """The card whole, in as many messages as it takes; the buttons under the last."""
    texts = chunks(card_lines(tr, found, tz))
    parts = [Outgoing(text) for text in texts]
    parts[-1] = Outgoing(texts[-1], card_buttons(tr, found, tz, manages=manages))
    return parts


async def render_record(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """At closing, to who completes the record: the card, asking for the effect."""
    found = await card(db, row.ref_id or 0)
    if found is None:
        return None
    tr = await translator_of(db, row.chat_id) if row.chat_id > 0 else translator(None)
    lines = card_lines(tr, found, clock.tz)
    if not found.meeting.effect:
        lines += [
            "",
            tr("Add the effect of the session (what was achieved) to complete the record."),
        ]
    lines.append(tr("Someone came without a phone or could not check in? Record them by hand."))
    return Outgoing(
        shorten("\n".join(lines), MESSAGE_LIMIT), card_buttons(tr, found, clock.tz, manages=True)
    )


# --- completed later --------------------------------------------------------------------------


async def complete(
    db: Database,
    clock: Clock,
    meeting_id: int,
    field: str,
    value: str,
    by: int,
    ending: Statement | None = None,
) -> Meeting | None:
    """Set the effect or the lecturer, with the value before and after in the audit trail
    (nothing recorded when it is the same). None if the session is gone."""
    if field not in COMPLETED:
        raise ValueError(f"not completed later: {field!r}")
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        meeting = await meeting_repo.get_meeting(c, meeting_id)
        if meeting is None:
            return None
        before = getattr(meeting, field)
        if before != value:
            await meeting_repo.complete(c, meeting_id, field, value)
            await audit.record(
                c,
                now,
                f"tg:{by}",
                f"meeting.{field}",
                f"meeting:{meeting_id}",
                audit.changes(**{field: (before, value)}),
            )
    return meeting.model_copy(update={field: value})


# --- the year's ledger ------------------------------------------------------------------------


async def ledger_years(db: Database, clock: Clock, branch_id: int) -> list[int]:
    """The years from the branch's first recorded session to this one, newest first."""
    today = clock.today()
    async with db.read() as c:
        first = await meeting_repo.first_recorded_since(
            c, branch_id, datetime(2000, 1, 1, tzinfo=clock.tz)
        )
    if first is None:
        return []
    oldest = max(first.astimezone(clock.tz).year, today.year - LEDGER_YEARS + 1)
    return list(range(today.year, oldest - 1, -1))


@dataclass(frozen=True)
class Ledger:
    branch: Unit
    year: int
    sessions: list[Meeting]
    groups: dict[int, str]
    counts: dict[int, Counter[str]]
    people: dict[int, list[AttendeeView]]
    hand: dict[int, dict[int, str]]  # meeting → member → who recorded them by hand
    made: datetime


async def ledger(db: Database, clock: Clock, branch: Unit, year: int) -> Ledger:
    """The sessions the branch held in the year (those called off are not in it)."""
    tz = clock.tz
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=tz)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz)
    async with db.read() as c:
        sessions = [
            m
            for m in await meeting_repo.recorded_between(c, branch.id, start, end)
            if m.state == "closed"
        ]
        ids = [m.id for m in sessions]
        counts = await _counts(c, ids)
        people: dict[int, list[AttendeeView]] = {i: [] for i in ids}
        for row in await meeting_repo.attendance_of_meetings(c, ids):
            people[row.meeting_id].append(row)
        groups = {unit.id: unit.name for unit in await org_repo.children(c, branch.id, "group")}
        hand = {
            i: {mark.member_id: mark.by_name for mark in await by_hand_repo.attendance_marks(c, i)}
            for i in ids
        }
    return Ledger(branch, year, sessions, groups, counts, people, hand, clock.now())


def _kind(tr: Tr, meeting: Meeting, groups: dict[int, str]) -> str:
    kind = tr(KINDS[meeting.kind])
    group = groups.get(meeting.group_id) if meeting.group_id else None
    return tr("{kind} ({group})", kind=kind, group=group) if group else kind


def _attendance_row(tr: Tr, person: AttendeeView, hand: dict[int, str], tz: tzinfo) -> list[object]:
    """One person at one session; a status recorded by hand says who recorded it (代登记)."""
    checked_in = (
        person.at.astimezone(tz)
        if person.at is not None and person.status in ("present", "remote")
        else None
    )
    status = tr(STATUS_WORDS[person.status]) if person.status else ""
    if person.member_id in hand:
        status = tr("{status} (recorded by hand by {by})", status=status, by=hand[person.member_id])
    return [person.name, status, checked_in]


def ledger_workbook(tr: Translator, found: Ledger, tz: tzinfo) -> bytes:
    """A row per session, then a sheet per session's attendance, in the same order."""
    last = min(date(found.year, 12, 31), found.made.astimezone(tz).date())
    rows: list[list[object]] = []
    sheets: list[Sheet] = []
    for meeting in found.sessions:
        counts = found.counts[meeting.id]
        local = meeting.starts_at.astimezone(tz)
        kind = _kind(tr, meeting, found.groups)
        rows.append(
            [
                local,
                kind,
                meeting.topic,
                meeting.place,
                meeting.lecturer or "",
                sum(counts.values()),
                counts["present"],
                counts["remote"],
                counts["leave"] + counts["leave_requested"],
                counts["away"],
                counts["absent"],
                meeting.effect or "",
            ]
        )
        sheets.append(
            Sheet(
                f"{local:%m-%d} {tr(KINDS[meeting.kind])}",
                [tr("Name"), tr("Status"), tr("Checked in at")],
                [
                    _attendance_row(tr, person, found.hand[meeting.id], tz)
                    for person in found.people[meeting.id]
                ],
                title=" · ".join(
                    [
                        tr("{kind}: {topic}", kind=kind, topic=meeting.topic),
                        f"{local:%Y-%m-%d %H:%M}",
                        meeting.place,
                        found.branch.name,
                    ]
                ),
                kinds=["text", "text", "datetime"],
            )
        )
    summary = Sheet(
        tr("Sessions"),
        [
            tr("Date"),
            tr("Kind"),
            tr("Topic"),
            tr("Place"),
            tr("Lecturer"),
            tr("Invited"),
            tr("Present"),
            tr("Remote"),
            tr("On leave"),
            tr("Working away"),
            tr("Absent"),
            tr("Effect"),
        ],
        rows,
        title=title_row(
            tr,
            tr("Session ledger"),
            scope=found.branch.name,
            start=date(found.year, 1, 1),
            last=last,
            made=found.made.astimezone(tz),
        ),
        kinds=[
            "datetime",
            "text",
            "text",
            "text",
            "text",
            "integer",
            "integer",
            "integer",
            "integer",
            "integer",
            "integer",
            "text",
        ],
    )
    return workbook([summary, *sheets])


async def ledger_file(
    db: Database, clock: Clock, tr: Translator, branch: Unit, year: int
) -> Outgoing | None:
    """The ledger as a document to send; None when the branch held no session that year."""
    found = await ledger(db, clock, branch, year)
    if not found.sessions:
        return None
    name = period_file_name(
        tr("session ledger"), date(year, 1, 1), date(year + 1, 1, 1), ".xlsx", branch.name
    )
    data = await rendered.off_loop(ledger_workbook, tr, found, clock.tz)
    return Outgoing(
        shorten(
            tr(
                "📎 Session ledger of {branch}, {year}: a row per session "
                "({n}), and a sheet per session with everyone's attendance.",
                branch=esc(branch.name),
                year=year,
                n=len(found.sessions),
            ),
            CAPTION_LIMIT,
        ),
        media_kind="document",
        upload=(name, data),
    )
