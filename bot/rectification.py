"""The rectification ledger (整改台账, 挂牌销号): a problem becomes an item, and is crossed
off only when the township confirms it was put right.

An item is one branch's (the unit), with a project and its goal or commitment, the
person responsible and a deadline (明确项目、目标、责任领导、时限). It is raised from a
problem found on a contact-point visit, from a branch's yearly assessment, or by staff by
hand. The person responsible — someone with a Telegram account, so the bot can write to
them — reports progress and asks to cross it off with evidence (text, photos, voice
messages, documents); township staff of the branch's township confirm (销号) or send it
back with a reason, and county staff where the township has none. Every step is a row of
the item's history, written with the change, and every message it sets off is an outbox
row of the same transaction.

Reminders are few and end, as the rules against formalism ask: at most one a week before
the deadline, one on the eve, and one the day after it passed — each item reminded at
each stage once (the stage is stamped on the item), the items of one person bundled into
one evening message. After that an overdue item is shown in the lists and in the monthly
bulletin, not sent again. The bulletin shows counts and the overdue items by branch: no
ranking, no colours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from bot import visits as visit_rules
from bot.access import Actor
from bot.callbacks import RectifyPress
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.i18n import N_, Tr
from bot.markup import esc, short, shorten
from bot.profile import InvalidInput
from bot.recipients import translator_of
from bot.spreadsheets import Sheet, title_row, workbook
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import rectifications as repo
from storage import visits as visit_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    NewRectification,
    NewRectificationEvent,
    OutboxKind,
    OutboxRow,
    Rectification,
    RectificationEvent,
    RectifySource,
    Unit,
)

PROJECT_MAX = 100
GOAL_MAX = 500
TEXT_MAX = 1000  # progress, evidence, a reason to send back
FILES_MAX = 10  # evidence files with one request to cross off
#: Days before the deadline of the first reminder; the second is on the eve.
WEEK_BEFORE = 7
EVE_BEFORE = 1
#: The evening reminder names this many items, a line each of at most REMIND_LINE_MAX
#: (and a button each); the rest are counted — so it fits a message however many share
#: an evening (tests/unit/test_rectification.py checks the sum).
REMIND_SHOWN = 8
REMIND_LINE_MAX = 300
DEADLINE_MONTHS = (1, 3)  # the deadline's buttons: in one month, in three
STAGES = ("week", "eve", "overdue")
Stage = Literal["week", "eve", "overdue"]

SOURCES: dict[str, str] = {
    "visit": N_("contact-point visit"),
    "review": N_("yearly review"),
    "staff": N_("entered by staff"),
}
STATES: dict[str, str] = {
    "open": N_("being put right"),
    "asked": N_("waiting to be crossed off"),
    "closed": N_("crossed off"),
}
EVENTS: dict[str, str] = {
    "raised": N_("raised"),
    "progress": N_("progress reported"),
    "asked": N_("asked to cross off"),
    "confirmed": N_("crossed off (销号)"),
    "sent_back": N_("sent back"),
    "deadline": N_("deadline moved"),
    "responsible": N_("person responsible changed"),
}
FILE_KINDS: dict[str, str] = {
    "photo": N_("photo"),
    "voice": N_("voice message"),
    "document": N_("document"),
}
RESULTS: dict[str, str] = {
    "not_yours": N_("This is not yours to manage."),
    "gone": N_("This item no longer exists."),
    "already": N_("This problem is already on the rectification ledger."),
    "not_open": N_("This item is not open: it waits to be crossed off, or was crossed off."),
    "not_asked": N_("Nobody asked to cross this item off, or it was decided already."),
    "closed": N_("This item was crossed off already."),
    "own": N_(
        "You are responsible for this item: someone else decides on it (crossing off, "
        "sending back, its deadline)."
    ),
    "solved": N_("This problem was marked solved already: there is nothing to rectify."),
    "same": N_("They are responsible for it already."),
    "replaced": N_(
        "This request was replaced by a newer one: decide that one (its message, or the "
        "item's card in /rectify)."
    ),
}

Result = Literal[
    "ok",
    "not_yours",
    "gone",
    "already",
    "not_open",
    "not_asked",
    "closed",
    "own",
    "solved",
    "same",
    "replaced",
]


# --- who ----------------------------------------------------------------------------------------


def may_raise(actor: Actor, branch_id: int) -> bool:
    """Staff raise items for the branches they oversee (township staff: their township's)."""
    return actor.oversees(branch_id)


def may_raise_from_visit(actor: Actor, leader_id: int, branch_id: int) -> bool:
    """A visit's problem: the leader who logged it (a leader still), and staff who oversee
    its branch."""
    return actor.oversees(branch_id) or (actor.leader and leader_id == actor.telegram_id)


def may_read(actor: Actor, item: Rectification) -> bool:
    """The card and history: staff who oversee the branch, its secretary, and the person
    responsible."""
    return (
        actor.oversees(item.branch_id)
        or item.branch_id in actor.secretary_of
        or item.responsible == actor.telegram_id
    )


def may_decide(actor: Actor, item: Rectification) -> bool:
    """Crossing off (销号), sending back, the deadline: staff who oversee the branch — but
    not the person responsible (a secretary who is township staff too), who would be
    judging their own work."""
    return actor.oversees(item.branch_id) and item.responsible != actor.telegram_id


def refusal(actor: Actor, item: Rectification) -> Result | None:
    """Why ``actor`` may not decide on the item (None: they may): the person responsible
    is told so in words of their own, anyone else that it is not theirs."""
    if may_decide(actor, item):
        return None
    if actor.oversees(item.branch_id):
        return "own"
    return "not_yours"


@dataclass(frozen=True)
class Candidate:
    telegram_id: int
    name: str
    why: Literal["secretary", "leader", "committee"]


WHY: dict[str, str] = {
    "secretary": N_("secretary"),
    "leader": N_("contact-point leader"),
    "committee": N_("committee member"),
}


async def candidates(db: Database, branch_id: int) -> list[Candidate]:
    """Who may be made responsible for an item of the branch: its secretaries, the leaders
    whose contact point it is, and its committee members — those with a Telegram account."""
    async with db.read() as c:
        secretaries = [r.telegram_id for r in await org_repo.holders(c, "secretary", branch_id)]
        leaders = [
            who
            for who in await org_repo.leaders_at(c, branch_id)
            if any(p.branch_id == branch_id for p in await org_repo.contact_points_of(c, who))
        ]
        committee = [
            m.telegram_id
            for m in await member_repo.members_with_account(c, branch_id)
            if m.committee and m.telegram_id is not None
        ]
        ordered: list[tuple[int, Literal["secretary", "leader", "committee"]]] = [
            *((who, "secretary") for who in secretaries),
            *((who, "leader") for who in leaders),
            *((who, "committee") for who in committee),
        ]
        first: dict[int, Literal["secretary", "leader", "committee"]] = {}
        for w, why in ordered:
            first.setdefault(w, why)
        unique = list(first.items())
        known = {u.telegram_id for u in await member_repo.users(c, [w for w, _ in unique])}
        names = await member_repo.names_of_users(c, [w for w, _ in unique])
    return [Candidate(w, names[w], why) for w, why in unique if w in known]


async def confirmers(
    c: Conn, branch_id: int, admins: Iterable[int], responsible: int | None = None
) -> list[int]:
    """Who is asked to cross an item off: township staff of the branch's township, else
    county staff — never the person responsible themselves (a secretary who is township
    staff too would otherwise confirm their own request)."""
    branch = await org_repo.get_unit(c, branch_id)
    if branch is not None and branch.parent_id is not None:
        township = {r.telegram_id for r in await org_repo.holders(c, "township", branch.parent_id)}
        township.discard(responsible or 0)
        if township:
            return sorted(township)
    county = {r.telegram_id for r in await org_repo.holders(c, "staff")} | set(admins)
    county.discard(responsible or 0)
    return sorted(county)


# --- reading what people typed -------------------------------------------------------------------


def parse_deadline(text: str | None, today: date) -> date:
    """A deadline typed as 2027-01-31, 01-31 or 1-31 (the next such day), from tomorrow on."""
    raw = (text or "").strip().replace("/", "-").replace(".", "-")
    parts = raw.split("-")
    try:
        if len(parts) == 3:
            day = date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            day = date(today.year, int(parts[0]), int(parts[1]))
            if day <= today:
                day = date(today.year + 1, day.month, day.day)
        else:
            raise ValueError(raw)
    except ValueError:
        raise InvalidInput(
            N_("Please type the deadline as a date, e.g. {example}."),
            example=(today + timedelta(days=30)).strftime("%Y-%m-%d"),
        ) from None
    if day <= today:
        raise InvalidInput(N_("The deadline must be after today. Please type a later date."))
    if day > today + timedelta(days=3 * 366):
        raise InvalidInput(N_("That is more than three years away. Please type a nearer date."))
    return day


def months_later(today: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it has fewer)."""
    month = today.month - 1 + months
    year, month = today.year + month // 12, month % 12 + 1
    for day in range(today.day, 0, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- changes --------------------------------------------------------------------------------------


#: Each step of an item's history as the audit trail records it (the trail's words for
#: each are checked by tests/unit/test_audit_trail.py).
AUDIT_ACTIONS: dict[str, str] = {
    "raised": "rectify.raise",
    "progress": "rectify.progress",
    "asked": "rectify.ask",
    "confirmed": "rectify.confirm",
    "sent_back": "rectify.send_back",
    "deadline": "rectify.deadline",
    "responsible": "rectify.responsible",
}


async def _record(
    c: Conn, now: datetime, item: Rectification, event: NewRectificationEvent, detail: str = ""
) -> int:
    """A step of the item's history, and its entry in the audit trail."""
    written = await repo.add_event(c, event, now)
    action = AUDIT_ACTIONS[event.kind]
    await audit.record(c, now, f"tg:{event.actor}", action, f"rectification:{item.id}", detail)
    return written.id


async def _to_decide(c: Conn, item_id: int, by: Actor) -> Rectification | Result:
    """The item, for staff who oversee its branch to decide on (cross off, send back, a new
    deadline or person responsible) — or why not: gone, not theirs, or their own."""
    item = await repo.get(c, item_id)
    if item is None:
        return "gone"
    refused = refusal(by, item)
    return item if refused is None else refused


def _to_responsible(item: Rectification, what: str, key: str, **more: Any) -> outbox_repo.Envelope:
    return outbox_repo.Envelope(
        f"rectify:{item.id}:{key}",
        item.responsible,
        OutboxKind.RECTIFY,
        item.id,
        {"what": what, **more},
    )


async def raise_item(
    db: Database, clock: Clock, new: NewRectification, by: Actor, ending: Statement | None = None
) -> tuple[Result, Rectification | None]:
    """Put the item on the ledger and tell the person responsible, in one transaction.
    The right is asked again here, where the change is made."""
    if not may_raise(by, new.branch_id) and not (
        new.source == "visit" and by.leader and new.raised_by == by.telegram_id
    ):
        return "not_yours", None
    now = clock.now()
    async with db.tx() as c:
        if new.source == "visit" and new.source_id is not None:
            visit = await visit_repo.get_visit(c, new.source_id)
            if visit is not None and visit.solved:  # an old button: solved since
                if ending is not None:
                    await ending(c)
                return "solved", None
        if new.source != "staff" and new.source_id is not None:
            found = await repo.by_source(c, new.source, new.source_id, new.branch_id)
            if found is not None:
                if ending is not None:
                    await ending(c)
                return "already", found
        if ending is not None:
            await ending(c)
        item = await repo.add(c, new, now)
        await _counted_as_told(c, item, clock.today())
        await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id, kind="raised", actor=by.telegram_id, body=new.goal
            ),
            new.project,
        )
        await outbox_repo.enqueue_new(c, [_to_responsible(item, "raised", "raised")], now)
    return "ok", item


async def already_raised(
    db: Database, source: RectifySource, source_id: int, branch_id: int
) -> Rectification | None:
    async with db.read() as c:
        return await repo.by_source(c, source, source_id, branch_id)


async def from_visits(db: Database, visit_ids: Iterable[int]) -> dict[int, Rectification]:
    """Visit → the item not crossed off raised from its problem (for /visits)."""
    async with db.read() as c:
        return await repo.open_from_visits(c, visit_ids)


async def get(db: Database, item_id: int) -> Rectification | None:
    async with db.read() as c:
        return await repo.get(c, item_id)


async def report_progress(
    db: Database, clock: Clock, item_id: int, by: Actor, text: str, ending: Statement | None = None
) -> Result:
    """The person responsible says how far the work is; kept in the item's history."""
    now = clock.now()
    async with db.tx() as c:
        item = await repo.get(c, item_id)
        if item is None:
            return "gone"
        if item.responsible != by.telegram_id:
            return "not_yours"
        if item.state == "closed":
            return "closed"
        if ending is not None:
            await ending(c)
        await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id, kind="progress", actor=by.telegram_id, body=text
            ),
        )
    return "ok"


async def ask_to_close(
    db: Database,
    clock: Clock,
    item_id: int,
    by: Actor,
    text: str,
    files: Sequence[tuple[str, str]],
    admins: Iterable[int],
    ending: Statement | None = None,
) -> Result:
    """The person responsible asks to cross the item off, with evidence; whoever confirms
    is sent the evidence's files and then the request with its buttons."""
    now = clock.now()
    async with db.tx() as c:
        item = await repo.get(c, item_id)
        if item is None:
            return "gone"
        if item.responsible != by.telegram_id:
            return "not_yours"
        if not await repo.move(c, item.id, ("open",), "asked"):
            return "not_open"
        if ending is not None:
            await ending(c)
        event = await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id,
                kind="asked",
                actor=by.telegram_id,
                body=text,
                files=json.dumps([list(f) for f in files]),
            ),
        )
        # ref_id is the branch's township: what township staff relieved of it no longer
        # get (storage.outbox.TOWNSHIP_WORK); county staff's go with their role too.
        branch = await org_repo.get_unit(c, item.branch_id)
        township = branch.parent_id if branch is not None else None
        envelopes = []
        for who in await confirmers(c, item.branch_id, admins, item.responsible):
            envelopes += [
                outbox_repo.Envelope(
                    f"rectify:{item.id}:ask:{event}:{who}:{number}",
                    who,
                    OutboxKind.RECTIFY_EVIDENCE,
                    township,
                    {"event": event, "file": number},
                )
                for number in range(len(files))
            ]
            envelopes.append(
                outbox_repo.Envelope(
                    f"rectify:{item.id}:ask:{event}:{who}",
                    who,
                    OutboxKind.RECTIFY_CHECK,
                    township,
                    {"event": event},
                )
            )
        await outbox_repo.enqueue_new(c, envelopes, now)
    return "ok"


async def confirm(
    db: Database, clock: Clock, item_id: int, by: Actor, note: str = "", asked: int | None = None
) -> Result:
    """Cross the item off (销号): staff who oversee its branch, once it was asked for. An
    item raised from a visit's problem marks that problem solved in the same transaction
    (today, ``note`` naming the crossing off, by whoever confirmed), so that /visits and
    the contact points' figures say what the ledger says."""
    now = clock.now()
    async with db.tx() as c:
        item = await _to_decide(c, item_id, by)
        if isinstance(item, str):
            return item
        if item.state == "asked" and await _replaced(c, item, asked):
            return "replaced"
        if not await repo.move(c, item.id, ("asked",), "closed", now, by.telegram_id):
            return "not_asked"
        event = await _record(
            c,
            now,
            item,
            NewRectificationEvent(item_id=item.id, kind="confirmed", actor=by.telegram_id),
        )
        if item.source == "visit" and item.source_id is not None:
            await visit_rules.solve_in(
                c, now, item.source_id, by.telegram_id, clock.today(), note or item.project
            )
        await outbox_repo.enqueue_new(
            c, [_to_responsible(item, "closed", f"closed:{event}", by=by.telegram_id)], now
        )
    return "ok"


async def may_send_back(db: Database, item_id: int, by: Actor, asked: int | None = None) -> Result:
    """Whether ``by`` may send the item back now (asked before the reason is typed)."""
    async with db.read() as c:
        item = await _to_decide(c, item_id, by)
        if isinstance(item, str):
            return item
        if item.state != "asked":
            return "not_asked"
        return "replaced" if await _replaced(c, item, asked) else "ok"


async def send_back(
    db: Database,
    clock: Clock,
    item_id: int,
    by: Actor,
    reason: str,
    ending: Statement | None = None,
    asked: int | None = None,
) -> Result:
    """Not crossed off: back to open, with the reason, and the person responsible told."""
    now = clock.now()
    async with db.tx() as c:
        item = await _to_decide(c, item_id, by)
        if isinstance(item, str):
            return item
        if item.state == "asked" and await _replaced(c, item, asked):
            return "replaced"
        if not await repo.move(c, item.id, ("asked",), "open"):
            return "not_asked"
        if ending is not None:
            await ending(c)
        event = await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id, kind="sent_back", actor=by.telegram_id, body=reason
            ),
        )
        await outbox_repo.enqueue_new(
            c, [_to_responsible(item, "back", f"back:{event}", event=event)], now
        )
    return "ok"


async def move_deadline(
    db: Database, clock: Clock, item_id: int, by: Actor, day: date, ending: Statement | None = None
) -> Result:
    """A new deadline, set by staff who oversee the branch: kept in the history (old and
    new), the person responsible told, and the reminders counted again for it."""
    now = clock.now()
    async with db.tx() as c:
        item = await _to_decide(c, item_id, by)
        if isinstance(item, str):
            return item
        if item.state == "closed":
            return "closed"
        if ending is not None:
            await ending(c)
        await repo.set_deadline(c, item.id, day)
        await _counted_as_told(
            c, item.model_copy(update={"reminded": None, "deadline": day}), clock.today()
        )
        event = await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id,
                kind="deadline",
                actor=by.telegram_id,
                old_deadline=item.deadline,
                new_deadline=day,
            ),
            f"{item.deadline.isoformat()} → {day.isoformat()}",
        )
        await outbox_repo.enqueue_new(
            c, [_to_responsible(item, "moved", f"moved:{event}", event=event)], now
        )
    return "ok"


async def change_responsible(
    db: Database,
    clock: Clock,
    item_id: int,
    by: Actor,
    person: Candidate,
    ending: Statement | None = None,
) -> Result:
    """Someone else is made responsible (the one named left, or cannot do it): staff who
    oversee the branch, from the same people an item may be raised for. A step of the
    history (who before, who now), the new person told with the item, and its reminders
    counted from now; a request to cross off waiting stays, to be decided."""
    now = clock.now()
    async with db.tx() as c:
        item = await _to_decide(c, item_id, by)
        if isinstance(item, str):
            return item
        if item.state == "closed":
            return "closed"
        if item.responsible == person.telegram_id:
            return "same"
        if ending is not None:
            await ending(c)
        await repo.set_responsible(c, item.id, person.telegram_id, person.name)
        handed = item.model_copy(
            update={
                "responsible": person.telegram_id,
                "responsible_name": person.name,
                "reminded": None,
            }
        )
        await _counted_as_told(c, handed, clock.today())
        event = await _record(
            c,
            now,
            item,
            NewRectificationEvent(
                item_id=item.id,
                kind="responsible",
                actor=by.telegram_id,
                body=f"{item.responsible_name} → {person.name}",
            ),
            f"{item.responsible} → {person.telegram_id}",
        )
        await outbox_repo.enqueue_new(
            c, [_to_responsible(handed, "handed", f"handed:{event}")], now
        )
    return "ok"


async def _counted_as_told(c: Conn, item: Rectification, today: date) -> None:
    """A deadline set within a reminder's reach: the message telling of it (raised, or
    moved) counts as that reminder, so the same evening does not remind again."""
    stage = stage_due(item.deadline, today)
    if stage in ("week", "eve"):
        await repo.set_reminded(c, item.id, stage, item.reminded)


# --- reminders ------------------------------------------------------------------------------------


def stage_due(deadline: date, today: date) -> Stage | None:
    """Which reminder an open item is due today: a week before, on the eve, the day
    after the deadline passed; None before the first."""
    left = (deadline - today).days
    if left < 0:
        return "overdue"
    if left <= EVE_BEFORE:
        return "eve"
    if left <= WEEK_BEFORE:
        return "week"
    return None


async def queue_reminders(db: Database, clock: Clock, at: time) -> int:
    """In the evening, each person responsible is sent one message naming their items
    due a word: each item at each stage once, and none after the day after its deadline.
    The stage is stamped on the item in the transaction that queues the message."""
    now = clock.now()
    today = now.date()
    if now.time() < at:
        return 0
    async with db.read() as c:
        items = await repo.due_soon(c, today + timedelta(days=WEEK_BEFORE))
    by_person: dict[int, list[tuple[Rectification, Stage]]] = {}
    for item in items:
        stage = stage_due(item.deadline, today)
        if stage is None:
            continue
        if item.reminded is not None and STAGES.index(stage) <= STAGES.index(item.reminded):
            continue
        by_person.setdefault(item.responsible, []).append((item, stage))

    Due = list[tuple[Rectification, Stage]]

    async def write(c: Conn, people: Sequence[tuple[int, Due]]) -> int:
        envelopes = []
        for person, due in people:
            marked = [
                (item, stage)
                for item, stage in due
                if await repo.set_reminded(c, item.id, stage, item.reminded)
            ]
            if not marked:
                continue
            first, stage = marked[0]
            envelopes.append(
                outbox_repo.Envelope(
                    f"rectify-remind:{person}:{today.isoformat()}:{first.id}:{stage}",
                    person,
                    OutboxKind.RECTIFY,
                    None,
                    {"what": "remind", "items": [[item.id, s] for item, s in marked]},
                )
            )
        return await outbox_repo.enqueue_new(c, envelopes, now)

    return await in_chunks(db, sorted(by_person.items()), write, 100)


# --- words ----------------------------------------------------------------------------------------


def days_word(tr: Tr, item: Rectification, today: date) -> str:
    """ "12 days left", "due today", "overdue 3 days" — or the day it was crossed off."""
    if item.state == "closed":
        return tr("crossed off")
    left = (item.deadline - today).days
    if left > 0:
        return tr("{days} days left", days=left)
    if left == 0:
        return tr("due today")
    return tr("overdue {days} days", days=-left)


def is_overdue(item: Rectification, on: date, tz: tzinfo) -> bool:
    """The one rule, for /rectify's count and the bulletin's: past its deadline on ``on``
    and not crossed off before that day — waiting for the township to confirm counts too,
    as its days word says, since only crossing off (销号) ends an item."""
    if item.closed_at is not None and item.closed_at.astimezone(tz).date() < on:
        return False
    return item.deadline < on


def overdue_days(item: Rectification, on: date) -> int:
    """Days past the deadline on ``on`` (crossed-off items: on the day crossed off)."""
    return max(0, (on - item.deadline).days)


async def names(db: Database, branch_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Branch → (township, branch) names."""
    async with db.read() as c:
        return await _names(c, branch_ids)


async def _names(c: Conn, branch_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    townships: dict[int, Unit | None] = {}
    for branch_id in sorted(set(branch_ids)):
        branch = await org_repo.get_unit(c, branch_id)
        if branch is None:
            found[branch_id] = ("", "—")
            continue
        parent = branch.parent_id or 0
        if parent not in townships:
            townships[parent] = await org_repo.get_unit(c, parent)
        township = townships[parent]
        found[branch_id] = (township.name if township else "", branch.name)
    return found


def item_lines(tr: Tr, item: Rectification, where: tuple[str, str], today: date) -> list[str]:
    """The item itself, as the person responsible and staff read it (HTML)."""
    township, branch = where
    lines = [
        tr("📌 <b>{project}</b>", project=esc(item.project)),
        tr("Branch: {branch} ({township})", branch=esc(branch), township=esc(township)),
    ]
    if item.goal:
        lines.append(tr("Goal and commitment: {goal}", goal=esc(item.goal)))
    lines += [
        tr("Responsible: {name}", name=esc(item.responsible_name)),
        tr(
            "Deadline: {day} ({left})",
            day=item.deadline.isoformat(),
            left=days_word(tr, item, today),
        ),
        tr(
            "State: {state} · from: {source}",
            state=tr(STATES[item.state]),
            source=tr(SOURCES[item.source]),
        ),
    ]
    return lines


def responsible_buttons(tr: Tr, item: Rectification) -> Buttons:
    if item.state != "open":
        return []
    return [
        [
            (tr("📝 Report progress"), RectifyPress("prog", item.id).pack()),
            (tr("✅ Ask to cross off"), RectifyPress("ask", item.id).pack()),
        ]
    ]


def decide_buttons(tr: Tr, item: Rectification, asked: int | None) -> Buttons:
    """Confirm or send back the request ``asked`` (its step's id): pressed once a newer
    request replaced it, they are refused."""
    if item.state != "asked":
        return []
    return [
        [
            (tr("✅ Confirm (销号)"), RectifyPress("ok", item.id, asked).pack()),
            (tr("↩️ Send back"), RectifyPress("back", item.id, asked).pack()),
        ]
    ]


def newest_request(history: Sequence[RectificationEvent]) -> int | None:
    asked = [e.id for e in history if e.kind == "asked"]
    return asked[-1] if asked else None


async def _replaced(c: Conn, item: Rectification, asked: int | None) -> bool:
    """Whether the request a button decides is not the newest (a button naming none was
    never one of ours)."""
    return asked is None or newest_request(await repo.events(c, [item.id])) != asked


def staff_buttons(tr: Tr, item: Rectification, asked: int | None = None) -> Buttons:
    """On the card, for staff who oversee the branch: decide a request, move the deadline,
    hand the item to someone else."""
    if item.state == "closed":
        return []
    return [
        *decide_buttons(tr, item, asked),
        [(tr("🗓 Move the deadline"), RectifyPress("due", item.id).pack())],
        [(tr("👤 Change the person responsible"), RectifyPress("who", item.id).pack())],
    ]


def event_line(tr: Tr, event: RectificationEvent, who: dict[int, str], clock: Clock) -> str:
    """One step of the history: when, who, what, and what they wrote (HTML)."""
    at = event.created_at.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M")
    what = tr(EVENTS[event.kind])
    files = [tr(FILE_KINDS.get(kind, kind)) for kind, _ in event.attachments]
    if files:
        what += f" ({'、'.join(files)})"
    if event.kind == "deadline" and event.old_deadline and event.new_deadline:
        what += f": {event.old_deadline.isoformat()} → {event.new_deadline.isoformat()}"
    line = f"{at} {esc(who.get(event.actor, str(event.actor)))}: {what}"
    if event.body:
        line += f" — {shorten(esc(event.body), 300)}"
    return line


async def card(db: Database, clock: Clock, tr: Tr, item: Rectification, actor: Actor) -> Outgoing:
    """The item with its history and the buttons this person may press."""
    async with db.read() as c:
        history = await repo.events(c, [item.id])
        where = (await _names(c, [item.branch_id]))[item.branch_id]
        who = await member_repo.names_of_users(c, sorted({e.actor for e in history}))
    lines = item_lines(tr, item, where, clock.today())
    if item.closed_at is not None:
        lines.append(
            tr("Crossed off on {day}.", day=item.closed_at.astimezone(clock.tz).date().isoformat())
        )
    lines += ["", tr("<b>History</b>")]
    shown = history[-15:]
    if len(history) > len(shown):
        lines.append(tr("({n} earlier steps in the spreadsheet)", n=len(history) - len(shown)))
    lines += [f"• {event_line(tr, e, who, clock)}" for e in shown]
    buttons: Buttons = []
    if item.responsible == actor.telegram_id:
        buttons += responsible_buttons(tr, item)
    if may_decide(actor, item):
        buttons += staff_buttons(tr, item, newest_request(history))
    return Outgoing(shorten("\n".join(lines), 4000), buttons)


# --- the outbox ---------------------------------------------------------------------------------


async def render_item(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """To the person responsible: an item raised, their reminders, crossed off, sent back."""
    tr = await translator_of(db, row.chat_id)
    what = str(row.payload.get("what"))
    today = clock.today()
    if what == "remind":
        return await _render_reminder(db, tr, row, today)
    async with db.read() as c:
        item = await repo.get(c, row.ref_id or 0)
        if item is None:
            return None
        where = (await _names(c, [item.branch_id]))[item.branch_id]
        history = await repo.events(c, [item.id])
    lines = item_lines(tr, item, where, today)
    if what in ("raised", "handed"):
        if item.state == "closed" or item.responsible != row.chat_id:
            return None  # crossed off, or handed to someone else, since
        lines = [
            tr("You are responsible for an item of the rectification ledger (整改台账):")
            if what == "raised"
            else tr(
                "You are now responsible for an item of the rectification ledger (整改台账), "
                "in place of the person named before:"
            ),
            *lines,
            tr(
                "Please report progress as the work goes on, and ask to cross it off with "
                "evidence (text, photos, voice) when it is done."
            ),
        ]
        return Outgoing("\n".join(lines), responsible_buttons(tr, item))
    if what == "closed":
        return Outgoing("\n".join([tr("✅ Crossed off (销号). Thank you."), *lines]))
    if what == "moved":
        event = next((e for e in history if e.id == int(row.payload.get("event", 0))), None)
        if event is None or event.new_deadline is None or item.state == "closed":
            return None
        return Outgoing(
            "\n".join(
                [
                    tr(
                        "🗓 The deadline was moved: {old} → {new}",
                        old=event.old_deadline.isoformat() if event.old_deadline else "—",
                        new=event.new_deadline.isoformat(),
                    ),
                    *lines,
                ]
            ),
            responsible_buttons(tr, item),
        )
    if what == "back":
        event = next((e for e in history if e.id == int(row.payload.get("event", 0))), None)
        reason = event.body if event is not None else ""
        return Outgoing(
            "\n".join(
                [
                    tr("↩️ Not crossed off yet: {reason}", reason=esc(reason)),
                    *lines,
                    tr("When it is done, ask again with the evidence."),
                ]
            ),
            responsible_buttons(tr, item),
        )
    return None


async def _render_reminder(db: Database, tr: Tr, row: OutboxRow, today: date) -> Outgoing | None:
    """One evening message for all of a person's items due a word; those crossed off or
    asked to be since it was queued are left out, and with none left it is not sent."""
    due = [(int(item_id), str(stage)) for item_id, stage in row.payload.get("items", [])]
    async with db.read() as c:
        items = [(await repo.get(c, item_id), stage) for item_id, stage in due]
        live = [(item, stage) for item, stage in items if item is not None and item.state == "open"]
        live.sort(key=lambda found: (found[0].deadline, found[0].id))  # the nearest first
        where = await _names(c, [item.branch_id for item, _ in live])
    if not live:
        return None
    lines = [tr("⏰ <b>Rectification items due</b>")]
    buttons: Buttons = []
    for item, _stage in live[:REMIND_SHOWN]:
        branch = where[item.branch_id][1]
        line = tr(
            "• {project} ({branch}) — deadline {day}, {left}",
            project=esc(item.project),
            branch=esc(branch),
            day=item.deadline.isoformat(),
            left=days_word(tr, item, today),
        )
        lines.append(shorten(line, REMIND_LINE_MAX))
        buttons.append([(short(item.project, 30), RectifyPress("card", item.id).pack())])
    if len(live) > REMIND_SHOWN:
        lines.append(tr("… and {n} more: /rectify", n=len(live) - REMIND_SHOWN))
    if any(stage == "overdue" for _, stage in live):
        lines.append(
            tr(
                "The deadline has passed: this is the last reminder. Please report progress "
                "or ask to cross it off; the township sees it as overdue."
            )
        )
    else:
        lines.append(tr("Press an item to report progress or ask to cross it off."))
    return Outgoing("\n".join(lines), buttons)


async def _asked_event(
    db: Database, event_id: int
) -> tuple[Rectification, RectificationEvent] | None:
    async with db.read() as c:
        event = await repo.event(c, event_id)
        item = await repo.get(c, event.item_id) if event is not None else None
        if event is None or item is None or item.state != "asked":
            return None
        newest = [e for e in await repo.events(c, [item.id]) if e.kind == "asked"][-1]
    return (item, event) if newest.id == event.id else None


async def render_evidence(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _asked_event(db, int(row.payload.get("event", 0)))
    if found is None:
        return None
    item, event = found
    files = event.attachments
    number = int(row.payload.get("file", 0))
    if number >= len(files):
        return None
    kind, file_id = files[number]
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr("📎 Evidence for: {project}", project=esc(short(item.project, 200))),
        media_kind=kind,
        file_id=file_id,
    )


async def render_check(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """To staff: the request to cross off, with the evidence's text, and the buttons."""
    found = await _asked_event(db, int(row.payload.get("event", 0)))
    if found is None:
        return None
    item, event = found
    tr = await translator_of(db, row.chat_id)
    where = await names(db, [item.branch_id])
    lines = [
        tr(
            "📌 <b>{name}</b> asks to cross off an item of the rectification ledger:",
            name=esc(item.responsible_name),
        ),
        *item_lines(tr, item, where[item.branch_id], clock.today()),
    ]
    if event.body:
        lines.append(tr("Evidence: {text}", text=esc(short(event.body, 1500))))
    if event.attachments:
        lines.append(tr("Files of the evidence: in the messages above."))
    lines.append(tr("Confirm to cross it off (销号), or send it back with a reason."))
    return Outgoing("\n".join(lines), decide_buttons(tr, item, event.id))


# --- lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    items: list[Rectification]
    where: dict[int, tuple[str, str]]


async def open_in_scope(db: Database, scope: frozenset[int] | None) -> Listing:
    """Items not crossed off, of these branches (None: the county), by township, branch
    and deadline."""
    async with db.read() as c:
        items = await repo.of_branches(c, scope)
        where = await _names(c, [i.branch_id for i in items])
    items.sort(key=lambda i: (where[i.branch_id], i.deadline, i.id))
    return Listing(items, where)


async def mine(db: Database, telegram_id: int) -> Listing:
    async with db.read() as c:
        items = await repo.of_responsible(c, telegram_id)
        where = await _names(c, [i.branch_id for i in items])
    return Listing(items, where)


def list_line(tr: Tr, item: Rectification, today: date, number: int) -> str:
    state = "" if item.state == "open" else f" · {tr(STATES[item.state])}"
    return tr(
        "{n}. {project} — {name}, deadline {day} ({left}){state}",
        n=number,
        project=esc(item.project),
        name=esc(item.responsible_name),
        day=item.deadline.isoformat(),
        left=days_word(tr, item, today),
        state=state,
    )


# --- the monthly bulletin ----------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The ledger of a bulletin's scope at the end of its period (or now, while it runs):
    items not crossed off, of them past their deadline, and those crossed off in it."""

    open: list[Rectification]
    overdue: list[Rectification]
    closed: list[Rectification]
    where: dict[int, tuple[str, str]]
    as_of: date
    tz: tzinfo  # the days shown are the members' days, not UTC's

    @property
    def empty(self) -> bool:
        return not (self.open or self.closed)


async def standing(
    c: Conn, clock: Clock, branches: Iterable[int] | None, start: date, end: date
) -> Standing:
    as_of = min(end, clock.today())
    finish = min(datetime.combine(end, time(0), tzinfo=clock.tz), clock.now())
    begin = datetime.combine(start, time(0), tzinfo=clock.tz)
    chosen = None if branches is None else list(branches)
    still, closed = await repo.standing_at(c, chosen, begin, finish)
    overdue = [i for i in still if is_overdue(i, as_of, clock.tz)]
    where = await _names(c, [i.branch_id for i in [*still, *closed]])
    key = lambda i: (where[i.branch_id], i.deadline, i.id)  # noqa: E731
    return Standing(
        sorted(still, key=key),
        sorted(overdue, key=key),
        sorted(closed, key=key),
        where,
        as_of,
        clock.tz,
    )


def bulletin_lines(tr: Tr, found: Standing | None) -> list[str]:
    """The bulletin's section: counts, the overdue items by township and branch with
    project, the person responsible and the deadline, and what was crossed off."""
    if found is None or found.empty:
        return []
    lines = [
        "",
        tr("<b>Rectification ledger (整改台账)</b>"),
        tr(
            "Not crossed off: {open}, of them past their deadline: {overdue}. Crossed off "
            "in the period: {closed}.",
            open=len(found.open),
            overdue=len(found.overdue),
            closed=len(found.closed),
        ),
    ]
    if found.overdue:
        lines.append(tr("Past their deadline:"))
        for item in found.overdue:
            township, branch = found.where[item.branch_id]
            lines.append(
                tr(
                    "• {township} {branch}: {project} — {name}, deadline {day}",
                    township=esc(township),
                    branch=esc(branch),
                    project=esc(item.project),
                    name=esc(item.responsible_name),
                    day=item.deadline.isoformat(),
                )
            )
    if found.closed:
        lines.append(tr("Crossed off in the period:"))
        for item in found.closed:
            township, branch = found.where[item.branch_id]
            assert item.closed_at is not None
            lines.append(
                tr(
                    "• {township} {branch}: {project} ({day})",
                    township=esc(township),
                    branch=esc(branch),
                    project=esc(item.project),
                    day=item.closed_at.astimezone(found.tz).date().isoformat(),
                )
            )
    return lines


def _moved(event: RectificationEvent) -> str:
    if event.kind != "deadline" or event.old_deadline is None or event.new_deadline is None:
        return ""
    return f"{event.old_deadline.isoformat()} → {event.new_deadline.isoformat()}"


# --- the spreadsheet ---------------------------------------------------------------------------


async def spreadsheet(
    db: Database, clock: Clock, tr: Tr, scope: frozenset[int] | None, scope_name: str
) -> bytes:
    """The whole ledger of a scope: a row per item, and its history a row per step."""
    today = clock.today()
    async with db.read() as c:
        items = await repo.ledger(c, scope)
        where = await _names(c, [i.branch_id for i in items])
        history = await repo.events(c, [i.id for i in items])
        who = await member_repo.names_of_users(c, sorted({e.actor for e in history}))
    items.sort(key=lambda i: (where[i.branch_id], i.id))
    made = clock.now()
    return workbook(
        [
            _items_sheet(
                tr,
                items,
                where,
                clock.tz,
                today,
                title_row(tr, tr("Rectification ledger"), scope=scope_name, made=made),
            ),
            _steps_sheet(
                tr,
                items,
                history,
                who,
                clock.tz,
                title_row(tr, tr("Rectification ledger: history"), scope=scope_name, made=made),
            ),
        ]
    )


def _items_sheet(
    tr: Tr,
    items: Sequence[Rectification],
    where: dict[int, tuple[str, str]],
    tz: tzinfo,
    today: date,
    title: str,
) -> Sheet:
    """A row per item, in the order given; an open item's days overdue count to today,
    a crossed-off one's to the day it was crossed off."""
    rows: list[list[object]] = []
    for item in items:
        closed_on = item.closed_at.astimezone(tz).date() if item.closed_at else None
        township, branch = where[item.branch_id]
        rows.append(
            [
                item.id,
                township,
                branch,
                tr(SOURCES[item.source]),
                item.project,
                item.goal,
                item.responsible_name,
                item.deadline,
                tr(STATES[item.state]),
                closed_on,
                overdue_days(item, closed_on or today),
            ]
        )
    return Sheet(
        tr("Items"),
        [
            tr("No."),
            tr("Township"),
            tr("Branch"),
            tr("Source"),
            tr("Project"),
            tr("Goal and commitment"),
            tr("Responsible"),
            tr("Deadline"),
            tr("State"),
            tr("Crossed off on"),
            tr("Days overdue"),
        ],
        rows,
        kinds=[
            "integer",
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "date",
            "text",
            "date",
            "integer",
        ],
        title=title,
    )


def _steps_sheet(
    tr: Tr,
    items: Sequence[Rectification],
    history: list[RectificationEvent],
    who: dict[int, str],
    tz: tzinfo,
    title: str,
) -> Sheet:
    """Every item's history, in the items sheet's order (each item's steps in turn)."""
    projects = {i.id: i.project for i in items}
    order = {i.id: number for number, i in enumerate(items)}
    history.sort(key=lambda e: (order.get(e.item_id, len(order)), e.id))
    steps: list[list[object]] = [
        [
            e.item_id,
            projects.get(e.item_id, ""),
            e.created_at.astimezone(tz).replace(tzinfo=None),
            who.get(e.actor, str(e.actor)),
            tr(EVENTS[e.kind]),
            e.body or _moved(e),
            "、".join(tr(FILE_KINDS.get(kind, kind)) for kind, _ in e.attachments),
        ]
        for e in history
    ]
    return Sheet(
        tr("Steps taken"),
        [tr("No."), tr("Project"), tr("When"), tr("Who"), tr("What"), tr("Text"), tr("Evidence")],
        steps,
        kinds=["integer", "text", "datetime", "text", "text", "text", "text"],
        title=title,
    )
