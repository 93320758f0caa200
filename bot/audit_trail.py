"""The audit trail as people read it: each entry's action in words, in the reader's
language, with the names of the people and branches it is about.

The database keeps the codes (``visit.log``, ``tg:123``, ``branch:7``) — short, stable,
searchable; the words are made when the trail is exported, so a corrected translation
corrects every old entry too. Every action code written anywhere in the code has its
words here (a test reads the code for ``audit.record(...)`` calls and checks); an
unknown code — one from a newer version, say — is shown as the code itself.

A detail written as a JSON object of ``{"field": [before, after]}`` (see
:func:`changes`), or of ``{"before": {…}, "after": {…}}`` (a visit's, see
:func:`bot.visits.audit_detail`: ``before`` is null for a visit just logged), is shown as
"days 2 → 1"; the details the older codes write ("2026-11-03 2d", "away") have their own
readers below; anything else is shown as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
from bot.i18n import N_, Tr
from bot.meetings import KINDS as MEETING_KINDS
from bot.notices import AUDIENCES
from bot.organisation import audit_between
from bot.profile import REMOVAL_REASONS
from bot.review import GOOD_NAMES, VERDICTS
from bot.session_changes import reason_words
from bot.visits import ACTIVITIES
from storage import audit as audit_repo
from storage.audit import changes as changes  # the stored form this module reads
from storage.db import Database
from storage.models import AuditEntry, AuditNames

ACTIONS: dict[str, str] = {
    "appoint.leader": N_("Appointed a leader with a contact point"),
    "appoint.secretary": N_("Appointed a branch secretary"),
    "appoint.township": N_("Appointed township staff"),
    "application.approved": N_("Approved a request to join"),
    "application.rejected": N_("Rejected a request to join"),
    "attendance.by_hand": N_("Recorded a member present at a session by hand"),
    "attendance.by_hand_undo": N_("Took back a presence recorded by hand"),
    "group.bind": N_("Tied a group chat to a branch"),
    "group.lost": N_("The bot was removed from a branch's group chat"),
    "group.migrated": N_("A branch's group chat became a supergroup"),
    "invite.create": N_("Made an invite link"),
    "invite.revoke": N_("Revoked an invite link"),
    "material.by_hand": N_("Recorded a material studied at the door, by hand"),
    "material.by_hand_undo": N_("Took back a study recorded by hand"),
    "material.push": N_("Sent a study material"),
    "meeting.effect": N_("Recorded a session's effect"),
    "meeting.lecturer": N_("Recorded a session's lecturer"),
    "meeting.cancel": N_("Cancelled a session"),
    "meeting.move": N_("Moved a session to another time"),
    "meeting.schedule": N_("Scheduled a session"),
    "member.erase": N_("Erased a member's personal data on request"),
    "member.flow": N_("Reported working away or being back"),
    "member.committee": N_("Changed who is on a branch committee"),
    "member.host": N_("Named the host organisation where they work away"),
    "member.can_write": N_('Lifted "unable to write notes" from a member'),
    "member.no_writing": N_("Marked a member unable to write notes"),
    "member.remove": N_("Took a member off the roster"),
    "note.excellent": N_("Marked a note excellent"),
    "note.read": N_("Marked a note read"),
    "note.rewrite": N_("Asked for a note to be rewritten"),
    "note.submit": N_("Sent a heartfelt note"),
    "notice.by_hand": N_("Recorded a member told of a notice in person, by hand"),
    "notice.by_hand_undo": N_("Took back a notice told in person, recorded by hand"),
    "notice.cancel": N_("Cancelled a notice before it went out"),
    "notice.create": N_("Sent a notice"),
    "relieve.contact_point": N_("Ended a leader's contact point"),
    "review.add": N_("Added a branch to the yearly review"),
    "review.comment": N_("Commented on a branch in the yearly review"),
    "review.confirm": N_("Confirmed the yearly review's list"),
    "review.decide": N_("Decided on a branch in the yearly review"),
    "review.draft": N_("Drafted the yearly review's list of branches needing attention"),
    "review.good": N_("Assessed one of the five good in the yearly review"),
    "relieve.leader": N_("Ended a leader's role"),
    "relieve.secretary": N_("Relieved a branch secretary"),
    "relieve.township": N_("Ended someone's township staff role"),
    "roster.import": N_("Imported the roster"),
    "staff.add": N_("Made someone organisation staff"),
    "staff.remove": N_("Ended someone's organisation staff role"),
    "visit.confirm": N_("A branch secretary confirmed a contact-point visit"),
    "visit.correct": N_("Corrected a contact-point visit"),
    "visit.log": N_("Logged a contact-point visit"),
    "visit.solve": N_("Marked a problem found on a visit solved"),
    "visit.withdraw": N_("Withdrew a contact-point visit"),
    "visit.quota": N_("Set the monthly contact-point days"),
    "rectify.raise": N_("Put an item on the rectification ledger"),
    "rectify.progress": N_("Reported progress on a rectification item"),
    "rectify.ask": N_("Asked to cross off a rectification item, with evidence"),
    "rectify.confirm": N_("Crossed off a rectification item (销号)"),
    "rectify.send_back": N_("Sent a rectification item back, not crossed off"),
    "rectify.deadline": N_("Moved a rectification item's deadline"),
    "rectify.responsible": N_("Changed the person responsible for a rectification item"),
    "research.file": N_("Filed a research report (调研文章)"),
    "matter.open": N_("Opened a village matter (四议两公开)"),
    "matter.step": N_("Recorded a meeting of a village matter (四议两公开)"),
    "matter.publish": N_("Made a village matter's decision or result public"),
    "matter.withdraw": N_("Withdrew a village matter"),
}
FIELDS: dict[str, str] = {
    "days": N_("days"),
    "day": N_("day"),
    "record": N_("work record"),
    "activity": N_("work"),
    "problems": N_("problems"),
    "solved": N_("solved"),
    "state": N_("state"),
    "quota": N_("monthly days"),
    "branch_id": N_("contact point"),
    "solved_on": N_("solved on"),
    "solved_note": N_("what was done"),
    "confirmed_by": N_("confirmed by"),
    "no_writing": N_("unable to write"),
    "committee": N_("on the branch committee"),
    "effect": N_("effect"),
    "lecturer": N_("lecturer"),
    "present": N_("present"),
    "studied": N_("studied"),
    "acknowledged": N_("told"),
    "starts_at": N_("time"),
    "reason": N_("reason"),
    "host_branch_id": N_("host branch"),
    "host_name": N_("host organisation"),
    # a village matter (四议两公开)
    "title": N_("title"),
    "step": N_("step"),
    "held_on": N_("held on"),
    "votes": N_("for/against/abstain"),
    "attended": N_("present/expected"),
    "passed": N_("passed"),
    "decision_published_on": N_("decision made public on"),
    "result_published_on": N_("result made public on"),
    "in_group": N_("posted in the group"),
    "withdrawn": N_("withdrawn"),
}
STATES: dict[str, str] = {
    "active": N_("in force"),
    "withdrawn": N_("withdrawn"),
    "scheduled": N_("scheduled"),
    "open": N_("open for check-in"),
    "cancelled": N_("cancelled"),
}
WORDS_CUT = 60  # characters of a text shown on either side of "→"
OBJECTS: dict[str, str] = {
    "visit": N_("visit no. {id}"),
    "notice": N_("notice no. {id}"),
    "material": N_("material no. {id}"),
    "meeting": N_("session no. {id}"),
    "note": N_("note no. {id}"),
    "application": N_("request no. {id}"),
    "review": N_("yearly review no. {id}"),
    "rectification": N_("rectification item no. {id}"),
    "matter": N_("village matter no. {id}"),
}
NOTE_KINDS: dict[str, str] = {
    "text": N_("text"),
    "voice": N_("voice message"),
    "photo": N_("photo"),
}
UNIT_KINDS: dict[str, str] = {
    "county": N_("county"),
    "township": N_("townships"),
    "branch": N_("branches"),
    "group": N_("party groups"),
}
REFERENCE = re.compile(r"^([a-z_]+):(-?\d+)$")


@dataclass(frozen=True)
class AuditLine:
    at: datetime  # local time
    who: str
    what: str
    about: str
    detail: str
    code: str


async def lines(db: Database, clock: Clock, tr: Tr, start: date, end: date) -> list[AuditLine]:
    """The trail from ``start`` up to (not including) ``end``, in words."""
    entries = await audit_between(db, clock, start, end)
    people, members, units = _references(entries)
    async with db.read() as c:
        names = await audit_repo.names(c, people, members, units)
    return [describe(tr, entry, names, clock) for entry in entries]


def describe(tr: Tr, entry: AuditEntry, names: AuditNames, clock: Clock) -> AuditLine:
    action = tr(ACTIONS[entry.action]) if entry.action in ACTIONS else entry.action
    detail = entry.detail
    before_after = _changes(tr, entry.detail, names)
    if before_after is not None:
        action, detail = tr("{action}: {changes}", action=action, changes=before_after), ""
    elif entry.action in DETAILS:
        detail = DETAILS[entry.action](tr, entry.detail, names)
    return AuditLine(
        entry.at.astimezone(clock.tz),
        _name(tr, entry.actor, names),
        action,
        _name(tr, entry.subject, names),
        detail,
        entry.action,
    )


def _references(entries: list[AuditEntry]) -> tuple[set[int], set[int], set[int]]:
    people: set[int] = set()
    members: set[int] = set()
    units: set[int] = set()
    for entry in entries:
        texts = [entry.actor, *(_pairs_of(entry.subject) or [entry.subject]), *entry.detail.split()]
        for field, before, after in _pairs(entry.detail) or []:
            if field == "branch_id" and isinstance(after, int):
                units.add(after)
            elif field == "host_branch_id":
                units.update(v for v in (before, after) if isinstance(v, int))
            elif field == "confirmed_by" and isinstance(after, int):
                people.add(after)
        for text in texts:
            found = REFERENCE.match(text.replace("=", ":"))
            if found is None:
                continue
            kind, number = found.group(1), int(found.group(2))
            if kind in ("tg", "leader"):
                people.add(number)
            elif kind == "member":
                members.add(number)
            elif kind in ("branch", "contact_point", "township"):
                units.add(number)
    return people, members, units


def _pairs_of(reference: str) -> list[str]:
    """``review:5:branch:7`` → ``review:5``, ``branch:7`` (an entry about a part of a
    thing); empty if the reference is not made of such pairs."""
    parts = reference.split(":")
    pairs = [f"{kind}:{number}" for kind, number in zip(parts[::2], parts[1::2], strict=False)]
    if len(parts) % 2 or len(pairs) < 2 or not all(REFERENCE.match(p) for p in pairs):
        return []
    return pairs


def _name(tr: Tr, reference: str, names: AuditNames) -> str:
    """A person, member or branch by name; an object by its kind and number."""
    if reference == "cli":
        return tr("the command line")
    if reference == "telegram":
        return "Telegram"
    if reference == "everyone":
        return tr("everyone")
    found = REFERENCE.match(reference)
    if found is None:
        pairs = _pairs_of(reference)
        return tr(", ").join(_name(tr, pair, names) for pair in pairs) if pairs else reference
    kind, number = found.group(1), int(found.group(2))
    if kind in ("tg", "leader"):
        return names.people.get(number) or tr("Telegram user {id}", id=number)
    if kind == "member":
        return names.members.get(number) or tr("member no. {id}", id=number)
    if kind in ("branch", "contact_point", "township"):
        return names.units.get(number) or reference
    if kind in OBJECTS:
        return tr(OBJECTS[kind], id=number)
    return reference


_ABSENT = object()  # a field a just-logged visit had no "before" for


def _pairs(detail: str) -> list[tuple[str, object, object]] | None:
    """(field, before, after) of a detail in either JSON shape; None if it is neither."""
    if not detail.startswith("{"):
        return None
    try:
        found = json.loads(detail)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    if set(found) == {"before", "after"} and isinstance(found["after"], dict):
        before = found["before"] if isinstance(found["before"], dict) else {}
        return [
            (field, before.get(field, _ABSENT), after) for field, after in found["after"].items()
        ]
    if not all(isinstance(pair, list) and len(pair) == 2 for pair in found.values()):
        return None
    return [(field, before, after) for field, (before, after) in found.items()]


def _changes(tr: Tr, detail: str, names: AuditNames) -> str | None:
    pairs = _pairs(detail)
    if pairs is None:
        return None
    words = []
    for field, before, after in pairs:
        label = tr(FIELDS[field]) if field in FIELDS else field
        if before is _ABSENT:
            words.append(tr("{field} {value}", field=label, value=_value(tr, field, after, names)))
        else:
            words.append(
                tr(
                    "{field} {before} → {after}",
                    field=label,
                    before=_value(tr, field, before, names),
                    after=_value(tr, field, after, names),
                )
            )
    return tr("; ").join(words)


def _value(tr: Tr, field: str, value: object, names: AuditNames) -> str:
    if value is None or value == "":
        return tr("(none)")
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if isinstance(value, float):
        return f"{value:g}"
    if field in ("branch_id", "host_branch_id") and isinstance(value, int):
        return names.units.get(value, str(value))
    if field == "confirmed_by" and isinstance(value, int):
        return names.people.get(value) or tr("Telegram user {id}", id=value)
    if field == "activity" and value in ACTIVITIES:
        return tr(ACTIVITIES[value])
    if field == "state" and value in STATES:
        return tr(STATES[str(value)])
    if field == "reason" and isinstance(value, str):
        return reason_words(tr, value, value)
    text = str(value)
    return text if len(text) <= WORDS_CUT else text[:WORDS_CUT] + "…"


# --- the details older codes write --------------------------------------------------------


Detail = Callable[[Tr, str, AuditNames], str]


def _visit_log(tr: Tr, detail: str, names: AuditNames) -> str:
    found = re.fullmatch(r"(\S+) ([\d.]+)d", detail)
    return tr("{day}, {days} day(s)", day=found.group(1), days=found.group(2)) if found else detail


def _quota(tr: Tr, detail: str, names: AuditNames) -> str:
    return tr("{days} day(s) a month", days=detail)


def _flow(tr: Tr, detail: str, names: AuditNames) -> str:
    return {"away": tr("left to work elsewhere"), "back": tr("back home")}.get(detail, detail)


def _removal(tr: Tr, detail: str, names: AuditNames) -> str:
    return tr(REMOVAL_REASONS[detail]) if detail in REMOVAL_REASONS else detail


def _audience(tr: Tr, detail: str, names: AuditNames) -> str:
    """``flowing@3: 12`` — who, under which unit, and (for a push) how many."""
    found = re.fullmatch(r"(\w+)@(\d+)(?:: (\d+))?", detail)
    if found is None:
        return detail
    audience, unit, count = found.groups()
    labels: dict[str, str] = {str(key): text for key, text in AUDIENCES.items()}
    labels["all"] = N_("All members")
    words = tr(labels[audience]) if audience in labels else audience
    text = tr("{audience}, {unit}", audience=words, unit=names.units.get(int(unit), unit))
    return tr("{text}: {count} people", text=text, count=count) if count else text


def _meeting(tr: Tr, detail: str, names: AuditNames) -> str:
    kind, _, when = detail.partition(" ")
    labels: dict[str, str] = {str(key): text for key, text in MEETING_KINDS.items()}
    label = tr(labels[kind]) if kind in labels else kind
    return f"{label} {when[:16].replace('T', ' ')}".strip()


def _keyed(tr: Tr, detail: str, names: AuditNames) -> str:
    """``days=14 uses=50``, ``branch=7``, ``note=5 text``: each key in words."""
    words = []
    for part in detail.split():
        key, equals, value = part.partition("=")
        if equals and not value:
            continue
        if not value:
            words.append(tr(NOTE_KINDS[key]) if key in NOTE_KINDS else key)
        elif key in ("branch", "contact_point", "township") and value.isdigit():
            words.append(names.units.get(int(value), value))
        elif key == "member" and value.isdigit():
            words.append(names.members.get(int(value), value))
        elif key in KEYS:
            words.append(tr(KEYS[key], value=value))
        else:
            words.append(part)
    return tr("; ").join(words)


def _import(tr: Tr, detail: str, names: AuditNames) -> str:
    found = re.fullmatch(
        r"units (\S+); members \+(\d+) ~(\d+) linked (\d+) same (\d+) "
        r"absent (\d+)",
        detail,
    )
    if found is None:
        return detail
    units, added, changed, linked, same, absent = found.groups()
    created = tr("; ").join(
        tr(
            "{kind} +{count}",
            kind=tr(UNIT_KINDS[kind]) if kind in UNIT_KINDS else kind,
            count=count,
        )
        for kind, _, count in sorted(
            (part.partition("+") for part in units.split(",")), key=lambda found: _order(found[0])
        )
        if count
    )
    return tr(
        "new units: {units}; members added {added}, changed {changed}, linked to their "
        "accounts {linked}, unchanged {same}, not in the files {absent}",
        units=created or "0",
        added=added,
        changed=changed,
        linked=linked,
        same=same,
        absent=absent,
    )


def _order(kind: str) -> int:
    """County, townships, branches, groups: the tree from the top."""
    return list(UNIT_KINDS).index(kind) if kind in UNIT_KINDS else len(UNIT_KINDS)


KEYS: dict[str, str] = {
    "days": N_("valid {value} days"),
    "uses": N_("up to {value} people"),
    "note": N_("note no. {value}"),
    "application": N_("request no. {value}"),
    "chat": N_("chat {value}"),
}


def _good(tr: Tr, detail: str, names: AuditNames) -> str:
    """``good_team yes``: which of the five good, and the answer."""
    item, _, answer = detail.partition(" ")
    words = {"yes": tr("yes"), "no": tr("no")}
    return tr(
        "{item}: {answer}",
        item=tr(GOOD_NAMES[item]) if item in GOOD_NAMES else item,
        answer=words.get(answer, answer),
    )


def _decision(tr: Tr, detail: str, names: AuditNames) -> str:
    """``attention; five good yes,no,…; comment: …``: the decision, the five answers."""
    found = re.fullmatch(r"(\w+); five good ([\w,]*); comment: (.*)", detail, re.S)
    if found is None:
        return detail
    verdict, goods, comment = found.groups()
    labels: dict[str, str] = {str(key): text for key, text in VERDICTS.items()}
    answers = [tr("yes") if answer == "yes" else tr("no") for answer in goods.split(",") if answer]
    words = [
        tr(labels[verdict]) if verdict in labels else verdict,
        tr("five good: {answers}", answers="/".join(answers)),
    ]
    if comment:
        words.append(comment)
    return tr("; ").join(words)


DETAILS: dict[str, Detail] = {
    "review.good": _good,
    "review.decide": _decision,
    "visit.log": _visit_log,
    "visit.quota": _quota,
    "member.flow": _flow,
    "member.remove": _removal,
    "notice.create": _audience,
    "material.push": _audience,
    "meeting.schedule": _meeting,
    "invite.create": _keyed,
    "note.submit": _keyed,
    "application.approved": _keyed,
    "application.rejected": _keyed,
    "group.bind": _keyed,
    "appoint.secretary": _keyed,
    "appoint.leader": _keyed,
    "relieve.secretary": _keyed,
    "relieve.contact_point": _keyed,
    "relieve.leader": _keyed,
    "appoint.township": _keyed,
    "relieve.township": _keyed,
    "roster.import": _import,
}
