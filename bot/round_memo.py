"""What the outbox's renderers share while one batch of rows is sent.

A push to 3,000 members is 3,000 rows of one kind about one thing: each rendered alone, the
material, its unit and the recipient's language were read from the database for every
row, and the same text built again for each language. The sender opens a memo for each
batch of rows it takes (at most a few hundred, sent within a second or two); a renderer
asks it for what does not depend on the recipient — the thing's rows, the body in one
language — and builds the per-person parts (names, buttons with their ids) itself. The
next batch starts with an empty memo, so a change made meanwhile (an edited title, a
language chosen with /lang) is seen by the next batch, as it was seen by the next row
before. Outside the sender (a direct send, a test calling a renderer) nothing is kept.

The memo travels in a context variable: each row's task is created inside the batch and
carries that batch's memo with it, whatever the sender does next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("zhibu_round_memo", default=None)


@contextmanager
def batch(known: Mapping[Any, Any] | None = None) -> Iterator[None]:
    """A fresh memo for the rows started inside (``known``: what the sender read for the
    whole batch at once, e.g. every recipient's language)."""
    token = _memo.set(dict(known or {}))
    try:
        yield
    finally:
        _memo.reset(token)


async def remember(key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """``load()``'s value, read once per batch under ``key`` (every time outside one).
    The key names everything the value depends on, e.g. ``("material", id, language)``.

    The rows of a batch start a few at once: those that ask while the first is still
    loading wait for its value rather than loading it again. A load that fails is not
    kept (the next row tries again); those waiting for it get its error."""
    memo = _memo.get()
    if memo is None:
        return await load()
    entry = memo.get(key, _MISSING)
    if isinstance(entry, _Loading):
        value: T = await entry.future
        return value
    if entry is not _MISSING:
        return entry  # type: ignore[no-any-return]
    loading = memo[key] = _Loading(asyncio.get_running_loop().create_future())
    try:
        value = await load()
    except BaseException as exc:
        del memo[key]
        if isinstance(exc, Exception):
            loading.future.set_exception(exc)
            loading.future.exception()  # seen: no "never retrieved" if nobody waited
        else:
            loading.future.cancel()
        raise
    memo[key] = value
    loading.future.set_result(value)
    return value


class _Loading:
    """A value being loaded (not a value: any value may be kept, a future too)."""

    __slots__ = ("future",)

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.future = future


_MISSING = object()
