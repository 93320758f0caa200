"""Logging that never shows a secret.

The bot's token is in every Bot API URL (``…/bot<token>/getUpdates``), and httpx logs
those URLs at INFO, PTB at DEBUG, and an exception's text or traceback may carry one
too. Filtering by logger would miss the next library that logs a URL, and a handler
filter would miss handlers added later (pytest's, a service manager's), so the
redaction sits where every record is born: a log record factory scrubs the message,
its arguments, the traceback and the stack as the record is made. Records are only
made for enabled levels, so a quiet logger costs nothing.

The same factory keeps what people write out of the log: an update passed as an argument
(PTB's own "Processing update %s", "Error while building CallbackContext for update %s")
is logged as its id and kind (bot/update_kinds.py), not as its text or shared contact.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from telegram import Update

from bot.update_kinds import described

HIDDEN = "[secret]"
SHORTEST_SECRET = 8  # shorter strings would be redacted out of ordinary words

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_plain_factory: Any = None
_formatter = logging.Formatter()


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced (for one-line errors, reports)."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def hide(*secrets: str | None) -> None:
    """Never log these. A bot token is hidden whole and by its secret half (after the
    colon), which may travel alone, e.g. in a URL-encoded form."""
    global _secrets, _plain_factory
    found = set(_secrets)
    for secret in secrets:
        if not secret:
            continue
        found.add(secret)
        _, colon, tail = secret.partition(":")
        if colon and len(tail) >= SHORTEST_SECRET:
            found.add(tail)
    with _lock:
        # Longest first, so a whole token is replaced before the half it contains.
        _secrets = tuple(
            sorted((s for s in found if len(s) >= SHORTEST_SECRET), key=len, reverse=True)
        )
        if _plain_factory is None:
            _plain_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_scrubbing_factory)


def _scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record: logging.LogRecord = _plain_factory(*args, **kwargs)
    if isinstance(record.args, tuple) and any(isinstance(a, Update) for a in record.args):
        record.args = tuple(described(a) if isinstance(a, Update) else a for a in record.args)
    if _secrets:
        _scrub_record(record)
    return record


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: keep both, as text
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = scrub(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(_formatter.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def configure(level: str, secrets: Iterable[str | None] = ()) -> None:
    """The CLI's logging: one line per record, libraries' chatter at WARNING."""
    hide(*secrets)
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if logging.getLogger().level > logging.DEBUG:
        # Every request at INFO is noise in a service's log; at DEBUG it is asked for.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
