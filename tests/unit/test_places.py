"""Places go to presses before messages, in order within each; a cancelled waiter leaves
no place lost."""

from __future__ import annotations

import asyncio

from bot.places import MESSAGE, PRESS, Places


async def test_a_freed_place_goes_to_the_waiting_press_first() -> None:
    places = Places(1)
    await places.acquire(MESSAGE)
    order: list[str] = []

    async def wait(name: str, rank: int) -> None:
        await places.acquire(rank)
        order.append(name)
        places.release()

    waiters = [
        asyncio.create_task(wait(name, rank))
        for name, rank in (
            ("message 1", MESSAGE),
            ("message 2", MESSAGE),
            ("press 1", PRESS),
            ("press 2", PRESS),
        )
    ]
    await asyncio.sleep(0)
    places.release()
    await asyncio.gather(*waiters)
    assert order == ["press 1", "press 2", "message 1", "message 2"]


async def test_a_cancelled_waiter_leaves_no_place_lost() -> None:
    places = Places(1)
    await places.acquire(PRESS)
    waiting = asyncio.create_task(places.acquire(MESSAGE))
    await asyncio.sleep(0)
    places.release()  # handed to the waiter …
    waiting.cancel()  # … which is cancelled before it runs: the place comes back
    await asyncio.gather(waiting, return_exceptions=True)
    async with asyncio.timeout(1):
        await places.acquire(MESSAGE)


async def test_a_waiter_cancelled_before_a_release_ends_cancelled() -> None:
    """Cancelled first, then a release finds its turn already done and skips it: the
    waiter still ends as cancelled (an update cut short at shutdown comes back at the
    next start), and the place is free."""
    places = Places(1)
    await places.acquire(PRESS)
    waiting = asyncio.create_task(places.acquire(MESSAGE))
    await asyncio.sleep(0)
    waiting.cancel()
    places.release()
    (outcome,) = await asyncio.gather(waiting, return_exceptions=True)
    assert isinstance(outcome, asyncio.CancelledError)
    async with asyncio.timeout(1):
        await places.acquire(MESSAGE)
