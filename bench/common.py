"""What the benchmarks share: a branch full of members, and `zhibu run` as a subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The checkout whose code is measured: this one, or another named by ``BENCH_CODE`` (a
#: baseline, e.g. main's code, measured by these same benchmarks in the same session).
CODE = Path(os.environ.get("BENCH_CODE") or ROOT).resolve()
# The measured code comes first; then this checkout, for the emulator (``sandbox``, Telegram's
# stand-in, not what is measured) when a baseline predates it as a package of its own.
sys.path[0:0] = [str(CODE), str(ROOT)]

from bot.clock import Clock  # noqa: E402
from sandbox.emulator import Emulator, SimUser  # noqa: E402
from storage import members as member_repo  # noqa: E402
from storage import org as org_repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import NewMember  # noqa: E402


async def seed_branch(
    db: Database, emu: Emulator, clock: Clock, n: int, *, flowing: bool
) -> tuple[int, list[SimUser]]:
    """A county with one branch of ``n`` registered members, each with a private chat."""
    now = clock.now()
    users = []
    async with db.tx() as c:
        county = await org_repo.add_unit(c, "county", "青山县", None, now)
        town = await org_repo.add_unit(c, "township", "东岭镇", county.id, now)
        branch = await org_repo.add_unit(c, "branch", "东岭村党支部", town.id, now)
        for i in range(n):
            user = emu.add_user(f"党员{i:05d}")
            user.started = True
            users.append(user)
            await member_repo.touch_user(
                c, user.id, user.first_name, None, "zh-hans", now, private=True
            )
            await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=branch.id,
                    name=user.first_name,
                    status="full",
                    state="active",
                    telegram_id=user.id,
                    flowing=flowing,
                    flow_city="深圳" if flowing else None,
                ),
                now,
            )
    return branch.id, users


async def start_process(emu: Emulator, args: list[str], **env: str) -> asyncio.subprocess.Process:
    """A bot process against the emulator; ``BENCH_PROFILE`` adds e.g. ``-m cProfile``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIBU_")}
    clean.update(
        ZHIBU_TOKEN=emu.token,
        ZHIBU_API_BASE=emu.base_url,
        ZHIBU_LOG_LEVEL="WARNING",
        PYTHONPATH=str(CODE),
        **env,
    )
    prefix = os.environ.get("BENCH_PROFILE", "").split()
    return await asyncio.create_subprocess_exec(
        sys.executable, *prefix, *args, env=clean, cwd=str(CODE)
    )


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(30):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
