"""Who receives a word for a branch, and the language a message is written in for them.

Every message that is not a direct reply — a renderer in the outbox, a word to the
secretaries — is rendered in its recipient's language at the moment it goes out, so one
lookup serves them all (and no service has to import another's to find it).
"""

from __future__ import annotations

from bot import i18n, round_memo
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Conn, Database
from storage.models import User


async def managers(c: Conn, branch_id: int, admins: list[int]) -> list[int]:
    """Who is told about a branch's applicant: its secretaries (a township's own unit —
    its leadership's sessions — its township staff); where none can be reached, the staff
    of its township, who answer for their branches directly; else county staff.
    Only people who opened the bot: Telegram refuses a bot's first word to anyone else
    (403 "bot can't initiate conversation"). If nobody can be reached, nobody is written
    to (a request to join waits in /pending, where each of them finds it)."""
    secretaries = [r.telegram_id for r in await org_repo.holders(c, "secretary", branch_id)]
    # A township's own unit (its leadership's sessions) is run by its township staff.
    secretaries += [r.telegram_id for r in await org_repo.holders(c, "township", branch_id)]
    reachable = await member_repo.reachable(c, secretaries)
    if reachable:
        return reachable
    branch = await org_repo.get_unit(c, branch_id)
    if branch is not None and branch.parent_id is not None:
        township = await org_repo.holders(c, "township", branch.parent_id)
        reachable = await member_repo.reachable(c, [r.telegram_id for r in township])
        if reachable:
            return reachable
    staff = [r.telegram_id for r in await org_repo.holders(c, "staff")]
    return await member_repo.reachable(c, list(dict.fromkeys([*admins, *staff])))


async def translator_of(db: Database, telegram_id: int) -> i18n.Translator:
    """The language someone chose with /lang, else the one their Telegram reports (read
    once for a batch of the outbox's rows: bot/round_memo.py)."""
    return i18n.translator(
        await round_memo.remember(language_key(telegram_id), lambda: _language_of(db, telegram_id))
    )


def language_key(telegram_id: int) -> tuple[str, int]:
    """Where a batch's memo keeps someone's language (the sender fills it in one query)."""
    return ("language", telegram_id)


def language(user: User | None) -> str | None:
    """Someone's language, None for someone the bot does not know (the default)."""
    if user is None:
        return None
    return user.language or i18n.language_from_telegram(user.tg_language)


async def _language_of(db: Database, telegram_id: int) -> str | None:
    async with db.read() as c:
        return language(await member_repo.get_user(c, telegram_id))
