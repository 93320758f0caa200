"""Telegram HTML: the one escape for everything a person typed, and Telegram's lengths.

Telegram measures a message (4096) and a caption (1024) after parsing the HTML — tags
do not count, ``&amp;`` is one character — in UTF-16 code units, so an emoji or a rare
CJK character counts two. Every limit check here counts that way (:func:`length`), and
long texts are split (:func:`chunks`) or shortened (:func:`shorten`) only between
characters: never inside a tag or an entity, and with the tags open at a cut closed at
the end of one part and opened again at the start of the next, so every part is valid
HTML on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
KEYBOARD_BUTTONS = 100  # the most inline buttons one message may carry
ELLIPSIS = "…"

_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def esc(text: object) -> str:
    """Escape for Telegram HTML: user text is data, never markup."""
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(text: str) -> str:
    """The text as Telegram shows it: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def length(text: str) -> int:
    """What Telegram counts against its limits: UTF-16 units of the visible text."""
    return utf16_len(visible(text))


@dataclass(frozen=True)
class _Atom:
    """The smallest piece a text may be cut around: a tag, an entity, a character."""

    source: str
    units: int
    tag: str | None = None  # the tag's name, for opening and closing tags
    closing: bool = False

    @property
    def breaks(self) -> int:
        """Where a cut reads best (the character at the cut is dropped): 2 at the end of a
        line, 1 at a space or between the items of a list of names, 0 elsewhere."""
        if self.source == "\n":
            return 2
        return 1 if self.tag is None and (self.source.isspace() or self.source in "、，,") else 0


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    at = 0
    for match in _TOKEN.finditer(text):
        atoms.extend(_Atom(ch, utf16_len(ch)) for ch in text[at : match.start()])
        token = match.group(0)
        if match.group(2) is not None:
            atoms.append(_Atom(token, 0, match.group(2).lower(), bool(match.group(1))))
        else:
            atoms.append(_Atom(token, utf16_len(html.unescape(token))))
        at = match.end()
    atoms.extend(_Atom(ch, utf16_len(ch)) for ch in text[at:])
    return atoms


def _opened(stack: tuple[_Atom, ...], atom: _Atom) -> tuple[_Atom, ...]:
    if atom.tag is None:
        return stack
    if not atom.closing:
        return (*stack, atom)
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].tag == atom.tag:
            return stack[:depth] + stack[depth + 1 :]
    return stack


def _closers(stack: tuple[_Atom, ...]) -> str:
    return "".join(f"</{atom.tag}>" for atom in reversed(stack))


def _line_fits(atoms: list[_Atom], start: int, room: int) -> bool:
    """Does the line that begins at ``start`` fit in ``room`` units?"""
    used = 0
    for atom in atoms[start:]:
        if atom.breaks == 2:
            return True
        used += atom.units
        if used > room:
            return False
    return True


def _split(text: str, limit: int, *, tail: str = "", first_only: bool = False) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` visible units (``tail``, e.g. "…",
    included in every part but the last), preferring the end of a line, then a space."""
    atoms = _atoms(text)
    room = limit - utf16_len(tail)
    if room < 1:
        raise ValueError("limit too small")
    parts: list[str] = []
    start, stack = 0, tuple[_Atom, ...]()
    while start < len(atoms):
        used, i = 0, start
        run_stack = stack
        last: dict[int, tuple[int, int, tuple[_Atom, ...]]] = {}  # kind → (i, used, stack)
        while i < len(atoms) and used + atoms[i].units <= room:
            used += atoms[i].units
            run_stack = _opened(run_stack, atoms[i])
            if atoms[i].breaks:
                last[atoms[i].breaks] = (i, used, run_stack)
            i += 1
        if i >= len(atoms):  # the rest fits
            parts.append(
                "".join(a.source for a in stack) + "".join(a.source for a in atoms[start:])
            )
            break
        if atoms[i].breaks:  # the first that did not fit is a break: a clean cut
            last[atoms[i].breaks] = (i, used, run_stack)
        # The end of a line if the part is at least half full by then, or if the next
        # line fits whole in the next part; else a space, else the later of the two; a
        # text without either is cut where it is full. Shortened, what is cut is lost:
        # rather than at a break early on ("• " before a long Chinese title), it is cut
        # where it is full.
        newline = last.get(2)
        if newline is not None and (
            newline[1] * 2 >= room or _line_fits(atoms, newline[0] + 1, room)
        ):
            chosen: tuple[int, int, tuple[_Atom, ...]] | None = newline
        else:
            full = [b for kind in (2, 1) if (b := last.get(kind)) and b[1] * 2 >= room]
            chosen = full[0] if full else None if first_only else max(last.values(), default=None)
        if chosen is not None and chosen[0] > start:
            cut, after, end_stack = chosen[0], chosen[0] + 1, chosen[2]  # the break goes
        elif i > start:
            cut, after, end_stack = i, i, run_stack
        else:
            raise ValueError("limit too small")
        body = "".join(a.source for a in atoms[start:cut])
        parts.append("".join(a.source for a in stack) + body + tail + _closers(end_stack))
        if first_only:
            break
        start, stack = after, end_stack
    return [part for part in parts if visible(part).strip()]


def chunks(lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join lines into messages that each fit Telegram's limit: whole lines while they
    fit (the first line, a list's header, counts toward the first message), a line too
    long for one message cut at a space, tags kept balanced in every message."""
    text = "\n".join(lines)
    if length(text) <= limit:
        return [text] if visible(text).strip() else []
    return _split(text, limit)


def short(text: str, limit: int) -> str:
    """Plain text (a button's label) cut to ``limit`` characters, "…" marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """``text`` as it is if it fits, else its beginning and "…" within ``limit``."""
    if length(text) <= limit:
        return text
    return _split(text, limit, tail=ELLIPSIS, first_only=True)[0]
