"""Members working away as both their branches see them: the host organisation they named
(流入地党组织, "organised where they live, coordinated from home"), where they were — the
history of stays, kept when they come home — and the sessions they attended at the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.clock import Clock
from bot.homecoming import host_name, stay_text
from bot.i18n import N_, Translator
from bot.markup import esc
from bot.meetings import KINDS
from storage import stays as stay_repo
from storage.db import Database
from storage.models import Meeting, Member, Stay

ATTENDANCE = {
    "present": N_("present"),
    "remote": N_("remote"),
    "leave": N_("on leave"),
    "leave_requested": N_("leave asked"),
    "absent": N_("absent"),
    "away": N_("working away"),
}


async def host_of(db: Database, member: Member) -> str | None:
    async with db.read() as c:
        return await host_name(c, member)


async def hosted_by(db: Database, branch_id: int) -> list[tuple[Member, str]]:
    """Members of other branches working away who named this branch their host."""
    async with db.read() as c:
        return await stay_repo.hosted_by(c, branch_id)


def _year_start(clock: Clock) -> datetime:
    return datetime(clock.today().year, 1, 1, tzinfo=clock.tz)


async def attended_elsewhere(db: Database, clock: Clock, member_ids: list[int]) -> dict[int, int]:
    """member → sessions attended this year at another branch (their host)."""
    async with db.read() as c:
        return await stay_repo.attended_elsewhere(c, member_ids, _year_start(clock))


@dataclass(frozen=True)
class History:
    """Where a member was while away, and their sessions at other branches this year."""

    stays: list[tuple[Stay, str | None]]
    elsewhere: list[tuple[Meeting, str, str]]


async def history(db: Database, clock: Clock, member_id: int) -> History:
    async with db.read() as c:
        stays = [
            (stay, await host_name(c, stay)) for stay in await stay_repo.of_member(c, member_id)
        ]
        elsewhere = await stay_repo.elsewhere(c, member_id, _year_start(clock), clock.now())
    return History(stays, elsewhere)


def history_lines(tr: Translator, found: History, tz: tzinfo) -> list[str]:
    """The part of a member's record about working away; nothing if they never were."""
    if not found.stays and not found.elsewhere:
        return []
    lines = ["", tr("🧳 <b>Working away</b>")]
    lines += [f"• {stay_text(tr, stay, host, tz)}" for stay, host in reversed(found.stays)]
    if found.elsewhere:
        lines.append(tr("Sessions at a host branch this year:"))
        lines += [
            tr(
                "• {when} {kind} — {branch}: {status}",
                when=meeting.starts_at.astimezone(tz).strftime("%m-%d"),
                kind=tr(KINDS[meeting.kind]),
                branch=esc(branch),
                status=tr(ATTENDANCE.get(status, status)),
            )
            for meeting, status, branch in found.elsewhere
        ]
    return lines
