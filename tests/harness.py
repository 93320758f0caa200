"""The bot under test, the emulator it talks to, and people who use it.

Everything goes over real HTTP on 127.0.0.1: the real python-telegram-bot Application
polls the emulator, and people act through the emulator as they would in Telegram. After
each action the harness waits until the bot has finished every update so far, then the
test reads what each person sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, NetworkError, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.context import Services, ZApplication, ZContext, services_of
from bot.repeats import Repeats
from bot.schedule import tick
from bot.updates import ALLOWED_UPDATES, PerUserUpdateProcessor
from bot.webhook import WebhookServer, set_webhook
from sandbox.emulator import Emulator, SimChat, SimMessage, SimUser
from storage.db import Database
from zhibu.app import build_application, start_services, stop_services

SETTLE_TIMEOUT = 15.0


class TrackingProcessor(PerUserUpdateProcessor):
    """Processes updates as production does (people side by side, each person in order)
    and notes which are done."""

    def __init__(self, max_concurrent_updates: int = 4) -> None:
        super().__init__(max_concurrent_updates)
        self.done: set[int] = set()
        self.changed = asyncio.Event()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().do_process_update(update, coroutine)
        finally:
            update_id = getattr(update, "update_id", None)
            if isinstance(update_id, int):
                self.done.add(update_id)
            self.changed.set()


@dataclass
class Harness:
    emu: Emulator
    settings: Settings
    clock: Clock
    app: ZApplication | None = None
    processor: TrackingProcessor = field(default_factory=TrackingProcessor)
    errors: list[BaseException] = field(default_factory=list)
    # Replies unpaced unless a test asks (Telegram's own limits would make every flow
    # wait a second between two messages to one person); the outbox is always paced.
    paced: bool = False
    settle_timeout: float = SETTLE_TIMEOUT
    ticking: bool = False

    async def start(self) -> None:
        """Build and start the real Application, polling the emulator over HTTP."""
        done = self.processor.done
        self.processor = TrackingProcessor(self.settings.concurrent_updates)
        self.processor.done |= done  # updates handled before a restart stay handled
        # Time is the test's: the scheduler's real-time minute tick would fire at moments
        # no test chose, so tests call h.tick() after moving the clock instead (unless
        # ``ticking``, for a test of the beat itself).
        app = build_application(
            self.settings,
            clock=self.clock,
            update_processor=self.processor,
            rate_limiter=self.paced,
            ticking=self.ticking,
        )

        async def record(update: object, context: ZContext) -> None:
            error = context.error
            if error is None or (
                update is None
                and isinstance(error, NetworkError)
                and not isinstance(error, BadRequest)
            ):
                return  # polling meeting a hiccup on the way to Telegram is no bug
            self.errors.append(error)

        app.add_error_handler(record)
        # Telegram's redeliveries come in real time; the tests' time is the test clock's.
        services_of(app).repeats = Repeats(seconds=lambda: self.clock.now().timestamp())
        await app.initialize()
        await start_services(app)
        # Updates the last run left unfinished are handled again: wait for them too.
        self.processor.done -= services_of(app).journal.replays
        await app.start()
        await self.receive(app)
        self.app = app

    async def receive(self, app: ZApplication) -> None:
        """Start taking updates from the emulator: polling, as `zhibu run` does."""
        assert app.updater is not None
        # As run_polling does: what goes wrong fetching updates reaches the error handlers.
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=2,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=lambda exc: self._report(app, exc),
        )

    @staticmethod
    def _report(app: ZApplication, error: TelegramError) -> None:
        """Hand a polling error to the error handlers, as run_polling does."""
        app.create_task(app.process_error(None, error))

    async def stop_receiving(self, app: ZApplication) -> None:
        assert app.updater is not None
        await app.updater.stop()

    async def stop(self) -> None:
        """Each step bounded: a step that hangs fails the test naming it, with every
        task's stack (a hang once stalled CI here, the loop idle, and could not be
        reproduced)."""
        app, self.app = self.app, None
        if app is None:
            return
        await _bounded("stop receiving", self.stop_receiving(app))
        await _bounded("Application.stop", app.stop())
        await _bounded("stop_services", stop_services(app))
        await _bounded("Application.shutdown", app.shutdown())

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database, as after a crash."""
        await self.stop()
        await self.start()

    @property
    def services(self) -> Services:
        assert self.app is not None, "the bot is not running"
        return services_of(self.app)

    @property
    def db(self) -> Database:
        assert self.app is not None, "the bot is not running"
        return services_of(self.app).database

    async def settle(self) -> None:
        """Wait until the bot has handled every update sent so far."""

        async def all_done() -> None:
            while not set(self.emu.update_ids_queued) <= self.processor.done or (
                self.app is not None
                and not services_of(self.app).journal.replays <= self.processor.done
            ):
                self.processor.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.processor.changed.wait(), 0.05)

        await asyncio.wait_for(all_done(), self.settle_timeout)
        counts = services_of(self.app).live_counts if self.app is not None else None
        if counts is not None:  # presses poke it: an edit it queues is sent below
            async with asyncio.timeout(self.settle_timeout):
                await counts.wait_idle()
        sender = services_of(self.app).sender if self.app is not None else None
        if sender is not None:
            async with asyncio.timeout(self.settle_timeout):
                await sender.wait_idle()
        if self.errors:
            raise AssertionError(f"the bot raised while handling an update: {self.errors!r}")

    async def tick(self) -> None:
        """What the scheduler's minute tick does, at the clock's now; then settle."""
        assert self.app is not None
        await tick(services_of(self.app))
        await self.settle()

    def person(self, name: str, *, language: str = "zh-hans") -> Person:
        return Person(self, self.emu.add_user(name, language_code=language))

    def group(self, title: str, members: list[Person]) -> SimChat:
        return self.emu.add_group(title, members=[m.user for m in members])


STOP_STEP_TIMEOUT = 60.0


async def _bounded(step: str, work: Awaitable[None]) -> None:
    try:
        async with asyncio.timeout(STOP_STEP_TIMEOUT):
            await work
    except TimeoutError:
        for task in asyncio.all_tasks():
            task.print_stack(file=sys.stderr)
        raise AssertionError(
            f"stopping the bot hung in {step} "
            f"(over {STOP_STEP_TIMEOUT:.0f} s; task stacks on stderr)"
        ) from None


@contextlib.asynccontextmanager
async def running(harness: Harness) -> AsyncIterator[Harness]:
    """The bot started for a test, stopped after it; then the test fails if the bot raised
    in a handler or sent something Telegram would refuse."""
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    assert not harness.errors, f"the bot raised: {harness.errors!r}"
    emu = harness.emu
    assert not emu.refusals, f"the bot sent what Telegram would refuse: {emu.refusals!r}"


@dataclass
class WebhookHarness(Harness):
    """The same bot taking its updates by webhook, as `zhibu run --webhook` does: the
    emulator posts each update to the bot's server on 127.0.0.1 with the secret header."""

    secret: str = "harness-webhook-secret"
    server: WebhookServer | None = None

    async def receive(self, app: ZApplication) -> None:
        self.server = WebhookServer(app, "/telegram", self.secret)
        await self.server.start()
        await set_webhook(app, self.url, self.secret)

    @property
    def url(self) -> str:
        assert self.server is not None, "the webhook is not being served"
        return f"http://127.0.0.1:{self.server.port}/telegram"

    async def stop_receiving(self, app: ZApplication) -> None:
        if self.server is not None:
            await self.server.stop()


@dataclass
class Person:
    """Someone with Telegram on their phone."""

    h: Harness
    user: SimUser

    @property
    def id(self) -> int:
        return self.user.id

    async def says(self, text: str, chat: SimChat | None = None) -> None:
        self.h.emu.send_text(self.user, text, chat=chat)
        await self.h.settle()

    async def opens_link(self, payload: str) -> None:
        self.h.emu.start_link(self.user, payload)
        await self.h.settle()

    async def presses(
        self, label: str, *, chat: SimChat | None = None, message: SimMessage | None = None
    ) -> None:
        """Press the newest button with this label in the chat (or on the given message)."""
        target = message or self.message_with_button(label, chat=chat)
        self.h.emu.press(self.user, target, label)
        await self.h.settle()

    async def presses_keyboard(self, label: str) -> None:
        self.h.emu.reply_keyboard_press(self.user, label)
        await self.h.settle()

    async def shares_contact(self, phone: str, *, own: bool = True) -> None:
        self.h.emu.send_contact(self.user, phone_number=phone, own=own)
        await self.h.settle()

    def message_with_button(self, label: str, *, chat: SimChat | None = None) -> SimMessage:
        for message in reversed(self.h.emu.messages(chat if chat is not None else self.user)):
            if any(text == label for row in message.buttons for text, _ in row):
                return message
        shown = [
            text
            for m in self.h.emu.messages(chat if chat is not None else self.user)
            for row in m.buttons
            for text, _ in row
        ]
        raise AssertionError(f"{self.user.first_name} sees no button {label!r}; buttons: {shown}")

    def sees(self, chat: SimChat | None = None) -> list[str]:
        """Texts of the bot's messages in this person's private chat (or the given chat)."""
        return self.h.emu.texts(chat if chat is not None else self.user)

    def last(self, chat: SimChat | None = None) -> str:
        texts = self.sees(chat)
        assert texts, f"{self.user.first_name} has received nothing"
        return texts[-1]

    def answers(self) -> list[str]:
        """Short notices shown when a button is pressed (callback answers)."""
        return [answer.text or "" for answer in self.h.emu.callback_answers(self.user)]
