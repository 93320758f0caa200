"""The `zhibu` command: run the bot, import rosters, manage staff, migrate and back up."""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot import logs
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from storage.db import Database, DatabaseTooNew


class SetupError(Exception):
    """A problem the person running zhibu can fix; printed as one line, no traceback."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "ZHIBU_" + "_".join(str(part) for part in error["loc"][:1]).upper()
            problems.append(f"{name}: {error['msg']}")
        raise SetupError("invalid setting " + "; ".join(problems)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhibu", description="zhibu: a Telegram bot for village party branches")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runner = commands.add_parser("run", help="run the bot (long polling, or a webhook); needs "
                                             "ZHIBU_TOKEN")
    mode = runner.add_mutually_exclusive_group()
    mode.add_argument("--webhook", metavar="URL",
                      help="receive updates at this https address (default: ZHIBU_WEBHOOK_URL)")
    mode.add_argument("--polling", action="store_true",
                      help="poll even if ZHIBU_WEBHOOK_URL is set")
    demo = commands.add_parser("demo", help="try the whole bot in a browser, without Telegram "
                                            "or a token")
    demo.add_argument("--port", type=int, default=8080, help="web page port (default 8080)")
    importer = commands.add_parser("import", help="import the organisation and members "
                                                  "from .xlsx / .csv files")
    importer.add_argument("files", nargs="+", type=Path)
    importer.add_argument("--dry-run", action="store_true",
                          help="check the files and show what would change; write nothing")
    importer.add_argument("--lang", choices=sorted(LANGUAGES), default=DEFAULT_LANGUAGE,
                          help="language of the report (default: %(default)s)")
    admin = commands.add_parser("admin", help="organisation staff: add, remove, list")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    for name in ("add", "remove"):
        sub = admin_commands.add_parser(name, help=f"{name} a staff member by Telegram user id")
        sub.add_argument("telegram_id", type=int)
    admin_commands.add_parser("list", help="list staff")
    commands.add_parser("migrate", help="create or upgrade the database")
    export = commands.add_parser("export", help="the county bulletin's figures for a period "
                                                "as an .xlsx, for the archive")
    export.add_argument("--from", dest="start", type=date.fromisoformat, required=True,
                        metavar="YYYY-MM-DD", help="first day")
    export.add_argument("--to", dest="last", type=date.fromisoformat, required=True,
                        metavar="YYYY-MM-DD", help="last day (included)")
    export.add_argument("target", type=Path)
    export.add_argument("--lang", choices=sorted(LANGUAGES), default=DEFAULT_LANGUAGE,
                        help="language of the sheet headings (default: %(default)s)")
    audit = commands.add_parser("audit", help="the audit trail for a period as an .xlsx: who "
                                              "changed what, when")
    audit.add_argument("--from", dest="start", type=date.fromisoformat, required=True,
                       metavar="YYYY-MM-DD")
    audit.add_argument("--to", dest="last", type=date.fromisoformat, required=True,
                       metavar="YYYY-MM-DD")
    audit.add_argument("target", type=Path)
    backup = commands.add_parser("backup", help="consistent copy of the live database")
    backup.add_argument("target", type=Path)
    commands.add_parser("status", help="how the running bot is doing; exit code 1 when it is "
                                       "stuck (for a health check)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings.log_level,
                       [settings.token.get_secret_value() if settings.token else None])
        if args.command == "run":
            return run(settings, None if args.polling else args.webhook or settings.webhook_url)
        if args.command == "demo":
            return _demo(args.port)
        action: Callable[[], Coroutine[Any, Any, int]] = {
            "import": lambda: _import(settings, args.files, args.dry_run, args.lang),
            "admin": lambda: _admin(settings, args.admin_command,
                                    getattr(args, "telegram_id", None)),
            "migrate": lambda: _migrate(settings),
            "backup": lambda: _backup(settings, args.target),
            "audit": lambda: _audit(settings, args.start, args.last, args.target),
            "export": lambda: _export(settings, args.start, args.last, args.target, args.lang),
            "status": lambda: _status(settings),
        }[args.command]
        return asyncio.run(action())
    except (SetupError, DatabaseTooNew) as exc:
        print(f"zhibu: {logs.scrub(str(exc))}", file=sys.stderr)
        return 2
    except Exception:
        # A bug rather than an operator's mistake: the whole story, without the secret.
        print(logs.scrub(traceback.format_exc()), file=sys.stderr, end="")
        return 1


def run(settings: Settings, webhook_url: str | None = None) -> int:
    if settings.token is None:
        raise SetupError("ZHIBU_TOKEN is not set: get a token from @BotFather and set "
                         "ZHIBU_TOKEN (in the environment or in a .env file)")
    from bot.app import build_application
    from bot.updates import ALLOWED_UPDATES

    application = build_application(settings)
    if webhook_url:
        return _run_webhook(application, settings, webhook_url)
    # PTB deletes a webhook left from webhook mode first (keeping what Telegram holds).
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def _run_webhook(application: Any, settings: Settings, url: str) -> int:
    from bot.config import check_webhook_url
    from bot.webhook import WebhookError, run_webhook

    try:
        check_webhook_url(url)
    except ValueError as exc:
        raise SetupError(f"--webhook: {exc}") from None
    try:
        return run_webhook(application, settings, url)
    except WebhookError as exc:
        raise SetupError(str(exc)) from None


def _demo(port: int) -> int:
    from bot.sandbox.demo import run_demo

    try:
        asyncio.run(run_demo(port))
    except KeyboardInterrupt:
        print("zhibu demo stopped")
    except OSError as exc:
        raise SetupError(f"cannot serve the demo on port {port}: {exc.strerror}; try "
                         f"zhibu demo --port 8081") from None
    return 0


async def _open(settings: Settings) -> Database:
    try:
        return await Database.open(settings.database)
    except OSError as exc:
        raise SetupError(f"cannot open ZHIBU_DATABASE={settings.database}: {exc}") from None


async def _import(settings: Settings, files: list[Path], dry_run: bool, language: str) -> int:
    from bot.roster import format_report, import_roster

    db = await _open(settings)
    try:
        report = await import_roster(db, files, Clock(settings.timezone), dry_run=dry_run,
                                     makeup_days=settings.study_makeup_days)
    finally:
        await db.close()
    print(format_report(report, translator(language)))
    return 1 if report.errors else 0


async def _admin(settings: Settings, command: str, telegram_id: int | None) -> int:
    from bot import organisation

    db = await _open(settings)
    clock = Clock(settings.timezone)
    try:
        if command == "list":
            ids = sorted(set(await organisation.staff_ids(db)) | set(settings.admins))
            for staff_id in ids:
                source = " (ZHIBU_ADMINS)" if staff_id in settings.admins else ""
                print(f"{staff_id}{source}")
            if not ids:
                print("no staff yet: zhibu admin add TELEGRAM_USER_ID")
            return 0
        assert telegram_id is not None
        if telegram_id <= 0:
            raise SetupError("a Telegram user id is a positive number")
        if command == "add":
            added = await organisation.add_staff(db, clock, telegram_id)
            print(f"{telegram_id} is now organisation staff" if added
                  else f"{telegram_id} was already organisation staff")
        else:
            removed = await organisation.remove_staff(
                db, clock, telegram_id, still_admin=telegram_id in settings.admins)
            print(f"{telegram_id} is no longer organisation staff" if removed
                  else f"{telegram_id} was not organisation staff")
            if telegram_id in settings.admins:
                print("note: they are still listed in ZHIBU_ADMINS")
        return 0
    finally:
        await db.close()


async def _migrate(settings: Settings) -> int:
    db = await Database.open(settings.database, migrate=False)
    try:
        applied = await db.migrate()
        version = await db.user_version()
    finally:
        await db.close()
    print(f"applied {', '.join(applied)}" if applied else "already up to date",
          f"(schema version {version})")
    return 0


async def _export(settings: Settings, start: date, last: date, target: Path,
                  language: str) -> int:
    from bot import bulletins, organisation

    if last < start:
        raise SetupError("--to comes before --from")
    if target.suffix.lower() != ".xlsx":
        raise SetupError(f"{target}: the export is a spreadsheet; name it something.xlsx")
    if await asyncio.to_thread(target.exists):
        raise SetupError(f"{target} exists; choose a new file name")
    db = await _open(settings)
    try:
        county = await organisation.county(db)
        if county is None:
            raise SetupError("the database has no organisation yet: zhibu import roster.xlsx")
        bulletin = await bulletins.build(db, Clock(settings.timezone), county.id, start,
                                         last + timedelta(days=1), settings.visit_quota_days)
    finally:
        await db.close()
    data = bulletins.spreadsheet(translator(language), bulletin)
    await asyncio.to_thread(target.write_bytes, data)
    print(f"{len(bulletin.ranked)} branches with activity, {len(bulletin.idle)} without; "
          f"written to {target}")
    return 0


async def _audit(settings: Settings, start: date, last: date, target: Path) -> int:
    from bot.organisation import audit_between
    from bot.spreadsheets import workbook

    if last < start:
        raise SetupError("--to comes before --from")
    if target.suffix.lower() != ".xlsx" or await asyncio.to_thread(target.exists):
        raise SetupError(f"{target}: give a new file name ending in .xlsx")
    db = await _open(settings)
    try:
        clock = Clock(settings.timezone)
        entries = await audit_between(db, clock, start, last + timedelta(days=1))
    finally:
        await db.close()
    rows = [[e.at.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action,
             e.subject, e.detail] for e in entries]
    data = workbook([("audit", ["at", "actor", "action", "subject", "detail"], rows)])
    await asyncio.to_thread(target.write_bytes, data)
    print(f"{len(rows)} entries written to {target}")
    return 0


async def _backup(settings: Settings, target: Path) -> int:
    if await asyncio.to_thread(target.exists):
        raise SetupError(f"{target} exists; choose a new file name")
    db = await _open(settings)
    try:
        await db.backup_to(target)
    finally:
        await db.close()
    print(f"backed up {settings.database} to {target}")
    return 0


async def _status(settings: Settings) -> int:
    from bot import status
    from storage.db import migration_scripts

    if not await asyncio.to_thread(settings.database.exists):
        raise SetupError(f"ZHIBU_DATABASE={settings.database} does not exist")
    db = await Database.open(settings.database, migrate=False)
    try:
        if await db.user_version() < len(migration_scripts()):
            raise SetupError(f"{settings.database} is not upgraded to this zhibu yet: start "
                             f"the bot, or run zhibu migrate")
        clock = Clock(settings.timezone)
        health = await status.read(db, clock)
    finally:
        await db.close()
    tr = translator("en")  # plain English until the operator's language is wired in
    found = status.assess(health, clock, settings, tr)
    print("\n".join(found.lines))
    if found.stuck:
        print(tr("STUCK: {reasons}", reasons="; ".join(found.stuck)))
        return 1
    print(tr("OK"))
    return 0
