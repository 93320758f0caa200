"""Operators hear of trouble: an error in a handler or in the sender is stored and reported
to staff — one message at most every ``ZHIBU_ERROR_REPORT_MINUTES``, with the count of
errors since the last report and the latest one.

The report is an outbox row, queued in the transaction that stores the error, so it
survives a crash and keeps to Telegram's limits like any message; it goes to staff who have
opened the bot. The rate limit lives in the database (when the last report went out), so
it holds across a storm of errors and across restarts: the first error of a quiet spell is
reported at once, the ones after it are counted, and the scheduler's tick sends their
summary when the interval is over. The message says what kind of error and where, never
the token; the log has the update's id and kind and the traceback.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from bot import logs, organisation
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Outgoing
from bot.markup import esc
from bot.recipients import translator_of
from storage import members as member_repo
from storage import operations as ops_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database
from storage.models import OutboxKind, OutboxRow

log = logging.getLogger(__name__)

KEEP = timedelta(days=30)  # reported errors are kept this long (`zhibu status` counts a day)
SUMMARY_LIMIT = 200
BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


def summarise(error: BaseException) -> str:
    """The error's type and first line, short, with the secrets (and anything shaped like
    a bot token) taken out."""
    first = next(iter(str(error).strip().splitlines()), "")
    text = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return BOT_TOKEN.sub(logs.HIDDEN, logs.scrub(text))[:SUMMARY_LIMIT]


async def noted(
    db: Database,
    clock: Clock,
    settings: Settings,
    source: str,
    error: BaseException,
    context: str = "",
) -> int:
    """Store one error and report now if the last report is old enough; returns the
    messages queued (0 while the interval runs). Never raises: it runs in error paths."""
    try:
        staff = await _staff(db, settings)
        now = clock.now()
        async with db.tx() as c:
            await ops_repo.add_fault(c, source, context, summarise(error), now)
            return await _report_if_due(c, now, staff, settings)
    except Exception:
        log.exception("could not record the error for the staff's report")
        return 0


async def report_due(db: Database, clock: Clock, settings: Settings) -> int:
    """From the scheduler's tick: the summary of errors counted since the last report,
    once the interval is over."""
    staff = await _staff(db, settings)
    now = clock.now()
    async with db.tx() as c:
        queued = await _report_if_due(c, now, staff, settings)
        await ops_repo.forget_faults(c, now - KEEP)
    return queued


async def _staff(db: Database, settings: Settings) -> list[int]:
    return sorted(set(settings.admins) | set(await organisation.staff_ids(db)))


async def _report_if_due(c: Conn, now: datetime, staff: list[int], settings: Settings) -> int:
    last = await ops_repo.last_report(c)
    if last is not None and now - last < timedelta(minutes=settings.error_report_minutes):
        return 0
    pending = await ops_repo.pending_faults(c)
    recipients = await member_repo.reachable(c, staff)
    if pending is None or not recipients:
        return 0  # kept for when someone can be told
    await ops_repo.mark_reported(c, pending.last_id, now)
    payload = {
        "count": pending.count,
        "since": pending.first_at.isoformat(),
        "at": pending.latest_at.isoformat(),
        "source": pending.latest_source,
        "context": pending.latest_context,
        "summary": pending.latest_summary,
    }
    await outbox_repo.enqueue(
        c,
        [
            outbox_repo.Envelope(
                f"trouble:{pending.last_id}:{person}",
                person,
                OutboxKind.TROUBLE,
                pending.last_id,
                payload,
            )
            for person in recipients
        ],
        now,
    )
    return len(recipients)


async def render_trouble(db: Database, clock: Clock, row: OutboxRow) -> Outgoing:
    tr = await translator_of(db, row.chat_id)
    p = row.payload
    context, source = str(p["context"]), p["source"]

    def local(moment: object) -> str:
        return datetime.fromisoformat(str(moment)).astimezone(clock.tz).strftime("%m-%d %H:%M")

    if source == "database":  # bot/write_faults.py: the context is how long, in seconds
        where = tr(
            "while writing to the database, which refused every write for {seconds} s (a "
            "full disk, or one that cannot be written?); the bot waited and went on, "
            "updates and messages held meanwhile",
            seconds=esc(context),
        )
    elif source == "scheduler":
        where = tr("in the scheduler (reminders, check-in posts, bulletins)")
    elif source == "sender":
        where = (
            tr("while sending a message ({kind})", kind=esc(context))
            if context
            else tr("in the outbox sender")
        )
    elif context.startswith("/"):
        where = tr("while handling {command}", command=esc(context))
    elif context:
        where = tr("while handling a press of a button ({kind})", kind=esc(context))
    else:
        where = tr("while handling a message")
    return Outgoing(
        tr(
            "⚠️ <b>Errors in the bot</b>: {count} since {since}.\nThe latest, at {time}, "
            "{where}:\n<code>{summary}</code>\nThe bot's log has the details.",
            count=p["count"],
            since=local(p["since"]),
            time=local(p["at"]),
            where=where,
            summary=esc(str(p["summary"])),
        )
    )
