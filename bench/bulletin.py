"""Benchmark: a quarterly county bulletin over a county-sized data set.

Generates (once, cached under bench/data/) 30,000 members in 600 branches with two
years of sessions and attendance, materials and who studied them, notes asked and
written, leaders' visits and notices with receipts; then, in a fresh process as the bot
would, builds the last quarter's county bulletin with all three parts (message, XLSX,
PNG) and reports the time, that process's peak resident memory, and the database size.
Goals: under 2 seconds and under 300 MB.

    python bench/bulletin.py [--members 30000] [--branches 600] [--regenerate]
                             [--years 2] [--with-outbox]

``--with-outbox`` adds the outbox rows a real year sends (bench/county_traffic.py), never
pruned; bench/county_year.py builds a year with the daily pruning.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import bulk
import county_traffic
from common import ROOT

from storage.db import Database
from storage.rows import ts

DATA = ROOT / "bench" / "data"
TZ = ZoneInfo("Asia/Shanghai")
END = date(2026, 10, 1)  # the bulletin covers 2026-07-01 .. 2026-09-30
START = date(2024, 10, 1)  # two years of history before it
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _moment(day: date, hour: int = 19) -> str:
    return ts(datetime(day.year, day.month, day.day, hour, tzinfo=TZ))


#: Called after each day's outbox traffic is written, with the database and the day
#: (bench/county_year.py runs the daily pruning there).
AfterDay = Callable[[Database, date], Awaitable[None]]


async def generate(
    path: Path,
    members: int,
    branches: int,
    *,
    years: int = 2,
    with_outbox: bool = False,
    after_day: AfterDay | None = None,
) -> None:
    """The county's data of ``years`` years before END. ``with_outbox``: also the outbox
    rows a real year sends (bench/county_traffic.py), written day by day, and materials'
    recipients tied to their rows."""
    rng = random.Random(20261001)
    db = await Database.open(path)
    now = _moment(END, 9)
    start = date(END.year - years, END.month, END.day)
    try:
        async with db.tx() as c:
            await bulk.insert(
                c,
                "units",
                ("id", "kind", "name", "parent_id", "created_at"),
                [(1, "county", "青山县", None, now)],
            )
            townships = max(1, branches // 30)
            await bulk.insert(
                c,
                "units",
                ("id", "kind", "name", "parent_id", "created_at"),
                [(2 + t, "township", f"第{t + 1}乡镇", 1, now) for t in range(townships)],
            )
            branch_ids = list(range(1000, 1000 + branches))
            await bulk.insert(
                c,
                "units",
                ("id", "kind", "name", "parent_id", "created_at"),
                [
                    (b, "branch", f"第{i + 1}村党支部", 2 + i % townships, now)
                    for i, b in enumerate(branch_ids)
                ],
            )
            people: dict[int, list[int]] = {b: [] for b in branch_ids}
            member_rows, user_rows = [], []
            for m in range(1, members + 1):
                branch = branch_ids[m % branches]
                people[branch].append(m)
                user_rows.append((10_000 + m, "", now, now))
                member_rows.append(
                    (
                        m,
                        branch,
                        _name(rng),
                        1950 + rng.randint(0, 55),
                        "full",
                        10_000 + m,
                        "active",
                        int(rng.random() < 0.2),
                        now,
                        now,
                    )
                )
            await bulk.insert(
                c, "users", ("telegram_id", "first_name", "started_at", "created_at"), user_rows
            )
            await bulk.insert(
                c,
                "members",
                (
                    "id",
                    "branch_id",
                    "name",
                    "birth_year",
                    "status",
                    "telegram_id",
                    "state",
                    "flowing",
                    "created_at",
                    "updated_at",
                ),
                member_rows,
            )
        # Two sessions a month per branch, with attendance.
        meeting_id = 0
        months = [
            (start.replace(day=1) + timedelta(days=31 * i)).replace(day=1)
            for i in range(12 * years)
        ]
        sessions: dict[date, list[tuple[int, int, date]]] = {month: [] for month in months}
        for month in months:
            meetings, attendance = [], []
            for branch in branch_ids:
                for _ in range(2):
                    meeting_id += 1
                    day = month + timedelta(days=rng.randint(0, 27))
                    sessions[month].append((meeting_id, branch, day))
                    meetings.append(
                        (
                            meeting_id,
                            branch,
                            "lesson",
                            _moment(day),
                            "村委会",
                            "学习",
                            0,
                            "closed",
                            1,
                            now,
                        )
                    )
                    for member in people[branch]:
                        attendance.append(
                            (
                                meeting_id,
                                member,
                                rng.choices(["present", "remote", "leave", "absent"], [7, 1, 1, 1])[
                                    0
                                ],
                                now,
                            )
                        )
            async with db.tx() as c:
                await bulk.insert(
                    c,
                    "meetings",
                    (
                        "id",
                        "branch_id",
                        "kind",
                        "starts_at",
                        "place",
                        "topic",
                        "remote_allowed",
                        "state",
                        "created_by",
                        "created_at",
                    ),
                    meetings,
                )
                await bulk.insert(
                    c, "attendance", ("meeting_id", "member_id", "status", "at"), attendance
                )
        # A material a month to everyone, notes asked of a third, a notice a month.
        all_members = [m for group in people.values() for m in group]
        for index, month in enumerate(months, start=1):
            added = _moment(month + timedelta(days=3))
            async with db.tx() as c:
                await bulk.insert(
                    c,
                    "materials",
                    ("id", "scope_unit_id", "audience", "title", "created_by", "created_at"),
                    [(index, 1, "all", f"材料{index}", 1, added)],
                )
                pushed: dict[int, int | None] = dict.fromkeys(all_members)
                if with_outbox:
                    first = await bulk.last_id(c, "outbox") + 1
                    await bulk.insert(
                        c,
                        "outbox",
                        (
                            "id",
                            "key",
                            "chat_id",
                            "kind",
                            "ref_id",
                            "state",
                            "attempts",
                            "message_id",
                            "created_at",
                            "done_at",
                        ),
                        [
                            (
                                first + i,
                                f"material:{index}:member:{m}",
                                10_000 + m,
                                "material",
                                index,
                                "sent",
                                1,
                                1000 + i,
                                added,
                                added,
                            )
                            for i, m in enumerate(all_members)
                        ],
                    )
                    pushed = {m: first + i for i, m in enumerate(all_members)}
                await bulk.insert(
                    c,
                    "material_recipients",
                    ("material_id", "member_id", "outbox_id", "studied_at", "added_at"),
                    [
                        (index, m, pushed[m], added if rng.random() < 0.7 else None, added)
                        for m in all_members
                    ],
                )
                asked = [m for m in all_members if rng.random() < 0.33]
                await bulk.insert(
                    c,
                    "note_requests",
                    ("member_id", "subject", "title", "asked_at"),
                    [(m, f"material:{index}", f"材料{index}", added) for m in asked],
                )
                await bulk.insert(
                    c,
                    "notes",
                    ("member_id", "subject", "title", "kind", "body", "created_at"),
                    [
                        (m, f"material:{index}", "", "text", "心得", added)
                        for m in asked
                        if rng.random() < 0.6
                    ],
                )
                await bulk.insert(
                    c,
                    "notices",
                    (
                        "id",
                        "sender",
                        "scope_unit_id",
                        "audience",
                        "body",
                        "send_at",
                        "state",
                        "created_at",
                    ),
                    [(index, 1, 1, "everyone", "通知", added, "sent", added)],
                )
                first = await bulk.last_id(c, "outbox") + 1
                await bulk.insert(
                    c,
                    "outbox",
                    ("id", "key", "chat_id", "kind", "ref_id", "state", "created_at", "done_at"),
                    [
                        (
                            first + i,
                            f"notice:{index}:to:{10_000 + m}",
                            10_000 + m,
                            "notice",
                            index,
                            "sent",
                            added,
                            added if with_outbox else None,
                        )
                        for i, m in enumerate(all_members)
                    ],
                )
                await bulk.insert(
                    c,
                    "notice_recipients",
                    (
                        "notice_id",
                        "telegram_id",
                        "name",
                        "branch_id",
                        "outbox_id",
                        "acknowledged_at",
                    ),
                    [
                        (
                            index,
                            10_000 + m,
                            "",
                            branch_ids[m % branches],
                            first + i,
                            added if rng.random() < 0.8 else None,
                        )
                        for i, m in enumerate(all_members)
                    ],
                )
            if with_outbox:
                traffic = county_traffic.month_of_outbox(rng, month, sessions[month], people, index)
                day = month
                while day.month == month.month:
                    async with db.tx() as c:
                        await county_traffic.insert(c, traffic.get(day, []))
                    if after_day is not None:
                        await after_day(db, day)
                    day += timedelta(days=1)
        # A hundred leaders, each with a contact point, visiting most months.
        async with db.tx() as c:
            leaders = [(900_000 + i, branch_ids[(i * 7) % branches]) for i in range(100)]
            await bulk.insert(
                c,
                "roles",
                ("telegram_id", "role", "granted_at"),
                [(leader, "leader", now) for leader, _ in leaders],
            )
            await bulk.insert(
                c,
                "contact_points",
                ("leader_telegram_id", "branch_id", "assigned_at"),
                [(leader, branch, now) for leader, branch in leaders],
            )
            await bulk.insert(
                c,
                "visits",
                (
                    "leader_telegram_id",
                    "branch_id",
                    "day",
                    "days",
                    "activity",
                    "created_at",
                    "updated_at",
                ),
                [
                    (
                        leader,
                        branch,
                        (month + timedelta(days=rng.randint(0, 27))).isoformat(),
                        rng.choice([1.0, 2.0, 3.0]),
                        "research",
                        now,
                        now,
                    )
                    for leader, branch in leaders
                    for month in months
                    if rng.random() < 0.8
                ],
            )
    finally:
        await db.close()


MEASURE = """
import asyncio, json, resource, sys, time
from datetime import date
sys.path.insert(0, {root!r})
from bot import bulletins
from bot.clock import Clock
from bot.i18n import translator
from storage.db import Database

async def main():
    db = await Database.open({path!r})
    started = time.perf_counter()
    bulletin = await bulletins.build(db, Clock(), 1, date(2026, 7, 1), date(2026, 10, 1), 3.0)
    built = time.perf_counter()
    parts = bulletins.parts(translator("zh"), bulletin)
    finished = time.perf_counter()
    await db.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"query_seconds": built - started, "total_seconds": finished - started,
                      "parts": len(parts), "branches": len(bulletin.lines),
                      "members": len(bulletin.members), "peak_rss_mb": rss}}))

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--branches", type=int, default=600)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--years", type=int, default=2, choices=range(1, 11))
    parser.add_argument("--with-outbox", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    shape = (
        ""
        if args.years == 2 and not args.with_outbox
        else (f"-{args.years}y" + ("-outbox" if args.with_outbox else ""))
    )
    path = DATA / f"county-{args.members}-{args.branches}{shape}.sqlite3"
    if args.regenerate or not path.exists():
        for stale in DATA.glob(path.name + "*"):
            stale.unlink()
        print(f"generating {path.name} …", flush=True)
        asyncio.run(
            generate(
                path, args.members, args.branches, years=args.years, with_outbox=args.with_outbox
            )
        )
    result = subprocess.run(
        [sys.executable, "-c", MEASURE.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout)
    figures["database_mb"] = path.stat().st_size / 1024 / 1024
    print(
        f"quarterly county bulletin, {args.members} members in {args.branches} branches, "
        f"{args.years} year(s) of data" + (" with the outbox" if args.with_outbox else "")
    )
    print(
        f"  queries {figures['query_seconds']:.2f} s, all three parts "
        f"{figures['total_seconds']:.2f} s (goal < 2 s)"
    )
    print(f"  peak resident memory {figures['peak_rss_mb']:.0f} MB (goal < 300 MB)")
    print(
        f"  database {figures['database_mb']:.0f} MB; {figures['branches']} branches, "
        f"{figures['members']} member rows"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "bulletin.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
