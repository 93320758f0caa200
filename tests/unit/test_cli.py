"""The `zhibu` command as someone at a desk runs it: clear one-line answers, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.db import migration_scripts

ROOT = Path(__file__).resolve().parents[2]


def zhibu(*args: str, env: dict[str, str] | None = None,
          cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIBU_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**clean, **(env or {}), "PYTHONPATH": str(ROOT)}, cwd=cwd,
                          timeout=60, check=False)


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
    bad = zhibu("admin", "add", "-5", env=env, cwd=tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_migrate_and_backup(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    latest = len(migration_scripts())
    assert f"schema version {latest}" in zhibu("migrate", env=env, cwd=tmp_path).stdout
    assert "already up to date" in zhibu("migrate", env=env, cwd=tmp_path).stdout
    assert zhibu("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path).returncode == 0
    again = zhibu("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr


def test_export_writes_the_bulletin_spreadsheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert zhibu("import", str(examples / "roster.xlsx"), env=env, cwd=tmp_path).returncode == 0
    out = tmp_path / "2026h1.xlsx"
    done = zhibu("export", "--from", "2026-01-01", "--to", "2026-06-30", str(out), env=env,
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "0 branches with activity, 6 without" in done.stdout
    book = load_workbook(out)
    assert book.sheetnames[0] == "排名" and "党员" in book.sheetnames
    again = zhibu("export", "--from", "2026-01-01", "--to", "2026-06-30", str(out), env=env,
                  cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    wrong = zhibu("export", "--from", "2026-07-01", "--to", "2026-06-30",
                  str(tmp_path / "x.xlsx"), env=env, cwd=tmp_path)
    assert wrong.returncode == 2 and "before" in wrong.stderr


def test_a_backup_restores_as_the_database(tmp_path: Path) -> None:
    """Back up a database with a roster in it, restore the copy as ZHIBU_DATABASE (as the
    README says), and find the roster there."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    live = {"ZHIBU_DATABASE": str(tmp_path / "live.sqlite3")}
    assert zhibu("import", str(examples / "roster.xlsx"), env=live, cwd=tmp_path).returncode == 0
    assert zhibu("backup", str(tmp_path / "copy.sqlite3"), env=live,
                 cwd=tmp_path).returncode == 0
    restored = {"ZHIBU_DATABASE": str(tmp_path / "copy.sqlite3")}
    again = zhibu("import", str(examples / "members.csv"), "--dry-run", env=restored,
                  cwd=tmp_path)
    assert again.returncode == 0 and "无变化 20 人" in again.stdout


def test_staff_export_the_audit_trail(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    examples = Path(__file__).resolve().parents[2] / "examples"
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3")}
    assert zhibu("import", str(examples / "roster.xlsx"), env=env, cwd=tmp_path).returncode == 0
    assert zhibu("admin", "add", "42", env=env, cwd=tmp_path).returncode == 0
    out = tmp_path / "audit.xlsx"
    done = zhibu("audit", "--from", "2000-01-01", "--to", "2100-12-31", str(out), env=env,
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == ("at", "actor", "action", "subject", "detail")
    assert [row[2] for row in rows[1:]] == ["roster.import", "staff.add"]


def test_a_bad_log_level_is_one_line(tmp_path: Path) -> None:
    result = zhibu("migrate", env={"ZHIBU_LOG_LEVEL": "verbose"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "ZHIBU_LOG_LEVEL" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert zhibu("migrate", env={"ZHIBU_LOG_LEVEL": "debug"}, cwd=tmp_path).returncode == 0
