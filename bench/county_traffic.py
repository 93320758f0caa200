"""The outbox rows a month of a county's life sends, for the generated data sets.

Estimated from the bot's own kinds of message and the rhythm of the DOMAIN, over the
generator's model of a county (bench/bulletin.py: two sessions a month per branch, every
member invited, a material and a notice a month to everyone):

- per session: its notice in the branch group; two reminders (the day before, the hour
  before) to every invited member with Telegram; the check-in post, and privately to the
  one in ten not known to be in the group; about ten edits of the live count and the last
  one at closing; the summary; the record to the secretary; a note request to each who
  attended and is not exempt;
- per month: the material and the notice (written by the generator itself), one reminder
  of the notice to the fifth who did not acknowledge it, the evening reminders (those who
  have not studied, two evenings), the monthly bulletin to five staff in two parts and the
  leaders' visit reminders twice.

About 290,000 rows a month, 3.4 million a year. Payloads are the renderers' own (a few
dozen bytes of JSON); one message in thirty-three ends unreachable, with Telegram's words.
Every row is finished on the day it was queued, with a Telegram message id.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import bulk
import common  # noqa: F401  (puts the project on the path, as every benchmark does)

from storage.db import Conn
from storage.rows import ts

TZ = ZoneInfo("Asia/Shanghai")
BLOCKED = "Forbidden: bot was blocked by the user"
COLUMNS = (
    "id",
    "key",
    "chat_id",
    "kind",
    "ref_id",
    "payload",
    "state",
    "attempts",
    "message_id",
    "error",
    "created_at",
    "done_at",
)
STAFF = (900_500, 900_501, 900_502, 900_503, 900_504)
LEADERS = range(900_000, 900_100)


def _at(day: date, hour: int, minute: int = 0) -> str:
    return ts(datetime.combine(day, time(hour, minute), tzinfo=TZ))


Row = tuple[object, ...]


def month_of_outbox(
    rng: random.Random,
    month: date,
    sessions: list[tuple[int, int, date]],
    people: dict[int, list[int]],
    notice: int,
) -> dict[date, list[Row]]:
    """The month's rows (besides the material and the notice) by the day they were
    finished; those finished before the month (a session's notice a week ahead) on its
    first day."""
    days: dict[date, list[Row]] = {}
    for row in _rows(rng, month, sessions, people, notice):
        day = max(month, date.fromisoformat(str(row[-1])[:10]))
        days.setdefault(day, []).append(row)
    return days


async def insert(c: Conn, rows: list[Row]) -> None:
    first = await bulk.last_id(c, "outbox") + 1
    await bulk.insert(c, "outbox", COLUMNS, [(first + i, *row) for i, row in enumerate(rows)])


def _row(
    rng: random.Random,
    key: str,
    chat: int,
    kind: str,
    ref: int | None,
    payload: dict[str, object],
    at: str,
) -> Row:
    blocked = rng.random() < 0.03
    return (
        key,
        chat,
        kind,
        ref,
        json.dumps(payload, ensure_ascii=False),
        "unreachable" if blocked else "sent",
        1,
        None if blocked else rng.randint(1, 10**6),
        BLOCKED if blocked else None,
        at,
        at,
    )


def _rows(
    rng: random.Random,
    month: date,
    sessions: list[tuple[int, int, date]],
    people: dict[int, list[int]],
    notice: int,
) -> Iterator[Row]:
    for meeting, branch, day in sessions:
        group = -1_000_000_000_000 - branch
        members = people[branch]
        yield _row(
            rng,
            f"meeting:{meeting}:notice",
            group,
            "meeting_notice",
            meeting,
            {},
            _at(day - timedelta(days=7), 10),
        )
        for which, at in (("day", _at(day - timedelta(days=1), 19)), ("hour", _at(day, 18))):
            for m in members:
                yield _row(
                    rng,
                    f"meeting:{meeting}:{which}:member:{m}",
                    10_000 + m,
                    "meeting_reminder",
                    meeting,
                    {"which": which, "member": m, "moves": 0},
                    at,
                )
        yield _row(
            rng,
            f"meeting:{meeting}:open",
            group,
            "meeting_open",
            meeting,
            {"moves": 0},
            _at(day, 18, 30),
        )
        for m in members[::10]:
            yield _row(
                rng,
                f"meeting:{meeting}:open:member:{m}",
                10_000 + m,
                "meeting_open",
                meeting,
                {"member": m, "moves": 0},
                _at(day, 18, 30),
            )
        for edit in range(1, 11):
            yield _row(
                rng,
                f"meeting:{meeting}:count:{edit}",
                group,
                "meeting_count",
                meeting,
                {},
                _at(day, 18, 30 + 2 * edit),
            )
        yield _row(
            rng,
            f"meeting:{meeting}:count:closed",
            group,
            "meeting_count",
            meeting,
            {"closed": True},
            _at(day, 20),
        )
        yield _row(
            rng, f"meeting:{meeting}:summary", group, "meeting_summary", meeting, {}, _at(day, 20)
        )
        yield _row(
            rng,
            f"meeting:{meeting}:record",
            10_000 + members[0],
            "meeting_record",
            meeting,
            {},
            _at(day, 20),
        )
        for m in members:
            if rng.random() < 0.6:  # attended, and not exempt from notes
                subject = f"meeting:{meeting}"
                yield _row(
                    rng,
                    f"note-request:{subject}:member:{m}",
                    10_000 + m,
                    "note_request",
                    m,
                    {"subject": subject, "title": "学习"},
                    _at(day, 20),
                )
    everyone = [m for group in people.values() for m in group]
    reminded = month + timedelta(days=6)
    for m in everyone:
        if rng.random() < 0.2:
            yield _row(
                rng,
                f"notice:{notice}:remind:{10_000 + m}",
                10_000 + m,
                "notice_reminder",
                notice,
                {},
                _at(reminded, 10),
            )
    for evening in (month + timedelta(days=12), month + timedelta(days=14)):
        for m in everyone:
            if rng.random() < 0.3:
                yield _row(
                    rng,
                    f"study-reminder:{m}:{evening.isoformat()}",
                    10_000 + m,
                    "study_reminder",
                    m,
                    {"day": evening.isoformat(), "lead": 2},
                    _at(evening, 20),
                )
    for person in STAFF:
        for part in range(2):
            yield _row(
                rng,
                f"bulletin:month:{month.isoformat()}:{person}:{part}",
                person,
                "bulletin",
                1,
                {"rendered": f"bulletin:month:{month.isoformat()}", "part": part},
                _at(month, 9),
            )
    for day in (month + timedelta(days=14), month + timedelta(days=25)):
        for leader in LEADERS:
            yield _row(
                rng,
                f"visit-reminder:{leader}:{day.isoformat()}",
                leader,
                "visit_reminder",
                None,
                {"remaining": 2.0, "quota": 3.0, "done": 1.0},
                _at(day, 9),
            )
