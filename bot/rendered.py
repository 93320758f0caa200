"""Bulletins drawn and written once, off the event loop, and sent to everyone from there.

A scheduled bulletin goes to every staff member in as many parts as it has in their
language. Building it (the figures) and rendering it (matplotlib, XlsxWriter) costs
seconds at county scale, so it is done once per bulletin, period and scope, rendered once
per language among the recipients, and stored (``rendered_parts``) in the transaction
that queues its outbox rows; each row names the stored part it sends. The sender reads
the part back, so a restart half-way sends what is left without building anything again,
and counting the parts is counting what was rendered.

The render is pure Python on data already read (aiosqlite's reads stay on the loop): it
runs in a worker thread (:func:`off_loop`), so the bot answers commands meanwhile.
matplotlib's object API with the Agg canvas keeps no state between figures, and each
thread draws its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from bot.delivery import Outgoing
from bot.i18n import Translator, translator
from bot.recipients import translator_of
from storage import outbox as outbox_repo
from storage import rendered as rendered_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow, RenderedPart

P = ParamSpec("P")
T = TypeVar("T")
D = TypeVar("D")

#: The outbox kinds whose rows may send a stored part.
KINDS = (OutboxKind.BULLETIN, OutboxKind.VISIT_BULLETIN, OutboxKind.REVIEW)


async def off_loop(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """CPU-heavy work (a chart, a spreadsheet) in a worker thread: the loop stays free."""
    return await asyncio.to_thread(work, *args, **kwargs)


async def translators(db: Database, people: list[int]) -> dict[int, Translator]:
    return {person: await translator_of(db, person) for person in people}


async def render_languages(
    render: Callable[[Translator, D], list[Outgoing]], data: D, readers: Mapping[int, Translator]
) -> dict[str, list[Outgoing]]:
    """The parts in each language among the readers, rendered once each, off the loop."""
    return {
        language: await off_loop(render, translator(language), data)
        for language in sorted({tr.language for tr in readers.values()})
    }


async def queue(
    db: Database,
    now: datetime,
    bulletin: str,
    kind: OutboxKind,
    ref_id: int | None,
    readers: Mapping[int, Translator],
    rendered: Mapping[str, list[Outgoing]],
    key: str,
    payload: dict[str, Any],
) -> int:
    """Store the parts and queue, in one transaction, a row per recipient and part in
    their language (keyed ``<key><person>:<part>``); returns how many rows are new."""
    stored = [
        RenderedPart(
            bulletin=bulletin,
            language=language,
            part=index,
            text=out.text,
            buttons=out.buttons,
            media_kind=out.media_kind,
            file_name=out.upload[0] if out.upload else None,
            data=out.upload[1] if out.upload else None,
        )
        for language, parts in rendered.items()
        for index, out in enumerate(parts)
    ]
    envelopes = [
        outbox_repo.Envelope(
            f"{key}{person}:{index}",
            person,
            kind,
            ref_id,
            {**payload, "part": index, "rendered": bulletin, "language": tr.language},
        )
        for person, tr in readers.items()
        for index in range(len(rendered[tr.language]))
    ]
    async with db.tx() as c:
        before = await outbox_repo.queued_count(c)
        await rendered_repo.store(c, stored, now)
        await outbox_repo.enqueue(c, envelopes, now)
        return await outbox_repo.queued_count(c) - before


def refers(row: OutboxRow) -> bool:
    """The row sends a stored part (rows queued before parts were stored do not)."""
    return "rendered" in row.payload


async def part(db: Database, row: OutboxRow) -> Outgoing | None:
    """The stored part the row sends; None if it is gone (nothing left to send)."""
    async with db.read() as c:
        found = await rendered_repo.get(
            c, str(row.payload["rendered"]), str(row.payload["language"]), int(row.payload["part"])
        )
    if found is None:
        return None
    upload = (found.file_name or "", found.data) if found.data is not None else None
    return Outgoing(found.text, buttons=found.buttons, media_kind=found.media_kind, upload=upload)


async def forget_sent(db: Database) -> int:
    async with db.tx() as c:
        return await rendered_repo.forget_sent(c, KINDS)
