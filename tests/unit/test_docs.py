"""The guides say what the code does: the English user's guide (README.md) and the Chinese
one for staff and secretaries (docs/zh/README.md) name the same bot commands, the same
``zhibu`` commands and the same ``ZHIBU_*`` settings — every one the code has, and none it
lacks — and the access tables in docs/access.md are the tables the access tests check.

A guide drifts silently: a command added to the handlers and to one guide, a setting
renamed in ``bot/config.py`` and left in the other, a button whose rights changed in its
test and not in the table a secretary reads. Each check here names what is missing where.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, cast

import pytest
from telegram.ext import CommandHandler

import handlers
from bot import i18n
from bot.config import Settings
from zhibu.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CHINESE = ROOT / "docs" / "zh" / "README.md"
ACCESS = ROOT / "docs" / "access.md"
GUIDES = (README, CHINESE)

#: A bot command as the guides write it: in backticks, ``/note`` or ``/bind CODE`` — not a
#: path such as ``/etc/systemd/…``.
_BOT_COMMAND = re.compile(r"`/([a-z_]+)(?=[` ])")
#: A command of the command line: ``zhibu import FILE…``, not ``zhibu --help``.
_CLI_COMMAND = re.compile(r"`zhibu ([a-z][a-z-]*)")
#: A setting: ``ZHIBU_NOTE_DAYS``, not the ``ZHIBU_…`` of "one setting a line".
_SETTING = re.compile(r"\bZHIBU_[A-Z][A-Z_]*[A-Z]\b")


def bot_commands(text: str) -> set[str]:
    return set(_BOT_COMMAND.findall(text))


def cli_commands(text: str) -> set[str]:
    return set(_CLI_COMMAND.findall(text))


def settings_named(text: str) -> set[str]:
    return set(_SETTING.findall(text))


class _Recorder:
    """Stands in for the Application in ``handlers.register``: keeps what it is given."""

    def __init__(self) -> None:
        self.handlers: list[object] = []

    def add_handler(self, handler: object, group: int = 0) -> None:
        self.handlers.append(handler)

    def add_error_handler(self, callback: object, *args: object, **kwargs: object) -> None:
        pass


def registered_commands() -> set[str]:
    """Every command the bot answers, from the single list of handlers."""
    recorder = _Recorder()
    handlers.register(cast(Any, recorder))
    return {
        command
        for handler in recorder.handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def setting_names() -> set[str]:
    """Every setting zhibu can be told from outside, as its environment variable."""
    prefix = Settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in Settings.model_fields}


def cli_parser() -> argparse.ArgumentParser:
    """The command line's grammar, as the composition root builds it."""
    return _parser(i18n.translator("en"), "en")


def parser_commands() -> set[str]:
    parser = cli_parser()
    subcommands = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    assert len(subcommands) == 1
    return set(subcommands[0].choices)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_bot_command_is_in_each_guide(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    commands = registered_commands()
    assert {"start", "help", "todo", "visit"} <= commands  # the recorder sees the list
    named = bot_commands(text)
    assert commands - named == set(), f"{guide.name} does not name these commands"
    assert named - commands == set(), f"{guide.name} names commands the bot does not have"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_setting_is_in_each_guide(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    settings = setting_names()
    assert {"ZHIBU_TOKEN", "ZHIBU_NOTE_DAYS"} <= settings
    named = settings_named(text)
    assert settings - named == set(), f"{guide.name} does not name these settings"
    assert named - settings == set(), f"{guide.name} names settings zhibu does not have"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_command_line_command_is_in_each_guide(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    commands = parser_commands()
    assert {"run", "demo", "import"} <= commands
    named = cli_commands(text)
    assert commands - named == set(), f"{guide.name} does not name these zhibu commands"
    assert named - commands == set(), f"{guide.name} names zhibu commands that do not exist"


def test_the_guides_name_the_same_things() -> None:
    """Beyond the code's lists: what one guide names, the other does too."""
    english, chinese = (guide.read_text(encoding="utf-8") for guide in GUIDES)
    for read in (bot_commands, cli_commands, settings_named):
        assert read(english) == read(chinese), read.__name__


def test_the_readme_keeps_the_commands_ci_runs() -> None:
    """.ci/run runs the README's test command exactly; the demo line installs its extra."""
    text = README.read_text(encoding="utf-8")
    assert '    pip install -e ".[test]" && python -m pytest\n' in text
    assert '    pip install -e ".[demo]" && zhibu demo\n' in text
    assert 'pip install -e ".[test]" && python -m pytest' in (ROOT / ".ci" / "run").read_text(
        encoding="utf-8"
    )


def access_table(heading: str) -> dict[str, list[str]]:
    """The rows of the docs/access.md table whose first column is ``heading``: each row's
    key (a command, or a button's kind in its last backticks) and its cells."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in ACCESS.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            inside = False
        elif cells[0] == heading:
            inside = True
        elif inside and not set(cells[0]) <= set("-: "):
            keys = re.findall(r"`([^`]+)`", cells[0])
            assert keys, line
            assert keys[-1] not in rows, f"{keys[-1]} twice in the {heading} table"
            rows[keys[-1]] = cells[1:]
    assert rows, f"no {heading} table in {ACCESS.name}"
    return rows


def test_the_access_tables_are_the_tested_ones() -> None:
    """docs/access.md shows exactly the cells that test_access.py and test_button_access.py
    check, in their order of roles: ✓ goes on, ✗ is refused."""
    from tests.e2e import test_access, test_button_access

    for heading, module in (("command", test_access), ("button", test_button_access)):
        table: dict[str, dict[str, str]] = module.TABLE
        expected = {
            key: ["✓" if row[role] == "✓" else "✗" for role in module.ROLES]
            for key, row in table.items()
        }
        shown = access_table(heading)
        assert sorted(shown) == sorted(expected), (
            sorted(set(expected) - set(shown)),
            sorted(set(shown) - set(expected)),
        )
        wrong = {key: cells for key, cells in shown.items() if cells != expected[key]}
        assert not wrong, f"{heading}s whose cells differ from the test's TABLE: {wrong}"
