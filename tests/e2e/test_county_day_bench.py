"""bench/county_day.py does not rot: its set-up and one short run, on a tiny county.

The benchmark is run as its user runs it (a subprocess with options), on a data set it
generates itself (three branches, sixty members), so its set-up, the probe it starts the
bot through, its drivers and its figures all run. Nothing here is timed: on a loaded
machine the figures move, what must hold is that every command and press is answered,
every press counted exactly, every message due delivered, and the tick seen.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.e2e.process import ROOT, command_env, communicate

COMMANDS, PRESSES = 8, 15


async def test_county_day_runs_on_a_tiny_county(tmp_path: Path) -> None:
    results = tmp_path / "county_day.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "county_day.py"),
        "--data",
        str(tmp_path / "county-60-3.sqlite3"),
        "--members",
        "60",
        "--branches",
        "3",
        "--commands",
        str(COMMANDS),
        "--command-rate",
        "20",
        "--presses",
        str(PRESSES),
        "--press-rate",
        "30",
        "--timeout",
        "90",
        "--results",
        str(results),
        env=command_env(),
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await communicate(process, 180, "the benchmark")
    text = out.decode()
    assert process.returncode == 0, text
    assert "exact: True" in text, text
    figures = json.loads(results.read_text(encoding="utf-8"))
    [run] = figures["runs"]
    assert run["members"] == 60 and run["branches"] == 3
    assert run["tick_seconds"] >= 0 and run["longest_tick_tx_by"]
    # Every command and press was sent and answered; every press counted, exactly.
    assert run["commands_sent"] == run["command"]["n"] == COMMANDS
    assert run["presses_sent"] == run["press"]["n"] == PRESSES
    assert run["presses_counted"] == PRESSES and run["count_exact"]
    # Everything the moment queued went out: nothing left, at least what was due sent.
    assert run["drained"] and run["queued_left"] == 0
    assert run["messages_sent"] >= run["messages_due"] > 0
    assert "meetings.advance" in run["tick_steps"]
