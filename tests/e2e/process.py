"""`zhibu run` as a real subprocess against the emulator in the test's process.

Waiting here is on another process, so it polls what the emulator has seen (after each
call the bot makes) rather than sleeping for a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.clock import FrozenClock
from sandbox.emulator import Emulator, SimChat, SimUser
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import NewMember
from tests.conftest import START, TOKEN, seed_county

ROOT = Path(__file__).resolve().parents[2]


def command_env(**settings: str) -> dict[str, str]:
    """The environment a `zhibu` command runs in for a test: none of this machine's ZHIBU_
    settings, its locale a server's plain C (English) unless ``settings`` say otherwise,
    the project's code on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_", "LC_", "LANG"))}
    env.update({"LANG": "C", "PYTHONPATH": str(ROOT), **settings})
    return env


async def zhibu(*args: str, **settings: str) -> tuple[int, str, str]:
    """A `zhibu` command as the operator types it (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zhibu",
        *args,
        env=command_env(**settings),
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await communicate(process, 60, f"zhibu {' '.join(args)}")
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def communicate(
    process: asyncio.subprocess.Process, seconds: float, what: str
) -> tuple[bytes, bytes]:
    """A subprocess's output once it ends; one that hangs is killed and fails the test."""
    try:
        async with asyncio.timeout(seconds):
            return await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{what} did not finish in {seconds:g} s") from None


async def until(
    emu: Emulator, condition: Callable[[], bool], what: str, seconds: float = 60
) -> None:
    try:
        async with asyncio.timeout(seconds):
            await emu.until(condition)
    except TimeoutError:
        raise AssertionError(f"waited {seconds} s for: {what}") from None


class BotProcess:
    """Starts, SIGKILLs and stops `zhibu run`; keeps every run's stderr."""

    def __init__(self, emu: Emulator, database: Path, **settings: str) -> None:
        self.emu, self.database, self.settings = emu, database, settings
        self.args: tuple[str, ...] = ("run",)  # e.g. ("run", "--webhook", url)
        self.process: asyncio.subprocess.Process | None = None
        self.stderr: list[str] = []
        self.starts = 0
        self._read: list[str] = []  # lines of the running process's stderr read so far

    async def start(self) -> None:
        if not self.database.exists():  # as an operator does: `run` takes no missing file
            code, _, err = await zhibu("migrate", ZHIBU_DATABASE=str(self.database))
            assert code == 0, err
        env = command_env(
            **{
                "ZHIBU_TOKEN": TOKEN,
                "ZHIBU_API_BASE": self.emu.base_url,
                "ZHIBU_DATABASE": str(self.database),
                "ZHIBU_LOG_LEVEL": "WARNING",
                **self.settings,
            }
        )
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "zhibu",
            *self.args,
            env=env,
            cwd=str(ROOT),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self.starts += 1

    async def kill(self) -> None:
        """SIGKILL: no shutdown, nothing flushed."""
        assert self.process is not None
        self.process.kill()
        await self._reap()

    async def stop(self) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not go in 20 s."""
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
        await self._reap()

    async def next_line(self, seconds: float = 60) -> str:
        """The next line the running bot writes on stderr (kept for :attr:`stderr` too)."""
        assert self.process is not None and self.process.stderr is not None
        async with asyncio.timeout(seconds):
            line = (await self.process.stderr.readline()).decode()
        self._read.append(line)
        return line.rstrip("\n")

    async def exited(self, seconds: float = 60) -> int:
        """Wait for the process to end by itself; its exit code."""
        assert self.process is not None
        try:
            async with asyncio.timeout(seconds):
                code = await self.process.wait()
        except TimeoutError:
            raise AssertionError(f"zhibu run still running after {seconds} s") from None
        await self._reap()
        return code

    async def _reap(self) -> None:
        assert self.process is not None
        await self.process.wait()
        if self.process.stderr is not None:
            rest = (await self.process.stderr.read()).decode()
            text = "".join(self._read) + rest
            assert TOKEN.partition(":")[2] not in text, f"the token reached stderr: {text[-800:]}"
            self.stderr.append(text)
        self._read = []
        self.process = None


async def seed_east(
    database: Path,
    secretary: SimUser,
    members: list[SimUser],
    away: Callable[[SimUser], bool],
    group: SimChat | None = None,
) -> dict[str, int]:
    """Before the bot starts: the test county, its east branch with a secretary and these
    members (working away in 深圳 where ``away`` says), all with a private chat, and the
    branch's group chat bound if given."""
    clock = FrozenClock(START)
    db = await Database.open(database)
    try:
        county = await seed_county(db, clock)
        now = clock.now()
        async with db.tx() as c:
            for person in [secretary, *members]:
                person.started = True
                flowing = person is not secretary and away(person)
                await member_repo.touch_user(
                    c, person.id, person.first_name, None, "zh-hans", now, private=True
                )
                await member_repo.insert_member(
                    c,
                    NewMember(
                        branch_id=county["east"],
                        name=person.first_name,
                        status="full",
                        birth_year=1985,
                        state="active",
                        telegram_id=person.id,
                        flowing=flowing,
                        flow_city="深圳" if flowing else None,
                    ),
                    now,
                )
            await org_repo.grant(c, secretary.id, "secretary", county["east"], None, now)
            if group is not None:
                await org_repo.bind_group(
                    c, group.id, county["east"], group.title or "", secretary.id, now
                )
    finally:
        await db.close()
    return county
