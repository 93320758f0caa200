"""A member's study record (学习档案) for a calendar year: what they attended, studied and
wrote, with the figures first and then each of them, so a member, their secretary or
staff can get any year back — also for a member who has since left working away or the
branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot import centralised, notes
from bot.clock import Clock
from bot.i18n import Translator
from bot.markup import esc
from bot.meetings import KINDS
from storage import materials as material_repo
from storage import meetings as meeting_repo
from storage import notes as note_repo
from storage.db import Database
from storage.models import Member, StudyRecord

YEARS = 10  # years offered, newest first
SESSION_MARKS = {
    "present": "✅",
    "remote": "🌐",
    "leave": "📝",
    "leave_requested": "📝",
    "away": "🧳",
    "absent": "❌",
}


async def years(db: Database, clock: Clock, member_id: int) -> list[int]:
    """The years that can hold the member's records: from their first to this one, newest
    first (the last :data:`YEARS` of them)."""
    today = clock.today()
    async with db.read() as c:
        first = await note_repo.first_record(c, member_id)
    oldest = first.astimezone(clock.tz).year if first else today.year
    return list(range(today.year, max(oldest, today.year - YEARS + 1) - 1, -1))


async def record(db: Database, clock: Clock, member_id: int, year: int) -> StudyRecord:
    """The calendar year in the organisation's time zone: the figures and what they count,
    one by one. What is still owed is now's, so only this year's record has it."""
    start = datetime(year, 1, 1, tzinfo=clock.tz)
    end = datetime(year + 1, 1, 1, tzinfo=clock.tz)
    async with db.read() as c:
        found = await note_repo.record(c, member_id, start, end, clock.now())
        return found.model_copy(
            update={
                "notes_owed": found.notes_owed if year == clock.today().year else 0,
                "sessions": await meeting_repo.member_sessions(c, member_id, start, end),
                "materials": await material_repo.member_materials(c, member_id, start, end),
                "notes": await note_repo.member_notes(c, member_id, start, end),
            }
        )


@dataclass(frozen=True)
class Shown:
    member: Member
    year: int
    found: StudyRecord


def lines(tr: Translator, shown: Shown, today: date, tz: tzinfo) -> list[str]:
    """The figures, then each session, material and note of the year."""
    member, year, found = shown.member, shown.year, shown.found
    found_lines = [
        tr("📒 <b>Study record: {name}, {year}</b>", name=esc(member.name), year=year),
        tr(
            "Sessions attended: {attended} of {invited}",
            attended=found.sessions_attended,
            invited=found.sessions_invited,
        ),
        tr(
            "Materials studied: {studied} of {received}",
            studied=found.materials_studied,
            received=found.materials_received,
        ),
    ]
    if found.sessions_by_hand or found.materials_by_hand:
        found_lines.append(
            tr(
                "Of them recorded by hand by the secretary (代登记): {sessions} "
                "session(s), {materials} material(s)",
                sessions=found.sessions_by_hand,
                materials=found.materials_by_hand,
            )
        )
    if year == today.year:
        found_lines.append(
            tr(
                "Heartfelt notes: {written} written ({excellent} excellent), {owed} still to write",
                written=found.notes_written,
                excellent=found.notes_excellent,
                owed=found.notes_owed,
            )
        )
        if found.exemption is not None:
            found_lines.append(
                tr(
                    "Not required to write notes: {why}",
                    why=notes.exemption_text(tr, found.exemption),
                )
            )
    else:
        found_lines.append(
            tr(
                "Heartfelt notes: {written} written ({excellent} excellent)",
                written=found.notes_written,
                excellent=found.notes_excellent,
            )
        )
    duty = centralised.record_line(tr, member, found.centralised_attended, today, year)
    if duty is not None:  # the twenty are the township leadership's, no one else's
        found_lines.append(duty)
    if found.sessions:
        found_lines += ["", tr("<b>Sessions</b>")]
        found_lines += [
            f"{SESSION_MARKS[s.status]} {s.starts_at.astimezone(tz):%m-%d} "
            f"{esc(tr(KINDS[s.kind]))}：{esc(s.topic)}"
            for s in found.sessions
        ]
    if found.materials:
        found_lines += ["", tr("<b>Materials</b>")]
        for material in found.materials:
            day = f"{material.added_at.astimezone(tz):%m-%d}"
            studied = material.studied_at
            found_lines.append(
                tr(
                    "✅ {day} {title} — studied {studied}",
                    day=day,
                    title=esc(material.title),
                    studied=f"{studied.astimezone(tz):%m-%d}",
                )
                if studied
                else tr("⬜ {day} {title} — not studied", day=day, title=esc(material.title))
            )
    if found.notes:
        found_lines += ["", tr("<b>Heartfelt notes</b>")]
        found_lines += [
            ("⭐ " if n.review == "excellent" else "✍️ ")
            + f"{n.created_at.astimezone(tz):%m-%d} "
            + (esc(n.title) if n.title else tr("(no particular subject)"))
            for n in found.notes
        ]
    return found_lines
