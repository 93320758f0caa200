"""Every outbox kind and the function that turns its rows into a message: the one list.

The sender looks a row's renderer up here by the row's kind (bot/delivery.py). The list is
written out rather than gathered from decorators as modules are imported, so that what
the sender can send is read in one place, and :func:`build` — called once as the bot
starts — refuses a kind listed twice or a kind of :class:`~storage.models.OutboxKind` with
no renderer, so neither can reach a queued row.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import (
    bulletins,
    homecoming,
    joining,
    leadership,
    materials,
    matters,
    meetings,
    notes,
    notices,
    organisation,
    rectification,
    reports,
    review,
    roles,
    session_changes,
    session_records,
    todo,
    trouble,
    visits,
)
from bot.delivery import Renderer
from bot.tables import one_each
from storage.models import OutboxKind as K

RENDERERS: tuple[tuple[K, Renderer], ...] = (
    # joining a branch
    (K.APPLICATION, joining.render_request),
    (K.DECISION, joining.render_decision),
    # staff's bulletins, the yearly review, error reports
    (K.BULLETIN, bulletins.render_bulletin),
    (K.TOWNSHIP_BULLETIN, bulletins.render_bulletin),
    (K.VISIT_BULLETIN, reports.render_bulletin),
    (K.REVIEW, review.render_review),
    (K.TROUBLE, trouble.render_trouble),
    # roles
    (K.ROLE, roles.render_role),
    (K.OFF_ROSTER_LEADER, roles.render_off_roster_leader),
    # study
    (K.MATERIAL, materials.render_material),
    (K.STUDY_REMINDER, todo.render_evening),
    (K.NOTE_REQUEST, notes.render_request),
    (K.NOTE_EXCELLENT, notes.render_excellent),
    (K.NOTE_REWRITE, notes.render_rewrite),
    # sessions
    (K.MEETING_NOTICE, meetings.render_notice),
    (K.MEETING_REMINDER, meetings.render_reminder),
    (K.MEETING_OPEN, meetings.render_open),
    (K.MEETING_COUNT, meetings.render_count),
    (K.MEETING_SUMMARY, meetings.render_summary),
    (K.MEETING_RECORD, session_records.render_record),
    (K.MEETING_CANCELLED, session_changes.render_cancelled),
    (K.MEETING_MOVED, session_changes.render_moved),
    (K.LEAVE_VOICE, meetings.render_leave_voice),
    (K.LEAVE_REQUEST, meetings.render_leave_request),
    (K.LEAVE_DECISION, meetings.render_leave_decision),
    # notices
    (K.NOTICE, notices.render_notice),
    (K.NOTICE_REMINDER, notices.render_notice_reminder),
    # leaders' visits
    (K.VISIT_REMINDER, visits.render_reminder),
    (K.VISIT_VOICE, visits.render_confirm_voice),
    (K.VISIT_LOCATION, visits.render_confirm_location),
    (K.VISIT_CONFIRM, visits.render_confirm),
    # branch groups
    (K.GROUP_LOST, organisation.render_group_lost),
    # members working away and back home
    (K.WENT_AWAY, homecoming.render_went_away),
    (K.RETURNED, homecoming.render_returned),
    (K.HOMECOMING, homecoming.render_season_list),
    # 四议两公开: a village matter's decision and result, to the branch's group
    (K.MATTER_PUBLIC, matters.render_public),
    (K.CATCH_UP, homecoming.render_catch_up),
    # the rectification ledger
    (K.RECTIFY, rectification.render_item),
    (K.RECTIFY_EVIDENCE, rectification.render_evidence),
    (K.RECTIFY_CHECK, rectification.render_check),
    # the township leadership's study ledger
    (K.STUDY_BEHIND, leadership.render_behind),
)


class MissingRenderer(ValueError):
    """An outbox kind nothing renders: its rows could only ever fail."""


def build(entries: Iterable[tuple[K, Renderer]] = RENDERERS) -> dict[K, Renderer]:
    """The sender's table: one renderer for every kind, each kind once."""
    table = one_each(entries, "outbox renderers")
    missing = sorted(set(K) - set(table))
    if missing:
        raise MissingRenderer(f"outbox kinds without a renderer: {', '.join(missing)}")
    return table
