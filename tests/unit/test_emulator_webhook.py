"""The emulator's webhook mode behaves as Telegram's: it refuses what setWebhook refuses,
refuses getUpdates while a webhook is set, and posts every update in order with the secret
header until it is answered 2xx — proven with a real PTB Bot and a small receiving server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from sandbox.emulator import Emulator


class Receiver:
    """A webhook endpoint that answers with the statuses it is told, then 200."""

    def __init__(self) -> None:
        self.posts: list[tuple[str | None, dict[str, object]]] = []  # (secret header, body)
        self.statuses: list[int] = []
        self.posted = asyncio.Event()
        app = web.Application()
        app.router.add_post("/hook", self._receive)
        self.runner = web.AppRunner(app, access_log=None)
        self.port = 0

    async def _receive(self, request: web.Request) -> web.Response:
        self.posts.append(
            (
                request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                json.loads(await request.read()),
            )
        )
        self.posted.set()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def until(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.posts) < count:
                self.posted.clear()
                await self.posted.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    emulator.webhook_retry = 0.01
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url) as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.runner.setup()
    site = web.TCPSite(found.runner, "127.0.0.1", 0)
    await site.start()
    found.port = int(found.runner.addresses[0][1])
    yield found
    await found.runner.cleanup()


async def test_set_webhook_is_checked_as_telegram_does(emu: Emulator, bot: Bot) -> None:
    refusals = {
        "http://example.org/hook": "bad webhook: An HTTPS URL must be provided for webhook",
        "https://example.org:8080/hook": (
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        ),
    }
    for url, description in refusals.items():
        with pytest.raises(BadRequest):
            await bot.set_webhook(url)
        assert emu.refusals[-1][2] == f"Bad Request: {description}"  # Telegram's very words
    for secret, description in {
        "a b": "secret token contains unallowed characters",
        "ключ": "secret token contains unallowed characters",
        "x" * 257: "secret token is too long",
    }.items():
        with pytest.raises(BadRequest):
            await bot.set_webhook("https://example.org/hook", secret_token=secret)
        assert emu.refusals[-1][2] == f"Bad Request: {description}"
    assert emu.webhook is None
    assert await bot.set_webhook("https://example.org:8443/hook", secret_token="A-z_09" * 42)
    assert await bot.set_webhook("http://127.0.0.1:5000/hook")  # the one laxity: tests
    emu.refusals.clear()


async def test_get_updates_conflicts_while_a_webhook_is_set(
    emu: Emulator, bot: Bot, receiver: Receiver
) -> None:
    user = emu.add_user("王芳")
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    with pytest.raises(Conflict) as refused:
        await bot.get_updates()
    assert refused.value.message == (
        "Conflict: can't use getUpdates method while webhook is "
        "active; use deleteWebhook to delete the webhook first"
    )
    emu.refusals.clear()
    await bot.delete_webhook()
    emu.send_text(user, "又轮询了")
    updates = await bot.get_updates()
    assert [u.effective_message.text for u in updates if u.effective_message] == ["又轮询了"]
    assert receiver.posts == []


async def test_updates_are_posted_in_order_with_the_secret_until_answered(
    emu: Emulator, bot: Bot, receiver: Receiver
) -> None:
    user = emu.add_user("王芳")
    receiver.statuses = [500, 403]  # the first update is refused twice, then taken
    emu.send_text(user, "一")
    emu.send_text(user, "二")
    await bot.set_webhook(
        receiver.url, secret_token="s3cret", allowed_updates=["message", "callback_query"]
    )
    emu.send_text(user, "三")
    await receiver.until(5)
    async with asyncio.timeout(10):
        await emu.until(lambda: len(emu.webhook_posts) >= 5)
    texts = [str(body["message"]["text"]) for _, body in receiver.posts]  # type: ignore[index]
    assert texts == ["一", "一", "一", "二", "三"]
    assert {secret for secret, _ in receiver.posts} == {"s3cret"}
    assert [status for _, status in emu.webhook_posts] == [500, 403, 200, 200, 200]
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.allowed_updates == ("message", "callback_query")


async def test_an_unreachable_webhook_keeps_the_updates(
    emu: Emulator, bot: Bot, receiver: Receiver
) -> None:
    user = emu.add_user("王芳")
    url = receiver.url
    await receiver.runner.cleanup()  # nobody listens
    await bot.set_webhook(url)
    emu.send_text(user, "等我")
    async with asyncio.timeout(10):
        await emu.until(lambda: len(emu.webhook_posts) >= 2)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Connection refused"
    await bot.delete_webhook()  # keeps them: polling gets them
    assert [u.update_id for u in await bot.get_updates()] == [emu.update_ids_queued[-1]]
    await bot.set_webhook(url, drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
