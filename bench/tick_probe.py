"""`zhibu run` with stopwatches on: the scheduler's tick, its steps, the write lock, the loop.

bench/county_day.py starts the bot through this file (``python bench/tick_probe.py run``)
instead of ``python -m zhibu run``, so the product carries no benchmark code. What it sees
goes to the file named by ``BENCH_PROBE``, one JSON object a line, written as it happens
(a bot killed half-way leaves what it saw):

* ``tick_start`` / ``tick_end`` (with ``seconds``) around every call of
  ``bot.schedule.tick``;
* ``step``: each coroutine function of a ``bot.*`` module that the tick calls itself
  (``meetings.advance``, ``notices.release_due`` …), with its ``seconds``;
* ``tx``: a write transaction (``Database.tx``) or lone write (``Database.write``) that
  held the lock longer than ``BENCH_PROBE_SLOW`` seconds (0.2) or waited for it longer
  than a second, with who asked for it; ``tx_summary`` at exit: how many, and the longest;
* ``loop_stall``: the event loop did not come back to a 50 ms timer for that long.

It wraps what exists by name and leaves alone what does not, so it also times an older
or newer checkout (``--code``): module attributes are looked up at call time by the
tick, which is why replacing them here reaches it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import functools
import inspect
import json
import os
import runpy
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

SLOW = float(os.environ.get("BENCH_PROBE_SLOW", "0.2"))
_out = open(os.environ["BENCH_PROBE"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115
#: 0 outside the tick; 1 in the tick itself; 2 inside one of its steps.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("bench_tick_depth", default=0)
_ticks = 0
_stats: dict[str, Any] = {
    "count": 0,
    "held": 0.0,
    "longest": 0.0,
    "who": "",
    "longest_wait": 0.0,
    "waited_by": "",
    "longest_in_tick": 0.0,
    "who_in_tick": "",
}
_SKIP = ("contextlib.py", "tick_probe.py", os.path.join("storage", "db.py"))


def note(event: str, **fields: object) -> None:
    _out.write(
        json.dumps({"event": event, "at": time.monotonic(), **fields}, ensure_ascii=False) + "\n"
    )


def _caller(frame: FrameType | None, depth: int = 3) -> str:
    """``module.function`` of the first frames outside the lock's own machinery."""
    names: list[str] = []
    while frame is not None and len(names) < depth:
        if not frame.f_code.co_filename.endswith(_SKIP):
            module = frame.f_globals.get("__name__", "?")
            names.append(f"{module}.{frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(names)


def _time_lock(original: Callable[..., Any], kind: str) -> Callable[..., Any]:
    @asynccontextmanager
    async def timed(self: object) -> AsyncIterator[object]:
        asked = time.monotonic()
        got: float | None = None
        try:
            async with original(self) as conn:
                got = time.monotonic()
                yield conn
        finally:
            if got is not None:
                held, waited = time.monotonic() - got, got - asked
                _stats["count"] += 1
                _stats["held"] += held
                in_tick = _depth.get() > 0
                if (
                    held > _stats["longest"]
                    or waited > _stats["longest_wait"]
                    or (in_tick and held > _stats["longest_in_tick"])
                ):
                    who = _caller(sys._getframe(1))
                    if held > _stats["longest"]:
                        _stats["longest"], _stats["who"] = held, who
                    if waited > _stats["longest_wait"]:
                        _stats["longest_wait"], _stats["waited_by"] = waited, who
                    if in_tick and held > _stats["longest_in_tick"]:
                        _stats["longest_in_tick"], _stats["who_in_tick"] = held, who
                if held > SLOW or waited > 1.0:  # the sender waits a little all the time
                    note(
                        "tx",
                        kind=kind,
                        held=held,
                        waited=waited,
                        who=_caller(sys._getframe(1)),
                        in_tick=in_tick,
                    )

    return timed


def _time_step(label: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def step(*args: Any, **kwargs: Any) -> Any:
        if _depth.get() != 1:  # outside the tick, or called by a step: not a step
            return await original(*args, **kwargs)
        token = _depth.set(2)
        began = time.monotonic()
        try:
            return await original(*args, **kwargs)
        finally:
            _depth.reset(token)
            note("step", name=label, seconds=time.monotonic() - began)

    return step


def _watch_loop(loop: asyncio.AbstractEventLoop, due: float) -> None:
    """A timer every 50 ms (a handle, not a task: nothing is left pending at exit)."""
    late = loop.time() - due
    if late > SLOW:
        note("loop_stall", seconds=late)
    loop.call_later(0.05, _watch_loop, loop, loop.time() + 0.05)


def install() -> None:
    import bot
    from bot import schedule
    from storage.db import Database

    note("start", code=os.path.dirname(os.path.dirname(os.path.abspath(bot.__file__))))

    setattr(Database, "tx", _time_lock(Database.tx, "tx"))  # noqa: B010
    setattr(Database, "write", _time_lock(Database.write, "write"))  # noqa: B010
    for module in {
        m
        for m in vars(schedule).values()
        if isinstance(m, ModuleType) and m.__name__.startswith("bot.")
    }:
        for name, value in list(vars(module).items()):
            if (
                inspect.iscoroutinefunction(value)
                and getattr(value, "__module__", None) == module.__name__
            ):
                label = f"{module.__name__.removeprefix('bot.')}.{name}"
                setattr(module, name, _time_step(label, value))
    original_tick = schedule.tick
    watching: list[bool] = []

    async def tick(services: Any) -> Any:
        global _ticks
        if not watching:
            watching.append(True)
            loop = asyncio.get_running_loop()
            _watch_loop(loop, loop.time())
        _ticks += 1
        number, began = _ticks, time.monotonic()
        note("tick_start", tick=number)
        token = _depth.set(1)
        try:
            return await original_tick(services)
        finally:
            _depth.reset(token)
            note("tick_end", tick=number, seconds=time.monotonic() - began)

    setattr(schedule, "tick", tick)  # noqa: B010
    atexit.register(lambda: note("tx_summary", **_stats))


if __name__ == "__main__":
    install()
    sys.argv = ["zhibu", *sys.argv[1:]]
    # The command is zhibu/__main__.py; a checkout from before the composition root
    # (``--code``) had it in bot/.
    import bot

    checkout = Path(bot.__file__).resolve().parent.parent
    runpy.run_module(
        "zhibu" if (checkout / "zhibu" / "__main__.py").exists() else "bot",
        run_name="__main__",
        alter_sys=True,
    )
