"""What `zhibu run` makes sure of before it takes updates, whichever way it takes them.

Each check ends in one line the operator can act on (a :class:`SetupError`, printed in
their language by the command line), never a traceback, and never prints the token:
the token's form is checked before any request; one process per database is held by an
OS lock the kernel drops when the process dies, so a SIGKILLed bot leaves nothing stale;
the Bot API is asked who the bot is, patiently while it cannot be reached (said once)
and with a clear refusal when it rejects the token; and a 409 Conflict while polling —
another copy of the bot taking the same updates elsewhere — stops the bot instead of
having the two split the updates between them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from telegram import Bot, User
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext

from bot.config import Settings
from bot.i18n import N_, Tr
from bot.pacing import retry_seconds
from bot.profile import InvalidInput

#: What @BotFather hands out: the bot's id, a colon, 35 URL-safe characters.
TOKEN_FORM = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{35}")
#: Longest wait between two tries to reach the Bot API at start-up, in seconds.
LONGEST_WAIT = 30.0


class SetupError(InvalidInput):
    """A problem the person running zhibu can fix: an English message id and its fields,
    printed as one line in the operator's language, with no traceback."""


def api_host(settings: Settings) -> str:
    """Where the Bot API is, for messages: host and port only, never the token's path."""
    return urlsplit(settings.api_base).netloc


def checked_token(settings: Settings) -> str:
    if settings.token is None:
        raise SetupError(
            N_(
                "ZHIBU_TOKEN is not set: get a token from @BotFather and set "
                "ZHIBU_TOKEN (in the environment or in a .env file)"
            )
        )
    token = settings.token.get_secret_value()
    if not TOKEN_FORM.fullmatch(token):
        raise SetupError(
            N_(
                "ZHIBU_TOKEN is not a bot token: it looks like 123456789:AAE… "
                "(digits, a colon and 35 letters, digits, - or _); copy it again "
                "from @BotFather"
            )
        )
    return token


def command_line() -> str:
    """How this process was started, for the lock file (never the environment, where the
    token lives)."""
    return shlex.join(sys.orig_argv)[:300]


@contextmanager
def instance_lock(database: Path) -> Iterator[None]:
    """Hold ``<database>.lock`` for as long as the block runs, or refuse at once naming the
    process that holds it. The file stays after the lock is dropped: removing it would let
    a third process lock a fresh file while a second still holds the old one."""
    import fcntl  # POSIX only; imported here so the rest of the command line runs anywhere

    path = database.with_name(database.name + ".lock")
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise SetupError(
            N_("cannot create the lock file {path}: {reason}"), path=path, reason=exc.strerror
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 4096, 0).decode("utf-8", "replace").split("\n")
            raise SetupError(
                N_(
                    "the database {database} is in use by another zhibu (pid {pid}: {command}); "
                    "stop that one first: one bot per database"
                ),
                database=database,
                pid=holder[0] or "?",
                command=holder[1] if len(holder) > 1 and holder[1] else "?",
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n{command_line()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)  # closing drops the lock, as the kernel does when the process dies


async def reach_api(
    settings: Settings, tr: Tr, *, out: TextIO | None = None, longest: float = LONGEST_WAIT
) -> User:
    """Who the bot is, from getMe: retried with growing pauses (1, 2, 4 … ``longest`` s)
    while the Bot API cannot be reached — which is said once, not at every try."""
    token = checked_token(settings)
    bot = Bot(token, base_url=settings.api_base, base_file_url=settings.file_base)
    pause, said = 1.0, False
    try:
        while True:
            try:
                await bot.initialize()
                return bot.bot
            except InvalidToken as exc:
                # PTB's own text quotes the token; Telegram's reason is its cause.
                reason = str(exc.__cause__ or "Unauthorized")
                raise SetupError(
                    N_(
                        "the Bot API at {host} refused ZHIBU_TOKEN ({reason}): copy "
                        "the token again from @BotFather"
                    ),
                    host=api_host(settings),
                    reason=reason,
                ) from None
            except RetryAfter as exc:
                wait = retry_seconds(exc)
            except NetworkError:
                wait, pause = pause, min(pause * 2, longest)
            except TelegramError as exc:
                raise SetupError(
                    N_("the Bot API at {host} answered getMe with an error: {reason}"),
                    host=api_host(settings),
                    reason=str(exc),
                ) from None
            if not said:
                print(
                    "zhibu:",
                    tr("cannot reach the Bot API at {host}; still trying", host=api_host(settings)),
                    file=out or sys.stderr,
                    flush=True,
                )
                said = True
            await asyncio.sleep(float(wait))
    finally:
        await bot.shutdown()


class ConflictStop:
    """An error handler that stops the application on Telegram's 409 Conflict, which
    getUpdates answers while another client polls with the same token. Left alone, PTB
    retries for ever and each copy receives part of the updates."""

    def __init__(self) -> None:
        self.seen = False

    def _quiet(self, record: logging.LogRecord) -> bool:
        """Once the Conflict is known, PTB's own traceback of it (its last getUpdates, made
        to confirm what was fetched, meets the same 409) adds nothing to the one line."""
        error = record.exc_info[1] if record.exc_info else None
        return not (self.seen and isinstance(error, Conflict))

    async def __call__(self, update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        if not isinstance(context.error, Conflict):
            return
        if not self.seen:
            self.seen = True
            context.application.stop_running()
        raise ApplicationHandlerStop  # nobody else logs or reports it as a crash

    @classmethod
    def first_in(cls, application: Application[Any, Any, Any, Any, Any, Any]) -> ConflictStop:
        """Installed ahead of the error handlers already there, so it is the one that
        answers a Conflict."""
        stop = cls()
        logging.getLogger("telegram.ext.Updater").addFilter(stop._quiet)
        others = dict(application.error_handlers)
        application.error_handlers.clear()
        application.add_error_handler(stop)
        application.error_handlers.update(others)
        return stop

    def refusal(self) -> SetupError:
        return SetupError(
            N_(
                "Telegram says another program is taking this bot's updates "
                "(409 Conflict); zhibu stopped. Stop the other one, or give this "
                "one a token of its own, then start again."
            )
        )
