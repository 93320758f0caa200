"""The language a message is written in for the person who receives it.

Every message that is not a direct reply — a renderer in the outbox, a word to the
secretaries — is rendered in its recipient's language at the moment it goes out, so one
lookup serves them all (and no service has to import another's to find it).
"""

from __future__ import annotations

from bot import i18n
from storage import members as member_repo
from storage.db import Database


async def translator_of(db: Database, telegram_id: int) -> i18n.Translator:
    """The language someone chose with /lang, else the one their Telegram reports."""
    async with db.read() as c:
        user = await member_repo.get_user(c, telegram_id)
    if user is None:
        return i18n.translator(None)
    return i18n.translator(user.language or i18n.language_from_telegram(user.tg_language))
