"""The audit trail in words: every action the code records has its words, and a change
reads as "what: field before → after" in the reader's language, never as a code."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

from bot import audit_trail, rectification
from bot.clock import Clock
from bot.i18n import translator
from bot.roles import AUDIT_ACTIONS
from storage.models import AuditEntry, AuditNames

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> list[str]:
    """The action argument of every ``audit.record(c, now, actor, action, ...)`` call:
    a literal as it is, an f-string as a pattern (``note.{verdict}`` → ``note\\.\\w+``)."""
    found: list[str] = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) > 3
            ):
                continue
            choices = [node.args[3]]
            while any(isinstance(choice, ast.IfExp) for choice in choices):  # a if c else b
                choices = [
                    branch
                    for choice in choices
                    for branch in (
                        [choice.body, choice.orelse] if isinstance(choice, ast.IfExp) else [choice]
                    )
                ]
            for action in choices:
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.append(re.escape(action.value))
                elif isinstance(action, ast.JoinedStr):
                    found.append(
                        "".join(
                            re.escape(str(part.value)) if isinstance(part, ast.Constant) else r"\w+"
                            for part in action.values
                        )
                    )
                elif not isinstance(action, ast.Name | ast.Subscript):  # from the caller,
                    # or from a table checked below
                    found.append(f"(an action the test cannot read: {ast.unparse(action)})")
    return found


def test_every_recorded_action_has_its_words() -> None:
    actions = recorded_actions()
    assert len(actions) >= 15  # the walk found the calls
    for pattern in actions:
        assert any(re.fullmatch(pattern, code) for code in audit_trail.ACTIONS), pattern
    assert set(AUDIT_ACTIONS.values()) <= set(audit_trail.ACTIONS)
    assert set(rectification.AUDIT_ACTIONS.values()) <= set(audit_trail.ACTIONS)


def entry(action: str, detail: str, subject: str = "visit:7") -> AuditEntry:
    return AuditEntry(
        id=1,
        at=datetime.fromisoformat("2026-11-03T02:00:00+00:00"),
        actor="tg:42",
        action=action,
        subject=subject,
        detail=detail,
    )


NAMES = AuditNames(people={42: "王县长"}, members={}, units={3: "东岭村党支部"})


def test_a_change_reads_as_before_and_after_in_chinese() -> None:
    line = audit_trail.describe(
        translator("zh"), entry("visit.log", audit_trail.changes(days=(2, 1.0))), NAMES, Clock()
    )
    assert line.what == "记录联系点走访：天数 2 → 1"
    assert (line.who, line.about, line.detail, line.code) == (
        "王县长",
        "走访记录 7 号",
        "",
        "visit.log",
    )
    assert line.at.isoformat() == "2026-11-03T10:00:00+08:00"  # the county's time
    several = audit_trail.describe(
        translator("zh"),
        entry("visit.log", audit_trail.changes(record=("", "走访农户"), solved=(False, True))),
        NAMES,
        Clock(),
    )
    assert several.what == "记录联系点走访：工作记录 （无） → 走访农户；已解决 否 → 是"


def test_lifting_unable_to_write_reads_in_words() -> None:
    line = audit_trail.describe(
        translator("zh"),
        entry("member.can_write", '{"no_writing": [true, false]}', "member:5"),
        NAMES,
        Clock(),
    )
    assert line.what == "取消党员“无写作能力”标记：无写作能力 是 → 否"


def test_older_details_and_unknown_codes() -> None:
    tr = translator("zh")
    logged = audit_trail.describe(tr, entry("visit.log", "2026-11-03 2d"), NAMES, Clock())
    assert (logged.what, logged.detail) == ("记录联系点走访", "2026-11-03，2 天")
    appointed = audit_trail.describe(
        tr, entry("appoint.secretary", "branch=3", "tg:42"), NAMES, Clock()
    )
    assert (appointed.about, appointed.detail) == ("王县长", "东岭村党支部")
    future = audit_trail.describe(tr, entry("visit.teleport", "x"), NAMES, Clock())
    assert (future.what, future.detail) == ("visit.teleport", "x")


def test_a_record_by_hand_and_its_undo_read_in_words() -> None:
    names = AuditNames(people={42: "李书记"}, members={5: "赵大娘"}, units={})
    recorded = audit_trail.describe(
        translator("zh"),
        entry(
            "attendance.by_hand", audit_trail.changes(present=(False, True)), "meeting:1:member:5"
        ),
        names,
        Clock(),
    )
    assert (recorded.who, recorded.what, recorded.about) == (
        "李书记",
        "代登记党员出席活动：出席 否 → 是",
        "会议 1 号，赵大娘",
    )
    undone = audit_trail.describe(
        translator("en"),
        entry(
            "material.by_hand_undo",
            audit_trail.changes(studied=(True, False)),
            "material:3:member:5",
        ),
        names,
        Clock(),
    )
    assert undone.what == "Took back a study recorded by hand: studied yes → no"
    assert undone.about == "material no. 3, 赵大娘"


def test_a_session_cancelled_or_moved_reads_in_words() -> None:
    tr = translator("zh")
    cancelled = audit_trail.describe(
        tr,
        entry(
            "meeting.cancel",
            audit_trail.changes(state=("scheduled", "cancelled"), reason=(None, "weather")),
            "meeting:4",
        ),
        NAMES,
        Clock(),
    )
    assert (cancelled.what, cancelled.about) == (
        "取消了活动：状态 已安排 → 已取消；原因 （无） → 恶劣天气",
        "会议 4 号",
    )
    typed = audit_trail.describe(
        tr,
        entry(
            "meeting.cancel",
            audit_trail.changes(state=("open", "cancelled"), reason=(None, "暴雨")),
            "meeting:4",
        ),
        NAMES,
        Clock(),
    )
    assert typed.what == "取消了活动：状态 签到中 → 已取消；原因 （无） → 暴雨"
    moved = audit_trail.describe(
        tr,
        entry(
            "meeting.move",
            audit_trail.changes(starts_at=("2026-11-25 19:30", "2026-11-26 19:30")),
            "meeting:4",
        ),
        NAMES,
        Clock(),
    )
    assert moved.what == "把活动改到了其他时间：时间 2026-11-25 19:30 → 2026-11-26 19:30"
    notice = audit_trail.describe(
        tr,
        entry("notice.cancel", audit_trail.changes(state=("scheduled", "cancelled")), "notice:2"),
        NAMES,
        Clock(),
    )
    assert (notice.what, notice.about) == (
        "在通知发出前取消了通知：状态 已安排 → 已取消",
        "通知 2 号",
    )
