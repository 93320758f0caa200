"""The files the command line reads and writes: refused in one line when they cannot be.

A database path whose folder is missing is refused rather than created somewhere the
operator did not mean (only ``zhibu migrate`` creates the folder, and says so); an export
or a backup never lands in a missing folder, never replaces a file unless asked to
(``--force``), and is written beside its target first and moved into place, so a copy
cut short never replaces a good one. SQLite's own complaints (locked, unreadable, not a
database) become one line naming the file.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.i18n import N_
from bot.startup import SetupError
from storage.db import DatabaseDamaged, DatabaseTooNew


def database_file(
    path: Path, *, create_folder: bool = False, must_exist: bool = False, must_hold: bool = False
) -> bool:
    """Refuse a database path that cannot be; True if its folder had to be created.
    ``must_hold``: the file exists and is not empty — `zhibu run` never takes a missing
    or 0-byte file for a new, empty county (a wrong path, a copy that failed)."""
    if path.is_dir():
        raise SetupError(
            N_("ZHIBU_DATABASE={path} is a folder: name a file in it, like {example}"),
            path=path,
            example=path / "zhibu.sqlite3",
        )
    folder = path.parent
    created = False
    if not folder.exists():
        if not create_folder:
            raise SetupError(
                N_(
                    "the folder {folder} of ZHIBU_DATABASE={path} does not exist: "
                    "create it, or run zhibu migrate to create the database "
                    "there"
                ),
                folder=folder,
                path=path,
            )
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise SetupError(
                N_("cannot create the folder {folder}: {reason}"),
                folder=folder,
                reason=exc.strerror,
            ) from None
        created = True
    elif not folder.is_dir():
        raise SetupError(
            N_("{folder} is a file, not a folder (ZHIBU_DATABASE={path})"), folder=folder, path=path
        )
    if must_hold and not path.exists():
        raise SetupError(
            N_(
                "there is no database at {path}: set ZHIBU_DATABASE to the bot's "
                "database, or create a new one with zhibu migrate"
            ),
            path=path,
        )
    if must_exist and not path.exists():
        raise SetupError(
            N_("there is no database at {path}: set ZHIBU_DATABASE to the bot's database"),
            path=path,
        )
    if must_hold and path.stat().st_size == 0:
        raise SetupError(
            N_(
                "the database {path} is empty (0 bytes): restore it from a backup "
                "with zhibu restore BACKUP, or remove it and create a new one with "
                "zhibu migrate"
            ),
            path=path,
        )
    return created


def output_file(
    target: Path, *, force: bool, suffix: str | None = None, not_over: Path | None = None
) -> None:
    """Refuse a target that would fail or would silently replace something (``not_over``:
    the database, which not even ``--force`` may replace)."""
    if suffix is not None and target.suffix.lower() != suffix:
        raise SetupError(
            N_("{path}: the file name must end in {suffix}"), path=target, suffix=suffix
        )
    if target.is_dir():
        raise SetupError(N_("{path} is a folder: give a file name"), path=target)
    if not_over is not None and target.resolve() == not_over.resolve():
        raise SetupError(
            N_("{path} is the database itself: give the copy another name"), path=target
        )
    folder = target.parent
    if not folder.is_dir():
        raise SetupError(
            N_("the folder {folder} does not exist: create it first, or choose another place"),
            folder=folder,
        )
    if target.exists() and not force:
        raise SetupError(
            N_("{path} exists: choose a new file name, or add --force to overwrite it"), path=target
        )


async def write_into_place(target: Path, write: Callable[[Path], Awaitable[None]]) -> None:
    """Have ``write`` fill a file beside ``target``, then move it into place at once."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        await write(partial)
        await asyncio.to_thread(os.replace, partial, target)
    except OSError as exc:
        raise SetupError(
            N_("cannot write {path}: {reason}"), path=target, reason=exc.strerror
        ) from None
    except sqlite3.Error as exc:  # the backup's own connection to the copy it makes
        raise SetupError(
            N_("cannot write {path}: {reason}"), path=target, reason=str(exc)
        ) from None
    finally:
        partial.unlink(missing_ok=True)


async def write_bytes_into_place(target: Path, data: bytes) -> None:
    async def write(path: Path) -> None:
        await asyncio.to_thread(path.write_bytes, data)

    await write_into_place(target, write)


@contextmanager
def database_errors(path: Path) -> Iterator[None]:
    """SQLite's foreseeable complaints about the file itself, as one line naming it."""
    try:
        yield
    except DatabaseTooNew as exc:
        raise SetupError(
            N_(
                "{path} is at schema version {current}, but this zhibu knows only "
                "up to {latest}: upgrade zhibu before using this database"
            ),
            path=exc.path,
            current=exc.current,
            latest=exc.latest,
        ) from None
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text:
            raise SetupError(
                N_("the database {path} is locked by another process; try again in a moment"),
                path=path,
            ) from None
        if "unable to open" in text:
            raise SetupError(
                N_(
                    "cannot open the database {path}: check that this user may "
                    "read and write the file and its folder"
                ),
                path=path,
            ) from None
        if "readonly" in text:
            raise SetupError(
                N_("the database {path} is read-only for this user"), path=path
            ) from None
        if "disk I/O" in text or "full" in text:
            raise SetupError(
                N_(
                    "cannot read or write the database {path} ({reason}): is the "
                    "disk full or failing?"
                ),
                path=path,
                reason=text,
            ) from None
        raise
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text:
            raise SetupError(
                N_("{path} is not a zhibu database (not an SQLite file)"), path=path
            ) from None
        if isinstance(exc, DatabaseDamaged) or "malformed" in text:
            raise SetupError(
                N_(
                    "the database {path} is damaged ({reason}): stop here and "
                    "restore the latest backup with zhibu restore BACKUP"
                ),
                path=path,
                reason=text,
            ) from None
        raise
