"""Benchmark: push one study material to 3,000 members through the outbox.

The bot runs as `zhibu run` in its own process (its pacer included) and talks
HTTP to the bundled emulator with Telegram's flood limits switched on, scaled up (300
messages a second overall, 1 a second per chat) so the run takes seconds; the ratio to
the ceiling is what counts. As a baseline in the same run, the same members are sent a
message by a plain loop of ``await send_message`` — what a bot without an outbox does.

    python bench/push.py [--members 3000] [--rate 300] [--runs 3]

Also prints the bot process's CPU time (user + system, from /proc) per delivered
message, counted from the first message's arrival to the last's (start-up left out),
median over the runs. Prints the figures and writes them to bench/results/push.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, seed_branch, start_process, stop_process

from bot.clock import Clock
from bot.materials import push
from sandbox.emulator import Emulator, FloodLimits, SimUser
from storage.db import Database
from storage.models import NewMaterial

TITLE = "基准测试材料"


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux /proc): user + system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copies(emu: Emulator, users: list[SimUser], marker: str) -> list[int]:
    return [sum(marker in text for text in emu.texts(u)) for u in users]


async def outbox_run(n: int, rate: float, workdir: Path) -> dict[str, float]:
    """`zhibu run` in its own process (as deployed) drains a push of ``n`` members; the
    emulator, here, notes when each message arrives."""
    emu = Emulator()
    await emu.start()
    emu.flood_limits = FloodLimits(per_second=rate, per_chat_per_second=1)
    arrivals: list[float] = []
    cpu: list[float] = []  # the bot's CPU seconds at the first and the n-th arrival
    pid: list[int] = []

    def arrived(chat: int, event: str, message: object) -> None:
        if event != "sent" or chat <= 0:
            return
        arrivals.append(time.monotonic())
        if len(arrivals) in (1, n) and pid:
            cpu.append(_cpu_seconds(pid[0]))

    emu.subscribe(arrived)
    database = workdir / "bench.sqlite3"
    clock = Clock()
    db = await Database.open(database)
    try:
        branch_id, users = await seed_branch(db, emu, clock, n, flowing=True)
        await push(
            db,
            clock,
            NewMaterial(
                scope_unit_id=branch_id, audience="flowing", title=TITLE, body="内容", created_by=1
            ),
        )
    finally:
        await db.close()
    bot = await start_process(
        emu, ["-m", "zhibu", "run"], ZHIBU_DATABASE=str(database), ZHIBU_SEND_PER_SECOND=str(rate)
    )
    pid.append(bot.pid)
    try:
        async with asyncio.timeout(max(120, 10 * n / rate)):
            await emu.until(lambda: len(arrivals) >= n)
    finally:
        await stop_process(bot)
        await emu.stop()
    start, end = arrivals[0], arrivals[n - 1]
    elapsed = end - start
    got = copies(emu, users, TITLE)
    steady = [t for t in emu.flood_429_at if t - start > 1.0]
    return {
        "seconds": elapsed,
        "sent_per_second": (n - 1) / elapsed,
        "ratio_to_ceiling": (n - 1) / elapsed / rate,
        "429_total": emu.stats["429"],
        "429_steady_state": len(steady),
        "lost": sum(1 for g in got if g == 0),
        "duplicated": sum(g - 1 for g in got if g > 1),
        "bot_cpu_ms_per_message": (cpu[-1] - cpu[0]) * 1000 / (n - 1)
        if len(cpu) == 2
        else float("nan"),
    }


async def loop_run(n: int, rate: float) -> dict[str, float]:
    """The baseline: one awaited send_message after another, 429s retried by hand."""
    from telegram import Bot
    from telegram.error import RetryAfter

    emu = Emulator()
    await emu.start()
    emu.flood_limits = FloodLimits(per_second=rate, per_chat_per_second=1)
    users = [emu.add_user(f"党员{i:05d}") for i in range(n)]
    for user in users:
        user.started = True
    start = time.monotonic()
    async with Bot(emu.token, base_url=emu.base_url) as bot:
        for user in users:
            while True:
                try:
                    await bot.send_message(user.id, TITLE)
                    break
                except RetryAfter as exc:
                    await asyncio.sleep(
                        float(
                            exc.retry_after.total_seconds()
                            if hasattr(exc.retry_after, "total_seconds")
                            else exc.retry_after
                        )
                    )
    elapsed = time.monotonic() - start
    await emu.stop()
    return {
        "seconds": elapsed,
        "sent_per_second": n / elapsed,
        "ratio_to_ceiling": n / elapsed / rate,
        "429_total": emu.stats["429"],
        "429_steady_state": emu.stats["429"],
        "lost": 0,
        "duplicated": 0,
    }


def table(rows: dict[str, dict[str, float]], n: int, rate: float) -> str:
    lines = [
        f"push of one material to {n} members, flood ceiling {rate:g} msg/s",
        f"{'':<22}{'seconds':>9}{'msg/s':>9}{'ratio':>8}{'429s':>7}{'429s*':>7}"
        f"{'lost':>6}{'dup':>6}{'cpu ms':>8}",
    ]
    for name, r in rows.items():
        cpu = r.get("bot_cpu_ms_per_message")
        lines.append(
            f"{name:<22}{r['seconds']:>9.2f}{r['sent_per_second']:>9.1f}"
            f"{r['ratio_to_ceiling']:>8.2f}{r['429_total']:>7.0f}"
            f"{r['429_steady_state']:>7.0f}{r['lost']:>6.0f}{r['duplicated']:>6.0f}"
            + (f"{cpu:>8.2f}" if cpu is not None else f"{'—':>8}")
        )
    lines.append(
        "ratio = achieved / ceiling (goal ≥ 0.9); 429s* = after the first second "
        "(goal 0); cpu ms = the bot's CPU per message (goal ≤ 1.5)"
    )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--runs", type=int, default=3, help="runs of the outbox (median)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain loop")
    args = parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            rows[f"outbox (zhibu) #{i + 1}"] = await outbox_run(args.members, args.rate, Path(tmp))
    runs = list(rows.values())
    rows["outbox (zhibu) median"] = {
        name: statistics.median(r[name] for r in runs) for name in runs[0]
    }
    if not args.no_baseline:
        rows["baseline: plain loop"] = await loop_run(args.members, args.rate)
    print(table(rows, args.members, args.rate))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "push.json").write_text(
        json.dumps({"members": args.members, "rate": args.rate, "runs": rows}, indent=2) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    asyncio.run(main())
