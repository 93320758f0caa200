"""What is due now, derived from the database each time rather than kept in jobs.

One repeating tick (:class:`Ticker`) asks the database what is due at the clock's "now"
and queues it in the outbox with keys that make a second tick (or a tick after a
restart) add nothing. Tests and the demo move the clock and call :func:`tick` themselves.

The beat is kept on the monotonic clock, not by PTB's JobQueue: APScheduler plans its
next run as a wall-clock moment, so a system clock stepped back an hour (an NTP
correction, a restored VM) froze every reminder for that hour. Here the wait between two
ticks is measured in elapsed seconds, and only *what* is due reads the wall clock — a
step back or forward changes what is due, never whether the tick runs; work done is
stamped in the database, so a step back repeats nothing. A tick the database refuses to
write (a full disk: bot/write_faults.py) is tried again after a growing wait, without a
traceback each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import (
    bulletins,
    group_members,
    homecoming,
    leadership,
    meetings,
    notes,
    notices,
    organisation,
    outbox_pruning,
    personal_menus,
    privacy,
    rectification,
    rendered,
    reports,
    review,
    todo,
    trouble,
    visits,
)
from bot.background import BackgroundLoop
from bot.config import Settings, parse_reminder_schedule
from bot.seasons import parse_seasons
from bot.write_faults import Backoff, is_write_fault
from storage import operations as ops_repo

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)


def windows(settings: Settings) -> meetings.Windows:
    return meetings.Windows(
        before=timedelta(minutes=settings.checkin_before_minutes),
        after=timedelta(minutes=settings.checkin_after_minutes),
        reminder=timedelta(minutes=settings.meeting_reminder_minutes),
    )


def keep(settings: Settings) -> privacy.Keep:
    return privacy.Keep(
        settings.keep_rejected_days, settings.keep_removed_days, settings.keep_strangers_days
    )


async def tick(services: Services) -> int:
    """Queue everything due now; returns how many messages were queued.

    No step holds the write lock for long: each works in short transactions (a session,
    a branch, a few hundred recipients: bot/chunked.py), reading what it needs at length
    on the read connection first, so a press or the update journal waits for one piece at
    most, never for the tick."""
    settings = services.settings
    now = services.clock.now()
    queued = await trouble.report_due(services.database, services.clock, settings)
    # Once-a-day work runs at the first tick past its hour, not every minute after it (the
    # outbox keys would make repeats harmless, but not free on a county's data).
    if now.time() >= settings.study_reminder_time and services.daily.get("study") != now.date():
        queued += await todo.queue_evening(
            services.database,
            services.clock,
            settings.study_reminder_time,
            settings.study_reminder_days,
        )
        services.daily["study"] = now.date()
    if services.sender is not None:  # who is in the groups: before check-in opens
        await group_members.keep_up(services.database, services.sender.bot, services.clock)
    queued += await meetings.advance(
        services.database,
        services.clock,
        windows(settings),
        settings.admins,
        notes.NotePolicy.of(settings),
    )
    queued += (
        await meetings.queue_count_edits(
            services.database, services.clock, timedelta(seconds=settings.checkin_count_seconds)
        )
    )[0]
    schedule = parse_reminder_schedule(settings.visit_reminders)
    at = visits.due_today(schedule, now.date())
    if at is not None and now.time() >= at and services.daily.get("visits") != now.date():
        queued += await visits.queue_reminders(
            services.database, services.clock, schedule, settings.visit_quota_days
        )
        services.daily["visits"] = now.date()
    queued += await notices.release_due(services.database, services.clock)
    if (
        now.time() >= settings.study_reminder_time and services.daily.get("rectify") != now.date()
    ):  # the rectification ledger's reminders, with the evening's
        queued += await rectification.queue_reminders(
            services.database, services.clock, settings.study_reminder_time
        )
        services.daily["rectify"] = now.date()
    if now.time() >= settings.bulletin_time and services.daily.get("homecoming") != now.date():
        # In a homecoming season, the list of members back home for each branch, once.
        queued += await homecoming.queue_season_lists(
            services.database,
            services.clock,
            parse_seasons(settings.homecoming_seasons),
            settings.bulletin_time,
            settings.admins,
        )
        services.daily["homecoming"] = now.date()
    if now.time() >= settings.bulletin_time and services.daily.get("leadership") != now.date():
        # After a quarter's end, each leadership member behind the study pace, once.
        queued += await leadership.queue_behind(
            services.database, services.clock, settings.bulletin_time
        )
        services.daily["leadership"] = now.date()
    if services.daily.get("inbox") != now.date():
        await services.journal.forget_old()
        services.daily["inbox"] = now.date()
    if services.daily.get("privacy") != now.date():
        # Bulletins stored for sending, once sent: before retention, whose erasures a
        # stored spreadsheet would otherwise keep.
        await rendered.forget_sent(services.database)
        await privacy.run_retention(
            services.database, services.clock, keep(settings), settings.admins
        )
        await outbox_pruning.prune_delivered(
            services.database, services.clock, settings.keep_delivered_days
        )
        services.daily["privacy"] = now.date()
    staff = sorted(set(settings.admins) | set(await organisation.staff_ids(services.database)))
    # The outbox's own Bot knows its name (asked at start-up): the bulletin's links use it.
    bot_username = services.sender.bot.username if services.sender is not None else None
    queued += await reports.queue_half_year_bulletin(
        services.database, services.clock, staff, settings.visit_quota_days, bot_username
    )
    queued += await bulletins.queue_scheduled(
        services.database, services.clock, staff, settings.bulletin_time, settings.visit_quota_days
    )
    queued += await review.queue_scheduled(
        services.database, services.clock, staff, settings.bulletin_time, settings.visit_quota_days
    )
    if queued:
        log.info("queued %d messages", queued)
        services.poke_outbox()
    if services.sender is not None:  # roles changed by `zhibu admin`, an import, a restart
        await personal_menus.publish_due(
            services.database, services.sender.bot, services.clock, settings.admins
        )
    # For `zhibu status`: a tick went through to its end (one that fails or hangs half-way
    # leaves the last beat growing old).
    async with services.database.write() as c:
        await ops_repo.beat(c, "tick", now)
    return queued


class Ticker(BackgroundLoop):
    """Runs :func:`tick` every ``seconds`` of elapsed time (the first after ``first``),
    one at a time; started and stopped with the services."""

    task_name = "zhibu-tick"

    def __init__(self, services: Services, seconds: float, first: float = 1.0) -> None:
        super().__init__()
        self.services, self.seconds, self.first = services, seconds, first
        self.ticks = 0
        self._backoff = Backoff(services.write_faults, "scheduler")

    async def _run(self) -> None:
        await asyncio.sleep(self.first)
        while True:
            began = time.monotonic()
            every = self.seconds
            try:
                await tick(self.services)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next tick tries again; staff hear of it
                if is_write_fault(exc):  # said once for the episode; staff told after it
                    every = max(every, self._backoff.failed(exc))
                else:
                    log.exception("the scheduler's tick failed")
                    await self.services.noted("scheduler", exc)
            else:
                await self._backoff.wrote()
            self.ticks += 1
            await asyncio.sleep(max(0.0, every - (time.monotonic() - began)))
