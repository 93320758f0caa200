"""Callback data: every kind of button packs in at most 64 bytes (measured, and proven when
the kind is defined), reads back what it packed, and reads the data the bot has always
sent — buttons on messages already in people's chats keep working after an upgrade."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from typing import Annotated, Any

import pytest
from telegram.ext import CallbackQueryHandler

import handlers
from bot.callbacks import (
    KINDS,
    MAX_BYTES,
    Attend,
    BranchMembers,
    CallbackData,
    Decide,
    FormChoice,
    HandEntry,
    HandNew,
    HandPage,
    InviteNew,
    InviteRevoke,
    Language,
    LeadershipPress,
    LeaveDecision,
    Ledger,
    LedgerYears,
    MakeUp,
    MaterialPress,
    MatterCard,
    MatterDrop,
    MatterLedger,
    MatterNew,
    MatterPage,
    MatterPublish,
    MatterStepPress,
    MemberPress,
    MemberRemove,
    NoteExempt,
    NoteFull,
    NoteLift,
    NoteStart,
    NoteVerdict,
    NoteWrite,
    NoticePress,
    Pick,
    QuotaFor,
    RectifyFromReview,
    RectifyFromVisit,
    RectifyMine,
    RectifyNew,
    RectifyPage,
    RectifyPress,
    RectifySheet,
    ReportBranches,
    ReportKind,
    ReportPeriod,
    ReportTyped,
    ResearchNew,
    ResearchOpen,
    ReviewAdd,
    ReviewBranchPress,
    ReviewDecide,
    ReviewDone,
    ReviewGood,
    ReviewYear,
    SessionCard,
    SessionChange,
    SessionList,
    SessionMonth,
    SessionRecord,
    Short,
    StudyRecord,
    TodoShow,
    VisitLeader,
    VisitPress,
    unpack_as,
)
from handlers import dialog

#: Data as the bot sent it before the kinds were typed (the old ``pack(prefix, action, …)``
#: calls), and what each reads as now.
OLD: dict[str, CallbackData] = {
    "lang:zh": Language(code="zh"),
    "app:ok:12": Decide(verdict="ok", application=12),
    "app:no:12:l": Decide(verdict="no", application=12, listed="l"),
    "inv:new:3": InviteNew(branch=3),
    "inv:rv:Xk3_-9aZbQw0Lm2PqR7sTu": InviteRevoke(code="Xk3_-9aZbQw0Lm2PqR7sTu"),
    "pick:members:7": Pick(purpose="members", unit=7),
    "pick:record:0:2": Pick(purpose="record", unit=0, page=2),
    "mat:done:5": MaterialPress(action="done", material=5),
    "mat:who:5": MaterialPress(action="who", material=5),
    "att:remote:9": Attend(action="remote", meeting=9),
    "lv:ok:9:14": LeaveDecision(verdict="ok", meeting=9, member=14),
    "mtg:list:3": SessionList(branch=3),
    "mtg:cancel:9": SessionChange(action="cancel", meeting=9),
    "mtg:lect:9": SessionRecord(field="lect", meeting=9),
    "ses:card:9": SessionCard(meeting=9),
    "ses:m:3:202611": SessionMonth(branch=3, month="202611"),
    "ses:m:3:202611:1": SessionMonth(branch=3, month="202611", page=1),
    "ses:years:3": LedgerYears(branch=3),
    "ses:xlsx:3:2025": Ledger(branch=3, year=2025),
    "home:mk:3": MakeUp(branch=3),
    "note:start": NoteStart(),
    "note:write:meeting:12": NoteWrite(kind="meeting", ref=12),
    "note:write:free:0": NoteWrite(kind="free", ref=0),
    "note:redo:4": NoteVerdict(verdict="redo", note=4),
    "note:full:4": NoteFull(note=4),
    "note:exempt:8": NoteExempt(member=8),
    "note:lift:8": NoteLift(member=8),
    "note:lift:8:yes": NoteLift(member=8, answer="yes"),
    "rec:show:8": StudyRecord(member=8),
    "rec:show:8:2025": StudyRecord(member=8, year=2025),
    "mem:com:3": BranchMembers(action="com", branch=3),
    "mem:pick:8": MemberPress(action="pick", member=8),
    "mem:rm:8:moved": MemberRemove(member=8, reason="moved"),
    "vst:who:1001": VisitLeader(leader=1001),
    "vst:solve:5": VisitPress(action="solve", visit=5),
    "quota:set:0": QuotaFor(leader=0),
    "rpt:kind:review": ReportKind(kind="review"),
    "rpt:bp:typed": ReportTyped(kind="bp", typed="typed"),
    "rpt:visits:2026-01-01:2026-07-01": ReportPeriod(
        kind="visits", start=date(2026, 1, 1), end=date(2026, 7, 1)
    ),
    "rpt:b:2026-01-01:2026-02-01:1": ReportBranches(
        start=date(2026, 1, 1), end=date(2026, 2, 1), unit=1
    ),
    "rpt:rv:2025": ReviewYear(year=2025),
    "rpt:rv:2025:1": ReviewYear(year=2025, unit=1),
    "yr:open:2:3": ReviewBranchPress(action="open", review=2, branch=3),
    "yr:good:2:3:4:1": ReviewGood(review=2, branch=3, item=4, value=1),
    "yr:set:2:3:attention": ReviewDecide(review=2, branch=3, verdict="attention"),
    "yr:add:2": ReviewAdd(review=2),
    "yr:add:2:5": ReviewAdd(review=2, unit=5),
    "yr:done:2": ReviewDone(review=2),
    "ntc:mine:7": NoticePress(action="mine", notice=7),
    "todo:show": TodoShow(),
    "hand:new:m12": HandNew(target="m12"),
    "hand:ls:b3:2": HandPage(target="b3", page=2),
    "hand:ask:m12:8:1:p0": HandEntry(action="ask", target="m12", member=8, on=1, back="p0"),
    "hand:do:s4:8:0:t3": HandEntry(action="do", target="s4", member=8, on=0, back="t3"),
    "rect:visit:5": RectifyFromVisit(visit=5),
    "rect:rv:2:3": RectifyFromReview(review=2, branch=3),
    "rect:new": RectifyNew(),
    "rect:ls:2": RectifyPage(page=2),
    "rect:my:1": RectifyMine(page=1),
    "rect:xlsx": RectifySheet(),
    "rect:card:4": RectifyPress(action="card", item=4),
    "rect:due:4": RectifyPress(action="due", item=4),
    "rect:ok:4:17": RectifyPress(action="ok", item=4, asked=17),
    "mtr:new:3": MatterNew(branch=3),
    "mtr:card:5": MatterCard(matter=5),
    "mtr:step:5:2": MatterStepPress(matter=5, step=2),
    "mtr:pub:5:d": MatterPublish(matter=5, what="d"),
    "mtr:drop:5": MatterDrop(matter=5),
    "mtr:xlsx:1": MatterLedger(unit=1),
    "mtr:ls:3:1": MatterPage(unit=3, page=1),
    "mtr:ls:0:2": MatterPage(unit=0, page=2),
    "dlg:reg:status:full": FormChoice(form="reg", step="status", value="full"),
    "dlg:visit:day:2026-11-24": FormChoice(form="visit", step="day", value="2026-11-24"),
    "dlg:appoint:person:r:1000002": FormChoice(
        form="appoint", step="person", value="r", more="1000002"
    ),
    "lead:xlsx:2": LeadershipPress(action="xlsx", township=2),
    "rsr:new": ResearchNew(),
    "rsr:open:5": ResearchOpen(report=5),
}


def _kinds_of(data: str) -> list[str]:
    return [name for name, kind in KINDS.items() if kind.unpack(data) is not None]


@pytest.mark.parametrize("data", sorted(OLD))
def test_old_data_reads_as_one_kind_and_packs_the_same(data: str) -> None:
    found = OLD[data]
    assert _kinds_of(data) == [type(found).__name__]
    assert type(found).unpack(data) == found
    assert found.pack() == data  # the same wire format: old and new buttons are alike


def test_every_kind_has_old_data_here() -> None:
    """A new kind comes with its data in OLD, so that its format is held from then on."""
    assert sorted(KINDS) == sorted({type(found).__name__ for found in OLD.values()})


def _longest(hint: Any) -> Any:
    """The value of a field that packs longest."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    most = None
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        most = next(extra.most for extra in extras if isinstance(extra, Short))
    if hint is int:
        return -(2**63) if most is None else int("9" * most)
    if hint is str:
        assert most is not None
        return "x" * most
    if hint is date:
        return date(9999, 12, 31)
    return max(typing.get_args(hint), key=lambda value: len(str(value)))


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kind_is_proven_to_fit_and_the_proof_is_measured(name: str) -> None:
    kind = KINDS[name]
    hints = typing.get_type_hints(kind, include_extras=True)
    longest = kind(**{f.name: _longest(hints[f.name]) for f in dataclasses.fields(kind)})  # type: ignore[arg-type]
    data = longest.pack()
    assert len(data.encode("utf-8")) == kind.bound <= MAX_BYTES
    assert kind.unpack(data) == longest


def test_a_kind_that_could_be_too_long_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="over 64"):

        class Wide(CallbackData, prefix="wide"):
            a: int
            b: int
            c: int

    with pytest.raises(TypeError, match="cannot carry"):

        class Loose(CallbackData, prefix="loose"):
            text: str  # no Short(n): its length could not be proven

    with pytest.raises(TypeError, match="last fields"):

        class Gappy(CallbackData, prefix="gappy"):
            page: int | None = None
            unit: int = 0

    assert not {"Wide", "Loose", "Gappy"} & set(KINDS)


def test_packing_refuses_what_telegram_or_unpacking_would() -> None:
    for bad in ("a:b", "", "x" * 33, "张" * 11):
        with pytest.raises(ValueError, match="cannot carry"):
            InviteRevoke(bad).pack()
    with pytest.raises(ValueError, match="cannot carry"):
        ReviewGood(1, 2, 12, 1).pack()  # item: one digit
    with pytest.raises(ValueError, match="cannot carry"):
        Decide("maybe", 1).pack()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "app",
        "app:ok",
        "app:ok:",
        "app:ok:x",
        "app:ok:1:l:more",
        "app:ok:1:list",
        "app:maybe:1",
        "apps:ok:1",
        f"mat:done:{10**30}",
        "mat:done:²",
        "mat:done:1_0",
        "rpt:bp:2026-13-01:2026-02-01",
        "rpt:bp:2026-1-1:2026-02-01",
        "hand:new:",
        "ses:m:3:2026111",
        "yr:good:2:3:44:1",
        "yr:good:2:3:4:2",
        "note:lift:8:maybe",
        "todo:show:1",
        "lang:" + "z" * 9,
    ],
)
def test_forged_or_stale_data_reads_as_no_kind(data: str | None) -> None:
    assert unpack_as(tuple(KINDS.values()), data) is None


def test_every_kind_reaches_one_handler_that_reads_it() -> None:
    """The handlers' list routes each kind's data (by prefix pattern) to a handler whose
    ``data`` annotation names that kind: no kind is shown that nothing reads."""
    registered: list[CallbackQueryHandler[Any, Any]] = []

    class Collect:
        def add_handler(self, handler: object, group: int = 0) -> None:
            if isinstance(handler, CallbackQueryHandler):
                registered.append(handler)

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    handlers.register(Collect())  # type: ignore[arg-type]
    for found in OLD.values():
        data = found.pack()
        first = next(h for h in registered if h.check_update(_press(data)))
        if isinstance(found, FormChoice):  # the forms' router: it checks form and step
            assert first.callback is dialog.on_button, data
            continue
        wrapped = getattr(first.callback, "__wrapped__", None)
        assert wrapped is not None, f"{data} reaches {first.callback.__name__}, not typed"
        hint = typing.get_type_hints(wrapped)["data"]
        assert type(found) in (typing.get_args(hint) or (hint,)), (data, wrapped.__name__)


def _press(data: str) -> Any:
    from telegram import CallbackQuery, Update, User

    user = User(1, "a", False)
    return Update(1, callback_query=CallbackQuery("1", user, "chat", data=data))


def test_a_note_button_for_what_was_asked() -> None:
    assert NoteWrite.about("meeting:12") == NoteWrite("meeting", 12)
    assert NoteWrite.about("material:3").pack() == "note:write:material:3"


def test_every_picker_purpose_travels_in_a_pick_button() -> None:
    """A purpose is text in the data: one too long for Pick would refuse at the press."""
    from handlers.tables import BRANCH_PURPOSES

    for on in BRANCH_PURPOSES:
        data = Pick(on.purpose, 2**63 - 1, 2**63 - 1).pack()
        assert Pick.unpack(data) == Pick(on.purpose, 2**63 - 1, 2**63 - 1)
