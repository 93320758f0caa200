"""The `zhibu` command: run the bot, import rosters, manage staff, migrate and back up.

It speaks the operator's language (``ZHIBU_LANGUAGE``, else the locale), help included,
and answers every foreseeable mistake with one line on stderr and a non-zero exit code:
a :class:`~bot.startup.SetupError` carries the English message id, translated here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from bot import file_checks, logs, startup
from bot.clock import Clock
from bot.config import LanguageSetting, Settings, setting_problems
from bot.i18n import LANGUAGES, N_, Tr, operator_language, translator
from bot.profile import InvalidInput
from bot.startup import SetupError
from bot.updates import ALLOWED_UPDATES
from bot.when import parse_date
from storage.db import Database
from zhibu.argparse_i18n import argparse_speaks

__all__ = ["SetupError", "main", "run"]


def load_settings() -> Settings:
    tr = translator(_language())
    try:
        return Settings()
    except ValidationError as exc:
        raise SetupError(
            N_("invalid setting {problems}"),
            problems="; ".join(
                tr("{setting}: {problem}", setting=name, problem=tr(message, **fields))
                for name, message, fields in setting_problems(exc)
            ),
        ) from None
    except UnicodeDecodeError:
        raise SetupError(N_("the .env file is not UTF-8 text: save it as UTF-8")) from None


def _language() -> str:
    """The operator's language, known before the settings are (a .env may hold it)."""
    try:
        chosen = LanguageSetting().language
    except (ValueError, OSError):  # a broken .env: its complaint comes with the settings
        chosen = None
    return operator_language(chosen, os.environ)


def _date_argument(tr: Tr) -> Callable[[str], date]:
    def parse(text: str) -> date:
        try:
            return parse_date(text)
        except InvalidInput as problem:
            raise argparse.ArgumentTypeError(tr(problem.message, **problem.fields)) from None

    return parse


def _parser(tr: Tr, language: str) -> argparse.ArgumentParser:
    """The grammar and its help, in ``tr``'s language (build it inside argparse_speaks)."""

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            self.exit(
                2,
                tr("{prog}: {problem} (see {prog} --help)", prog=self.prog, problem=message) + "\n",
            )

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, description=text)

    def period(sub: argparse.ArgumentParser) -> None:
        dates = _date_argument(tr)
        sub.add_argument(
            "--from",
            dest="start",
            type=dates,
            required=True,
            metavar="DATE",
            help=tr("first day, like 2026-01-01"),
        )
        sub.add_argument(
            "--to",
            dest="last",
            type=dates,
            required=True,
            metavar="DATE",
            help=tr("last day (included)"),
        )

    def target(sub: argparse.ArgumentParser, text: str) -> None:
        sub.add_argument("target", type=Path, metavar="FILE", help=text)
        sub.add_argument("--force", action="store_true", help=tr("overwrite the file if it exists"))

    languages = sorted(LANGUAGES)
    parser = Parser(
        prog="zhibu", description=tr("zhibu: a Telegram bot for village party branches")
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runner = command("run", tr("run the bot (long polling, or a webhook); needs ZHIBU_TOKEN"))
    mode = runner.add_mutually_exclusive_group()
    mode.add_argument(
        "--webhook",
        metavar="URL",
        help=tr("receive updates at this https address (default: ZHIBU_WEBHOOK_URL)"),
    )
    mode.add_argument(
        "--polling", action="store_true", help=tr("poll even if ZHIBU_WEBHOOK_URL is set")
    )
    demo = command("demo", tr("try the whole bot in a browser, without Telegram or a token"))
    demo.add_argument(
        "--port", type=int, default=8080, help=tr("web page port (default: %(default)s)")
    )
    importer = command("import", tr("import the organisation and members from .xlsx / .csv files"))
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--dry-run",
        action="store_true",
        help=tr("check the files and show what would change; write nothing"),
    )
    importer.add_argument(
        "--lang",
        choices=languages,
        default=language,
        help=tr("language of the report (default: %(default)s)"),
    )
    admin = command("admin", tr("organisation staff: add, remove, list"))
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    for name, text in (
        ("add", tr("add a staff member by Telegram user id")),
        ("remove", tr("remove a staff member by Telegram user id")),
    ):
        sub = admin_commands.add_parser(name, help=text, description=text)
        sub.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    for name, text in (
        ("add-township", tr("make someone township staff of a township, by Telegram user id")),
        ("remove-township", tr("end someone's township staff role, by Telegram user id")),
    ):
        sub = admin_commands.add_parser(name, help=text, description=text)
        sub.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
        sub.add_argument("township", metavar="TOWNSHIP", help=tr("the township's name"))
    admin_commands.add_parser("list", help=tr("list staff"), description=tr("list staff"))
    command("migrate", tr("create or upgrade the database (and create its folder)"))
    export = command(
        "export", tr("the county bulletin's figures for a period as an .xlsx, for the archive")
    )
    period(export)
    target(export, tr("the spreadsheet to write (.xlsx)"))
    export.add_argument(
        "--lang",
        choices=languages,
        default=language,
        help=tr("language of the sheet headings (default: %(default)s)"),
    )
    audit = command("audit", tr("the audit trail for a period as an .xlsx: who changed what, when"))
    period(audit)
    target(audit, tr("the spreadsheet to write (.xlsx)"))
    backup = command("backup", tr("consistent copy of the live database (it may be running)"))
    target(backup, tr("the copy to write"))
    restore = command(
        "restore",
        tr(
            "replace the database by a backup (the bot stopped): "
            "checked, the replaced one kept aside"
        ),
    )
    restore.add_argument("backup", type=Path, metavar="BACKUP")
    restore.add_argument(
        "--resend-hours",
        type=float,
        default=1.0,
        metavar="HOURS",
        help=tr(
            "messages queued more than this many hours ago are not sent "
            "again (default: %(default)s)"
        ),
    )
    restore.add_argument(
        "--resend",
        action="store_true",
        help=tr("send every message that was waiting in the backup"),
    )
    eraser = command(
        "erase-member",
        tr(
            "erase a member's personal data on request; their "
            "attendance stays, under a placeholder name"
        ),
    )
    eraser.add_argument("member_id", type=int, metavar="ID", help=tr("the member's number"))
    eraser.add_argument("--yes", action="store_true", help=tr("really erase (it cannot be undone)"))
    command(
        "status",
        tr("how the running bot is doing; exit code 1 when it is stuck (for a health check)"),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    language = _language()
    tr = translator(language)
    with argparse_speaks(tr):
        args = _parser(tr, language).parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(
            settings.log_level, [settings.token.get_secret_value() if settings.token else None]
        )
        if args.command == "run":
            return run(settings, tr, None if args.polling else args.webhook or settings.webhook_url)
        if args.command == "demo":
            return _demo(args.port, tr)
        if args.command == "restore":
            from bot.restore import restore

            return restore(settings, tr, args.backup, resend=args.resend, hours=args.resend_hours)
        action: Callable[[], Coroutine[Any, Any, int]] = {
            "import": lambda: _import(settings, args.files, args.dry_run, args.lang),
            "admin": lambda: _admin(
                settings,
                tr,
                args.admin_command,
                getattr(args, "telegram_id", None),
                getattr(args, "township", None),
            ),
            "migrate": lambda: _migrate(settings, tr),
            "backup": lambda: _backup(settings, tr, args.target, args.force),
            "audit": lambda: _audit(settings, tr, args.start, args.last, args.target, args.force),
            "export": lambda: _export(
                settings, tr, args.start, args.last, args.target, args.lang, args.force
            ),
            "status": lambda: _status(settings, tr),
            "erase-member": lambda: _erase_member(settings, tr, args.member_id, args.yes),
        }[args.command]
        with file_checks.database_errors(settings.database):
            return asyncio.run(action())
    except SetupError as exc:
        print("zhibu:", logs.scrub(tr(exc.message, **exc.fields)), file=sys.stderr)
        return 2
    except Exception:
        # A bug rather than an operator's mistake: the whole story, without the secret.
        print(logs.scrub(traceback.format_exc()), file=sys.stderr, end="")
        return 1


def run(settings: Settings, tr: Tr, webhook_url: str | None = None) -> int:
    """`zhibu run`: the checks every way of taking updates needs, then long polling — or,
    given a webhook address, the webhook."""
    from zhibu.app import build_application

    startup.checked_token(settings)
    if webhook_url:
        _checked_webhook(webhook_url, tr)
    file_checks.database_file(settings.database, must_hold=True)
    with startup.instance_lock(settings.database), file_checks.database_errors(settings.database):
        # Before anything else: a damaged file stops here in one line, not half-way in.
        asyncio.run(_checked_database(settings))
        try:
            asyncio.run(startup.reach_api(settings, tr))
        except KeyboardInterrupt:
            return 130
        application = build_application(settings)
        if webhook_url:
            from bot.webhook import run_webhook

            return run_webhook(application, settings, webhook_url)
        conflict = startup.ConflictStop.first_in(application)
        # PTB deletes a webhook left from webhook mode first (keeping what Telegram holds).
        # bootstrap_retries=-1: should the API go away again between the check above and
        # PTB's own getMe, PTB waits for it too rather than failing.
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    if conflict.seen:
        raise conflict.refusal()
    return 0


async def _checked_database(settings: Settings) -> None:
    """Open (and migrate) the database and read its tables, then close it again."""
    db = await Database.open(settings.database)
    try:
        await db.read_schema()
    finally:
        await db.close()


def _checked_webhook(url: str, tr: Tr) -> None:
    from bot.config import check_webhook_url

    try:
        check_webhook_url(url)
    except InvalidInput as problem:
        raise SetupError(
            N_("--webhook: {problem}"), problem=tr(problem.message, **problem.fields)
        ) from None


def _demo(port: int, tr: Tr) -> int:
    try:  # the demo is an extra (the `sandbox` package and what it needs), not the bot
        from sandbox.demo import run_demo
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in {"bot", "handlers", "storage", "zhibu"}:
            raise  # a module of the bot's own is missing: a bug, not the extra
        raise SetupError(
            N_('the demo needs {missing}, which is not installed: pip install -e ".[demo]"'),
            missing=exc.name,
        ) from None
    from zhibu import app

    try:
        asyncio.run(run_demo(app, port, tr))
    except KeyboardInterrupt:
        print(tr("zhibu demo stopped"))
    except OSError as exc:
        raise SetupError(
            N_("cannot serve the demo on port {port}: {reason}; try zhibu demo --port {other}"),
            port=port,
            reason=exc.strerror,
            other=port + 1,
        ) from None
    return 0


async def _open(settings: Settings, *, must_exist: bool = False, migrate: bool = True) -> Database:
    file_checks.database_file(settings.database, must_exist=must_exist)
    try:
        return await Database.open(settings.database, migrate=migrate)
    except OSError as exc:
        raise SetupError(
            N_("cannot open ZHIBU_DATABASE={path}: {reason}"),
            path=settings.database,
            reason=exc.strerror,
        ) from None


async def _import(settings: Settings, files: list[Path], dry_run: bool, language: str) -> int:
    from bot.roster import format_report, import_roster

    db = await _open(settings)
    try:
        report = await import_roster(
            db,
            files,
            Clock(settings.timezone),
            dry_run=dry_run,
            makeup_days=settings.study_makeup_days,
        )
    finally:
        await db.close()
    print(format_report(report, translator(language)))
    return 1 if report.errors else 0


async def _admin(
    settings: Settings, tr: Tr, command: str, telegram_id: int | None, township: str | None = None
) -> int:
    from bot import organisation

    if telegram_id is not None and telegram_id <= 0:
        raise SetupError(N_("a Telegram user id is a positive number"))
    db = await _open(settings)
    clock = Clock(settings.timezone)
    try:
        if command == "list":
            ids = sorted(set(await organisation.staff_ids(db)) | set(settings.admins))
            for staff_id in ids:
                source = " (ZHIBU_ADMINS)" if staff_id in settings.admins else ""
                print(f"{staff_id}{source}")
            for staff_id, name in await organisation.township_staff_list(db):
                print(tr("{id} (township staff of {township})", id=staff_id, township=name))
            if not ids:
                print(tr("no staff yet: zhibu admin add TELEGRAM_USER_ID"))
            return 0
        assert telegram_id is not None
        if township is not None:
            return await _admin_township(db, clock, tr, command, telegram_id, township)
        if command == "add":
            added = await organisation.add_staff(db, clock, telegram_id)
            print(
                tr("{id} is now organisation staff", id=telegram_id)
                if added
                else tr("{id} was already organisation staff", id=telegram_id)
            )
        else:
            listed = telegram_id in settings.admins
            removed = await organisation.remove_staff(db, clock, telegram_id, still_admin=listed)
            if listed:
                print(
                    tr(
                        "{id} stays organisation staff while ZHIBU_ADMINS lists them: take "
                        "them out of it and restart the bot",
                        id=telegram_id,
                    )
                )
            else:
                print(
                    tr("{id} is no longer organisation staff", id=telegram_id)
                    if removed
                    else tr("{id} was not organisation staff", id=telegram_id)
                )
        return 0
    finally:
        await db.close()


async def _admin_township(
    db: Database, clock: Clock, tr: Tr, command: str, telegram_id: int, township: str
) -> int:
    """`zhibu admin add-township` / `remove-township`: the role bound to one township."""
    from bot import organisation

    if command == "add-township":
        done = await organisation.add_township_staff(db, clock, telegram_id, township)
        said = (
            tr("{id} is now township staff of {township}", id=telegram_id, township=township)
            if done
            else tr(
                "{id} was already township staff of {township}", id=telegram_id, township=township
            )
        )
    else:
        done = await organisation.remove_township_staff(db, clock, telegram_id, township)
        said = (
            tr("{id} is no longer township staff of {township}", id=telegram_id, township=township)
            if done
            else tr("{id} was not township staff of {township}", id=telegram_id, township=township)
        )
    if done is None:
        print(tr("no township is named {township}", township=township), file=sys.stderr)
        return 1
    print(said)
    return 0


async def _migrate(settings: Settings, tr: Tr) -> int:
    if file_checks.database_file(settings.database, create_folder=True):
        print(tr("created the folder {folder}", folder=settings.database.parent))
    # Not under a running bot: its code may not know the schema this would leave.
    with startup.instance_lock(settings.database):
        db = await Database.open(settings.database, migrate=False)
        try:
            applied = await db.migrate()
            version = await db.user_version()
        finally:
            await db.close()
    print(
        tr("applied {names} (schema version {version})", names=", ".join(applied), version=version)
        if applied
        else tr("already up to date (schema version {version})", version=version)
    )
    return 0


def _period(start: date, last: date) -> None:
    if last < start:
        raise SetupError(N_("--to comes before --from"))


async def _export(
    settings: Settings, tr: Tr, start: date, last: date, target: Path, language: str, force: bool
) -> int:
    from bot import bulletins, organisation

    _period(start, last)
    file_checks.output_file(target, force=force, suffix=".xlsx")
    db = await _open(settings, must_exist=True)
    try:
        county = await organisation.county(db)
        if county is None:
            raise SetupError(N_("the database has no organisation yet: zhibu import roster.xlsx"))
        bulletin = await bulletins.build(
            db,
            Clock(settings.timezone),
            county.id,
            start,
            last + timedelta(days=1),
            settings.visit_quota_days,
        )
    finally:
        await db.close()
    data = bulletins.spreadsheet(translator(language), bulletin)
    await file_checks.write_bytes_into_place(target, data)
    print(
        tr(
            "{active} branches with activity, {idle} without; written to {path}",
            active=len(bulletin.active),
            idle=len(bulletin.idle),
            path=target,
        )
    )
    return 0


async def _audit(
    settings: Settings, tr: Tr, start: date, last: date, target: Path, force: bool
) -> int:
    from bot import audit_trail
    from bot.spreadsheets import Sheet, title_row, workbook

    _period(start, last)
    file_checks.output_file(target, force=force, suffix=".xlsx")
    db = await _open(settings, must_exist=True)
    try:
        clock = Clock(settings.timezone)
        lines = await audit_trail.lines(db, clock, tr, start, last + timedelta(days=1))
    finally:
        await db.close()
    rows = [
        [line.at.replace(tzinfo=None), line.who, line.what, line.about, line.detail, line.code]
        for line in lines
    ]
    data = workbook(
        [
            Sheet(
                tr("audit trail"),
                [tr("when"), tr("who"), tr("what"), tr("about"), tr("detail"), tr("action code")],
                rows,
                title=title_row(tr, tr("Audit trail"), start=start, last=last, made=clock.now()),
                kinds=["datetime"],
            )
        ]
    )
    await file_checks.write_bytes_into_place(target, data)
    print(tr("{count} entries written to {path}", count=len(rows), path=target))
    return 0


async def _backup(settings: Settings, tr: Tr, target: Path, force: bool) -> int:
    file_checks.output_file(target, force=force, not_over=settings.database)
    db = await _open(settings, must_exist=True)
    try:
        await file_checks.write_into_place(target, db.backup_to)
    finally:
        await db.close()
    print(tr("backed up {database} to {path}", database=settings.database, path=target))
    return 0


async def _erase_member(settings: Settings, tr: Tr, member_id: int, confirmed: bool) -> int:
    from bot import privacy, registry

    db = await _open(settings, must_exist=True)
    try:
        if await registry.member(db, member_id) is None:
            raise SetupError(N_("there is no member {id}"), id=member_id)
        if not confirmed:
            print(
                tr(
                    "this erases member {id}'s name, phone, birth year, city and Telegram "
                    "link and their notes' text, for good; add --yes to do it",
                    id=member_id,
                )
            )
            return 1
        await privacy.erase_member(db, Clock(settings.timezone), member_id)
    finally:
        await db.close()
    print(tr("erased member {id}'s personal data; their attendance and counts stay", id=member_id))
    return 0


async def _status(settings: Settings, tr: Tr) -> int:
    from bot import status
    from storage.db import migration_scripts

    db = await _open(settings, must_exist=True, migrate=False)
    try:
        if await db.user_version() < len(migration_scripts()):
            raise SetupError(
                N_("{path} is not upgraded to this zhibu yet: start the bot, or run zhibu migrate"),
                path=settings.database,
            )
        clock = Clock(settings.timezone)
        health = await status.read(db, clock)
    finally:
        await db.close()
    found = status.assess(health, clock, settings, tr)
    print("\n".join(found.lines))
    if found.stuck:
        print(tr("STUCK: {reasons}", reasons="; ".join(found.stuck)))
        return 1
    print(tr("OK"))
    return 0
