"""The typed context and the services every handler receives.

Handlers import these from here, in bot/, so the layer below them never needs the layer
above: the Application that fills ``bot_data["services"]`` is built by the composition
root (zhibu/app.py), which imports the handlers; the handlers and bot/ only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot import i18n
from bot.access import Actor
from bot.askers import Askers
from bot.background import BackgroundLoop
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Sender
from bot.journal import Journal
from bot.pacing import Pacer
from bot.repeats import Repeats
from bot.throttle import Throttle
from bot.write_faults import WriteFaults
from storage.db import Database

if TYPE_CHECKING:
    from bot.live_counts import LiveCounts


@dataclass
class Services:
    """What every handler may need, built once per Application."""

    settings: Settings
    clock: Clock
    db: Database | None = None
    sender: Sender | None = None
    throttle: Throttle = field(default_factory=Throttle)
    daily: dict[str, date] = field(default_factory=dict)  # once-a-day jobs: the last day run
    journal: Journal = field(default_factory=Journal)
    askers: Askers = field(default_factory=Askers)  # who sent each fetched batch
    # A database that cannot be written (a full disk): one episode for every place that
    # waits it out (bot/write_faults.py); the journal's, so polling shares it.
    write_faults: WriteFaults = field(default_factory=WriteFaults)
    pacer: Pacer = field(default_factory=Pacer)  # Telegram's limits, for replies and outbox
    repeats: Repeats = field(default_factory=Repeats)  # presses handed over twice
    # The scheduler's beat (bot/schedule.py's Ticker, which takes these services: named
    # here by its base class, so that this module and that one do not import each other);
    # off for tests, which tick at moments they choose.
    ticking: bool = True
    ticker: BackgroundLoop | None = None
    live_counts: LiveCounts | None = None  # edits of check-in posts (bot/live_counts.py)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("services not started: call start_services(application)")
        return self.db

    def poke_outbox(self) -> None:
        """Rows were queued: have the sender look now."""
        if self.sender is not None:
            self.sender.poke()

    def poke_counts(self) -> None:
        """Someone checked in, joined remotely or asked for leave: the count on the
        session's check-in post follows (spaced out: bot/live_counts.py)."""
        if self.live_counts is not None:
            self.live_counts.poke()

    async def noted(self, source: str, error: BaseException, context: str = "") -> None:
        """An error in a handler or the sender: kept, and staff told (rate-limited)."""
        from bot.trouble import noted

        if self.db is not None and await noted(
            self.db, self.clock, self.settings, source, error, context
        ):
            self.poke_outbox()


class ZContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[str, Any]]):
    """Typed access to the services, plus who is asking and in which language."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._tr: i18n.Translator | None = None
        self._actor: Actor | None = None

    @property
    def services(self) -> Services:
        services = self.bot_data["services"]
        assert isinstance(services, Services)
        return services

    @property
    def db(self) -> Database:
        return self.services.database

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def tr(self) -> i18n.Translator:
        return self._tr if self._tr is not None else i18n.translator(None)

    @tr.setter
    def tr(self, value: i18n.Translator) -> None:
        self._tr = value

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("actor not loaded: the user middleware did not run")
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value


ZApplication = Application[
    ExtBot[None], ZContext, dict[Any, Any], dict[Any, Any], dict[str, Any], Any
]


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services = application.bot_data["services"]
    assert isinstance(services, Services)
    return services
