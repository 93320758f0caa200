"""Benchmark: 1,000 members press "check in" within one second.

`zhibu run` runs in its own process against the bundled emulator, with an open meeting
and its check-in post in the branch group; the emulator (here) queues the presses as
fast as it can and notes when each callback answer arrives. The baseline, in the same
run and the same process layout, is a bare python-telegram-bot bot that only answers
callbacks (bench/bare_bot.py).

    python bench/checkin.py [--members 1000,5000] [--runs 5]

For each size, ``--runs`` pairs of runs, zhibu then the bare bot, interleaved so that a
machine getting busier or quieter meanwhile touches both alike. Prints, per size, each
pair's answer latency p50/p95/p99, updates per second and CPU per update, then the
median (and range) of zhibu's throughput as a ratio of the bare bot's (goal ≥ 0.7) and
whether every stored count was exact. Writes the figures to bench/results/checkin.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import ROOT, seed_branch, start_process, stop_process

from bot.clock import Clock
from sandbox.emulator import Emulator, SimUser
from storage import group_members as presence_repo
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import NewMeeting


def _figures(
    emu: Emulator, users: list[SimUser], pressed_at: dict[str, float], started: float
) -> dict[str, float]:
    answers = [a for u in users for a in emu.callback_answers(u) if a.query_id in pressed_at]
    latencies = sorted((a.at - pressed_at[a.query_id]) * 1000 for a in answers)
    last = max(a.at for a in answers)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "answered": len(answers),
        "p50_ms": cuts[49],
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
        "updates_per_second": len(answers) / (last - started),
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time the bot process has used (Linux /proc), to tell busy from waiting."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _burst(
    emu: Emulator, users: list[SimUser], group_message_of: object, data: str
) -> tuple[dict[str, float], float]:
    message = group_message_of
    pressed_at: dict[str, float] = {}
    answered = emu.callback_answer_count
    started = time.monotonic()
    for user in users:
        pressed_at[emu.press_data(user, message, data)] = time.monotonic()  # type: ignore[arg-type]
    async with asyncio.timeout(120):  # a counter, not a count over everyone at every call
        await emu.until(lambda: emu.callback_answer_count - answered >= len(users))
    return pressed_at, started


async def zhibu_run(n: int, workdir: Path) -> dict[str, float]:
    emu = Emulator()
    await emu.start()
    clock = Clock()
    database = workdir / "bench.sqlite3"
    db = await Database.open(database)
    try:
        branch_id, users = await seed_branch(db, emu, clock, n, flowing=False)
        group = emu.add_group("东岭村党员群", members=users, supergroup=True)
        async with db.tx() as c:
            await org_repo.bind_group(c, group.id, branch_id, group.title, users[0].id, clock.now())
            # Everyone is in the group, as the bot learned: nobody is written to privately.
            await presence_repo.record(
                c, group.id, [u.id for u in users], True, "asked", clock.now()
            )
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=branch_id,
                    kind="lesson",
                    starts_at=clock.now() + timedelta(minutes=5),
                    place="村委会",
                    topic="基准测试",
                    created_by=users[0].id,
                ),
                clock.now(),
            )
            # The reminders went out earlier; what is measured is the burst alone.
            for step in ("reminded_day_at", "reminded_hour_at"):
                await meeting_repo.mark_step(c, meeting.id, step, clock.now())
    finally:
        await db.close()
    bot = await start_process(emu, ["-m", "zhibu", "run"], ZHIBU_DATABASE=str(database))
    try:
        async with asyncio.timeout(60):  # the start-up tick opens check-in and posts it
            await emu.until(lambda: any(m.buttons for m in emu.messages(group)))
        post = next(m for m in emu.messages(group) if m.buttons)
        cpu = _cpu_seconds(bot.pid)
        pressed_at, started = await _burst(emu, users, post, f"att:in:{meeting.id}")
        cpu = _cpu_seconds(bot.pid) - cpu
    finally:
        await stop_process(bot)
        await emu.stop()
    figures = _figures(emu, users, pressed_at, started)
    db = await Database.open(database)
    try:
        async with db.read() as c:
            people = await meeting_repo.attendees(c, meeting.id)
    finally:
        await db.close()
    figures["checked_in"] = sum(1 for p in people if p.status == "present")
    figures["bot_cpu_ms_per_update"] = cpu * 1000 / n
    return figures


async def bare_run(n: int) -> dict[str, float]:
    emu = Emulator()
    await emu.start()
    users = [emu.add_user(f"党员{i:05d}") for i in range(n)]
    group = emu.add_group("群", members=users, supergroup=True)
    emu.send_text(users[0], "签到", chat=group)
    message = emu.history[group.id][-1]  # a message to hang the presses on
    bot = await start_process(emu, [str(ROOT / "bench" / "bare_bot.py")])
    try:
        async with asyncio.timeout(60):  # ready once it has consumed the first update
            await emu.until(
                lambda: (
                    bool(emu.calls)
                    and emu.calls[-1][0] == "getUpdates"
                    and len([c for c in emu.calls if c[0] == "getUpdates"]) >= 2
                )
            )
        cpu = _cpu_seconds(bot.pid)
        pressed_at, started = await _burst(emu, users, message, "x")
        cpu = _cpu_seconds(bot.pid) - cpu
    finally:
        await stop_process(bot)
        await emu.stop()
    figures = _figures(emu, users, pressed_at, started)
    figures["checked_in"] = figures["answered"]
    figures["bot_cpu_ms_per_update"] = cpu * 1000 / n
    return figures


GOAL = 0.7


def _row(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:<16}{r['p50_ms']:>9.0f}{r['p95_ms']:>9.0f}{r['p99_ms']:>9.0f}"
        f"{r['updates_per_second']:>9.1f}{r['checked_in']:>9.0f}"
        f"{r['bot_cpu_ms_per_update']:>12.2f}"
    )


async def series(n: int, runs: int) -> dict[str, object]:
    """``runs`` interleaved pairs at ``n`` presses; the medians and ranges."""
    zhibu: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []
    loads: list[float] = []
    print(f"{n} members press check-in at once, {runs} pair(s) of runs")
    print(
        f"{'':<16}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'upd/s':>9}{'counted':>9}"
        f"{'cpu ms/upd':>12}"
    )
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        with tempfile.TemporaryDirectory() as tmp:
            zhibu.append(await zhibu_run(n, Path(tmp)))
        bare.append(await bare_run(n))
        print(_row("zhibu", zhibu[-1]))
        print(_row("bare PTB bot", bare[-1]))
    ratios = [
        z["updates_per_second"] / b["updates_per_second"] for z, b in zip(zhibu, bare, strict=True)
    ]
    cpu = [z["bot_cpu_ms_per_update"] for z in zhibu]
    exact = all(z["checked_in"] == n for z in zhibu)
    summary: dict[str, object] = {
        "members": n,
        "runs": runs,
        "exact": exact,
        "ratio_median": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
        "zhibu_updates_per_second_median": statistics.median(
            z["updates_per_second"] for z in zhibu
        ),
        "bare_updates_per_second_median": statistics.median(b["updates_per_second"] for b in bare),
        "zhibu_cpu_ms_per_update_median": statistics.median(cpu),
        "zhibu_cpu_ms_per_update_range": [min(cpu), max(cpu)],
        "load_average_range": [min(loads), max(loads)],
        "zhibu": zhibu,
        "bare PTB bot": bare,
    }
    ratio = statistics.median(ratios)
    print(
        f"zhibu / bare throughput: median {ratio:.2f} ({min(ratios):.2f}–{max(ratios):.2f}; "
        f"goal ≥ {GOAL}: {'met' if ratio >= GOAL else 'MISSED'}); zhibu CPU per update "
        f"median {statistics.median(cpu):.2f} ms; counts exact: {exact}\n"
    )
    return summary


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--members",
        default="1000,5000",
        help="presses (members) per run; several sizes separated by commas",
    )
    parser.add_argument("--runs", type=int, default=5, help="interleaved pairs per size")
    args = parser.parse_args()
    sizes = [int(size) for size in args.members.split(",")]
    if os.environ.get("BENCH_PROFILE"):
        with tempfile.TemporaryDirectory() as tmp:
            await zhibu_run(sizes[0], Path(tmp))
        return
    results = [await series(n, args.runs) for n in sizes]
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "checkin.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
