"""Recording for a member by hand (代登记): present at a session, a material studied at the
door (送学上门), a notice told in person.

The guidelines ask that what can be recorded by hand is, so that nobody — an elderly
member without a phone, above all — is counted absent because of their phone. The
branch's secretary (and staff) enter it after the fact: the entry is the very row the
member's own press would write, so every count reads it as present, studied or told,
and it carries who entered it and when, so every view says "recorded by hand by …". A
mistaken entry is taken back the same way; both are in the audit trail. A member's own
press is theirs: it is never taken back here.

Screens, each a message edited in place: the list of a session, a material or a notice
(who is still open, paged; who was entered by hand, to take back), a question before
each change, and the branch's "to record by hand" list — its members without Telegram
and what is open for each over the last weeks. Buttons carry what they are about as a
code: ``m<session>``, ``s<material>``, ``n<notice>``, ``b<branch>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from bot import meetings, notices
from bot.access import Actor
from bot.callbacks import STALE, HandEntry, HandPage, whole
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.i18n import N_, Translator
from bot.markup import KEYBOARD_BUTTONS, MESSAGE_LIMIT, esc, shorten
from storage import audit
from storage import by_hand as repo
from storage import materials as material_repo
from storage import meetings as meeting_repo
from storage import notices as notice_repo
from storage import org as org_repo
from storage.db import Conn, Database
from storage.models import AttendeeView, Meeting, Member, OpenItem, Unit

Kind = Literal["m", "s", "n"]  # a session, a study material, a notice
WINDOW_DAYS = 56  # the "to record by hand" list looks this far back
PAGE = 30  # names on one page of a list: 15 rows of two, well under KEYBOARD_BUTTONS
assert PAGE + 4 <= KEYBOARD_BUTTONS

Refusal = Literal["gone", "not_yours", "not_open"]
REFUSALS: dict[Refusal, str] = {
    "gone": STALE,
    "not_yours": N_("This is not yours to manage."),
    "not_open": N_("Recording by hand opens when check-in opens."),
}
Outcome = Literal["recorded", "undone", "already", "not_by_hand", "on_leave"]
OUTCOMES: dict[Outcome, str] = {
    "recorded": N_("✅ Recorded by hand."),
    "undone": N_("↩️ Taken back."),
    "already": N_("Already recorded."),
    "not_by_hand": N_(
        "Nothing recorded by hand to take back: the member did it "
        "themselves, or it was taken back already."
    ),
    "on_leave": N_(
        "They asked for leave from this session; their leave is decided with its own buttons."
    ),
}
ANSWERS: dict[str, str] = {
    key: text for table in (REFUSALS, OUTCOMES) for key, text in table.items()
}


@dataclass(frozen=True)
class Target:
    """What a screen is about: a session, material or notice, or a branch's list."""

    kind: Literal["m", "s", "n", "b"]
    id: int

    @property
    def code(self) -> str:
        return f"{self.kind}{self.id}"


def target(raw: str | None) -> Target | None:
    """A target as a button carries it; None for anything else (forged or stale)."""
    if not raw or raw[0] not in "msnb":
        return None
    number = whole(raw[1:])
    if number is None or number <= 0:
        return None
    kind: Literal["m", "s", "n", "b"] = raw[0]  # type: ignore[assignment]
    return Target(kind, number)


def page_of(raw: str | None) -> int | None:
    number = whole(raw)
    return number if number is not None and 0 <= number < 10_000 else None


@dataclass(frozen=True)
class Line:
    """A member on a list, and where they stand."""

    member_id: int
    name: str
    branch_id: int
    no_telegram: bool
    state: Literal["open", "done", "by_hand", "other"]  # other: on leave
    by_name: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Listing:
    """One session's, material's or notice's people, as far as this person may see."""

    target: Target
    title: str  # as typed (a session's topic, a material's title, a notice's first words)
    lines: list[Line]
    meeting: Meeting | None = None
    attendees: list[AttendeeView] = field(default_factory=list)  # a session's, as stored
    branch: str = ""

    @property
    def pressable(self) -> list[Line]:
        """Open ones (without Telegram first), then those entered by hand (to take back)."""
        open_ = [line for line in self.lines if line.state == "open"]
        open_.sort(key=lambda line: not line.no_telegram)
        return open_ + [line for line in self.lines if line.state == "by_hand"]

    def line(self, member_id: int) -> Line | None:
        return next((line for line in self.lines if line.member_id == member_id), None)


def _scope(actor: Actor) -> frozenset[int] | None:
    return actor.branch_scope


async def _listing(c: Conn, actor: Actor, found: Target) -> Listing | Refusal:
    if found.kind == "m":
        meeting = await meeting_repo.get_meeting(c, found.id)
        if meeting is None or meeting.state == "cancelled":
            return "gone"
        if not actor.manages(meeting.branch_id):
            return "not_yours"
        if meeting.state == "scheduled":
            return "not_open"
        people = await meeting_repo.attendees(c, meeting.id)
        marks = {m.member_id: m for m in await repo.attendance_marks(c, meeting.id)}
        phoneless = await repo.without_telegram(c, [p.member_id for p in people])
        lines = []
        for person in people:
            mark = marks.get(person.member_id)
            state: Literal["open", "done", "by_hand", "other"] = (
                "by_hand"
                if mark is not None
                else "done"
                if person.status in ("present", "remote")
                else "open"
                if person.status in (None, "absent")
                else "other"
            )
            lines.append(
                Line(
                    person.member_id,
                    person.name,
                    meeting.branch_id,
                    person.member_id in phoneless,
                    state,
                    mark.by_name if mark else None,
                    mark.recorded_at if mark else None,
                )
            )
        unit = await org_repo.get_unit(c, meeting.branch_id)
        return Listing(found, meeting.topic, lines, meeting, people, unit.name if unit else "—")
    if found.kind == "s":
        material = await material_repo.get_material(c, found.id)
        if material is None:
            return "gone"
        title = material.title
        entries = await repo.material_entries(c, found.id, _scope(actor))
    else:
        notice = await notice_repo.get_notice(c, found.id)
        if notice is None:
            return "gone"
        title = notices.preview(notice.body)
        entries = await repo.notice_entries(c, found.id, _scope(actor))
    entries = [e for e in entries if actor.manages(e.branch_id)]
    if not entries:
        return "not_yours"
    return Listing(
        found,
        title,
        [
            Line(
                e.member_id,
                e.name,
                e.branch_id,
                e.no_telegram,
                "by_hand" if e.recorded_by is not None and e.done else "done" if e.done else "open",
                e.by_name,
                e.recorded_at,
            )
            for e in entries
        ],
    )


async def listing(db: Database, actor: Actor, found: Target) -> Listing | Refusal:
    """The people of a session, material or notice — refused unless this person records
    for them: a session's branch's secretary or staff; for a material or notice, the
    recipients in the branches they manage."""
    async with db.read() as c:
        return await _listing(c, actor, found)


# --- recording ---------------------------------------------------------------------------------


async def record(
    db: Database, clock: Clock, actor: Actor, found: Target, member_id: int, on: bool
) -> Outcome | Refusal:
    """Enter (``on``) or take back an entry by hand, in one transaction with its audit
    entry; the rights are asked again inside it."""
    now = clock.now()
    by = actor.telegram_id
    async with db.tx() as c:
        shown = await _listing(c, actor, found)
        if isinstance(shown, str):
            return shown
        line = shown.line(member_id)
        if line is None or not actor.manages(line.branch_id):
            return "gone" if line is None else "not_yours"
        subject = f"{_OBJECTS[found.kind]}:{found.id}:member:{member_id}"
        if found.kind == "m":
            assert shown.meeting is not None
            if on and line.state == "other":
                return "on_leave"
            changed = (
                await repo.record_present(c, found.id, member_id, by, now)
                if on
                else await repo.undo_present(
                    c, found.id, member_id, shown.meeting.state == "closed", now
                )
            )
            if changed:
                await audit.record(
                    c,
                    now,
                    f"tg:{by}",
                    "attendance.by_hand" if on else "attendance.by_hand_undo",
                    subject,
                    audit.changes(present=(not on, on)),
                )
        else:
            what: Literal["material", "notice"] = "material" if found.kind == "s" else "notice"
            changed = (
                await repo.record_done(c, what, found.id, member_id, by, now)
                if on
                else await repo.undo_done(c, what, found.id, member_id)
            )
            if changed:
                await audit.record(
                    c,
                    now,
                    f"tg:{by}",
                    ("material.by_hand" if on else "material.by_hand_undo")
                    if what == "material"
                    else ("notice.by_hand" if on else "notice.by_hand_undo"),
                    subject,
                    audit.changes(studied=(not on, on))
                    if what == "material"
                    else audit.changes(acknowledged=(not on, on)),
                )
    if changed:
        return "recorded" if on else "undone"
    return "already" if on else "not_by_hand"


_OBJECTS = {"m": "meeting", "s": "material", "n": "notice"}


# --- the branch's list of members without Telegram -----------------------------------------


@dataclass(frozen=True)
class Todo:
    branch: Unit
    members: list[Member]  # active, without Telegram, by name
    items: list[OpenItem]  # what is open for them, member by member, oldest first
    since: datetime


async def todo(db: Database, clock: Clock, actor: Actor, branch_id: int) -> Todo | Refusal:
    """The branch's members without Telegram, and for each what is open over the last
    :data:`WINDOW_DAYS` days: closed sessions of their branch that invited them (the
    invitation is the meeting's own rule, :func:`storage.meetings.attendees`) where they
    are not recorded, materials not studied, notices nobody recorded as told."""
    since = clock.now() - timedelta(days=WINDOW_DAYS)
    async with db.read() as c:
        unit = await org_repo.get_unit(c, branch_id)
        if unit is None or unit.kind != "branch":
            return "gone"
        if not actor.manages(branch_id):
            return "not_yours"
        members = await repo.members_without_telegram(c, branch_id)
        ids = {m.id for m in members}
        items: list[OpenItem] = []
        for meeting in await repo.closed_sessions(c, branch_id, since):
            items += [
                OpenItem(
                    member_id=p.member_id,
                    kind="m",
                    ref_id=meeting.id,
                    title=meeting.topic,
                    at=meeting.starts_at,
                )
                for p in await meeting_repo.attendees(c, meeting.id)
                if p.member_id in ids and p.status in (None, "absent")
            ]
        items += await repo.open_materials(c, ids, since)
        items += await repo.open_notices(c, ids, since)
    order = {m.id: n for n, m in enumerate(members)}
    items.sort(key=lambda item: (order[item.member_id], item.at, item.kind, item.ref_id))
    return Todo(unit, members, items, since)


async def without_telegram(db: Database, branch_id: int) -> int:
    """How many of the branch's members have no Telegram in the bot."""
    async with db.read() as c:
        return len(await repo.members_without_telegram(c, branch_id))


# --- what is shown -----------------------------------------------------------------------------

ICONS = {"m": "📅", "s": "📚", "n": "📢"}
HOW: dict[Kind, str] = {
    "m": N_(
        "Press a name to record them present. ↩️ takes back an entry made by hand. 📵: no Telegram."
    ),
    "s": N_(
        "Press a name to record that the material was brought to them and studied "
        "(送学上门). ↩️ takes back an entry made by hand. 📵: no Telegram."
    ),
    "n": N_(
        "Press a name to record that they were told in person. ↩️ takes back an entry "
        "made by hand. 📵: no Telegram."
    ),
}
WHAT: dict[Kind, str] = {
    "m": N_("present at {what}"),
    "s": N_("studied “{what}” (brought to the door)"),
    "n": N_("told in person of the notice “{what}”"),
}
DONE: dict[Kind, str] = {
    "s": N_("Studied {done} of {total}, of them recorded by hand {hand}"),
    "n": N_("Received {done} of {total}, of them told in person and recorded by hand {hand}"),
}
OPEN_STATE: dict[Kind, str] = {
    "m": N_("not recorded present"),
    "s": N_("not studied"),
    "n": N_("not told"),
}


def marked(tr: Translator, name: str, by: str | None) -> str:
    """A name, escaped, with who recorded it by hand if someone did."""
    if by is None:
        return esc(name)
    return tr("{name} (recorded by hand by {by})", name=esc(name), by=esc(by))


def counts_line(
    tr: Translator,
    received: int,
    done: str,
    by_hand: int,
    waiting: str,
    no_telegram: int,
    to_record: int,
    unreachable: int,
) -> str:
    """A material's or notice's counts on one line (``done`` and ``waiting`` already in
    words): members without Telegram are counted apart, as still to be recorded by hand,
    never as "not reachable" — that is for someone with Telegram the bot cannot reach."""
    parts = [tr("received {n}", n=received), done]
    if by_hand:
        parts[-1] += tr(" (by hand {n})", n=by_hand)
    parts.append(waiting)
    if no_telegram:
        parts.append(tr("to record by hand {n}", n=to_record))
    parts.append(tr("not reachable {n}", n=unreachable))
    return " · ".join(parts)


def _pages(count: int) -> int:
    return max(1, -(-count // PAGE))


def _nav(tr: Translator, code: str, page: int, pages: int) -> list[tuple[str, str]]:
    row = []
    if page > 0:
        row.append((tr("◀ Back a page"), HandPage(code, page - 1).pack()))
    if page + 1 < pages:
        row.append((tr("Next page ▶"), HandPage(code, page + 1).pack()))
    return row


def _grid(buttons: Sequence[tuple[str, str]]) -> Buttons:
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def _label(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def listing_screen(tr: Translator, tz: tzinfo, shown: Listing, page: int) -> Outgoing:
    found = shown.target
    kind: Kind = found.kind  # type: ignore[assignment]
    lines = [tr("🖊 <b>Record by hand</b>")]
    if shown.meeting is not None:
        hand = {line.member_id: line.by_name for line in shown.lines if line.by_name}
        lines += meetings.summary_lines(tr, shown.meeting, shown.attendees, shown.branch, tz, hand)[
            1:
        ]
    else:
        lines.append(f"{ICONS[kind]} <b>{esc(shown.title)}</b>")
        done = [line for line in shown.lines if line.state in ("done", "by_hand")]
        lines.append(
            tr(
                DONE[kind],
                done=len(done),
                total=len(shown.lines),
                hand=sum(1 for line in done if line.state == "by_hand"),
            )
        )
        by_hand = [
            marked(tr, line.name, line.by_name) for line in shown.lines if line.state == "by_hand"
        ]
        if by_hand:
            lines.append(tr("Recorded by hand: {names}", names="、".join(by_hand)))
    pressable = shown.pressable
    pages = _pages(len(pressable))
    page = min(page, pages - 1)
    lines.append("")
    lines.append(tr(HOW[kind]) if pressable else tr("Nobody is left to record."))
    if pages > 1:
        lines.append(tr("Page {page} of {pages}", page=page + 1, pages=pages))
    keys = [
        (
            _label(
                ("↩️ " if line.state == "by_hand" else "📵 " if line.no_telegram else "🖊 ")
                + line.name
            ),
            HandEntry(
                "ask", found.code, line.member_id, 1 if line.state == "open" else 0, f"p{page}"
            ).pack(),
        )
        for line in pressable[page * PAGE : (page + 1) * PAGE]
    ]
    return Outgoing(
        shorten("\n".join(lines), MESSAGE_LIMIT), [*_grid(keys), _nav(tr, found.code, page, pages)]
    )


def what(tr: Translator, tz: tzinfo, shown: Listing) -> str:
    """The session, material or notice in a few words (escaped)."""
    kind: Kind = shown.target.kind  # type: ignore[assignment]
    if shown.meeting is not None:
        subject = tr(
            "“{topic}” ({when})",
            topic=esc(shown.meeting.topic),
            when=meetings.when_text(shown.meeting, tz),
        )
    else:
        subject = esc(shown.title)
    return tr(WHAT[kind], what=subject)


def question(tr: Translator, tz: tzinfo, shown: Listing, line: Line, back: str) -> Outgoing:
    """Asked before a change: record, or take back what was entered by hand."""
    subject = what(tr, tz, shown)
    code = shown.target.code
    page = page_of(back[1:]) or 0
    back_to = HandPage(f"b{line.branch_id}" if back.startswith("t") else code, page).pack()
    if line.state == "by_hand":
        when = line.recorded_at.astimezone(tz).strftime("%m-%d %H:%M") if line.recorded_at else ""
        text = tr(
            "Take back what was recorded by hand: <b>{name}</b>, {what} — recorded by "
            "{by} on {when}?",
            name=esc(line.name),
            what=subject,
            by=esc(line.by_name or ""),
            when=when,
        )
        yes = (tr("↩️ Take back"), HandEntry("do", code, line.member_id, 0, back).pack())
    else:
        text = tr(
            "Record by hand: <b>{name}</b>, {what}? It is kept with your name and the "
            "time, and shown as recorded by hand.",
            name=esc(line.name),
            what=subject,
        )
        yes = (tr("✅ Record"), HandEntry("do", code, line.member_id, 1, back).pack())
    return Outgoing(text, [[yes, (tr("← Back"), back_to)]])


def todo_screen(tr: Translator, tz: tzinfo, found: Todo, page: int) -> Outgoing:
    branch = found.branch
    lines = [tr("🖊 <b>To record by hand: {branch}</b>", branch=esc(branch.name))]
    if not found.members:
        lines.append(
            tr("Everyone in the branch has Telegram: there is nothing to record by hand here.")
        )
        return Outgoing("\n".join(lines))
    weeks = WINDOW_DAYS // 7
    lines.append(
        tr(
            "Members without Telegram ({n}) and what is still open for each over "
            "the last {weeks} weeks: sessions they are not recorded at, materials "
            "not studied, notices not told. Press one to record it.",
            n=len(found.members),
            weeks=weeks,
        )
    )
    pages = _pages(len(found.items))
    page = min(page, pages - 1)
    shown = found.items[page * PAGE : (page + 1) * PAGE]
    names = {m.id: m.name for m in found.members}
    free = [m for m in found.members if all(i.member_id != m.id for i in found.items)]
    if free and page == 0:
        lines += ["", tr("Nothing open: {names}", names="、".join(esc(m.name) for m in free))]
    current = None
    for item in shown:
        if item.member_id != current:
            current = item.member_id
            lines += ["", f"<b>{esc(names[item.member_id])}</b>"]
        lines.append(_item_line(tr, tz, item))
    if pages > 1:
        lines += ["", tr("Page {page} of {pages}", page=page + 1, pages=pages)]
    keys = [
        (
            _label(f"{ICONS[item.kind]} {names[item.member_id]} · {_title(item)}"),
            HandEntry("ask", f"{item.kind}{item.ref_id}", item.member_id, 1, f"t{page}").pack(),
        )
        for item in shown
    ]
    return Outgoing(
        shorten("\n".join(lines), MESSAGE_LIMIT),
        [*[[key] for key in keys], _nav(tr, f"b{branch.id}", page, pages)],
    )


def _title(item: OpenItem) -> str:
    return notices.preview(item.title, 30) if item.kind == "n" else item.title


def _item_line(tr: Translator, tz: tzinfo, item: OpenItem) -> str:
    return tr(
        "• {icon} {day} {title} — {state}",
        icon=ICONS[item.kind],
        day=item.at.astimezone(tz).strftime("%m-%d"),
        title=esc(_title(item)),
        state=tr(OPEN_STATE[item.kind]),
    )
