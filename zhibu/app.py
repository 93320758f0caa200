"""Building the Application and the long-lived services it carries.

The composition root: it registers the handlers (handlers/__init__.py) on an Application
whose context and services are bot/'s (bot/context.py), so it sits above both layers.
The database opens in ``post_init`` and closes in ``post_shutdown``; because
``Application.initialize()`` does not run ``post_init``, tests and the demo call
:func:`start_services` / :func:`stop_services` themselves — the same functions the hooks
call, so there is one way to bring the bot up.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults

from bot import i18n, logs, users
from bot.aiohttp_request import AiohttpRequest
from bot.askers import Askers
from bot.clock import Clock
from bot.config import Settings
from bot.context import Services, ZApplication, ZContext, services_of
from bot.delivery import Sender, SendLimits
from bot.journal import Journal, JournalingBot
from bot.pacing import PaceLimits, Pacer, PacingRateLimiter
from bot.throttle import Throttle
from bot.updates import PerUserUpdateProcessor, lend_place
from bot.write_faults import WriteFaults
from storage.db import BOT_BUSY_MS, Database

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    update_processor: BaseUpdateProcessor | None = None,
    rate_limiter: bool = True,
    ticking: bool = True,
) -> ZApplication:
    from telegram.ext import ContextTypes

    from handlers import register

    if settings.token is None:
        raise ValueError("ZHIBU_TOKEN is not set")
    logs.hide(settings.token.get_secret_value())
    write_faults = WriteFaults()
    journal = Journal(write_faults)
    # One clock for replies and the outbox; without the rate limiter (most tests, the
    # demo) replies go unpaced and only the outbox keeps to it.
    pacer = Pacer(
        PaceLimits(per_second=settings.send_per_second, per_chat_seconds=settings.send_chat_seconds)
    )
    limiter = PacingRateLimiter(pacer, idle=lend_place) if rate_limiter else None
    askers = Askers()
    bot = JournalingBot(
        journal,
        settings.token.get_secret_value(),
        askers=askers,
        base_url=settings.api_base,
        base_file_url=settings.file_base,
        # Every message is HTML: handlers escape what users typed (handlers.ui.esc).
        defaults=Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        # aiohttp as for the outbox's bot (bot/aiohttp_request.py): every press is
        # answered with a request of its own, and httpx's bookkeeping cost more CPU than
        # the rest of answering it.
        request=AiohttpRequest(connection_pool_size=settings.concurrent_updates + 4),
        get_updates_request=AiohttpRequest(),
        rate_limiter=limiter,
    )
    processor = update_processor or PerUserUpdateProcessor(settings.concurrent_updates)
    throttle = Throttle(settings.user_updates_limit, settings.user_updates_window)
    if isinstance(processor, PerUserUpdateProcessor):
        processor.journal = journal
        processor.throttle = throttle  # checked as each update arrives
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=ZContext))
        .post_init(start_services)
        .post_shutdown(stop_services)
        .concurrent_updates(processor)
    )
    application: ZApplication = builder.build()
    application.bot_data["services"] = Services(
        settings=settings,
        clock=clock or Clock(settings.timezone),
        journal=journal,
        write_faults=write_faults,
        pacer=pacer,
        ticking=ticking,
        throttle=throttle,
        askers=askers,
    )
    register(application)
    return application


async def start_services(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open the database (migrating it), note staff from settings, set the command menus."""
    services = services_of(application)
    if services.db is not None:
        return
    i18n.load_all()
    services.db = await Database.open(services.settings.database, busy_ms=BOT_BUSY_MS)
    services.journal.attach(services.db, services.clock)
    # Updates a crash left unfinished go first, ahead of anything fetched from now on.
    for update in await services.journal.unfinished(application.bot):
        application.update_queue.put_nowait(update)
    await users.staff_known(services.db, services.clock, services.settings.admins)
    from bot import renderers, roles
    from bot.menus import publish_menus
    from bot.personal_menus import mark_at_start

    settings = services.settings
    # Before the sender starts: nothing queued for someone no longer staff goes out.
    await roles.drop_work_of_former_staff(services.db, services.clock, settings.admins)
    outbox_bot = Bot(
        application.bot.token,
        base_url=settings.api_base,
        base_file_url=settings.file_base,
        request=AiohttpRequest(connection_pool_size=settings.send_concurrency + 2),
    )
    await outbox_bot.initialize()
    services.sender = Sender(
        outbox_bot,
        services.db,
        services.clock,
        SendLimits(per_second=settings.send_per_second, concurrency=settings.send_concurrency),
        services.pacer,
        services.write_faults,
        renderers=renderers.build(),
    )
    # Staff hear once that the database could not be written, when it can be again.
    services.write_faults.on_recovered = lambda error, seconds: services.noted(
        "database", error, str(round(seconds))
    )
    services.sender.on_error = lambda error, kind: services.noted("sender", error, kind)
    services.sender.start()
    from bot.live_counts import LiveCounts

    services.live_counts = LiveCounts(
        services.db,
        services.clock,
        timedelta(seconds=settings.checkin_count_seconds),
        services.poke_outbox,
        timed=services.ticking,
    )
    services.live_counts.start()
    await publish_menus(application.bot)
    # Staff named in the settings may have changed: personal menus follow at the first tick.
    await mark_at_start(services.db, services.clock, settings.admins)
    if services.ticking:
        from bot.schedule import Ticker

        # A minute's granularity is plenty for reminders at 20:00; the first tick, a second
        # after start-up, catches up on anything due while the bot was down.
        services.ticker = Ticker(services, settings.tick_seconds)
        services.ticker.start()


async def stop_services(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services = services_of(application)
    if services.ticker is not None:
        ticker, services.ticker = services.ticker, None
        await ticker.stop()
    if services.live_counts is not None:
        counts, services.live_counts = services.live_counts, None
        await counts.stop()
    if services.sender is not None:
        sender, services.sender = services.sender, None
        await sender.stop()
        await sender.bot.shutdown()
    if services.db is not None:
        await services.journal.flush()
        db, services.db = services.db, None
        services.journal.detach()
        await db.close()
