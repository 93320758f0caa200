"""Personal data kept only while it is needed (README "Privacy").

Once a day the scheduler's tick erases what has served its purpose: rejected
applications and abandoned forms after ``ZHIBU_KEEP_REJECTED_DAYS``, removed members'
contact details after ``ZHIBU_KEEP_REMOVED_DAYS``, accounts that never registered after
``ZHIBU_KEEP_STRANGERS_DAYS``, and a visit's location once the half-year bulletin that
shows it has gone out. Each job is its own short transaction and erases only what the
figures do not count, so a bulletin made before and after a run is the same; a second
run finds nothing left. On request, :func:`erase_member` takes one person's data out at
once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot import contact_days
from bot.clock import Clock
from bot.i18n import N_, translator
from bot.visits import half_year_bounds
from storage import audit
from storage import members as member_repo
from storage import retention as repo
from storage.db import Database

log = logging.getLogger(__name__)

#: What an erased member is called from then on (in the organisation's language: the
#: records are kept in Chinese, as the roster's names are).
ERASED_NAME = N_("Erased member #{id}")
RECORDS_LANGUAGE = "zh"
#: The outbox keys of the half-year contact-point bulletin (bot/reports.py).
HALF_YEAR_BULLETIN_KEY = "visit-bulletin:{start}:"
#: A half-year's locations go this many days after it ended even if its bulletin never
#: went out (the bot was down on its day, or there were no staff to send it to).
LOCATION_DAYS_AFTER_HALF_YEAR = 62


@dataclass(frozen=True)
class Keep:
    """How long each kind of personal data is kept, in days (from the settings)."""

    rejected_days: int
    removed_days: int
    strangers_days: int


@dataclass(frozen=True)
class Erased:
    applications: int = 0
    forms: int = 0
    removed_contacts: int = 0
    strangers: int = 0
    locations: int = 0

    @property
    def total(self) -> int:
        return (
            self.applications + self.forms + self.removed_contacts + self.strangers + self.locations
        )


def kept_since(clock: Clock, days: int) -> datetime:
    """What was last changed before this moment is past its time: the start of the local
    day ``days`` days ago. The job runs once a day, so "kept 30 days" erases on the 31st
    day, whatever the hour it ran on — never a day early."""
    return datetime.combine(clock.today() - timedelta(days=days), time(0), tzinfo=clock.tz)


async def run_retention(db: Database, clock: Clock, keep: Keep, admins: list[int]) -> Erased:
    """Erase whatever is past its time on the clock's today."""
    async with db.tx() as c:
        applications = await repo.forget_rejected_applications(
            c, kept_since(clock, keep.rejected_days)
        )
    async with db.tx() as c:
        forms = await repo.forget_abandoned_forms(c, kept_since(clock, keep.rejected_days))
    async with db.tx() as c:
        removed = await repo.forget_removed_contacts(c, kept_since(clock, keep.removed_days))
        await repo.forget_removed_stays(c, kept_since(clock, keep.removed_days))
    async with db.tx() as c:
        strangers = await repo.forget_strangers(c, kept_since(clock, keep.strangers_days), admins)
    located = await _forget_locations(db, clock.today())
    erased = Erased(applications, forms, removed, strangers, located)
    if erased.total:
        log.info(
            "retention: erased %d rejected application(s), %d abandoned form(s), "
            "contact details of %d removed member(s), %d unregistered account(s), "
            "%d visit location(s)",
            erased.applications,
            erased.forms,
            erased.removed_contacts,
            erased.strangers,
            erased.locations,
        )
    return erased


async def _forget_locations(db: Database, today: date) -> int:
    """A visit's location is shown in its half-year's bulletin (the spreadsheet's map
    column); once every part of that bulletin has gone out, it is no longer needed. A visit
    reaching into the next half-year keeps it until that bulletin has gone out too. A
    bulletin that never goes out keeps nothing for ever: :data:`LOCATION_DAYS_AFTER_HALF_YEAR`
    after the half-year ended, its locations go anyway. (A visit logged late, into a
    half-year whose bulletin went out already, loses its location at the next run.)"""
    async with db.read() as c:
        located = await repo.located_visits(c)
        sent: dict[str, bool] = {}
        done = []
        for visit in located:
            halves = {
                half_year_bounds(visit.day)[0],
                half_year_bounds(contact_days.last_day(visit.day, visit.days))[0],
            }
            for start in halves:
                if start.isoformat() not in sent:
                    over = (
                        half_year_bounds(start)[1] + timedelta(days=LOCATION_DAYS_AFTER_HALF_YEAR)
                        <= today
                    )
                    sent[start.isoformat()] = over or await repo.all_sent(
                        c, HALF_YEAR_BULLETIN_KEY.format(start=start.isoformat())
                    )
            if all(sent[start.isoformat()] for start in halves):
                done.append(visit.id)
    if not done:
        return 0
    async with db.tx() as c:
        return await repo.forget_locations(c, done)


async def erase_member(db: Database, clock: Clock, member_id: int) -> bool:
    """Erase one member's personal data on request; False if there is no such member.
    Recorded in the audit trail by id alone, without the erased values."""
    now = clock.now()
    placeholder = translator(RECORDS_LANGUAGE)(ERASED_NAME, id=member_id)
    async with db.tx() as c:
        if await member_repo.get_member(c, member_id) is None:
            return False
        await repo.erase_member(c, member_id, placeholder, now)
        await audit.record(c, now, "cli", "member.erase", f"member:{member_id}")
    return True
