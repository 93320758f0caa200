"""/todo and the evening reminder fit one message by construction: whatever the titles,
topics, places and notices hold, and however many there are."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot import i18n
from bot.callbacks import MAX_BYTES
from bot.markup import KEYBOARD_BUTTONS, MESSAGE_LIMIT, length
from bot.meetings import Windows
from bot.todo import LINE_MAX, RECTIFY_SHOWN, SHOWN, NoticePage, Open, render
from sandbox.html_parse import parse_html
from storage.models import ComingSession, Material, Meeting, NoteRequest, Notice, Rectification

NOW = datetime.fromisoformat("2026-11-24T19:10:00+08:00")
LONG = "😀&<b>字" * 300  # typed text at its worst: emoji, markup characters, far too long


def stored(n: int) -> dict[str, object]:
    return {"id": n, "created_at": NOW - timedelta(days=n)}


def worst() -> Open:
    many = range(1, 3 * SHOWN)
    materials = [
        Material.model_validate(
            {
                **stored(n),
                "scope_unit_id": 1,
                "audience": "all",
                "title": LONG,
                "body": "",
                "media_kind": None,
                "file_id": None,
                "file_name": None,
                "due_date": date(2026, 12, 1),
                "created_by": 1,
            }
        )
        for n in many
    ]
    notices = [
        Notice.model_validate(
            {
                **stored(n),
                "sender": 1,
                "scope_unit_id": 1,
                "audience": "everyone",
                "body": f"<b>{LONG}</b>",
                "media_kind": None,
                "file_id": None,
                "to_groups": False,
                "send_at": NOW,
                "state": "sent",
                "reminded_at": None,
            }
        )
        for n in many
    ]
    sessions = [
        ComingSession(
            meeting=Meeting.model_validate(
                {
                    **stored(n),
                    "branch_id": 1,
                    "kind": "activity_day",
                    "starts_at": NOW,
                    "place": LONG,
                    "topic": LONG,
                    "lecturer": LONG,
                    "remote_allowed": True,
                    "state": "open",
                    "effect": None,
                    "reminded_day_at": None,
                    "reminded_hour_at": None,
                    "opened_at": NOW,
                    "closed_at": None,
                    "created_by": 1,
                }
            ),
            status=None,
        )
        for n in many
    ]
    owed = [
        NoteRequest(
            member_id=1,
            subject=f"meeting:{n}",
            title=LONG,
            asked_at=NOW,
            expires_at=NOW + timedelta(days=14),
            reminders=0,
            reminded_on=None,
        )
        for n in many
    ]
    rectify = [
        Rectification.model_validate(
            {
                **stored(n),
                "branch_id": 1,
                "source": "staff",
                "project": LONG[:100],
                "responsible": 1,
                "responsible_name": LONG[:20],
                "deadline": date(2026, 12, 1),
                "raised_by": 1,
                "state": "open",
                "reminded": None,
                "closed_by": None,
                "closed_at": None,
            }
        )
        for n in many
    ]
    return Open(
        materials, NoticePage(notices[:SHOWN], 10**6, 10**6 - SHOWN), sessions, owed, rectify
    )


ZONE = timezone(timedelta(hours=8))


def test_the_longest_list_fits_one_message_in_either_language() -> None:
    windows = Windows(
        before=timedelta(minutes=30), after=timedelta(minutes=60), reminder=timedelta(minutes=60)
    )
    for language in i18n.LANGUAGES:
        tr = i18n.translator(language)
        for evening in (False, True):
            for flowing in (False, True):
                out = render(
                    tr,
                    worst(),
                    ZONE,
                    NOW,
                    heading=tr("📋 <b>What is open for you</b>"),
                    windows=None if evening else windows,
                    flowing=flowing,
                    evening=evening,
                )
                assert length(out.text) <= MESSAGE_LIMIT, (language, length(out.text))
                parse_html(out.text)  # the emulator's strict parser: Telegram's HTML
                keys = [key for row in out.buttons for key in row]
                assert len(keys) <= KEYBOARD_BUTTONS
                assert all(len(data.encode()) <= MAX_BYTES for _, data in keys)
                assert all(len(label) <= 40 for label, _ in keys)
                assert f"{10**6 - SHOWN}" in out.text  # what is not shown is counted
                items = [line for line in out.text.split("\n") if line.startswith("•")]
                shown = 4 * SHOWN + RECTIFY_SHOWN  # and each shown says something
                assert len(items) == shown
                assert all(length(line) > LINE_MAX // 2 for line in items)
