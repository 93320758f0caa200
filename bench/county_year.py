"""Benchmark: the database of a county's year, with the outbox traffic a real year makes.

Generates one year of the county data set (bench/bulletin.py: 30,000 members, 600
branches) with its outbox rows written day by day (bench/county_traffic.py), each day
followed by the next morning's daily pruning (bot/outbox_pruning.py) as the scheduler runs
it, ``ZHIBU_KEEP_DELIVERED_DAYS`` at its default. Prints the file's size and where it goes,
table by table. Goal: under 300 MB. ``--no-prune`` builds the same
year without pruning, for the size before.

    python bench/county_year.py [--members 30000] [--branches 600] [--no-prune] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bulletin import TZ, generate
from common import ROOT

from bot.clock import FrozenClock
from bot.config import Settings
from bot.outbox_pruning import prune_delivered
from storage.db import Database

DAYS = Settings.model_fields["keep_delivered_days"].default


def breakdown(path: Path) -> list[tuple[str, float]]:
    """MB by table and index, largest first (SQLite's dbstat)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return [
            (str(name), float(mb))
            for name, mb in c.execute(
                "SELECT name, SUM(pgsize) / 1048576.0 FROM dbstat GROUP BY name ORDER BY 2 DESC"
            )
        ]


async def build(path: Path, members: int, branches: int, prune: bool) -> dict[str, float]:
    pruned = 0
    seconds = 0.0

    async def daily(db: Database, day: date) -> None:
        """The daily job of the next morning, after the day's messages."""
        nonlocal pruned, seconds
        clock = FrozenClock(
            datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(days=1, hours=1)
        )
        began = time.process_time()
        pruned += await prune_delivered(db, clock, DAYS)
        seconds += time.process_time() - began

    await generate(
        path, members, branches, years=1, with_outbox=True, after_day=daily if prune else None
    )
    return {"pruned_rows": pruned, "prune_cpu_seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--branches", type=int, default=600)
    parser.add_argument("--no-prune", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the file (printed)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="county-year-"))
    path = folder / "county-year.sqlite3"
    figures = asyncio.run(build(path, args.members, args.branches, not args.no_prune))
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        outbox = int(c.execute("SELECT count(*) FROM outbox").fetchone()[0])
        free = int(c.execute("PRAGMA freelist_count").fetchone()[0])
        page = int(c.execute("PRAGMA page_size").fetchone()[0])
    size = path.stat().st_size / 1048576
    tables = breakdown(path)
    print(
        f"a county year, {args.members} members in {args.branches} branches, "
        f"{'no pruning' if args.no_prune else f'pruned daily, {DAYS} days kept'}"
    )
    print(
        f"  database {size:.0f} MB (goal < 300 MB); outbox rows left {outbox:,}; "
        f"free pages {free * page / 1048576:.0f} MB"
    )
    if not args.no_prune:
        print(
            f"  pruned {int(figures['pruned_rows']):,} rows in "
            f"{figures['prune_cpu_seconds']:.1f} s of CPU over the year's daily runs"
        )
    for name, mb in tables[:16]:
        print(f"    {name:<40} {mb:7.1f} MB")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    name = "county_year_unpruned.json" if args.no_prune else "county_year.json"
    (results / name).write_text(
        json.dumps(
            {**figures, "database_mb": size, "outbox_rows": outbox, "tables_mb": dict(tables)},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if args.keep:
        print(f"  kept: {path}")
    else:
        for stale in folder.iterdir():
            stale.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
