"""Webhook mode: Telegram POSTs each update to us, and it is written down before the 200.

PTB's own ``run_webhook`` serves with tornado (not a dependency here) and answers 200 as
soon as the update is in its queue — before anything is written, so a crash at that
moment would lose an update Telegram will never send again, the very thing the journal
prevents in polling. This is PTB's "custom webhook" pattern instead: a small aiohttp
server (aiohttp is a dependency already) checks Telegram's secret header, writes the
update to the journal, puts it on the Application's update queue and only then answers
200. A repeat — Telegram posts an update again when it did not get the 200 — is
recognised by the journal and answered 200 without being handled twice; an update
answered 200 and not yet handled when the process died is handled at the next start, as
in polling. While the database cannot be written (a full disk), posts are answered 503
without a log line each, and Telegram posts them again later.

At start the webhook is set (with the secret and the same update kinds as polling, pending
updates kept); at stop it is left set, so Telegram keeps what arrives meanwhile and posts
it once the bot is back. Polling (``zhibu run``) deletes it again at start.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import signal
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot import logs
from bot.config import Settings, parse_listen
from bot.context import ZApplication, services_of
from bot.i18n import N_
from bot.startup import SetupError
from bot.updates import ALLOWED_UPDATES
from bot.write_faults import NotWritten

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookError(SetupError):
    """The webhook cannot be served: one line for the operator, in their language."""


def webhook_secret(settings: Settings) -> str:
    """``ZHIBU_WEBHOOK_SECRET``, or one derived from the token: stable across restarts
    (Telegram may hold updates posted with it) and unguessable without the token."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.token is None:
        raise WebhookError(N_("ZHIBU_TOKEN is not set"))
    digest = hmac.new(
        settings.token.get_secret_value().encode(), b"zhibu webhook secret", hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class WebhookServer:
    """The HTTP side: one POST route at the webhook URL's path."""

    def __init__(
        self,
        application: ZApplication,
        path: str,
        secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.application, self.host, self.requested_port = application, host, port
        self._secret = secret.encode()
        web_app = web.Application(client_max_size=2 * 1024 * 1024)
        web_app.router.add_post(path or "/", self._receive)
        self._runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        self.port = 0

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        address: Any = self._runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        if self._runner.server is not None:  # set up, and not cleaned up yet
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning(
                "webhook: refused a post without the right secret token (from %s)", request.remote
            )
            return web.Response(status=403)
        body = await request.read()
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.application.bot)
            raw = body.decode("utf-8")
        except Exception:  # whatever is not an update is refused, not handled
            log.warning("webhook: refused a post that is not an update")
            return web.Response(status=400)
        try:
            fresh = await services_of(self.application).journal.receive(update, raw)
        except NotWritten as full:
            # The disk is full (bot/write_faults.py): said once in the log, not per post;
            # Telegram keeps the update and posts it again later.
            return web.Response(status=503, headers={"Retry-After": str(max(1, round(full.wait)))})
        except Exception:
            # Not written, so not acknowledged: Telegram posts it again.
            log.exception("webhook: could not write update %s down", update.update_id)
            return web.Response(status=500)
        if fresh:
            await self.application.update_queue.put(update)
        return web.Response()


async def set_webhook(application: ZApplication, url: str, secret: str) -> None:
    try:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
    except TelegramError as exc:
        raise WebhookError(
            N_("Telegram refused the webhook {url}: {reason}"), url=url, reason=exc.message
        ) from None


async def serve(
    application: ZApplication, settings: Settings, url: str, stopping: asyncio.Event | None = None
) -> None:
    """Run the bot on a webhook until SIGINT/SIGTERM (or ``stopping``): the life cycle of
    PTB's ``run_polling`` — initialise, post_init, start … stop, shutdown, post_shutdown —
    with our server in place of the poller."""
    host, port = parse_listen(settings.webhook_listen)
    secret = webhook_secret(settings)
    logs.hide(secret)
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    server = WebhookServer(application, urlsplit(url).path, secret, host, port)
    try:
        await application.initialize()
    except TelegramError as exc:
        raise WebhookError(N_("cannot start: {reason}"), reason=exc.message) from None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            await server.start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise WebhookError(
                N_("cannot listen on {address} (ZHIBU_WEBHOOK_LISTEN): {reason}"),
                address=settings.webhook_listen,
                reason=reason,
            ) from None
        await set_webhook(application, url, secret)
        log.info("webhook set to %s; listening on %s:%d", url, host, server.port)
        await stopping.wait()
    finally:
        await server.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run_webhook(application: ZApplication, settings: Settings, url: str) -> int:
    asyncio.run(serve(application, settings, url))
    return 0
