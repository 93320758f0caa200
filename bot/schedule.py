"""What is due now, derived from the database each time rather than kept in jobs.

PTB's JobQueue forgets its jobs on restart, so it only carries one repeating tick; each
tick asks the database what is due at the clock's "now" and queues it in the outbox with
keys that make a second tick (or a tick after a restart) add nothing. Tests and the demo
move the clock and call :func:`tick` themselves.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext

from bot import (
    bulletins,
    materials,
    meetings,
    notes,
    notices,
    organisation,
    personal_menus,
    reports,
    review,
    trouble,
    visits,
)
from bot.config import Settings, parse_reminder_schedule
from storage import operations as ops_repo

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def windows(settings: Settings) -> meetings.Windows:
    return meetings.Windows(before=timedelta(minutes=settings.checkin_before_minutes),
                            after=timedelta(minutes=settings.checkin_after_minutes),
                            reminder=timedelta(minutes=settings.meeting_reminder_minutes))


async def tick(services: Services) -> int:
    """Queue everything due now; returns how many messages were queued."""
    settings = services.settings
    now = services.clock.now()
    queued = await trouble.report_due(services.database, services.clock, settings)
    # Once-a-day work runs at the first tick past its hour, not every minute after it (the
    # outbox keys would make repeats harmless, but not free on a county's data).
    if now.time() >= settings.study_reminder_time and services.daily.get("study") != now.date():
        queued += await materials.queue_reminders(services.database, services.clock,
                                                  settings.study_reminder_time,
                                                  settings.study_reminder_days)
        services.daily["study"] = now.date()
    queued += await meetings.advance(services.database, services.clock, windows(settings),
                                    settings.admins, notes.NotePolicy.of(settings))
    schedule = parse_reminder_schedule(settings.visit_reminders)
    at = visits.due_today(schedule, now.date())
    if at is not None and now.time() >= at and services.daily.get("visits") != now.date():
        queued += await visits.queue_reminders(services.database, services.clock, schedule,
                                               settings.visit_quota_days)
        services.daily["visits"] = now.date()
    queued += await notices.release_due(services.database, services.clock)
    if services.daily.get("inbox") != now.date():
        await services.journal.forget_old()
        services.daily["inbox"] = now.date()
    staff = sorted(set(settings.admins) | set(await organisation.staff_ids(services.database)))
    # The outbox's own Bot knows its name (asked at start-up): the bulletin's links use it.
    bot_username = services.sender.bot.username if services.sender is not None else None
    queued += await reports.queue_half_year_bulletin(services.database, services.clock, staff,
                                                     settings.visit_quota_days, bot_username)
    queued += await bulletins.queue_scheduled(services.database, services.clock, staff,
                                              settings.bulletin_time, settings.visit_quota_days)
    queued += await review.queue_scheduled(services.database, services.clock, staff,
                                           settings.bulletin_time, settings.visit_quota_days)
    if queued:
        log.info("queued %d messages", queued)
        services.poke_outbox()
    if services.sender is not None:  # roles changed by `zhibu admin`, an import, a restart
        await personal_menus.publish_due(services.database, services.sender.bot,
                                         services.clock, settings.admins)
    # For `zhibu status`: a tick went through to its end (one that fails or hangs half-way
    # leaves the last beat growing old).
    async with services.database.write() as c:
        await ops_repo.beat(c, "tick", now)
    return queued


async def tick_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = context.bot_data.get("services")
    if services is None or services.db is None:
        return
    await tick(services)
