"""Every form (a dialog kind) and every purpose of the branch picker: one list each.

Answers to an open dialog are routed by its kind (handlers/dialog.py), and a picked
branch by the purpose its buttons carry (handlers/picker.py). Both lists are written out
here rather than gathered from decorators as modules are imported, so that what the bot
asks and offers is read in one place, and :func:`install` — run as the handlers are
registered — refuses a kind or a purpose listed twice (the picker's table once kept the
later of two silently).
"""

from __future__ import annotations

from bot import rectification
from bot.access import Actor
from handlers import (
    appoint,
    dialog,
    leadership,
    materials,
    matters,
    meetings,
    members,
    notes,
    notices,
    org,
    picker,
    rectify,
    registration,
    reports,
    review,
    scope,
    session_changes,
    session_records,
    visits,
)
from handlers.dialog import Form
from handlers.picker import OnBranch

FORMS: tuple[Form, ...] = (
    Form(registration.KIND, registration.registration_step, dialog.anyone),
    Form(members.ME, members.me_step, dialog.members),
    Form(members.FLOW, members.flow_step, dialog.members),
    Form(appoint.KIND, appoint.appoint_step, dialog.staff),
    Form(materials.PUSH, materials.push_step, scope.addresses),
    Form(notices.NOTICE, notices.notice_step, notices.sends_notice),
    Form(meetings.MEETING, meetings.meeting_step, meetings.manages_branch),
    Form(meetings.LEAVE, meetings.leave_step, dialog.members),
    Form(meetings.EFFECT, meetings.effect_step, meetings.manages_meeting),
    Form(session_changes.MOVE, session_changes.move_step, meetings.manages_meeting),
    Form(session_changes.CALL_OFF, session_changes.call_off_step, meetings.manages_meeting),
    Form(notes.NOTE, notes.note_step, dialog.members),
    Form(notes.REDO, notes.redo_step, notes.reviews_note),
    Form(visits.VISIT, visits.visit_step, visits.visits_there),
    Form(visits.FIX, visits.fix_step, visits.changes_visit),
    Form(visits.SOLVE, visits.solve_step, visits.solves_problem),
    Form(visits.QUOTA, visits.quota_step, dialog.staff),
    Form(reports.PERIOD, reports.period_step, reports.makes_report),
    Form(review.COMMENT, review.comment_step, dialog.staff),
    Form(rectify.RAISE, rectify.raise_step, rectify.raises_item),
    Form(rectify.PROGRESS, rectify.progress_step, rectify.responsible_for_item),
    Form(rectify.CLOSE, rectify.close_step, rectify.responsible_for_item),
    Form(rectify.BACK, rectify.back_step, rectify.decides_item),
    Form(rectify.DUE, rectify.due_step, rectify.decides_item),
    Form(rectify.WHO, rectify.who_step, rectify.decides_item),
    Form(leadership.RESEARCH, leadership.research_step, leadership.files_research),
    Form(matters.NEW, matters.new_step, matters.secretary_of_branch),
    Form(matters.STEP, matters.step_step, matters.secretary_of_branch),
    Form(matters.PUBLISH, matters.publish_step, matters.secretary_of_branch),
    Form(matters.DROP, matters.drop_step, matters.secretary_of_branch),
)

BRANCH_PURPOSES: tuple[OnBranch, ...] = (
    OnBranch("invite", org.show_invites),
    OnBranch("bind", org.show_bind_code),
    OnBranch("members", members.show_roster),
    OnBranch("appoint", appoint.choose_person, who=appoint.only_staff),
    OnBranch("contact", appoint.choose_contact_point, who=appoint.only_staff),
    OnBranch(meetings.MEETING, meetings.schedule_in_branch),
    OnBranch(
        session_records.SESSIONS, session_records.sessions_of_branch, who=Actor.reads_sessions_of
    ),
    OnBranch("record", notes.record_of_branch),
    OnBranch(rectify.RAISE, rectify.raise_in_branch, who=rectification.may_raise),
)


def install() -> None:
    """Route answers and picked branches by these lists; a name listed twice is refused."""
    dialog.install(FORMS)
    picker.install(BRANCH_PURPOSES)
