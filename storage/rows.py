"""Turning sqlite rows into models, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import aiosqlite
from pydantic import BaseModel

from storage.models import New, Stored

M = TypeVar("M", bound=BaseModel)
Params = Iterable[Any] | Mapping[str, Any]


def _bind(params: Params) -> Any:
    """Named parameters stay a mapping; positional ones become a tuple."""
    return params if isinstance(params, Mapping) else tuple(params)


def to_model(model: type[M], row: aiosqlite.Row | None) -> M | None:
    if row is None:
        return None
    return model.model_validate(dict(row))


def to_models(model: type[M], rows: Iterable[aiosqlite.Row]) -> list[M]:
    return [model.model_validate(dict(row)) for row in rows]


async def fetch_one(
    conn: aiosqlite.Connection, model: type[M], sql: str, params: Params = ()
) -> M | None:
    rows = await conn.execute_fetchall(sql, _bind(params))  # one trip to the SQLite thread
    return to_model(model, next(iter(rows), None))


async def fetch_all(
    conn: aiosqlite.Connection, model: type[M], sql: str, params: Params = ()
) -> list[M]:
    return to_models(model, await conn.execute_fetchall(sql, _bind(params)))


async def fetch_value(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> Any:
    row = next(iter(await conn.execute_fetchall(sql, _bind(params))), None)
    return None if row is None else row[0]


def ts(moment: datetime) -> str:
    """Times are stored as ISO-8601 with offset so that string order is time order in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def stored(value: object) -> object:
    """A model's value as its column holds it: times as :func:`ts`, days ISO, flags 0/1."""
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def settable(model: type[New], changes: Mapping[str, object]) -> dict[str, object]:
    """Changes to a row, as stored, refused (ValueError) unless each is a field of
    ``model`` (a New model, or a stored one for the columns set later), not the id nor a
    stamp: what an UPDATE may set."""
    unknown = set(changes) - (set(model.model_fields) - {"id", *model.stamps})
    if unknown:
        raise ValueError(f"not columns a caller sets in {model.table}: {sorted(unknown)}")
    return {name: stored(value) for name, value in changes.items()}


async def insert(conn: aiosqlite.Connection, new: New, now: datetime) -> int:
    """Write a New model as a row of its table — every field, each as :func:`stored` —
    with its ``stamps`` set to ``now``; the new row's id. The columns are the model's
    fields, so a name that is not one cannot reach the SQL (the model refuses it); a
    stored model (a New model plus its id and times) is refused: it was inserted."""
    if isinstance(new, Stored):
        raise TypeError(f"{type(new).__name__} is stored already; insert its New model")
    values = {name: stored(getattr(new, name)) for name in type(new).model_fields}
    values.update(dict.fromkeys(new.stamps, ts(now)))
    marks = ", ".join("?" for _ in values)
    cur = await conn.execute(
        f"INSERT INTO {new.table} ({', '.join(values)}) VALUES ({marks})", tuple(values.values())
    )
    return int(cur.lastrowid or 0)
