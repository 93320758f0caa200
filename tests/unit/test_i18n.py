"""The catalogs: current, complete, and faithful to their sources' placeholders and tags."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "locales" / "zhibu.pot"
ZH = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "zhibu.po"


def _read(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def test_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "locales/babel.cfg",
            "-k",
            "tr",
            "-k",
            "t",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    expected = {m.id for m in _read(fresh) if m.id}
    committed = {m.id for m in _read(POT) if m.id}
    assert expected - committed == set(), "strings missing from zhibu.pot: run the extract"
    assert committed - expected == set(), "zhibu.pot has strings no code uses: run the extract"


def test_every_string_translated_faithfully() -> None:
    ids = {m.id for m in _read(POT) if m.id}
    catalog = {m.id: m for m in _read(ZH) if m.id}
    missing = sorted(str(i) for i in ids if i not in catalog or not catalog[i].string)
    assert missing == [], f"untranslated: {missing[:10]}"
    fuzzy = sorted(str(i) for i in ids if catalog[i].fuzzy)
    assert fuzzy == [], f"fuzzy: {fuzzy[:10]}"
    for msgid in ids:
        source, translated = str(msgid), str(catalog[msgid].string)
        assert _fields(source) == _fields(translated), f"placeholders differ: {source!r}"
        assert _tags(source) == _tags(translated), f"HTML tags differ: {source!r}"


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def _tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?\w+>", text))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-CN", "zh"),
        ("zh_CN", "zh"),
        ("zh-hant", "zh"),
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("ru", "zh"),
        (None, "zh"),
        ("", "zh"),
    ],
)
def test_telegram_language_tags(code: str | None, expected: str) -> None:
    assert i18n.language_from_telegram(code) == expected


def test_translator_fills_placeholders_in_both_languages() -> None:
    zh = i18n.translator("zh")
    en = i18n.translator("en")
    assert en("Language set: {language}.", language="English") == "Language set: English."
    text = zh("Language set: {language}.", language="简体中文")
    assert "简体中文" in text and "Language" not in text
    assert i18n.translator("xx").language == "zh"
