"""Telegram's HTML formatting, parsed as strictly as Telegram does.

Returns the plain text and the entities (offsets in UTF-16 code units, as the Bot API
counts them), or raises :class:`ParseError` with a description in Telegram's words. Only
the tags Telegram supports are accepted; a stray ``<`` or ``&`` is an error, because a
bot that forgets to escape user text must fail its tests here, not in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")


class ParseError(ValueError):
    pass


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    length = 0  # UTF-16 units written so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            match = _TAG.match(source, i)
            offset = len(source[:i].encode("utf-8"))
            if match is None:
                raise ParseError(f"Unclosed start tag at byte offset {offset}")
            closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in TAGS:
                kind = "end" if closing else "start"
                raise ParseError(f'Unsupported {kind} tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1].tag != name:
                    raise ParseError(
                        f'Unmatched end tag at byte offset {offset}, expected "</'
                        f'{stack[-1].tag if stack else ""}>", found "</{name}>"'
                    )
                opened = stack.pop()
                entity = _entity(opened, length)
                if entity is not None:
                    entities.append(entity)
            else:
                attrs = {
                    m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
                    for m in _ATTR.finditer(raw_attrs)
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise ParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                    )
                if name == "a" and not attrs.get("href"):
                    raise ParseError(f"Can't find href of a link at byte offset {offset}")
                stack.append(_Open(name, length, attrs))
            i = match.end()
            continue
        if ch == ">":
            pass  # Telegram tolerates a bare '>'
        if ch == "&":
            match = _ENTITY.match(source, i)
            offset = len(source[:i].encode("utf-8"))
            if match is None:
                raise ParseError(
                    f"Character '&' is reserved and must be escaped at byte offset {offset}"
                )
            body = match.group(1)
            if body.startswith("#x"):
                text = chr(int(body[2:], 16))
            elif body.startswith("#"):
                text = chr(int(body[1:]))
            elif body in NAMED:
                text = NAMED[body]
            else:
                raise ParseError(f'Unsupported HTML entity "&{body};" at byte offset {offset}')
            out.append(text)
            length += utf16_len(text)
            i = match.end()
            continue
        out.append(ch)
        length += utf16_len(ch)
        i += 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity(opened: _Open, end: int) -> dict[str, Any] | None:
    if end == opened.start:
        return None
    entity: dict[str, Any] = {
        "type": TAGS[opened.tag],
        "offset": opened.start,
        "length": end - opened.start,
    }
    if opened.tag == "a":
        entity["url"] = opened.attrs["href"]
    if opened.tag == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    if opened.tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    return entity


_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")


def check_markdown_v2(source: str) -> str:
    """Enough of MarkdownV2 to refuse unescaped reserved characters; returns plain text."""
    out: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i + 1])
            i += 2
            continue
        if ch in _MD_RESERVED and ch not in "*_~|`[]()":
            raise ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        if ch not in "*_~|`":
            out.append(ch)
        i += 1
    return "".join(out)
