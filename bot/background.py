"""A loop the services run beside the bot (the outbox sender, the scheduler's tick).

One task per loop, started with the services and cancelled before the database closes;
starting twice starts it once. What a loop must finish after it is cancelled (messages
already on their way) is its own ``stop``'s business, after this one's.
"""

from __future__ import annotations

import asyncio
import contextlib


class BackgroundLoop:
    """Subclasses give :meth:`_run` and the task's name (seen in asyncio's debug output
    and in tracebacks)."""

    task_name = "zhibu-loop"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        raise NotImplementedError
