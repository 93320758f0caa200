"""Callback data: short, typed, packed and unpacked in one place.

Telegram allows 1-64 bytes of callback data. Every kind of button the bot shows is a
class below (:class:`CallbackData`, after aiogram's): its prefix, its action and its typed
fields, in the order they travel — ``prefix:action:field:field…``. A kind packs itself
(every field is bounded — a number at most 20 characters, a text field as long as its
``Short(n)`` — so each kind is *proven* to fit when it is defined, see
:attr:`CallbackData.bound`; packing measures again) and unpacks a press back into itself,
so a forged or stale button is just data that fails to unpack or fails the access check.

The wire format is the one the bot has always sent: buttons on old messages in people's
chats keep working after an upgrade (``tests/unit/test_callbacks.py`` unpacks old data).
A trailing field that may be left off (``T | None = None``) is not sent when it is None.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, dataclass_transform

from bot.i18n import N_

MAX_BYTES = 64
SEPARATOR = ":"
#: What a stale or forged button is answered, wherever it is pressed.
STALE = N_("This button is no longer active.")
#: SQLite's integers are 64-bit: a larger id would crash the query instead of finding nothing.
_LARGEST = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]{1,19}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def whole(raw: str | None) -> int | None:
    """The whole number a button claims, or None. Only ASCII digits: ``str.isdigit`` also
    passes "²" (which ``int`` refuses) and ``int`` takes "1_0" and "٣"; within SQLite's
    range, so a forged 10**30 finds nothing rather than overflowing a query."""
    if raw is None or not _WHOLE.fullmatch(raw):
        return None
    number = int(raw)
    return number if -_LARGEST - 1 <= number <= _LARGEST else None


def day(raw: str) -> date | None:
    """A day as a button carries it (``2026-01-31``), or None."""
    if not _DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Callback:
    """Any callback data split at its separators, untyped: for tests and tools that walk
    every kind (the kinds below are what handlers read)."""

    prefix: str
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int = 0) -> int | None:
        return whole(self.args[index]) if index < len(self.args) else None


def pack(prefix: str, action: str, *args: object) -> str:
    """The wire format, measured: ``prefix:action:args…`` in at most 64 bytes of UTF-8."""
    parts = [prefix, action, *(str(arg) for arg in args)]
    if any(SEPARATOR in part for part in parts[:2]):
        raise ValueError("prefix and action must not contain ':'")
    data = SEPARATOR.join(parts)
    if not 1 <= len(data.encode("utf-8")) <= MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Callback | None:
    if not data:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 2:
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


# --- typed kinds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """How one field travels: read from its text (None: not this kind), written as text,
    in at most ``most`` bytes."""

    name: str
    read: Callable[[str], Any]
    write: Callable[[Any], str]
    most: int
    optional: bool


@dataclass(frozen=True)
class Short:
    """``Annotated[str, Short(n)]``: a text field of at most ``n`` bytes, so that its kind
    is proven to fit (``Annotated[int, Short(n)]``: a number of at most ``n`` characters)."""

    most: int


def _text(most: int) -> Callable[[str], str | None]:
    def read(raw: str) -> str | None:  # the separator cannot be in it: unpacking split there
        return raw if raw and len(raw.encode("utf-8")) <= most else None

    return read


def _number(most: int) -> Callable[[str], int | None]:
    def read(raw: str) -> int | None:
        return whole(raw) if len(raw) <= most else None

    return read


def _literal(values: tuple[Any, ...]) -> tuple[Callable[[str], Any], int]:
    by_text = {str(value): value for value in values}
    return by_text.get, max(len(text.encode("utf-8")) for text in by_text)


def _field(name: str, hint: Any, has_default: bool) -> _Field:
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) != 1 or not has_default:
            raise TypeError(f"{name}: only `T | None = None` may be left off")
        hint, optional = members[0], True
    read: Callable[[str], Any]
    most: int
    short = None
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        short = next((extra for extra in extras if isinstance(extra, Short)), None)
    if hint is int:
        most = short.most if short else len(str(-_LARGEST - 1))
        read = _number(most)
    elif hint is str and short is not None:  # unbounded text cannot be proven to fit
        most = short.most
        read = _text(most)
    elif hint is date:
        read, most = day, 10
    elif typing.get_origin(hint) is Literal:
        read, most = _literal(typing.get_args(hint))
    else:
        raise TypeError(f"{name}: a button cannot carry {hint!r} (text: Annotated[str, Short(n)])")
    return _Field(name, read, str, most, optional)


#: The longest name of a form or of one of its steps, in bytes (see :class:`FormChoice`).
FORM_NAME_BYTES = 11

#: Every kind defined, for the tests that walk them (and to refuse two of the same name).
KINDS: dict[str, type[CallbackData]] = {}


@dataclass_transform(frozen_default=True)
class CallbackData:
    """One kind of button. Subclass with its prefix and, unless the first field is the
    action (a ``Literal`` of several), its action::

        class MaterialPress(CallbackData, prefix="mat"):
            action: Literal["done", "later", "show", "who"]
            material: int

        class InviteNew(CallbackData, prefix="inv", action="new"):
            branch: int

    Fields may be ``int``, ``Annotated[str, Short(n)]`` (not empty, no separator),
    ``date``, a ``Literal`` of strings or numbers, and last ones ``T | None = None``.
    """

    #: The first part of the data; the second, unless the kind's first field is its action.
    __prefix__: ClassVar[str]
    __action__: ClassVar[str | None]
    #: The longest data this kind can pack, in bytes: at most 64, or the class is refused.
    bound: ClassVar[int]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, *, prefix: str, action: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(SEPARATOR in part or not part for part in (prefix, action or prefix)):
            raise ValueError(f"{cls.__name__}: prefix and action must be short words")
        if cls.__name__ in KINDS:
            raise TypeError(f"two kinds of button named {cls.__name__}")
        dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)  # each in its own module
        fields = tuple(
            _field(f.name, hints[f.name], f.default is None)
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
        optional = [f.optional for f in fields]
        if optional != sorted(optional):  # False (needed) first, then True (may be left off)
            raise TypeError(f"{cls.__name__}: only the last fields may be left off")
        cls.__prefix__, cls.__action__, cls._fields = prefix, action, fields
        heads = [prefix] + ([action] if action else [])
        sizes = [len(head.encode("utf-8")) for head in heads] + [f.most for f in fields]
        cls.bound = sum(sizes) + len(sizes) - 1  # and the separators between
        if cls.bound > MAX_BYTES:
            raise TypeError(f"{cls.__name__} could pack {cls.bound} bytes, over {MAX_BYTES}")
        KINDS[cls.__name__] = cls

    def pack(self) -> str:
        """The data for the button; refuses what Telegram would (over 64 bytes, or a text
        field with the separator in it)."""
        parts = [self.__prefix__] + ([self.__action__] if self.__action__ else [])
        for f in self._fields:
            value = getattr(self, f.name)
            if value is None and f.optional:
                break
            text = f.write(value)
            if not text or SEPARATOR in text or f.read(text) != value:
                raise ValueError(f"{type(self).__name__}.{f.name} cannot carry {value!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        """This kind read back from a press, or None: another kind, stale or forged."""
        if not data:
            return None
        parts = data.split(SEPARATOR)
        heads = [cls.__prefix__] + ([cls.__action__] if cls.__action__ else [])
        if parts[: len(heads)] != heads:
            return None
        parts = parts[len(heads) :]
        needed = sum(not f.optional for f in cls._fields)
        if not needed <= len(parts) <= len(cls._fields):
            return None
        values: dict[str, Any] = {}
        for f, text in zip(cls._fields, parts, strict=False):
            value = f.read(text)
            if value is None:
                return None
            values[f.name] = value
        return cls(**values)


K = TypeVar("K", bound=CallbackData)


def unpack_as(kinds: tuple[type[K], ...], data: str | None) -> K | None:
    """The first of ``kinds`` the data unpacks as, or None."""
    for kind in kinds:
        found = kind.unpack(data)
        if found is not None:
            return found
    return None


# --- every kind of button, by prefix (the access table in the README lists who may press) ----
# Registration, language, invites, the branch picker.


class Language(CallbackData, prefix="lang"):
    """``lang:<code>``: one's own language."""

    code: Annotated[str, Short(8)]


class Decide(CallbackData, prefix="app"):
    """``app:ok|no:<application>[:l]``: decide a request to join; ``l`` when the button is
    one row of the /pending list (only that row goes once decided)."""

    verdict: Literal["ok", "no"]
    application: int
    listed: Literal["l"] | None = None


class InviteNew(CallbackData, prefix="inv", action="new"):
    branch: int


class InviteRevoke(CallbackData, prefix="inv", action="rv"):
    code: Annotated[str, Short(32)]  # 22 characters (bot.registry.INVITE_CODE_BYTES)


class Pick(CallbackData, prefix="pick"):
    """``pick:<purpose>:<unit>[:<page>]``: a branch (or a township to open) chosen for a
    command; unit 0 with a page is a page of the township list."""

    purpose: Annotated[str, Short(16)]
    unit: int
    page: int | None = None


# Materials, meetings and their records.


class MaterialPress(CallbackData, prefix="mat"):
    action: Literal["done", "later", "show", "who"]
    material: int


class FormChoice(CallbackData, prefix="dlg"):
    """``dlg:<form>:<step>:<value>[:<more>]``: a button of one step of a form. Carrying
    the step means a second press (or Telegram delivering the press twice) finds the form
    past that step and does nothing. A form's kind and its steps' names fit their fields
    (handlers/steps.py refuses a table whose names would not)."""

    form: Annotated[str, Short(FORM_NAME_BYTES)]
    step: Annotated[str, Short(FORM_NAME_BYTES)]
    value: Annotated[str, Short(19)]  # a key, a date, an id
    more: Annotated[str, Short(16)] | None = None  # an id, after a one-letter tag


class Attend(CallbackData, prefix="att"):
    action: Literal["in", "remote", "leave"]
    meeting: int


class LeaveDecision(CallbackData, prefix="lv"):
    verdict: Literal["ok", "no"]
    meeting: int
    member: int


class SessionList(CallbackData, prefix="mtg", action="list"):
    """The branch's coming sessions, to change one."""

    branch: int


class SessionChange(CallbackData, prefix="mtg"):
    """A coming session: its card, moving it, cancelling it."""

    action: Literal["show", "move", "cancel"]
    meeting: int


class SessionRecord(CallbackData, prefix="mtg"):
    """Completing a held session's record: its effect, its lecturer."""

    field: Literal["effect", "lect"]
    meeting: int


class SessionCard(CallbackData, prefix="ses", action="card"):
    meeting: int


class SessionMonth(CallbackData, prefix="ses", action="m"):
    """A month's sessions; with a page, shown in place of the page pressed."""

    branch: int
    month: Annotated[str, Short(6)]  # 202611
    page: int | None = None


class LedgerYears(CallbackData, prefix="ses", action="years"):
    branch: int


class Ledger(CallbackData, prefix="ses", action="xlsx"):
    branch: int
    year: int


class MakeUp(CallbackData, prefix="home", action="mk"):
    """A make-up lesson for the branch's members back home."""

    branch: int


# Notes and study records.


class NoteStart(CallbackData, prefix="note", action="start"):
    pass


class NoteWrite(CallbackData, prefix="note", action="write"):
    """``note:write:<meeting|material|free>:<id>``: one's own note, on what it was asked
    for."""

    kind: Annotated[str, Short(8)] | None = None
    ref: int | None = None

    @classmethod
    def about(cls, subject: str) -> NoteWrite:
        """The button for a note asked about ``subject`` (``meeting:12``)."""
        kind, _, ref = subject.partition(":")
        return cls(kind or None, whole(ref))


class NoteVerdict(CallbackData, prefix="note"):
    verdict: Literal["read", "star", "redo"]
    note: int


class NoteFull(CallbackData, prefix="note", action="full"):
    note: int


class NoteExempt(CallbackData, prefix="note", action="exempt"):
    member: int


class NoteLift(CallbackData, prefix="note", action="lift"):
    """Lifting "unable to write": the name, then yes or no."""

    member: int
    answer: Literal["yes", "no"] | None = None


class StudyRecord(CallbackData, prefix="rec", action="show"):
    """A member's study record: this year's, or ``year``'s."""

    member: int
    year: int | None = None


# The roster.


class BranchMembers(CallbackData, prefix="mem"):
    """The branch's committee to change, or its members to remove one."""

    action: Literal["com", "list"]
    branch: int


class MemberPress(CallbackData, prefix="mem"):
    """Put on or take off the committee; chosen for removal (the reason comes next)."""

    action: Literal["cm", "pick"]
    member: int


class MemberRemove(CallbackData, prefix="mem", action="rm"):
    member: int
    reason: Annotated[str, Short(8)]


# Visits and quotas.


class VisitLeader(CallbackData, prefix="vst", action="who"):
    """Staff choosing whose visits to see: the leader's Telegram id."""

    leader: int


class VisitPress(CallbackData, prefix="vst"):
    action: Literal["ok", "gone", "solve", "days", "rec", "del", "keep"]
    visit: int


class QuotaFor(CallbackData, prefix="quota", action="set"):
    """Whose visit quota to set: a leader's Telegram id, 0 for everyone's."""

    leader: int


# Reports and the yearly review.


class ReportKind(CallbackData, prefix="rpt", action="kind"):
    kind: Literal["bp", "visits", "review"]


class ReportTyped(CallbackData, prefix="rpt"):
    """Other dates, typed."""

    kind: Literal["bp", "visits"]
    typed: Literal["typed"]


class ReportPeriod(CallbackData, prefix="rpt"):
    """A period chosen (``end`` is the day after the last)."""

    kind: Literal["bp", "visits"]
    start: date
    end: date


class ReportBranches(CallbackData, prefix="rpt", action="b"):
    """The bulletin of a period, for the county (its id) or a township."""

    start: date
    end: date
    unit: int


class ReviewYear(CallbackData, prefix="rpt", action="rv"):
    """The yearly review: the year, then the scope."""

    year: int
    unit: int | None = None


class ReviewBranchPress(CallbackData, prefix="yr"):
    """A branch's assessment: open it, comment on it."""

    action: Literal["open", "note"]
    review: int
    branch: int


class ReviewGood(CallbackData, prefix="yr", action="good"):
    """One of the five goods (0-4) answered yes (1) or no (0)."""

    review: int
    branch: int
    item: Annotated[int, Short(1)]
    value: Literal[0, 1]


class ReviewDecide(CallbackData, prefix="yr", action="set"):
    review: int
    branch: int
    verdict: Literal["attention", "cleared"]


class ReviewAdd(CallbackData, prefix="yr", action="add"):
    """Add a branch: the scope's townships, a township's branches, a branch."""

    review: int
    unit: int | None = None


class ReviewDone(CallbackData, prefix="yr", action="done"):
    review: int


# Notices, the to-do list, recording by hand.


class NoticePress(CallbackData, prefix="ntc"):
    action: Literal["ack", "show", "mine", "remind", "cancel", "stop", "keep", "who"]
    notice: int


class TodoShow(CallbackData, prefix="todo", action="show"):
    pass


class HandNew(CallbackData, prefix="hand", action="new"):
    """A list to record by hand on, in a new message: ``<m|s|n|b><id>``."""

    target: Annotated[str, Short(20)]


class HandPage(CallbackData, prefix="hand", action="ls"):
    target: Annotated[str, Short(20)]
    page: int


class HandEntry(CallbackData, prefix="hand"):
    """Ask before recording (on=1) or taking back (on=0), then do it; ``back`` is where
    to return, ``p<page>`` or ``t<page>``."""

    action: Literal["ask", "do"]
    target: Annotated[str, Short(20)]
    member: int
    on: Literal[0, 1]
    back: Annotated[str, Short(6)]


# The rectification ledger (整改台账, 挂牌销号).


class RectifyFromVisit(CallbackData, prefix="rect", action="visit"):
    """A problem found on a visit becomes an item of the ledger."""

    visit: int


class RectifyFromReview(CallbackData, prefix="rect", action="rv"):
    """A branch's yearly assessment becomes an item of the ledger."""

    review: int
    branch: int


class RectifyNew(CallbackData, prefix="rect", action="new"):
    """An item entered by hand: the branch comes next."""


class RectifyPage(CallbackData, prefix="rect", action="ls"):
    """A page of the open items of one's scope."""

    page: int


class RectifyMine(CallbackData, prefix="rect", action="my"):
    """A page of the items one is responsible for."""

    page: int


class RectifySheet(CallbackData, prefix="rect", action="xlsx"):
    """The whole ledger of one's scope, with its history, as a spreadsheet."""


class RectifyPress(CallbackData, prefix="rect"):
    """An item: its card; the person responsible reports progress or asks to cross it
    off; staff confirm (销号), send it back, move its deadline, or change the person
    responsible."""

    action: Literal["card", "prog", "ask", "ok", "back", "due", "who"]
    item: int
    #: Confirm and send back: the request (its "asked" step) they decide — a newer one
    #: replaces it. The other actions carry none.
    asked: int | None = None


# The township leadership's study ledger.


class LeadershipPress(CallbackData, prefix="lead"):
    """A township's leadership ledger (``township``: its unit): shown, as a spreadsheet,
    its research reports, or a new centralised study session for its leadership."""

    action: Literal["show", "xlsx", "rsr", "new"]
    township: int


class ResearchNew(CallbackData, prefix="rsr", action="new"):
    """A leadership member files a research report (调研文章) of their own."""


class ResearchOpen(CallbackData, prefix="rsr", action="open"):
    """A research report opened: its author's own, or one of their township's for its
    staff (and county staff)."""

    report: int


# 四议两公开: village matters (handlers/matters.py).


class MatterNew(CallbackData, prefix="mtr", action="new"):
    """Open a new matter in this branch (its secretary)."""

    branch: int


class MatterCard(CallbackData, prefix="mtr", action="card"):
    matter: int


class MatterStepPress(CallbackData, prefix="mtr", action="step"):
    """Record step ``step`` (1-4) of a matter: the form asks the meeting's facts."""

    matter: int
    step: Annotated[int, Short(1)]


class MatterPublish(CallbackData, prefix="mtr", action="pub"):
    """Make the decision (``d``) or the result (``r``) public."""

    matter: int
    what: Literal["d", "r"]


class MatterDrop(CallbackData, prefix="mtr", action="drop"):
    """Withdraw an open matter (asked to confirm)."""

    matter: int


class MatterLedger(CallbackData, prefix="mtr", action="xlsx"):
    """The ledger of a branch, a township or the county, as a spreadsheet."""

    unit: int


class MatterPage(CallbackData, prefix="mtr", action="ls"):
    """A page of a branch's matters (``unit``: the branch), or of the open matters the
    presser oversees (``unit`` 0: their townships, or the county), shown in place of the
    page pressed."""

    unit: int
    page: int
