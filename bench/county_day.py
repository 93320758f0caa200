"""Benchmark: a county's busiest scheduled moment, and whether people are answered in it.

On a copy of the county data set (bench/bulletin.py: 30,000 members in 600 branches,
two years of history) every branch holds its party activity day (主题党日) 20 minutes
from now, so at the bot's first tick check-in opens for all 600 sessions and their
hour-before reminder is due (the two windows overlap then: check-in opens 30 minutes
before, the reminder an hour before); a county notice to everyone is due that minute;
and the evening study reminders fall due (the reminder time is set a minute back), for
the members who have not studied a material due today. Every member has a private chat
with the bot, every branch a bound group the bot knows everyone is in.

`zhibu run` runs in its own process against the bundled emulator (in this process, with
Telegram's flood limits switched on and the overall ceiling scaled up, as in
bench/push.py), started through bench/tick_probe.py, which times the tick, its steps and
the write lock. From the tick's start, members send ``/help`` in private at a steady
rate; from the first check-in post in a group, members press "check in" under their
branch's post at a steady rate. Each latency runs from sending to the bot's answer
arriving at the emulator. Then the outbox is left to drain.

    python bench/county_day.py [--runs 1] [--rate 300] [--commands 200 --command-rate 10]
                               [--presses 1000 --press-rate 50] [--drain-timeout 600]
                               [--code PATH] [--data PATH [--members N --branches N]]

Prints the tick's duration (and its longest write transaction and steps), command and
press latency p50/p95/p99/max (goals: command p99 < 1 s, press p99 < 2 s), whether every
press was counted exactly, the drain time, messages delivered, 429s and the load average
at the start; with ``--runs N`` the median and range. ``--code PATH`` runs the bot (and
the set-up) from another checkout, e.g. a baseline. ``--data`` names another data set,
generated with ``--members``/``--branches`` if missing. The database is copied to a
temporary directory for each run and removed after it. Writes
bench/results/county_day.json (or ``--results PATH``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import bulk
from common import CODE, ROOT, start_process, stop_process

from bot.clock import Clock
from sandbox.emulator import Emulator, FloodLimits, SimChat, SimMessage, SimUser
from storage import group_members as presence_repo
from storage import materials as material_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notices as notice_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database
from storage.models import AttendanceCount, NewMaterial, NewMeeting, NewNotice
from storage.rows import ts

BENCH = Path(__file__).resolve().parent
DATA = ROOT / "bench" / "data"
#: The first line of /help's answer, in either language: how it is told from the
#: reminders and notices the same private chat receives meanwhile.
HELP_HEADS = ("我能为您做什么", "What I can do for you")
STUDIED = 0.6  # of the members given the material due today; the rest are reminded
COUNTY_SENDER = 1
GOALS = {"command_p99_s": 1.0, "press_p99_s": 2.0}


@dataclass
class Moment:
    """What the set-up made: who is who in the emulator, and what is due."""

    members: int
    branches: dict[int, list[SimUser]]  # branch → its members at home (they press)
    groups: dict[int, SimChat]
    meetings: dict[int, int]  # branch → its activity day's session
    everyone: list[SimUser]
    reminded_tonight: int
    due: int  # messages the moment queues


@dataclass
class Run:
    """What one run saw, as it happened."""

    help_sent: dict[int, float] = field(default_factory=dict)  # chat → sent at
    help_answered: dict[int, float] = field(default_factory=dict)
    posts: dict[int, tuple[SimMessage, str]] = field(default_factory=dict)  # group → post
    presses: dict[str, tuple[float, int, int]] = field(default_factory=dict)  # id → (at, …)
    sent: list[float] = field(default_factory=list)  # the bot's messages, not /help's answer
    edits: list[float] = field(default_factory=list)
    first_post: asyncio.Event = field(default_factory=asyncio.Event)


async def prepare(path: Path, emu: Emulator, now: datetime) -> Moment:
    """Put the moment into a copy of the data set (its own storage functions, as a
    benchmark's set-up may) and the people into the emulator."""
    db = await Database.open(path)
    try:
        async with db.read() as c:
            members = await member_repo.members_with_account(c)
        everyone: dict[int, SimUser] = {}
        branches: dict[int, list[SimUser]] = {}
        by_branch: dict[int, list[int]] = {}
        for m in members:
            assert m.telegram_id is not None
            user = emu.add_user(m.name or f"党员{m.id}", user_id=m.telegram_id)
            user.started = True
            everyone[m.telegram_id] = user
            by_branch.setdefault(m.branch_id, []).append(m.telegram_id)
            if not m.flowing and m.status != "activist":  # at home: can check in
                branches.setdefault(m.branch_id, []).append(user)
        groups: dict[int, SimChat] = {}
        meetings: dict[int, int] = {}
        starts = now + timedelta(minutes=20)
        async with db.tx() as c:
            county = await org_repo.county(c)
            assert county is not None, "a county data set has its county"
            county_id = county.id
            for branch_id, ids in sorted(by_branch.items()):
                group = emu.add_group(
                    f"支部{branch_id}党员群", members=[everyone[i] for i in ids], supergroup=True
                )
                groups[branch_id] = group
                await org_repo.bind_group(
                    c, group.id, branch_id, group.title, COUNTY_SENDER, now - timedelta(days=30)
                )
                # What the bot may do there, and who is in it, were learned long ago.
                await org_repo.set_bot_rights(c, group.id, False, False)
                await presence_repo.record(c, group.id, ids, True, "asked", now)
                meeting = await meeting_repo.add_meeting(
                    c,
                    NewMeeting(
                        branch_id=branch_id,
                        kind="activity_day",
                        starts_at=starts,
                        place="村委会",
                        topic="主题党日：学习贯彻全会精神",
                        created_by=COUNTY_SENDER,
                    ),
                    now - timedelta(days=3),
                )
                await meeting_repo.mark_step(
                    c, meeting.id, "reminded_day_at", now - timedelta(hours=23)
                )
                meetings[branch_id] = meeting.id
            await notice_repo.add_notice(
                c,
                NewNotice(
                    sender=COUNTY_SENDER,
                    scope_unit_id=county_id,
                    audience="everyone",
                    body="<b>县委通知</b>：请各支部按时开展主题党日活动。",
                    send_at=now,
                ),
                now - timedelta(hours=2),
            )
            reminded = await _study_due_today(c, [m.id for m in members], now)
            # Due at the tick: the hour's reminder to everyone expected, a check-in post in
            # each group, the notice to everyone, tonight's reminders.
            hour = sum(
                [len(await meeting_repo.expected_with_account(c, m)) for m in meetings.values()]
            )
    finally:
        await db.close()
    return Moment(
        len(members),
        branches,
        groups,
        meetings,
        list(everyone.values()),
        reminded,
        hour + len(meetings) + len(members) + reminded,
    )


async def _study_due_today(c: Conn, member_ids: list[int], now: datetime) -> int:
    """A county material due today, delivered three days ago, studied by some: the rest
    are tonight's study reminders. Returns how many are to be reminded."""
    rng = random.Random(16)
    sent = now - timedelta(days=3)
    material = await material_repo.add_material(
        c,
        NewMaterial(
            scope_unit_id=1,
            audience="all",
            title="学习材料：全会精神解读",
            due_date=now.date(),
            created_by=COUNTY_SENDER,
        ),
        sent,
    )
    first = await bulk.last_id(c, "outbox") + 1
    telegram = {m.id: m.telegram_id for m in await member_repo.all_members(c)}
    await bulk.insert(
        c,
        "outbox",
        ("id", "key", "chat_id", "kind", "ref_id", "state", "created_at", "done_at"),
        [
            (
                first + i,
                f"material:{material.id}:to:{telegram[m]}",
                telegram[m],
                "material",
                material.id,
                "sent",
                ts(sent),
                ts(sent),
            )
            for i, m in enumerate(member_ids)
        ],
    )
    studied = [rng.random() < STUDIED for _ in member_ids]
    await bulk.insert(
        c,
        "material_recipients",
        ("material_id", "member_id", "outbox_id", "studied_at", "added_at"),
        [
            (material.id, m, first + i, ts(sent) if studied[i] else None, ts(sent))
            for i, m in enumerate(member_ids)
        ],
    )
    return studied.count(False)


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {
            "n": 0,
            "p50": float("nan"),
            "p95": float("nan"),
            "p99": float("nan"),
            "max": float("nan"),
        }
    ordered = sorted(values)
    if len(ordered) == 1:
        cuts = ordered * 99
    else:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": ordered[-1],
    }


def _read_probe(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [
        json.loads(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.endswith("}")
    ]


async def _probe_event(path: Path, event: str, seconds: float) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            for row in _read_probe(path):
                if row["event"] == event and row.get("tick") == 1:
                    return row
            await asyncio.sleep(0.05)


async def _steady(count: int, rate: float, fire: Callable[[int], bool]) -> None:
    """Offer ``rate`` slots a second on a fixed timetable until ``fire(i)`` has taken
    ``count`` of them (it declines a slot when it has nothing to send yet)."""
    began = time.monotonic()
    slot = done = 0
    while done < count:
        delay = began + slot / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        done += fire(done)
        slot += 1


def _listen(emu: Emulator, run: Run) -> None:
    def seen(chat_id: int, event: str, message: SimMessage) -> None:
        now = time.monotonic()
        if event not in ("sent", "edited"):
            return
        text = message.text or ""
        if (
            event == "sent"
            and chat_id in run.help_sent
            and chat_id not in run.help_answered
            and text.startswith(HELP_HEADS)
        ):
            run.help_answered[chat_id] = now
            return
        (run.sent if event == "sent" else run.edits).append(now)
        if event == "sent" and chat_id < 0 and chat_id not in run.posts:
            data = next(
                (d for row in message.buttons for _, d in row if d.startswith("att:in:")), None
            )
            if data is not None:
                run.posts[chat_id] = (message, data)
                run.first_post.set()

    emu.subscribe(seen)


async def _commands(
    emu: Emulator, run: Run, moment: Moment, count: int, rate: float, rng: random.Random
) -> None:
    askers = rng.sample(moment.everyone, min(count, len(moment.everyone)))

    def fire(i: int) -> bool:
        run.help_sent[askers[i].id] = time.monotonic()
        emu.send_text(askers[i], "/help")
        return True

    await _steady(len(askers), rate, fire)


async def _presses(
    emu: Emulator, run: Run, moment: Moment, count: int, rate: float, rng: random.Random
) -> None:
    """Members press under their branch's post, the branches in turn as posts arrive (a
    slot with no post left to press under waits for the next)."""
    await run.first_post.wait()
    waiting = {b: rng.sample(users, len(users)) for b, users in moment.branches.items()}
    group_branch = {g.id: b for b, g in moment.groups.items()}
    turn = 0

    def fire(_: int) -> bool:
        nonlocal turn
        open_ = [g for g in run.posts if waiting.get(group_branch[g])]
        if not open_:
            return False
        group = open_[turn % len(open_)]
        turn += 1
        branch = group_branch[group]
        user = waiting[branch].pop()
        post, data = run.posts[group]
        query = emu.press_data(user, post, data)
        run.presses[query] = (time.monotonic(), user.id, moment.meetings[branch])
        return True

    await _steady(min(count, sum(len(users) for users in waiting.values())), rate, fire)


async def one_run(args: argparse.Namespace, data: Path, workdir: Path) -> dict[str, Any]:
    copy = workdir / "county.sqlite3"
    began = time.monotonic()
    shutil.copyfile(data, copy)
    emu = Emulator()
    await emu.start()
    emu.flood_limits = FloodLimits(per_second=args.rate)
    clock = Clock()
    now = clock.now()
    moment = await prepare(copy, emu, now)
    setup_seconds = time.monotonic() - began
    # The evening reminder's time a minute back (not across midnight): due at the tick.
    evening = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))
    probe = workdir / "probe.jsonl"
    run = Run()
    _listen(emu, run)
    rng = random.Random(args.seed)
    load = os.getloadavg()
    started = time.monotonic()
    bot = await start_process(
        emu,
        [str(BENCH / "tick_probe.py"), "run"],
        ZHIBU_DATABASE=str(copy),
        ZHIBU_SEND_PER_SECOND=str(args.rate),
        ZHIBU_STUDY_REMINDER_TIME=evening.strftime("%H:%M"),
        BENCH_PROBE=str(probe),
    )
    drained = False
    queued_left = -1
    drivers: list[asyncio.Task[None]] = []
    try:
        tick_start = float((await _probe_event(probe, "tick_start", 180))["at"])
        drivers += [
            asyncio.create_task(_commands(emu, run, moment, args.commands, args.command_rate, rng)),
            asyncio.create_task(_presses(emu, run, moment, args.presses, args.press_rate, rng)),
        ]
        tick_end = await _probe_event(probe, "tick_end", args.timeout)
        async with asyncio.timeout(args.timeout):
            await asyncio.gather(*drivers)
            await emu.until(
                lambda: (
                    len(run.help_answered) >= len(run.help_sent)
                    and emu.callback_answer_count >= len(run.presses)
                )
            )
        reader = await Database.open(copy, migrate=False)
        try:
            deadline = time.monotonic() + args.drain_timeout
            while True:
                async with reader.read() as c:
                    queued_left = await outbox_repo.queued_count(c)
                if queued_left == 0:
                    drained = True
                    break
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.5)
        finally:
            await reader.close()
    finally:
        for task in drivers:
            task.cancel()
        await stop_process(bot)
        await emu.stop()
    ran_seconds = time.monotonic() - started
    db = await Database.open(copy, migrate=False)
    try:
        async with db.read() as c:
            counts = await meeting_repo.attendance_counts(c, list(moment.meetings.values()))
    finally:
        await db.close()
    return _figures(
        args,
        moment,
        run,
        emu,
        _read_probe(probe),
        counts,
        tick_start,
        float(tick_end["seconds"]),
        drained,
        queued_left,
        load,
        setup_seconds,
        ran_seconds,
        tick_start - started,
    )


def _figures(
    args: argparse.Namespace,
    moment: Moment,
    run: Run,
    emu: Emulator,
    probe: list[dict[str, Any]],
    counts: list[AttendanceCount],
    tick_start: float,
    tick_seconds: float,
    drained: bool,
    queued_left: int,
    load: tuple[float, float, float],
    setup_seconds: float,
    ran_seconds: float,
    startup_seconds: float,
) -> dict[str, Any]:
    answers = {a.query_id: a.at for u in emu.users.values() for a in emu.callback_answers(u)}
    press_latency = [answers[q] - at for q, (at, _, _) in run.presses.items() if q in answers]
    help_latency = [
        run.help_answered[c] - at for c, at in run.help_sent.items() if c in run.help_answered
    ]
    pressed: dict[int, int] = {}
    for _, _, meeting in run.presses.values():
        pressed[meeting] = pressed.get(meeting, 0) + 1
    present: dict[int, int] = {}
    for row in counts:
        if row.status == "present":
            present[row.meeting_id] = row.count
    exact = present == pressed
    sent = [t for t in run.sent if t >= tick_start]
    after = sent + [t for t in run.edits if t >= tick_start]
    steps = sorted(
        (
            (str(r["name"]), float(r["seconds"]))
            for r in probe
            if r["event"] == "step" and float(r["at"]) <= tick_start + tick_seconds + 0.001
        ),
        key=lambda s: -s[1],
    )
    stalls = [float(r["seconds"]) for r in probe if r["event"] == "loop_stall"]
    summary = next((r for r in probe if r["event"] == "tx_summary"), {})
    code = next((r["code"] for r in probe if r["event"] == "start"), None)
    return {
        "code": code,
        "load_average_at_start": load[0],
        "members": moment.members,
        "branches": len(moment.meetings),
        "tick_seconds": tick_seconds,
        "longest_tick_tx_seconds": summary.get("longest_in_tick"),
        "longest_tick_tx_by": summary.get("who_in_tick"),
        "longest_tx_seconds": summary.get("longest"),
        "longest_tx_by": summary.get("who"),
        "longest_lock_wait_seconds": summary.get("longest_wait"),
        "longest_lock_wait_by": summary.get("waited_by"),
        "tick_steps": dict(steps[:8]),
        "loop_stalls": len(stalls),
        "longest_loop_stall_seconds": max(stalls, default=0.0),
        "command": _quantiles(help_latency),
        "commands_sent": len(run.help_sent),
        "press": _quantiles(press_latency),
        "presses_sent": len(run.presses),
        "presses_counted": sum(present.values()),
        "count_exact": exact,
        "evening_reminders_due": moment.reminded_tonight,
        "drained": drained,
        "queued_left": queued_left,
        "drain_seconds": (max(after) - tick_start) if after else None,
        "sent_per_second": len(sent) / (max(sent) - tick_start) if sent else None,
        "delivered": len(after),
        "messages_due": moment.due,
        "messages_sent": len(sent),
        "edits": len(after) - len(sent),
        "429s": emu.stats["429"],
        "setup_seconds": setup_seconds,
        "run_seconds": ran_seconds,
        "startup_seconds": startup_seconds,
    }


def _ms(value: float | None) -> str:
    return f"{float(value) * 1000:.0f}" if value is not None else "—"


def _values(rows: list[dict[str, Any]], path: str) -> list[float]:
    """A figure (``press.p99``: a key within a key) of each run that has it."""
    found = []
    for row in rows:
        value: Any = row
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(float(value))
    return found


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    def col(path: str) -> list[float]:
        return _values(rows, path)

    def fig(path: str, scale: float = 1.0, digits: int = 1) -> str:
        values = [v * scale for v in col(path)]
        if not values:
            return "—"
        median = statistics.median(values)
        if len(values) == 1:
            return f"{median:.{digits}f}"
        return f"{median:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    def verdict(path: str, goal: float) -> str:
        values = col(path)
        if not values:
            return "no answers"
        return "met" if statistics.median(values) < goal else "MISSED"

    last = rows[-1]
    lines = [
        f"county day: {last['members']} members, {last['branches']} branches; check-in opens "
        f"and the hour's reminder falls due for every session, a county notice and the "
        f"evening study reminders at the same tick; flood ceiling {args.rate:g} msg/s; "
        f"the bot's code {last['code']}",
        f"runs: {len(rows)}" + (" (median (min–max))" if len(rows) > 1 else ""),
        f"  load average at start      {fig('load_average_at_start', digits=2)}",
        f"  first tick                 {fig('tick_seconds')} s; longest write transaction "
        f"in it {fig('longest_tick_tx_seconds')} s ({last['longest_tick_tx_by'] or '—'})",
        f"  longest lock wait          {fig('longest_lock_wait_seconds')} s "
        f"({last['longest_lock_wait_by'] or '—'})",
        f"  loop stalls > 0.2 s        {fig('loop_stalls', digits=0)}, longest "
        f"{fig('longest_loop_stall_seconds')} s",
        f"  /help answered (ms)        p50 {fig('command.p50', 1000, 0)}  p95 "
        f"{fig('command.p95', 1000, 0)}  p99 {fig('command.p99', 1000, 0)}  max "
        f"{fig('command.max', 1000, 0)}   (goal p99 < 1000: "
        f"{verdict('command.p99', GOALS['command_p99_s'])}; "
        f"{last['commands_sent']} sent at {args.command_rate:g}/s)",
        f"  check-in answered (ms)     p50 {fig('press.p50', 1000, 0)}  p95 "
        f"{fig('press.p95', 1000, 0)}  p99 {fig('press.p99', 1000, 0)}  max "
        f"{fig('press.max', 1000, 0)}   (goal p99 < 2000: "
        f"{verdict('press.p99', GOALS['press_p99_s'])}; "
        f"{last['presses_sent']} pressed at {args.press_rate:g}/s)",
        f"  presses counted            {', '.join(str(r['presses_counted']) for r in rows)}"
        f" of {', '.join(str(r['presses_sent']) for r in rows)}; exact: "
        f"{all(bool(r['count_exact']) for r in rows)}",
        f"  {'drained after' if all(r['drained'] for r in rows) else 'stopped after':<27}"
        f"{fig('drain_seconds')} s from the tick's start; "
        f"{fig('messages_sent', digits=0)} messages ({last['messages_due']} due) and "
        f"{fig('edits', digits=0)} edits delivered ({fig('sent_per_second', digits=0)} "
        f"msg/s), {fig('429s', digits=0)} × 429"
        + (
            ""
            if all(r["drained"] for r in rows)
            else f"; NOT drained: {[r['queued_left'] for r in rows]} still queued"
        ),
        "  longest steps of the tick  "
        + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in list(last["tick_steps"].items())[:5]
        ),
        f"  one run took {fig('run_seconds', digits=0)} s, of which the bot's start "
        f"{fig('startup_seconds', digits=0)} s (+ {fig('setup_seconds', digits=0)} s set-up)",
    ]
    return "\n".join(lines)


SUMMARY = (
    "load_average_at_start",
    "tick_seconds",
    "longest_tick_tx_seconds",
    "command.p50",
    "command.p99",
    "command.max",
    "press.p50",
    "press.p99",
    "press.max",
    "drain_seconds",
    "sent_per_second",
    "429s",
)


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median, least and most of the headline figures over the runs."""
    out = {}
    for path in SUMMARY:
        if values := _values(rows, path):
            out[path] = {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--rate",
        type=float,
        default=300.0,
        help="flood ceiling, messages a second overall (Telegram: 30)",
    )
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--command-rate", type=float, default=10.0)
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--press-rate", type=float, default=50.0)
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--branches", type=int, default=600)
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data set (default bench/data/county-MEMBERS-BRANCHES.sqlite3, generated if missing)",
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=None,
        help="run the bot from this checkout (read only), e.g. a baseline",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the tick to end and every answer",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=600.0,
        help="seconds to wait, after that, for the outbox to empty (0: stop "
        "then; the figures say how much was still queued)",
    )
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "results" / "county_day.json"
    )
    args = parser.parse_args()
    if args.code is not None and Path(args.code).resolve() != CODE:
        env = {**os.environ, "BENCH_CODE": str(Path(args.code).resolve())}
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], env)
    data = args.data or DATA / f"county-{args.members}-{args.branches}.sqlite3"
    if not data.exists():
        from bulletin import generate

        print(f"generating {data} …", flush=True)
        data.parent.mkdir(parents=True, exist_ok=True)
        asyncio.run(generate(data, args.members, args.branches))
    rows = []
    for number in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="county-day-") as tmp:
            rows.append(asyncio.run(one_run(args, data, Path(tmp))))
        print(
            f"run {number + 1}: tick {rows[-1]['tick_seconds']:.1f} s, /help p99 "
            f"{_ms(rows[-1]['command']['p99'])} ms, press p99 "
            f"{_ms(rows[-1]['press']['p99'])} ms, load {rows[-1]['load_average_at_start']:.2f}",
            flush=True,
        )
    print(report(rows, args))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "code": str(CODE),
                "data": str(data),
                "rate": args.rate,
                "goals": GOALS,
                "commands": args.commands,
                "command_rate": args.command_rate,
                "presses": args.presses,
                "press_rate": args.press_rate,
                "summary": summary(rows),
                "runs": rows,
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
