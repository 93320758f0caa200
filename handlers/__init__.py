"""The single ordered list of every handler. Order matters where noted."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import (
        appoint,
        by_hand,
        common,
        dialog,
        group_members,
        homecoming,
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
        session_changes,
        session_records,
        tables,
        todo,
        visits,
    )

    tables.install()  # the forms and the branch picker's purposes, each listed once

    # Group -1 runs before everything: who is this, in which language, with what roles.
    application.add_handler(TypeHandler(Update, common.know_user), group=-1)

    private = filters.ChatType.PRIVATE
    # Edited messages are not answers: a person fixing a typo should not re-run a step.
    fresh = filters.UpdateType.MESSAGE
    commands = [
        ("start", registration.start_command),
        ("help", common.help_command),
        ("lang", common.lang_command),
        ("cancel", common.cancel_command),
        ("todo", todo.todo_command),
        ("pending", registration.pending_command),
        ("invite", org.invite_command),
        ("bind", org.bind_command),
        ("me", members.me_command),
        ("flow", members.flow_command),
        ("members", members.members_command),
        ("appoint", appoint.appoint_command),
        ("push", materials.push_command),
        ("study", materials.study_command),
        ("meeting", meetings.meeting_command),
        ("meetings", session_records.meetings_command),
        ("note", notes.note_command),
        ("notes", notes.notes_command),
        ("record", notes.record_command),
        ("visit", visits.visit_command),
        ("visits", visits.visits_command),
        ("quota", visits.quota_command),
        ("report", reports.report_command),
        ("notice", notices.notice_command),
        ("notices", notices.notices_command),
        ("rectify", rectify.rectify_command),
        ("leadership", leadership.leadership_command),
        ("research", leadership.research_command),
        ("matters", matters.matters_command),
    ]
    # Before /start's invite codes: a visit's link from the half-year spreadsheet.
    application.add_handler(
        CommandHandler(
            "start",
            visits.visit_link,
            filters=fresh & (filters.Regex(rf"^/start {visits.VISIT_LINK_PATTERN}$")),
        )
    )
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    application.add_handler(MessageHandler(fresh & filters.COMMAND, common.unknown_command))

    application.add_handler(CallbackQueryHandler(dialog.on_button, pattern=r"^dlg:"))
    application.add_handler(CallbackQueryHandler(registration.decision_button, pattern=r"^app:"))
    application.add_handler(CallbackQueryHandler(common.lang_button, pattern=r"^lang:"))
    application.add_handler(CallbackQueryHandler(org.invite_button, pattern=r"^inv:"))
    application.add_handler(CallbackQueryHandler(picker.pick_button, pattern=r"^pick:"))
    application.add_handler(CallbackQueryHandler(materials.material_button, pattern=r"^mat:"))
    application.add_handler(CallbackQueryHandler(meetings.attendance_button, pattern=r"^att:"))
    application.add_handler(CallbackQueryHandler(meetings.leave_decision_button, pattern=r"^lv:"))
    # Before the other session buttons: changing a coming session (list, card, move, cancel).
    application.add_handler(
        CallbackQueryHandler(
            session_changes.change_button, pattern=r"^mtg:(list|show|move|cancel):"
        )
    )
    application.add_handler(CallbackQueryHandler(meetings.meeting_button, pattern=r"^mtg:"))
    application.add_handler(CallbackQueryHandler(session_records.sessions_button, pattern=r"^ses:"))
    application.add_handler(CallbackQueryHandler(notes.note_button, pattern=r"^note:"))
    application.add_handler(CallbackQueryHandler(notes.record_button, pattern=r"^rec:"))
    application.add_handler(CallbackQueryHandler(members.member_button, pattern=r"^mem:"))
    application.add_handler(CallbackQueryHandler(visits.visit_button, pattern=r"^vst:"))
    application.add_handler(CallbackQueryHandler(visits.quota_button, pattern=r"^quota:"))
    application.add_handler(CallbackQueryHandler(reports.report_button, pattern=r"^rpt:"))
    application.add_handler(CallbackQueryHandler(review.review_button, pattern=r"^yr:"))
    application.add_handler(CallbackQueryHandler(notices.notice_button, pattern=r"^ntc:"))
    application.add_handler(CallbackQueryHandler(by_hand.hand_button, pattern=r"^hand:"))
    application.add_handler(CallbackQueryHandler(todo.todo_button, pattern=r"^todo:"))
    application.add_handler(CallbackQueryHandler(homecoming.homecoming_button, pattern=r"^home:"))
    application.add_handler(CallbackQueryHandler(rectify.rectify_button, pattern=r"^rect:"))
    application.add_handler(CallbackQueryHandler(leadership.leadership_button, pattern=r"^lead:"))
    application.add_handler(
        CallbackQueryHandler(leadership.research_open_button, pattern=r"^rsr:open:")
    )
    application.add_handler(CallbackQueryHandler(leadership.research_button, pattern=r"^rsr:"))
    application.add_handler(CallbackQueryHandler(matters.matter_button, pattern=r"^mtr:"))
    # Last among buttons: anything unclaimed is stale or forged.
    application.add_handler(CallbackQueryHandler(common.stale_button))

    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, common.group_migrated))
    application.add_handler(
        MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER,
            group_members.joined_or_left,
        )
    )
    application.add_handler(
        ChatMemberHandler(common.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        ChatMemberHandler(group_members.member_changed, ChatMemberHandler.CHAT_MEMBER)
    )
    # Last: plain messages are answers to whatever dialog is open in that chat.
    application.add_handler(MessageHandler(fresh & private & ~filters.COMMAND, dialog.on_message))

    application.add_error_handler(common.on_error)
