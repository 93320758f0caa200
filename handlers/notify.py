"""Writing to one person who did not just write to us, in their own language.

For a handful of people (the secretaries of one branch). Mass messages go through the
outbox instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot import users
from bot.context import ZContext
from bot.i18n import Translator
from bot.markup import MESSAGE_LIMIT, shorten

log = logging.getLogger(__name__)


async def tell(context: ZContext, telegram_id: int, render: Callable[[Translator], str],
               markup: Callable[[Translator], InlineKeyboardMarkup] | None = None) -> bool:
    """Send ``render(their translator)``; False (and the user marked) if unreachable."""
    tr = await context.translator_for(telegram_id)
    try:
        # Callers' texts are short templates with bounded fields; shortened all the same,
        # so no one's message is lost to Telegram's limit.
        await context.bot.send_message(telegram_id, shorten(render(tr), MESSAGE_LIMIT),
                                       reply_markup=markup(tr) if markup else None)
    except Forbidden as exc:
        log.info("cannot reach %s: %s", telegram_id, exc.message)
        if "blocked" in exc.message:
            await users.blocked(context.db, context.clock, telegram_id)
        return False
    except BadRequest as exc:
        if "chat not found" not in exc.message:
            raise
        log.info("cannot reach %s: %s", telegram_id, exc.message)
        return False
    return True
