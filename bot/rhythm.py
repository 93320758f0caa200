"""Which sessions a branch is expected to hold, and by when (三会一课 and the party day).

Every month a branch committee meeting (支委会) and a party activity day (主题党日), and
a party group meeting (党小组会) where the branch has party groups; every quarter a
branch members' assembly (支部党员大会) and a party lesson (党课). Each is a *slot*: a
kind of session in one month or quarter. A slot belongs to the period that holds its
last day (its deadline), and it is held when a session of that kind took place (someone
present or remote) at any time in its month or quarter — so a quarter's assembly held
in October counts in December's bulletin, where it falls due, and never twice.

While a period is still running, the slots of the month and quarter in progress at its
end count too: "this month so far" is measured against what is due by the month's end.

A session cancelled does not fill its slot — it did not take place — nor take it away:
the guidelines ask for the session, and a storm postpones it rather than excusing it
(moving the session within its month or quarter keeps the slot). Excusing a slot on a
typed reason would let a cancellation stand in for a meeting, and a figure would then
say less than it seems to. Instead a slot left unheld whose session was cancelled shows
the reason beside the figure (:mod:`bot.bulletins`), where the reader can weigh it.
Centralised study and "other" sessions are not part of a branch's rhythm (centralised
study is the township leadership's duty, see :mod:`bot.centralised`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Literal

from storage.models import MeetingKind

Cycle = Literal["month", "quarter"]
RHYTHM: dict[MeetingKind, Cycle] = {
    "committee": "month",
    "activity_day": "month",
    "group": "month",
    "assembly": "quarter",
    "lesson": "quarter",
}
_KINDS: dict[str, MeetingKind] = {kind: kind for kind in RHYTHM}
#: Kinds expected only of branches that have party groups.
WITH_GROUPS: frozenset[MeetingKind] = frozenset({"group"})


@dataclass(frozen=True)
class Slot:
    kind: MeetingKind
    first: date  # the first day of its month or quarter


def _cycle_first(day: date, cycle: Cycle) -> date:
    month = day.month if cycle == "month" else 3 * ((day.month - 1) // 3) + 1
    return date(day.year, month, 1)


def _next_first(first: date, cycle: Cycle) -> date:
    months = first.month - 1 + (1 if cycle == "month" else 3)
    return date(first.year + months // 12, months % 12 + 1, 1)


def slots(start: date, end: date, today: date) -> list[Slot]:
    """The slots due in [start, end): deadline inside, or — in a period still running
    (``end`` after ``today``) — in progress at its end."""
    running = end > today
    found = []
    for kind, cycle in RHYTHM.items():
        first = _cycle_first(start, cycle)
        while first < end:
            after = _next_first(first, cycle)
            deadline_inside = start < after <= end  # its last day is in [start, end)
            if deadline_inside or (running and first < end < after):
                found.append(Slot(kind, first))
            first = after
    return found


def span(found: Iterable[Slot]) -> tuple[date, date] | None:
    """The days the sessions filling these slots may lie in: [first, end)."""
    firsts = [(slot.first, _next_first(slot.first, RHYTHM[slot.kind])) for slot in found]
    if not firsts:
        return None
    return min(first for first, _ in firsts), max(after for _, after in firsts)


def expected(found: list[Slot], with_groups: bool) -> list[Slot]:
    """A branch's slots: party group meetings only where it has party groups."""
    return found if with_groups else [s for s in found if s.kind not in WITH_GROUPS]


def slot_of(kind: str, starts_at: str, tz: tzinfo) -> Slot | None:
    """The slot a session of this kind at this stored start would fill (None: a kind
    outside the rhythm)."""
    known = _KINDS.get(kind)
    if known is None:
        return None
    day = datetime.fromisoformat(starts_at).astimezone(tz).date()
    return Slot(known, _cycle_first(day, RHYTHM[known]))


def held_slots(sessions: Iterable[tuple[int, str, str]], tz: tzinfo) -> dict[int, set[Slot]]:
    """branch → the slots its held sessions fill, from (branch, kind, stored start)."""
    filled: dict[int, set[Slot]] = {}
    for branch_id, kind, starts_at in sessions:
        slot = slot_of(kind, starts_at, tz)
        if slot is not None:
            filled.setdefault(branch_id, set()).add(slot)
    return filled
