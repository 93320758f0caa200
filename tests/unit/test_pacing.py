"""The shared pacer's rules, one at a time: a chat's window counts from the answer, a
waiting reply goes before the outbox, a 429 holds that chat. No sleeping on the happy
path; where time must pass, only lower bounds are asserted."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bot.pacing import PaceLimits, Pacer, counts_as_message

PRIVATE, OTHER, GROUP = 101, 102, -500


def test_what_counts_as_a_message() -> None:
    assert counts_as_message("sendMessage") and counts_as_message("editMessageText")
    assert counts_as_message("sendDocument") and counts_as_message("copyMessage")
    assert not counts_as_message("sendChatAction")
    assert not counts_as_message("answerCallbackQuery") and not counts_as_message("getMe")


async def test_a_private_chat_takes_one_message_per_window_from_its_answer() -> None:
    pacer = Pacer(PaceLimits(per_second=1000))
    assert pacer.try_chat(PRIVATE) == 0.0
    assert pacer.try_chat(PRIVATE) == 1.0 / 0.95  # in flight: not yet (look again later)
    assert pacer.try_chat(OTHER) == 0.0  # other chats are not held up
    await pacer.slot(urgent=False)
    pacer.done(PRIVATE)
    wait = pacer.try_chat(PRIVATE)
    assert 1.0 <= wait <= 1.0 / 0.95  # the window (with headroom) counts from the answer


async def test_a_group_takes_twenty_a_minute() -> None:
    pacer = Pacer(PaceLimits(per_second=1000))
    for _ in range(20):
        assert pacer.try_chat(GROUP) == 0.0
        pacer.done(GROUP, started=False)
    assert pacer.try_chat(GROUP) >= 59


async def test_a_waiting_reply_goes_before_the_outbox() -> None:
    pacer = Pacer(PaceLimits(per_second=1000, per_chat_seconds=0.05))
    assert pacer.try_chat(PRIVATE) == 0.0  # the outbox has a message on its way
    reply = asyncio.create_task(pacer.wait_chat(PRIVATE))
    await asyncio.sleep(0)
    assert not reply.done()
    pacer.done(PRIVATE, started=False)
    assert pacer.try_chat(PRIVATE) > 0  # the reply waits for this chat: not the outbox
    async with asyncio.timeout(30):
        await reply
    assert pacer.try_chat(PRIVATE) > 0  # the reply has it now
    pacer.done(PRIVATE, started=False)


async def test_the_outbox_leaves_overall_slots_to_waiting_replies() -> None:
    pacer = Pacer(PaceLimits(per_second=20, headroom=1.0))  # a slot each 50 ms
    await pacer.slot(urgent=False)
    order: list[str] = []

    async def take(name: str, urgent: bool) -> None:
        await pacer.slot(urgent=urgent)
        order.append(name)

    bulk = asyncio.create_task(take("outbox", False))
    await asyncio.sleep(0)
    reply = asyncio.create_task(take("reply", True))
    async with asyncio.timeout(30):
        await asyncio.gather(bulk, reply)
    assert order == ["reply", "outbox"]


async def test_never_more_in_flight_and_answered_within_a_second_than_the_ceiling() -> None:
    pacer = Pacer(PaceLimits(per_second=10, headroom=1.0))
    pacer.catch_up = 100  # as if the sender woke very late: only the ceiling holds it
    pacer._next_slot = time.monotonic() - 100
    for _ in range(10):
        await pacer.slot(urgent=False)
    late = asyncio.create_task(pacer.slot(urgent=False))
    await asyncio.sleep(0.05)
    assert not late.done()  # ten in flight: the eleventh waits
    started = time.monotonic()
    pacer.done(None)
    async with asyncio.timeout(30):
        await late
    assert time.monotonic() - started >= 0.9  # and waits until that answer is a second old


async def test_a_429_holds_the_chat_and_pauses_the_outbox() -> None:
    pacer = Pacer(PaceLimits(per_second=1000))
    before = time.monotonic()
    pacer.refused(PRIVATE, 2.0)
    assert pacer.try_chat(PRIVATE) > 1.5
    assert pacer.try_chat(OTHER) == 0.0  # other chats are free …
    assert pacer.bulk_paused_until >= before + 2.0  # … but the outbox backs off for a while
    reply = asyncio.create_task(pacer.wait_chat(PRIVATE))
    await asyncio.sleep(0.05)
    assert not reply.done()  # a reply to that chat waits out the 429 too
    reply.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reply
