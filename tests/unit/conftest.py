"""What the unit tests share beyond the suite's own fixtures (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A new database, migrated to the latest schema, closed after the test."""
    database = await Database.open(tmp_path / "z.sqlite3")
    try:
        yield database
    finally:
        await database.close()
