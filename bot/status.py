"""`zhibu status`: how the running bot is doing, read from its database, and whether it is
stuck — for an operator, and for a service manager's health check (exit code).

The bot runs in another process, so everything comes from what it writes anyway or cheaply:
the outbox (queued rows, when the last one finished), the journal of updates (when the last
one was handled, which are waiting), and one heartbeat row the scheduler's tick updates.

Stuck means one of these, each a sign that nothing moves rather than that much is to do:

* the scheduler has not ticked for three ticks (at least three minutes): the bot is not
  running, or its event loop is hung;
* messages have been waiting longer than ``ZHIBU_STUCK_MINUTES`` and none was sent (or
  given up) in that time: the sender is not draining the outbox — a long push that is
  moving is not stuck;
* an update has been waiting to be handled longer than ``ZHIBU_STUCK_MINUTES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Tr
from storage import operations as ops_repo
from storage.db import Database
from storage.models import Health

FAILED_WINDOW = timedelta(hours=24)
MISSED_TICKS = 3
MIN_TICK_SILENCE = timedelta(minutes=3)


@dataclass(frozen=True)
class Status:
    lines: list[str]
    stuck: list[str]  # why it is stuck; empty when all is well


async def read(db: Database, clock: Clock) -> Health:
    async with db.read() as c:
        return await ops_repo.health(c, clock.now() - FAILED_WINDOW)


def assess(health: Health, clock: Clock, settings: Settings, tr: Tr) -> Status:
    now = clock.now()

    def local(moment: datetime) -> str:
        return moment.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M:%S")

    def ago(moment: datetime) -> str:
        seconds = max(0, int((now - moment).total_seconds()))
        if seconds < 120:
            return tr("{n} s ago", n=seconds)
        if seconds < 120 * 60:
            return tr("{n} min ago", n=seconds // 60)
        if seconds < 48 * 3600:
            return tr("{n} h ago", n=seconds // 3600)
        return tr("{n} days ago", n=seconds // 86400)

    def when(moment: datetime | None, never: str) -> str:
        if moment is None:
            return never
        return tr("{time} ({ago})", time=local(moment), ago=ago(moment))

    lines = [tr("zhibu status at {time}", time=local(now))]
    waiting = tr("Messages waiting to be sent: {count}", count=health.queued)
    if health.oldest_queued_at is not None:
        waiting += tr(", the oldest since {when}", when=when(health.oldest_queued_at, ""))
    lines.append(waiting)
    none_yet, never = tr("none yet"), tr("never")
    lines.append(tr("Last message sent: {when}", when=when(health.last_finished_at, none_yet)))
    lines.append(
        tr(
            "Failed in the last {hours} hours: {rows} messages, {errors} errors in the bot",
            hours=round(FAILED_WINDOW / timedelta(hours=1)),
            rows=health.failed_rows,
            errors=health.errors,
        )
    )
    lines.append(tr("Last update handled: {when}", when=when(health.last_update_at, none_yet)))
    lines.append(tr("Updates waiting to be handled: {count}", count=health.unfinished_updates))
    lines.append(tr("Last scheduler tick: {when}", when=when(health.last_tick_at, never)))

    stuck: list[str] = []
    limit = timedelta(minutes=settings.stuck_minutes)
    silence = max(MISSED_TICKS * timedelta(seconds=settings.tick_seconds), MIN_TICK_SILENCE)
    if health.last_tick_at is None:
        stuck.append(tr("the scheduler has never ticked: is the bot running?"))
    elif now - health.last_tick_at > silence:
        stuck.append(
            tr(
                "the scheduler last ticked {ago}: the bot is not running, or hung",
                ago=ago(health.last_tick_at),
            )
        )
    if (
        health.oldest_queued_at is not None
        and now - health.oldest_queued_at > limit
        and (health.last_finished_at is None or now - health.last_finished_at > limit)
    ):
        stuck.append(
            tr(
                "{count} message(s) waiting, none sent for {minutes} minutes",
                count=health.queued,
                minutes=settings.stuck_minutes,
            )
        )
    if health.oldest_unfinished_at is not None and now - health.oldest_unfinished_at > limit:
        stuck.append(
            tr(
                "an update has waited more than {minutes} minutes to be handled",
                minutes=settings.stuck_minutes,
            )
        )
    return Status(lines, stuck)
