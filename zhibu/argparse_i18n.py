"""argparse's own words — "usage:", "options", its complaints — in the operator's language.

argparse looks each of them up through ``gettext`` under the name ``_`` in its module,
when a parser is built and when it parses, so that applications can translate them in
their own catalogs. Ours are compiled in memory (no ``.mo`` files for the global gettext
domain to find), so for the time the command line is built and parsed, that name points
at our translator; the English ids below are argparse's, listed so that extraction
carries them into the catalogs. A Python whose argparse words differ simply shows them
in English.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from bot.i18n import N_, Tr

ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextmanager
def argparse_speaks(tr: Tr) -> Iterator[None]:
    """Within the block, argparse translates through ``tr``."""
    original = argparse._  # type: ignore[attr-defined]

    def translate(message: str | None) -> str | None:
        return tr(message) if message else message

    argparse._ = translate  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]
