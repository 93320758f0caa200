"""Message catalogs: English source strings as ids, Chinese (the default) and English.

Catalogs are gettext ``.po`` files under ``locales/`` read with Babel and compiled in
memory at start-up, so there is no build step and no stale ``.mo`` to forget. Handlers
write the English copy (``tr("Welcome, {name}!", name=...)``); a test keeps the ``.pot``
current and every Chinese string translated with the same placeholders.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR: Final = Path(__file__).resolve().parents[1] / "locales"
DOMAIN: Final = "zhibu"

#: Languages a user can choose, in menu order; the first is the default.
LANGUAGES: Final[dict[str, str]] = {"zh": "简体中文", "en": "English"}
DEFAULT_LANGUAGE: Final = "zh"
#: Our language code → the catalog folder under locales/.
CATALOG_FOLDERS: Final[dict[str, str]] = {"zh": "zh_CN", "en": "en"}


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def language_from_telegram(code: str | None) -> str:
    """Map Telegram's IETF tag (``zh-hans``, ``zh-CN``, ``zh``, ``en-US`` …) to ours.

    Babel does not map ``zh-hans`` to ``zh_CN``, so this is explicit. Anything that is not
    English gets Chinese: the bot's users are Chinese first.
    """
    if not code:
        return DEFAULT_LANGUAGE
    primary = code.replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def operator_language(chosen: str | None, environ: Mapping[str, str]) -> str:
    """The language of whoever runs the ``zhibu`` command: ``ZHIBU_LANGUAGE`` if it names
    one of ours, else the locale (the first of LC_ALL, LC_MESSAGES, LANG that is set, as
    POSIX orders them) — Chinese if it starts with ``zh``, English otherwise, since a
    server's default locale (C, POSIX, en_US) says nothing about who reads it."""
    if chosen and chosen.strip().lower() in LANGUAGES:
        return chosen.strip().lower()
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class Translator:
    """One user's language: ``tr(msgid, **fields)`` translates, then fills placeholders."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def __call__(self, message: str, /, **fields: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**fields) if fields else text

    def plural(self, singular: str, plural: str, n: int, /, **fields: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **fields)


Tr = Callable[..., str]


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    folder = CATALOG_FOLDERS[language]
    po_path = LOCALES_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        if language == "en":
            return gettext.NullTranslations()
        raise FileNotFoundError(f"message catalog missing: {po_path}")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=folder)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str | None) -> Translator:
    code = language if language in LANGUAGES else DEFAULT_LANGUAGE
    assert code is not None
    return Translator(code, _catalog(code))


def load_all() -> None:
    """Compile every catalog now, so a broken .po stops start-up rather than a reply."""
    for code in LANGUAGES:
        _catalog(code)
