"""The `zhibu` command as someone at a desk runs it: clear one-line answers in their
language, no tracebacks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from storage.db import migration_scripts
from tests import sheets
from tests.e2e.process import command_env

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def zhibu(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The command in a server's plain locale (C: English) unless ``env`` says otherwise."""
    return subprocess.run(
        [sys.executable, "-m", "zhibu", *args],
        capture_output=True,
        text=True,
        env=command_env(**(env or {})),
        cwd=cwd,
        timeout=60,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refusal prints, after checking that it is one line and no more."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_run_without_token_says_what_to_set(tmp_path: Path) -> None:
    result = zhibu("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("zhibu: ZHIBU_TOKEN is not set")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_settings_name_the_setting(tmp_path: Path) -> None:
    result = zhibu("migrate", env={"ZHIBU_TIMEZONE": "Mars/Olympus"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "ZHIBU_TIMEZONE" in result.stderr and "Traceback" not in result.stderr
    result = zhibu("migrate", env={"ZHIBU_ADMINS": "12,abc"}, cwd=tmp_path)
    assert result.returncode == 2 and "ZHIBU_ADMINS" in result.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ZHIBU_DATABASE=from-dotenv.sqlite3\n", encoding="utf-8")
    result = zhibu("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.sqlite3").exists()


def test_admin_add_list_remove(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3"), "ZHIBU_ADMINS": "7"}
    assert "now organisation staff" in zhibu("admin", "add", "42", env=env, cwd=tmp_path).stdout
    assert "already" in zhibu("admin", "add", "42", env=env, cwd=tmp_path).stdout
    listing = zhibu("admin", "list", env=env, cwd=tmp_path).stdout.split()
    assert listing == ["7", "(ZHIBU_ADMINS)", "42"]
    assert "no longer" in zhibu("admin", "remove", "42", env=env, cwd=tmp_path).stdout
    assert zhibu("admin", "remove", "7", env=env, cwd=tmp_path).stdout == (
        "7 stays organisation staff while ZHIBU_ADMINS lists them: take them out of it and "
        "restart the bot\n"
    )
    bad = zhibu("admin", "add", "-5", env=env, cwd=tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_migrate_and_backup(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    latest = len(migration_scripts())
    assert f"schema version {latest}" in zhibu("migrate", env=env, cwd=tmp_path).stdout
    assert "already up to date" in zhibu("migrate", env=env, cwd=tmp_path).stdout
    assert zhibu("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path).returncode == 0
    again = zhibu("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path)
    assert refused(again) == (
        f"zhibu: {tmp_path / 'b.sqlite3'} exists: choose a new file "
        "name, or add --force to overwrite it"
    )


def test_export_writes_the_bulletin_spreadsheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert zhibu("import", str(examples / "roster.xlsx"), env=env, cwd=tmp_path).returncode == 0
    out = tmp_path / "2026h1.xlsx"
    done = zhibu(
        "export",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        str(out),
        "--lang",
        "zh",
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "0 branches with activity, 6 without" in done.stdout
    book = load_workbook(out)
    assert book.sheetnames == ["支部", "党员", "集中学习"]
    again = zhibu(
        "export", "--from", "2026-01-01", "--to", "2026-06-30", str(out), env=env, cwd=tmp_path
    )
    assert again.returncode == 2 and "exists" in again.stderr
    wrong = zhibu(
        "export",
        "--from",
        "2026-07-01",
        "--to",
        "2026-06-30",
        str(tmp_path / "x.xlsx"),
        env=env,
        cwd=tmp_path,
    )
    assert wrong.returncode == 2 and "before" in wrong.stderr


def test_a_backup_restores_as_the_database(tmp_path: Path) -> None:
    """Back up a database with a roster in it, restore the copy as ZHIBU_DATABASE (as the
    README says), and find the roster there."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    live = {"ZHIBU_DATABASE": str(tmp_path / "live.sqlite3")}
    assert zhibu("import", str(examples / "roster.xlsx"), env=live, cwd=tmp_path).returncode == 0
    assert zhibu("backup", str(tmp_path / "copy.sqlite3"), env=live, cwd=tmp_path).returncode == 0
    restored = {"ZHIBU_DATABASE": str(tmp_path / "copy.sqlite3")}
    again = zhibu(
        "import",
        str(examples / "members.csv"),
        "--dry-run",
        "--lang",
        "zh",
        env=restored,
        cwd=tmp_path,
    )
    assert again.returncode == 0 and "无变化 20 人" in again.stdout


def test_staff_export_the_audit_trail(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    examples = Path(__file__).resolve().parents[2] / "examples"
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("import", str(examples / "roster.xlsx"), env=env, cwd=tmp_path).returncode == 0
    assert zhibu("admin", "add", "42", env=env, cwd=tmp_path).returncode == 0
    out = tmp_path / "audit.xlsx"
    done = zhibu(
        "audit", "--from", "2000-01-01", "--to", "2100-12-31", str(out), env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    english = load_workbook(out).active
    assert english is not None
    assert sheets.title(english).startswith("Audit trail · 2000-01-01 to 2100-12-31 · made ")
    assert sheets.heading(english) == ("when", "who", "what", "about", "detail", "action code")
    rows = sheets.rows(english)
    assert [row[2] for row in rows] == ["Imported the roster", "Made someone organisation staff"]
    assert [row[5] for row in rows] == ["roster.import", "staff.add"]
    assert rows[0][1] == "the command line" and rows[1][3] == "Telegram user 42"
    assert rows[0][4] == (
        "new units: county +1; townships +3; branches +6; party groups +3; "
        "members added 20, changed 0, linked to their accounts 0, "
        "unchanged 0, not in the files 0"
    )
    assert isinstance(rows[0][0], datetime)
    assert english.cell(3, 1).number_format == "yyyy-mm-dd hh:mm"  # a date as a date
    chinese = tmp_path / "审计.xlsx"
    assert (
        zhibu(
            "audit",
            "--from",
            "2000-01-01",
            "--to",
            "2100-12-31",
            str(chinese),
            env={**env, "LANG": "zh_CN.UTF-8"},
            cwd=tmp_path,
        ).returncode
        == 0
    )
    book = load_workbook(chinese)
    assert book.sheetnames == ["操作记录"]
    assert sheets.heading(book.active) == ("时间", "操作人", "操作", "对象", "详情", "操作代码")
    assert [row[2] for row in sheets.rows(book.active)] == ["导入名册", "设为组织部工作人员"]


def test_a_bad_log_level_is_one_line(tmp_path: Path) -> None:
    result = zhibu("migrate", env={"ZHIBU_LOG_LEVEL": "verbose"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "ZHIBU_LOG_LEVEL" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert zhibu("migrate", env={"ZHIBU_LOG_LEVEL": "debug"}, cwd=tmp_path).returncode == 0


# --- start-up mistakes, in one line ---------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "123456:short",
        "123456:" + "a" * 34 + "!",
        "abc:" + "a" * 35,
        "123456:" + "a" * 35 + " ",
    ],
)
def test_a_malformed_token_is_one_line_before_any_request(tmp_path: Path, token: str) -> None:
    """Port 9 takes no connections: a request would hang the test in "still trying"."""
    result = zhibu(
        "run",
        env={
            "ZHIBU_TOKEN": token,
            "ZHIBU_API_BASE": "http://127.0.0.1:9",
            "ZHIBU_DATABASE": str(tmp_path / "z.sqlite3"),
        },
        cwd=tmp_path,
    )
    assert refused(result) == (
        "zhibu: ZHIBU_TOKEN is not a bot token: it looks like 123456789:AAE… (digits, a colon "
        "and 35 letters, digits, - or _); copy it again from @BotFather"
    )
    assert token.strip() not in result.stderr
    assert not (tmp_path / "z.sqlite3").exists()


def test_a_misspelt_time_zone_gets_the_nearest_name(tmp_path: Path) -> None:
    english = zhibu("migrate", env={"ZHIBU_TIMEZONE": "Asia/Shanghia"}, cwd=tmp_path)
    assert refused(english) == (
        "zhibu: invalid setting ZHIBU_TIMEZONE: unknown time zone "
        "“Asia/Shanghia”; did you mean Asia/Shanghai?"
    )
    chinese = zhibu(
        "migrate", env={"ZHIBU_TIMEZONE": "europe/berln", "LANG": "zh_CN.UTF-8"}, cwd=tmp_path
    )
    assert refused(chinese) == (
        "zhibu: 设置有误：ZHIBU_TIMEZONE：未知时区“europe/berln”；是不是 Europe/Berlin？"
    )
    beijing = zhibu("migrate", env={"ZHIBU_TIMEZONE": "Beijing"}, cwd=tmp_path)
    assert refused(beijing).endswith("did you mean Asia/Shanghai?")


def test_a_database_in_a_missing_folder_is_refused_until_migrate_creates_it(tmp_path: Path) -> None:
    database = tmp_path / "data" / "zhibu" / "z.sqlite3"
    env = {"ZHIBU_DATABASE": str(database), "ZHIBU_TOKEN": "123:" + "A" * 35}
    for args in (
        ["run"],
        ["admin", "list"],
        ["import", str(EXAMPLES / "roster.xlsx")],
        ["backup", str(tmp_path / "copy.sqlite3")],
    ):
        assert refused(zhibu(*args, env=env, cwd=tmp_path)) == (
            f"zhibu: the folder {database.parent} of ZHIBU_DATABASE={database} does not exist: "
            "create it, or run zhibu migrate to create the database there"
        ), args
    assert not (tmp_path / "data").exists() and not (tmp_path / "zhibu.sqlite3").exists()
    made = zhibu("migrate", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[0] == f"created the folder {database.parent}"
    assert database.exists()
    assert zhibu("admin", "list", env=env, cwd=tmp_path).returncode == 0


def test_read_only_commands_do_not_create_a_database(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    for args in (
        ["backup", "copy.sqlite3"],
        ["export", "--from", "2026-01-01", "--to", "2026-06-30", "x.xlsx"],
    ):
        assert refused(zhibu(*args, env=env, cwd=tmp_path)) == (
            f"zhibu: there is no database at {tmp_path / 'z.sqlite3'}: set ZHIBU_DATABASE to "
            "the bot's database"
        )
    assert list(tmp_path.iterdir()) == []


def test_outputs_to_a_missing_folder_or_an_existing_file(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("import", str(EXAMPLES / "roster.xlsx"), env=env, cwd=tmp_path).returncode == 0
    period = ["--from", "2026-01-01", "--to", "2026-06-30"]
    missing = tmp_path / "reports" / "2026"
    for command in (["export", *period], ["audit", *period], ["backup"]):
        name = "out.sqlite3" if command == ["backup"] else "out.xlsx"
        line = refused(zhibu(*command, str(missing / name), "--force", env=env, cwd=tmp_path))
        assert line == (
            f"zhibu: the folder {missing} does not exist: create it first, or choose another place"
        ), command
        existing = tmp_path / name
        existing.write_bytes(b"old")
        line = refused(zhibu(*command, str(existing), env=env, cwd=tmp_path))
        assert line == (
            f"zhibu: {existing} exists: choose a new file name, or add --force to overwrite it"
        ), command
        assert existing.read_bytes() == b"old"
        done = zhibu(*command, str(existing), "--force", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert existing.read_bytes() != b"old"
        existing.unlink()
    assert not missing.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    folder = refused(zhibu("backup", str(tmp_path), env=env, cwd=tmp_path))
    assert folder == f"zhibu: {tmp_path} is a folder: give a file name"
    itself = refused(zhibu("backup", str(tmp_path / "z.sqlite3"), "--force", env=env, cwd=tmp_path))
    assert itself == (
        f"zhibu: {tmp_path / 'z.sqlite3'} is the database itself: give the copy another name"
    )


def test_a_backup_forced_over_an_old_one_holds_the_live_database(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("admin", "add", "42", env=env, cwd=tmp_path).returncode == 0
    copy = tmp_path / "copy.sqlite3"
    assert zhibu("backup", str(copy), env=env, cwd=tmp_path).returncode == 0
    assert zhibu("admin", "add", "43", env=env, cwd=tmp_path).returncode == 0
    assert zhibu("backup", str(copy), "--force", env=env, cwd=tmp_path).returncode == 0
    listed = zhibu("admin", "list", env={"ZHIBU_DATABASE": str(copy)}, cwd=tmp_path)
    assert listed.stdout.split() == ["42", "43"]


@pytest.mark.parametrize(
    ("start", "last"),
    [("2026/01/01", "2026/06/30"), ("2026.01.01", "20260630"), ("2026年1月1日", "2026年6月30日")],
)
def test_dates_in_other_common_forms(tmp_path: Path, start: str, last: str) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("admin", "add", "42", env=env, cwd=tmp_path).returncode == 0
    done = zhibu(
        "audit", "--from", start, "--to", last, str(tmp_path / "a.xlsx"), env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr


def test_a_date_that_is_not_one_is_one_line(tmp_path: Path) -> None:
    result = zhibu("export", "--from", "2026-13-01", "--to", "2026-06-30", "x.xlsx", cwd=tmp_path)
    assert refused(result) == (
        "zhibu export: argument --from: 2026-13-01 is not a day of the "
        "calendar (see zhibu export --help)"
    )
    chinese = zhibu(
        "export",
        "--from",
        "01/02",
        "--to",
        "2026-06-30",
        "x.xlsx",
        env={"LANG": "zh_CN.UTF-8"},
        cwd=tmp_path,
    )
    assert refused(chinese).startswith("zhibu export：参数 --from：“01/02”不是日期")


def test_a_database_locked_by_another_process_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "z.sqlite3"
    env = {"ZHIBU_DATABASE": str(database)}
    assert zhibu("migrate", env=env, cwd=tmp_path).returncode == 0
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        line = refused(zhibu("admin", "add", "42", env=env, cwd=tmp_path))
    finally:
        holder.close()
    assert line == (
        f"zhibu: the database {database} is locked by another process; try again in a moment"
    )


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "z.sqlite3").write_text("notes, not a database " * 100, encoding="utf-8")
    line = refused(
        zhibu("admin", "list", env={"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}, cwd=tmp_path)
    )
    assert line == f"zhibu: {tmp_path / 'z.sqlite3'} is not a zhibu database (not an SQLite file)"


def test_a_port_in_use_for_the_demo_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refused(zhibu("demo", "--port", str(port), cwd=tmp_path))
    assert line.startswith(f"zhibu: cannot serve the demo on port {port}: ")
    assert line.endswith(f"; try zhibu demo --port {port + 1}")


def test_the_demo_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    """A machine without the demo's extra (here: its aiohttp hidden by a module that is
    not there) gets the install command, in the operator's language, not a traceback."""
    hidden = tmp_path / "without-the-extra"
    hidden.mkdir()
    (hidden / "aiohttp.py").write_text(
        'raise ModuleNotFoundError("No module named \'aiohttp\'", name="aiohttp")\n',
        encoding="utf-8",
    )
    path = f"{hidden}{os.pathsep}{ROOT}"
    english = refused(zhibu("demo", "--port", "0", env={"PYTHONPATH": path}, cwd=tmp_path))
    assert english == (
        'zhibu: the demo needs aiohttp, which is not installed: pip install -e ".[demo]"'
    )
    chinese = refused(
        zhibu("demo", "--port", "0", env={"PYTHONPATH": path, "LANG": "zh_CN.UTF-8"}, cwd=tmp_path)
    )
    assert chinese == 'zhibu: 演示需要 aiohttp，但它没有安装：请运行 pip install -e ".[demo]"'


# --- the operator's language --------------------------------------------------------------


def test_help_is_in_chinese_under_a_chinese_locale(tmp_path: Path) -> None:
    main = zhibu("--help", env={"LANG": "zh_CN.UTF-8"}, cwd=tmp_path).stdout
    assert main.startswith("用法：zhibu [-h] COMMAND ...")
    assert "运行机器人（长轮询或 webhook）；需要 ZHIBU_TOKEN" in main and "显示本帮助并退出" in main
    export = zhibu(
        "export", "--help", env={"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, cwd=tmp_path
    ).stdout
    assert "第一天，例如 2026-01-01" in export and "文件已存在时覆盖" in export
    assert "选项" in export and "options" not in export


def test_help_is_in_english_under_a_plain_locale(tmp_path: Path) -> None:
    main = zhibu("--help", cwd=tmp_path).stdout
    assert main.startswith("usage: zhibu [-h] COMMAND ...")
    assert "run the bot (long polling, or a webhook); needs ZHIBU_TOKEN" in main
    backup = zhibu(
        "backup", "--help", env={"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, cwd=tmp_path
    ).stdout
    assert "overwrite the file if it exists" in backup


def test_zhibu_language_outranks_the_locale_and_may_live_in_dot_env(tmp_path: Path) -> None:
    chinese = zhibu(
        "admin",
        "add",
        "42",
        env={"ZHIBU_LANGUAGE": "zh", "ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")},
        cwd=tmp_path,
    )
    assert chinese.stdout.strip() == "42 现在是组织部工作人员"
    (tmp_path / ".env").write_text("ZHIBU_LANGUAGE=en\n", encoding="utf-8")
    english = zhibu("--help", env={"LANG": "zh_CN.UTF-8"}, cwd=tmp_path)
    assert english.stdout.startswith("usage: zhibu")
    (tmp_path / ".env").write_text("ZHIBU_LANGUAGE=fr\n", encoding="utf-8")
    assert refused(zhibu("migrate", cwd=tmp_path)) == (
        "zhibu: invalid setting ZHIBU_LANGUAGE: must be one of 'zh', 'en'"
    )


def test_the_import_report_follows_the_operator_language(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    english = zhibu("import", str(EXAMPLES / "members.csv"), "--dry-run", env=env, cwd=tmp_path)
    chinese = zhibu(
        "import",
        str(EXAMPLES / "members.csv"),
        "--dry-run",
        env={**env, "LANG": "zh_CN.UTF-8"},
        cwd=tmp_path,
    )
    assert english.stdout != chinese.stdout
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.stdout.split("：")[0])
    assert (
        zhibu(
            "import",
            str(EXAMPLES / "members.csv"),
            "--dry-run",
            "--lang",
            "en",
            env={**env, "LANG": "zh_CN.UTF-8"},
            cwd=tmp_path,
        ).stdout
        == english.stdout
    )


# --- spreadsheets are data, never formulas ------------------------------------------------


def test_an_export_keeps_formula_like_names_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    names = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x","y")']
    lines = (EXAMPLES / "members.csv").read_text(encoding="utf-8").splitlines()
    for index, name in enumerate(names, start=1):
        fields = lines[index].split(",")
        fields[1] = '"' + name.replace('"', '""') + '"'
        lines[index] = ",".join(fields)
    (tmp_path / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    for roster in (EXAMPLES / "units.csv", tmp_path / "members.csv"):
        done = zhibu("import", str(roster), env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout
    out = tmp_path / "bulletin.xlsx"
    done = zhibu(
        "export", "--from", "2026-01-01", "--to", "2026-06-30", str(out), env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    members = load_workbook(out)["Members"]
    cells = {cell.value: cell for row in members.iter_rows() for cell in row}
    for name in names:
        assert name in cells, name
        assert cells[name].data_type == "s", name


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: run as another user")
def test_a_roster_the_user_may_not_read_is_named(tmp_path: Path) -> None:
    roster = tmp_path / "members.csv"
    roster.write_bytes((EXAMPLES / "members.csv").read_bytes())
    roster.chmod(0)
    result = zhibu(
        "import", str(roster), env={"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}, cwd=tmp_path
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "members.csv: this user may not read the file" in result.stdout


def test_a_dot_env_saved_in_another_encoding_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("ZHIBU_TIMEZONE=北京\n".encode("gb18030"))
    assert refused(zhibu("migrate", cwd=tmp_path)) == (
        "zhibu: the .env file is not UTF-8 text: save it as UTF-8"
    )


def test_a_backup_into_a_folder_it_cannot_write_names_the_copy(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("migrate", env=env, cwd=tmp_path).returncode == 0
    said = refused(zhibu("backup", "/proc/zhibu-backup.sqlite3", env=env, cwd=tmp_path))
    assert said.startswith("zhibu: cannot write /proc/zhibu-backup.sqlite3: "), said
