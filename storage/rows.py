"""Turning sqlite rows into models, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiosqlite
from pydantic import BaseModel

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


async def fetch_one(conn: aiosqlite.Connection, model: type[M], sql: str,
                    params: Params = ()) -> M | None:
    rows = await conn.execute_fetchall(sql, _bind(params))  # one trip to the SQLite thread
    return to_model(model, next(iter(rows), None))


async def fetch_all(conn: aiosqlite.Connection, model: type[M], sql: str,
                    params: Params = ()) -> list[M]:
    return to_models(model, await conn.execute_fetchall(sql, _bind(params)))


async def fetch_value(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> Any:
    row = next(iter(await conn.execute_fetchall(sql, _bind(params))), None)
    return None if row is None else row[0]


def ts(moment: datetime) -> str:
    """Times are stored as ISO-8601 with offset so that string order is time order in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(UTC).isoformat(timespec="seconds")

