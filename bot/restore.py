"""`zhibu restore BACKUP`: the database replaced by a backup, safely and saying what follows.

Copying a backup over the database by hand leaves the old ``-wal`` beside it, and SQLite
then lays the newer pages over the older file: the "restored" database holds the newer
data, or fails its checks, and the bot starts on it without a word. So a restore:

* refuses while a bot runs on the database (the lock ``zhibu run`` holds);
* checks the backup whole (SQLite's own check of every page, and its schema version);
* prepares the copy beside the database, then moves the replaced database — with its
  ``-wal`` and ``-shm`` — aside under a dated name, and the copy into place;
* says what happens to messages that were waiting at the backup's moment: those queued
  more than ``--resend-hours`` before now are marked not to be sent (they were most
  likely sent after the backup was taken; ``--resend`` sends them all again), the rest
  go out when the bot starts.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

from bot import file_checks, startup
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import N_, Tr
from bot.startup import SetupError
from storage import backups

SIDE_FILES = ("-wal", "-shm")


def restore(settings: Settings, tr: Tr, backup: Path, *, resend: bool, hours: float) -> int:
    database = settings.database
    if not backup.is_file():
        raise SetupError(N_("there is no backup at {path}"), path=backup)
    if backup.resolve() == database.resolve():
        raise SetupError(
            N_("{path} is the database itself: name the backup to restore"), path=backup
        )
    file_checks.database_file(database)
    with startup.instance_lock(database):
        found = backups.problems(backup)
        if found:
            raise SetupError(
                N_(
                    "the backup {path} is damaged or not a zhibu database ({reason}); "
                    "nothing was changed"
                ),
                path=backup,
                reason="; ".join(found),
            )
        clock = Clock(settings.timezone)
        now = clock.now()
        partial = database.with_name(f".{database.name}.{os.getpid()}.restore")
        try:
            shutil.copyfile(backup, partial)
            marked, left = backups.settle_queued(
                partial, None if resend else now - timedelta(hours=hours), now
            )
            aside = _move_aside(database, now.strftime("%Y%m%d-%H%M%S"))
            os.replace(partial, database)
        except OSError as exc:
            raise SetupError(
                N_("cannot restore into {path}: {reason}; nothing was changed"),
                path=database,
                reason=exc.strerror,
            ) from None
        finally:
            partial.unlink(missing_ok=True)
    print(tr("restored {database} from {backup}", database=database, backup=backup))
    if aside is not None:
        print(tr("the database it replaced is kept as {path}", path=aside))
    if marked:
        print(
            tr(
                "{count} messages that were waiting when the backup was made, queued more than "
                "{hours} hours ago, are marked not to be sent again (add --resend to send "
                "them)",
                count=marked,
                hours=f"{hours:g}",
            )
        )
    print(tr("{count} waiting messages will be sent when the bot starts", count=left))
    return 0


def _move_aside(database: Path, stamp: str) -> Path | None:
    """The replaced database and its -wal/-shm, together under one dated name (the -wal
    holds its latest writes: apart from it the file is older than it was)."""
    if not database.exists():
        for suffix in SIDE_FILES:
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        return None
    aside = database.with_name(f"{database.name}.replaced-{stamp}")
    for suffix in SIDE_FILES:
        side = Path(f"{database}{suffix}")
        if side.exists():
            os.replace(side, f"{aside}{suffix}")
    os.replace(database, aside)
    return aside
