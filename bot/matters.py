"""四议两公开 (four discussions, two disclosures): a village matter through its four
meetings and its two disclosures.

The guidelines have every important village matter proposed by the branch committee,
discussed by a joint meeting of the two committees (the branch's and the villagers'),
reviewed by the party members' assembly and decided by the villagers' representatives;
then the decision is made public, and later the result. The branch secretary records
each meeting as it was held — its day, who was expected and who came, the vote — and
the bot keeps the order and the rules of a valid vote:

- a meeting decides only with its quorum: more than half of the body present (steps 1 to
  3: the committees, the party members), two thirds for the villagers' representatives
  (step 4), as the Organic Law of Villagers' Committees asks of their meeting;
- a step passes when more than half of those present voted for it (abstentions and
  blank votes do not count for); one that does not pass ends the matter ("not passed"),
  and a new proposal is a new matter;
- the steps come in order, each on the day of the one before or later, never in the
  future.

The same rules are CHECKs and triggers in the table (migration 0025), so no writer can
store a vote the bot would refuse. Publication posts to the branch's group chat through
the outbox, or records a notice put up on the board by hand. Township staff see every
open matter of their branches and how many days it has stood at its step; the ledger
exports to a spreadsheet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from bot import i18n
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.file_names import dated_file_name
from bot.i18n import N_, Tr, Translator
from bot.markup import CAPTION_LIMIT, MESSAGE_LIMIT, esc, short, shorten
from bot.profile import InvalidInput
from bot.rendered import off_loop
from bot.spreadsheets import ColumnKind, Sheet, title_row, workbook
from bot.visits import parse_visit_day
from storage import audit
from storage import matters as matter_repo
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    Matter,
    MatterFile,
    MatterPublication,
    MatterState,
    MatterStep,
    Meeting,
    MeetingKind,
    NewMatter,
    NewMatterPublication,
    NewMatterStep,
    OutboxKind,
    OutboxRow,
    PublicationWhat,
    Unit,
)

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
NOTE_MAX = 500
PUBLIC_MAX = 1000  # a decision's or a result's text as made public
FILES_MAX = 10
BODY_MAX = 9999  # members of a body expected at its meeting
OLDEST_DAYS = 365  # how far back a meeting's day may be typed
OPEN_STATES: tuple[MatterState, ...] = ("open", "decided", "published")
PAGE = 20  # matters on one page of a list, each with its button
BRANCH_SHOWN = 20  # characters of a branch's name in a list
TITLE_SHOWN = 30  # characters of a title in a list, or on its button
SCOPE_SHOWN = 60  # characters of the townships a list covers, in its heading

STEPS: dict[int, str] = {
    1: N_("Branch committee proposal"),
    2: N_("Joint meeting of the two committees"),
    3: N_("Party members' assembly review"),
    4: N_("Villagers' representatives' decision"),
}
#: Who is expected at each step's meeting, as the question about their number names them.
BODIES: dict[int, str] = {
    1: N_("the branch committee"),
    2: N_("the two committees together"),
    3: N_("the branch's party members with a vote"),
    4: N_("the villagers' representatives"),
}
#: The zhibu sessions a step's meeting may have been (step 4 is not a party meeting; a
#: secretary who scheduled it in zhibu did so as "other").
SESSION_KINDS: dict[int, tuple[MeetingKind, ...]] = {
    1: ("committee",),
    2: ("committee", "other"),
    3: ("assembly",),
    4: ("other",),
}
STATES: dict[MatterState, str] = {
    "open": N_("open"),
    "rejected": N_("not passed"),
    "decided": N_("decided, not yet made public"),
    "published": N_("decision made public, result to follow"),
    "done": N_("result made public"),
    "withdrawn": N_("withdrawn"),
}
WHAT: dict[PublicationWhat, str] = {
    "decision": N_("Decision made public"),
    "result": N_("Result made public"),
}
T = TypeVar("T")


# --- the rules of a vote ------------------------------------------------------------------------


def has_quorum(step: int, attended: int, expected: int) -> bool:
    """Steps 1-3: more than half present; step 4 (villagers' representatives): two thirds."""
    return 3 * attended >= 2 * expected if step == 4 else 2 * attended > expected


def passes(attended: int, votes_for: int) -> bool:
    """More than half of those present voted for it."""
    return 2 * votes_for > attended


def parse_count(text: str | None, *, least: int, most: int) -> int:
    """A number of people, typed: digits only, within [least, most]."""
    raw = (text or "").strip().removesuffix("人").strip()
    if not re.fullmatch(r"[0-9]{1,5}", raw):
        raise InvalidInput(N_("Please type a number of people, for example 9."))
    number = int(raw)
    if number < least or number > most:
        raise InvalidInput(
            N_("Please type a number from {least} to {most}."), least=least, most=most
        )
    return number


def check_quorum(step: int, attended: int, expected: int) -> None:
    if not has_quorum(step, attended, expected):
        raise InvalidInput(
            N_(
                "With {attended} of {expected} present the meeting could not decide: "
                "two thirds of the villagers' representatives must attend. Please record "
                "the meeting that had enough people."
            )
            if step == 4
            else N_(
                "With {attended} of {expected} present the meeting could not decide: "
                "more than half must attend. Please record the meeting that had enough "
                "people."
            ),
            attended=attended,
            expected=expected,
        )


def parse_votes(text: str | None, attended: int) -> tuple[int, int, int]:
    """ "7 1 0" (for, against, abstain) — three whole numbers adding up to at most those
    present (a voter may have left early, or cast no vote)."""
    raw = (text or "").strip()
    numbers = re.split(r"[\s,，、/]+", raw) if raw else []
    if len(numbers) != 3 or not all(re.fullmatch(r"[0-9]{1,5}", n) for n in numbers):
        raise InvalidInput(
            N_(
                "Please type three numbers — for, against, abstain — separated by "
                "spaces, for example 7 1 0."
            )
        )
    votes_for, against, abstain = (int(n) for n in numbers)
    if votes_for + against + abstain > attended:
        raise InvalidInput(
            N_(
                "{for_} for, {against} against and {abstain} abstaining make {total} votes, "
                "but only {attended} were present. Please check the numbers."
            ),
            for_=votes_for,
            against=against,
            abstain=abstain,
            total=votes_for + against + abstain,
            attended=attended,
        )
    return votes_for, against, abstain


def check_day(day: date, today: date, after: date | None) -> date:
    """A meeting's or a publication's day: not in the future, not before what it follows."""
    if day > today:
        raise InvalidInput(N_("That date is in the future. Please try again."))
    if (today - day).days > OLDEST_DAYS:
        raise InvalidInput(
            N_("That is more than {days} days ago; please check the date."), days=OLDEST_DAYS
        )
    if after is not None and day < after:
        raise InvalidInput(
            N_("It cannot be before {day}, the day of the step before."), day=after.isoformat()
        )
    return day


def parse_day(text: str | None, today: date, after: date | None) -> date:
    return check_day(parse_visit_day(text, today, oldest=None), today, after)


# --- a matter as read -----------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """A matter with everything recorded of it."""

    matter: Matter
    branch: Unit
    steps: dict[int, MatterStep] = field(default_factory=dict)
    publications: dict[str, MatterPublication] = field(default_factory=dict)
    files: list[MatterFile] = field(default_factory=list)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    number: int = 0  # its place among the branch's matters, by opening (storage numbers)

    @property
    def next_step(self) -> int | None:
        return self.matter.at_step if self.matter.state == "open" else None

    def since(self, tz: tzinfo) -> date:
        """The day the matter came to where it stands: its opening, the step before, the
        decision, its publication."""
        matter = self.matter
        if matter.state == "published":
            return self.publications["decision"].published_on
        if matter.state == "decided":
            return self.steps[4].held_on
        before = self.steps.get(matter.at_step - 1)
        return before.held_on if before is not None else matter.created_at.astimezone(tz).date()

    def after(self, tz: tzinfo) -> date | None:
        """The earliest day the next record may carry (None: a first step, any day back)."""
        return None if self.matter.state == "open" and self.matter.at_step == 1 else self.since(tz)


async def view(db: Database, matter_id: int) -> View | None:
    async with db.read() as c:
        matter = await matter_repo.get(c, matter_id)
        if matter is None:
            return None
        return (await _views(c, [matter]))[0]


async def _views(c: Conn, matters: Sequence[Matter]) -> list[View]:
    ids = [m.id for m in matters]
    steps = await matter_repo.steps(c, ids)
    published = await matter_repo.publications(c, ids)
    units = await matter_repo.units(c, {m.branch_id for m in matters})
    meetings = await matter_repo.meetings(c, {s.meeting_id for s in steps if s.meeting_id})
    numbers = await matter_repo.numbers(c, ids)
    one = len(matters) == 1
    files = await matter_repo.files(c, matters[0].id) if one else []
    return [
        View(
            m,
            units[m.branch_id],
            {s.step: s for s in steps if s.matter_id == m.id},
            {p.what: p for p in published if p.matter_id == m.id},
            files,
            meetings,
            numbers.get(m.id, 0),
        )
        for m in matters
    ]


async def of_branch(db: Database, branch_id: int) -> list[View]:
    async with db.read() as c:
        found = await matter_repo.of_branches(c, [branch_id])
        return await _views(c, found) if found else []


@dataclass(frozen=True)
class Standing:
    view: View
    since: date
    days: int

    @property
    def waiting(self) -> bool:
        """Its decision made public, waiting for the result: not held up at a step."""
        return self.view.matter.state == "published"


async def open_in(db: Database, clock: Clock, branch_ids: Collection[int] | None) -> list[Standing]:
    """Every matter not finished of these branches (None: all): those at a step, then
    those whose decision is public and wait for the result; each part in the
    organisation's order — township, branch (by name, as everywhere) — then each branch's
    matters as they were opened. Never by how long a matter has stood: that would put
    the slowest branches on top, a ranking the rules against formalism forbid."""
    async with db.read() as c:
        found = await matter_repo.of_branches(c, branch_ids, OPEN_STATES)
        views = await _views(c, found) if found else []
        parents = {v.branch.parent_id for v in views if v.branch.parent_id is not None}
        townships = await matter_repo.units(c, parents) if parents else {}
    today = clock.today()
    standing = [Standing(v, v.since(clock.tz), (today - v.since(clock.tz)).days) for v in views]

    def order(s: Standing) -> tuple[object, ...]:
        branch = s.view.branch
        township = townships.get(branch.parent_id or 0)
        return (
            s.waiting,
            (township.name, township.id) if township else ("", 0),
            (branch.name, branch.id),
            s.view.number,
            s.view.matter.id,
        )

    return sorted(standing, key=order)


def page_of(items: Sequence[T], page: int) -> tuple[list[T], int, int]:
    """The items on page ``page`` (counted from 0, kept within the pages there are: a
    page pressed on an old list that has since shrunk shows its last), that page, and
    how many pages there are (at least one)."""
    pages = max(1, -(-len(items) // PAGE))
    page = min(max(page, 0), pages - 1)
    return list(items[page * PAGE : (page + 1) * PAGE]), page, pages


def overview_text(
    tr: Tr, scope: str, shown: Sequence[Standing], page: int, pages: int, *, total: int
) -> str:
    """A page of the open matters a township (or the county) oversees: those at a step
    with their days there, then those whose decision is public, under their own heading
    (they wait for the result, they are not stuck). Fits one message by construction:
    at most :data:`PAGE` lines, each of bounded parts (tests/unit/test_matter_rules.py
    measures the longest)."""
    lines = [
        tr(
            "🗳 <b>Open matters (四议两公开): {scope}</b>",
            scope=esc(short(scope, SCOPE_SHOWN) or "—"),
        )
    ]
    if not total:
        lines.append(tr("No open matters."))
        return "\n".join(lines)
    if pages > 1:
        lines.append(tr("Page {page} of {pages}", page=page + 1, pages=pages))
    section: bool | None = None
    for found in shown:
        if found.waiting != section:
            section = found.waiting
            lines.append(
                tr("Decision made public, waiting for the result:")
                if found.waiting
                else tr("At a step:")
            )
        branch = esc(short(found.view.branch.name, BRANCH_SHOWN))
        title = esc(short(found.view.matter.title, TITLE_SHOWN))
        published = found.view.publications.get("decision")
        if found.waiting and published is not None:
            lines.append(
                tr(
                    "• {branch} · {title}: decision made public on {day}",
                    branch=branch,
                    title=title,
                    day=published.published_on.isoformat(),
                )
            )
        else:
            lines.append(
                tr(
                    "• {branch} · {title}: {where}, {days} days",
                    branch=branch,
                    title=title,
                    where=where_it_stands(tr, found.view.matter),
                    days=found.days,
                )
            )
    return "\n".join(lines)


def branch_text(tr: Tr, branch: Unit, shown: Sequence[View], page: int, pages: int) -> str:
    """A page of a branch's matters, each with its number in the branch. Fits one
    message by construction, as :func:`overview_text`."""
    lines = [
        tr("🗳 <b>Matters of {branch} (四议两公开)</b>", branch=esc(short(branch.name, SCOPE_SHOWN)))
    ]
    if not shown:
        lines.append(tr("No matters yet. Open one with the button below."))
        return "\n".join(lines)
    if pages > 1:
        lines.append(tr("Page {page} of {pages}", page=page + 1, pages=pages))
    for found in shown:
        lines.append(
            tr(
                "• No.{number} {title}: {where}",
                number=found.number,
                title=esc(short(found.matter.title, TITLE_SHOWN)),
                where=where_it_stands(tr, found.matter),
            )
        )
    return "\n".join(lines)


def where_it_stands(tr: Tr, matter: Matter) -> str:
    if matter.state == "open":
        return tr(
            "waiting for step {step}: {name}", step=matter.at_step, name=tr(STEPS[matter.at_step])
        )
    if matter.state == "rejected":
        return tr(
            "not passed at step {step}: {name}", step=matter.at_step, name=tr(STEPS[matter.at_step])
        )
    return tr(STATES[matter.state])


def _logged(**fields: object) -> str:
    """An audit detail of what was recorded (nothing before it): the audit export shows
    each field as "held on 2026-11-23" (bot/audit_trail.py's words)."""
    return json.dumps({"before": None, "after": fields}, ensure_ascii=False)


# --- changes ----------------------------------------------------------------------------------


async def open_matter(
    db: Database,
    clock: Clock,
    branch_id: int,
    title: str,
    description: str,
    files: Sequence[tuple[str, str, str]],
    by: int,
    ending: Statement | None = None,
) -> Matter:
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        matter = await matter_repo.add_matter(
            c,
            NewMatter(branch_id=branch_id, title=title, description=description, opened_by=by),
            files[:FILES_MAX],
            now,
        )
        await audit.record(
            c, now, f"tg:{by}", "matter.open", f"matter:{matter.id}", _logged(title=title)
        )
    return matter


@dataclass(frozen=True)
class StepDraft:
    matter_id: int
    step: int
    held_on: date
    expected: int
    attended: int
    votes: tuple[int, int, int]
    meeting_id: int | None
    note: str


async def sessions_for(
    db: Database, clock: Clock, branch_id: int, step: int, day: date
) -> list[Meeting]:
    """The branch's sessions of a fitting kind held that day: the step's meeting may be one."""
    start = datetime.combine(day, time(0), clock.tz)
    async with db.read() as c:
        return await matter_repo.sessions_between(
            c, branch_id, start, start + timedelta(days=1), SESSION_KINDS[step], clock.now()
        )


#: The steps whose body is a party session's people, so that a linked session's record
#: can count them: the branch committee (step 1) and the branch's full members (step 3).
#: The joint meeting of the two committees (step 2) and the villagers' representatives
#: (step 4) are mostly not party members and not on a session's record: never offered.
FIGURES_OF: dict[int, str] = {1: "committee", 3: "full"}


async def session_figures(db: Database, meeting_id: int, step: int) -> tuple[int, int] | None:
    """A closed session's body for the step and those of it present (in person or
    remotely), as its record has them, offered instead of typing: for step 1 its
    committee members, for step 3 the branch's own full members (a vote is theirs alone).
    None for steps 2 and 4, for a session not closed yet (its record is not complete),
    or when the record has none of the body."""
    body = FIGURES_OF.get(step)
    if body is None:
        return None
    async with db.read() as c:
        found = await matter_repo.meetings(c, [meeting_id])
        if meeting_id not in found or found[meeting_id].state != "closed":
            return None
        invited, present = await matter_repo.session_figures(
            c, meeting_id, committee=body == "committee"
        )
    return (invited, present) if invited else None


async def meeting(db: Database, meeting_id: int) -> Meeting | None:
    async with db.read() as c:
        return (await matter_repo.meetings(c, [meeting_id])).get(meeting_id)


async def record_step(
    db: Database, clock: Clock, draft: StepDraft, by: int, ending: Statement | None = None
) -> Matter:
    """Store a step as the form collected it, all its rules asked again here (the form
    asked them as it went; the matter may have moved since): the matter is at this step,
    the day follows the step before, the quorum was there, the votes add up. A step that
    does not pass ends the matter."""
    votes_for, against, abstain = draft.votes
    check_quorum(draft.step, draft.attended, draft.expected)
    if votes_for + against + abstain > draft.attended or draft.attended > draft.expected:
        raise InvalidInput(N_("The numbers do not add up. Nothing was saved."))
    now = clock.now()
    async with db.tx() as c:
        matter = await matter_repo.get(c, draft.matter_id)
        if matter is None or matter.state != "open" or matter.at_step != draft.step:
            raise InvalidInput(NOT_AT_STEP)
        before = (await _views(c, [matter]))[0]
        check_day(draft.held_on, clock.today(), before.after(clock.tz))
        if draft.meeting_id is not None:
            meeting = (await matter_repo.meetings(c, [draft.meeting_id])).get(draft.meeting_id)
            if meeting is None or meeting.branch_id != matter.branch_id:
                raise InvalidInput(N_("Please choose with the buttons."))
        if ending is not None:
            await ending(c)
        passed = passes(draft.attended, votes_for)
        state: MatterState = ("decided" if draft.step == 4 else "open") if passed else "rejected"
        at_step = draft.step + 1 if passed and draft.step < 4 else draft.step
        await matter_repo.add_step(
            c,
            NewMatterStep(
                matter_id=matter.id,
                step=draft.step,
                held_on=draft.held_on,
                expected=draft.expected,
                attended=draft.attended,
                votes_for=votes_for,
                votes_against=against,
                votes_abstain=abstain,
                passed=passed,
                meeting_id=draft.meeting_id,
                note=draft.note,
                recorded_by=by,
            ),
            state,
            at_step,
            now,
        )
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "matter.step",
            f"matter:{matter.id}",
            _logged(
                step=draft.step,
                held_on=draft.held_on.isoformat(),
                votes=f"{votes_for}/{against}/{abstain}",
                attended=f"{draft.attended}/{draft.expected}",
                passed=passed,
            ),
        )
        changed = await matter_repo.get(c, matter.id)
    assert changed is not None
    return changed


NOT_AT_STEP = N_("This matter is no longer at that step. Nothing was saved.")


async def group_of(db: Database, branch_id: int) -> tuple[int, str] | None:
    """The branch's group chat (id, title), where decisions are posted; None without one."""
    async with db.read() as c:
        group = await org_repo.live_group_of_branch(c, branch_id)
    return None if group is None else (group.chat_id, group.title)


async def publish(
    db: Database,
    clock: Clock,
    matter_id: int,
    what: PublicationWhat,
    day: date | None,
    body: str,
    by: int,
    *,
    to_group: bool,
    ending: Statement | None = None,
) -> tuple[int | None, date]:
    """Record the decision (or the result) made public on ``day`` — None: today, read
    from the clock here, inside the transaction, so a post confirmed after midnight is
    recorded on the day it was posted, not the day the form began; ``to_group``: posted
    to the branch's group chat now (an outbox row in this transaction), else put up on the
    notice board by hand. The group's chat id (or None) and the day recorded."""
    async with db.tx() as c:
        now = clock.now()
        today = now.astimezone(clock.tz).date()
        if day is None:
            day = today
        matter = await matter_repo.get(c, matter_id)
        wanted = "decided" if what == "decision" else "published"
        if matter is None or matter.state != wanted:
            raise InvalidInput(N_("This has been made public already. Nothing was saved."))
        current = (await _views(c, [matter]))[0]
        check_day(day, today, current.since(clock.tz))
        chat_id: int | None = None
        if to_group:
            group = await org_repo.live_group_of_branch(c, matter.branch_id)
            if group is None:
                raise InvalidInput(
                    N_("The branch's group chat is no longer tied to it. Nothing was saved.")
                )
            chat_id = group.chat_id
        if ending is not None:
            await ending(c)
        await matter_repo.add_publication(
            c,
            NewMatterPublication(
                matter_id=matter.id,
                what=what,
                published_on=day,
                body=body,
                chat_id=chat_id,
                recorded_by=by,
            ),
            now,
        )
        if chat_id is not None:
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"matter:{matter.id}:{what}",
                        chat_id,
                        OutboxKind.MATTER_PUBLIC,
                        matter.id,
                        {"what": what},
                    )
                ],
                now,
            )
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "matter.publish",
            f"matter:{matter.id}",
            _logged(**{f"{what}_published_on": day.isoformat(), "in_group": chat_id is not None}),
        )
    return chat_id, day


async def withdraw(
    db: Database, clock: Clock, matter_id: int, by: int, ending: Statement | None = None
) -> bool:
    """Taken off while open; False if it was no longer open (decided, or ended)."""
    now = clock.now()
    async with db.tx() as c:
        if not await matter_repo.withdraw(c, matter_id, by, now):
            return False
        if ending is not None:
            await ending(c)
        await audit.record(
            c, now, f"tg:{by}", "matter.withdraw", f"matter:{matter_id}", _logged(withdrawn=True)
        )
    return True


# --- texts --------------------------------------------------------------------------------------


def step_line(tr: Tr, record: MatterStep, meeting: Meeting | None = None) -> str:
    line = tr(
        "{step}. {name}: {day}, {attended} of {expected} present; for {for_}, against "
        "{against}, abstain {abstain} — {outcome}",
        step=record.step,
        name=tr(STEPS[record.step]),
        day=record.held_on.isoformat(),
        attended=record.attended,
        expected=record.expected,
        for_=record.votes_for,
        against=record.votes_against,
        abstain=record.votes_abstain,
        outcome=tr("passed") if record.passed else tr("not passed"),
    )
    if meeting is not None:
        line += "\n" + tr("   Session: {topic}", topic=esc(meeting.topic))
    return line


def card_text(tr: Tr, found: View, tz: tzinfo) -> str:
    """What the secretary and the township see of one matter."""
    matter = found.matter
    lines = [
        tr("🗳 <b>{title}</b>", title=esc(matter.title)),
        tr(
            "{branch} · opened {day}",
            branch=esc(found.branch.name),
            day=matter.created_at.astimezone(tz).date().isoformat(),
        ),
    ]
    if matter.description:
        lines.append(shorten(esc(matter.description), 1000))
    if found.files:
        lines.append(tr("📎 Attachments: {n}", n=len(found.files)))
    lines.append(tr("Where it stands: {where}", where=where_it_stands(tr, matter)))
    for number in sorted(found.steps):
        record = found.steps[number]
        lines.append(step_line(tr, record, found.meetings.get(record.meeting_id or 0)))
        if record.note:
            lines.append("   " + shorten(esc(record.note), 200))
    for what in ("decision", "result"):
        published = found.publications.get(what)
        if published is not None:
            lines.append(publication_line(tr, published))
            lines.append("   " + shorten(esc(published.body), 500))
    return shorten("\n".join(lines), MESSAGE_LIMIT)


def publication_line(tr: Tr, published: MatterPublication) -> str:
    return tr(
        "📢 {what} on {day} ({where})",
        what=tr(WHAT[published.what]),
        day=published.published_on.isoformat(),
        where=tr("in the group") if published.chat_id is not None else tr("on the notice board"),
    )


def public_text(tr: Tr, found: View, what: PublicationWhat, body: str, day: date | None) -> str:
    """The post in the branch's group: the matter, its four steps, the decision (or the
    result). Each part a person typed is bounded (title 100, description shortened to
    600, text 1000), and the whole is shortened to Telegram's limit as a last guard.
    ``day`` None: a preview of a post, whose day is the one it is posted on."""
    matter = found.matter
    lines = [
        tr("📢 <b>四议两公开 · {what}</b>", what=tr(WHAT[what])),
        tr("<b>{title}</b> ({branch})", title=esc(matter.title), branch=esc(found.branch.name)),
    ]
    if what == "decision":
        if matter.description:
            lines.append(shorten(esc(matter.description), 600))
        lines += [step_line(tr, found.steps[n]) for n in sorted(found.steps)]
        lines.append(tr("<b>Decision:</b> {text}", text=esc(body)))
    else:
        decided = found.steps.get(4)
        published = found.publications.get("decision")
        if decided is not None and published is not None:
            lines.append(
                tr(
                    "Decided by the villagers' representatives on {decided}; the decision "
                    "was made public on {published}.",
                    decided=decided.held_on.isoformat(),
                    published=published.published_on.isoformat(),
                )
            )
        lines.append(tr("<b>Result:</b> {text}", text=esc(body)))
    lines.append(
        tr("Made public on {day}.", day=day.isoformat())
        if day is not None
        else tr("Made public on the day it is posted.")
    )
    return shorten("\n".join(lines), MESSAGE_LIMIT)


async def render_public(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """A decision or result, posted in the group's language (the organisation's)."""
    found = await view(db, row.ref_id or 0)
    what = row.payload.get("what")
    if found is None or what not in ("decision", "result"):
        return None
    published = found.publications.get(what)
    if published is None:
        return None
    tr = i18n.translator(None)
    return Outgoing(public_text(tr, found, what, published.body, published.published_on))


# --- the ledger ---------------------------------------------------------------------------------


async def ledger_file(
    db: Database, clock: Clock, tr: Translator, scope: Unit, branch_ids: Collection[int] | None
) -> Outgoing | None:
    """Every matter of these branches (None: the county's), a row each, and their history;
    None when there is none."""
    async with db.read() as c:
        found = await matter_repo.of_branches(c, branch_ids)
        if not found:
            return None
        views = await _views(c, found)
        people = {m.opened_by for m in found} | {m.closed_by for m in found if m.closed_by}
        for v in views:
            people |= {s.recorded_by for s in v.steps.values()}
            people |= {p.recorded_by for p in v.publications.values()}
        names = await member_repo.names_of_users(c, sorted(people))
    made = clock.now()
    data = await off_loop(ledger_workbook, tr, views, names, scope.name, made, clock.tz)
    name = dated_file_name(
        tr("matters ledger"), made.astimezone(clock.tz).date(), ".xlsx", scope.name
    )
    return Outgoing(
        shorten(
            tr(
                "📎 四议两公开 ledger of {scope}: a row per matter ({n}) with its four steps "
                "and both publications, and a sheet of its history.",
                scope=esc(scope.name),
                n=len(views),
            ),
            CAPTION_LIMIT,
        ),
        media_kind="document",
        upload=(name, data),
    )


def ledger_workbook(
    tr: Translator,
    views: Sequence[View],
    names: dict[int, str],
    scope: str,
    made: datetime,
    tz: tzinfo,
) -> bytes:
    ordered = sorted(views, key=lambda v: (v.branch.name, v.branch.id, v.number, v.matter.id))
    title = title_row(tr, tr("四议两公开 ledger"), scope=scope, made=made.astimezone(tz))
    return workbook(
        [_matters_sheet(tr, ordered, tz), _history_sheet(tr, ordered, names, tz)], title=title
    )


def _matters_sheet(tr: Translator, ordered: Sequence[View], tz: tzinfo) -> Sheet:
    """A row per matter: its four steps' figures side by side, then both publications."""
    heading = [tr("Branch"), tr("No."), tr("Title"), tr("Description"), tr("Opened"), tr("State")]
    kinds: list[ColumnKind | None] = ["text", "integer", "text", "text", "date", "text"]
    for number in STEPS:
        heading += [
            tr("Step {n} date", n=number),
            tr("Step {n} expected", n=number),
            tr("Step {n} present", n=number),
            tr("Step {n} for", n=number),
            tr("Step {n} against", n=number),
            tr("Step {n} abstain", n=number),
        ]
        kinds += ["date", "integer", "integer", "integer", "integer", "integer"]
    heading += [
        tr("Decision made public"),
        tr("Decision made public: where"),
        tr("Result made public"),
        tr("Result made public: where"),
    ]
    kinds += ["date", "text", "date", "text"]
    return Sheet(tr("Matters"), heading, [_matter_row(tr, v, tz) for v in ordered], kinds=kinds)


def _matter_row(tr: Translator, v: View, tz: tzinfo) -> list[object]:
    m = v.matter
    row: list[object] = [
        v.branch.name,
        v.number,
        m.title,
        m.description,
        m.created_at.astimezone(tz).date(),
        where_it_stands(tr, m),
    ]
    for number in STEPS:
        s = v.steps.get(number)
        row += (
            [s.held_on, s.expected, s.attended, s.votes_for, s.votes_against, s.votes_abstain]
            if s is not None
            else ["", "", "", "", "", ""]
        )
    for what in ("decision", "result"):
        p = v.publications.get(what)
        row += [p.published_on if p else "", _where_published(tr, p)]
    return row


def _where_published(tr: Translator, p: MatterPublication | None) -> str:
    if p is None:
        return ""
    return tr("in the group") if p.chat_id is not None else tr("on the notice board")


def _history_sheet(
    tr: Translator, ordered: Sequence[View], names: dict[int, str], tz: tzinfo
) -> Sheet:
    """Every matter's dated events in one list, by date (a stable sort: one day's entries
    stay in the ledger's order, each matter's in the order of its steps)."""
    history = [entry for v in ordered for entry in _history_of(tr, v, names, tz)]
    history.sort(key=lambda entry: entry[0] if isinstance(entry[0], date) else date.min)
    return Sheet(
        tr("History"),
        [tr("Date"), tr("Branch"), tr("Matter"), tr("What"), tr("Text"), tr("By")],
        history,
        kinds=["date", "text", "text", "text", "text", "text"],
    )


def _history_of(tr: Translator, v: View, names: dict[int, str], tz: tzinfo) -> list[list[object]]:
    """One matter's events in their own order: opened, its steps, its publications, and
    its withdrawal if it was withdrawn."""
    m = v.matter
    branch = v.branch.name
    history: list[list[object]] = [
        [
            m.created_at.astimezone(tz).date(),
            branch,
            m.title,
            tr("Opened"),
            "",
            names.get(m.opened_by, ""),
        ]
    ]
    for number in STEPS:
        s = v.steps.get(number)
        if s is not None:
            history.append(
                [
                    s.held_on,
                    branch,
                    m.title,
                    tr(
                        "Step {n}: {name} — {outcome} ({for_}/{against}/{abstain} of "
                        "{attended} present, {expected} expected)",
                        n=number,
                        name=tr(STEPS[number]),
                        outcome=tr("passed") if s.passed else tr("not passed"),
                        for_=s.votes_for,
                        against=s.votes_against,
                        abstain=s.votes_abstain,
                        attended=s.attended,
                        expected=s.expected,
                    ),
                    s.note,
                    names.get(s.recorded_by, ""),
                ]
            )
    for what in ("decision", "result"):
        p = v.publications.get(what)
        if p is not None:
            history.append(
                [
                    p.published_on,
                    branch,
                    m.title,
                    tr("{what} ({where})", what=tr(WHAT[p.what]), where=_where_published(tr, p)),
                    p.body,
                    names.get(p.recorded_by, ""),
                ]
            )
    if m.state == "withdrawn" and m.closed_at is not None:
        history.append(
            [
                m.closed_at.astimezone(tz).date(),
                branch,
                m.title,
                tr("Withdrawn"),
                "",
                names.get(m.closed_by or 0, ""),
            ]
        )
    return history
