"""Pydantic models of every stored thing: what repositories return instead of rows."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, field_validator

UnitKind = Literal["county", "township", "branch", "group"]
MemberStatus = Literal["full", "probationary", "activist"]
MemberState = Literal["pending", "active", "rejected", "removed"]
RoleName = Literal["staff", "secretary", "leader", "township"]


class Stored(BaseModel):
    # extra="ignore" said outright: a stored model that is also a New model (Member,
    # Visit …) must not take over its refusal of extras — a row may carry columns the
    # model does not read.
    model_config = ConfigDict(frozen=True, from_attributes=True, extra="ignore")


class New(BaseModel):
    """What a caller gives to create a row: every column it may set, typed, with the
    table's defaults; the database assigns the rest (the id, the state a row starts in)
    and the repository the times (``stamps``). Written by one helper,
    :func:`storage.rows.insert`. The stored model is its New model plus what was
    assigned, so the columns are listed once."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    table: ClassVar[str]
    #: The columns the repository sets to the moment of the insert.
    stamps: ClassVar[tuple[str, ...]] = ("created_at",)


class Unit(Stored):
    id: int
    kind: UnitKind
    name: str
    parent_id: int | None
    created_at: datetime


class GroupChat(Stored):
    chat_id: int
    branch_id: int
    title: str
    state: Literal["bound", "gone"]
    bound_by: int
    bound_at: datetime
    bot_admin: bool | None = None  # None: not known yet (asked at the next tick)
    can_invite: bool | None = None  # the bot may make invite links there
    invite_link: str | None = None  # the link the bot made for newcomers


class User(Stored):
    telegram_id: int
    first_name: str
    username: str | None
    language: str | None
    tg_language: str | None
    started_at: datetime | None
    blocked_at: datetime | None
    created_at: datetime


class NewMember(New):
    table: ClassVar[str] = "members"
    stamps: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    roster_key: str | None = None
    branch_id: int
    group_id: int | None = None
    name: str
    birth_year: int | None = None
    status: MemberStatus
    phone: str | None = None
    telegram_id: int | None = None
    state: MemberState
    flowing: bool = False
    flow_city: str | None = None
    flow_employer: str | None = None
    flow_since: date | None = None
    no_writing: bool = False
    township_leadership: bool = False
    # The local day they were marked as leadership (None: from 1 January, or unmarked).
    township_leadership_since: date | None = None
    committee: bool = False  # on the branch committee (支委): invited to its meetings
    host_branch_id: int | None = None  # while away: the county branch that hosts them
    host_name: str | None = None  # while away: a host organisation outside the county
    checkin_private: bool = False  # the member's choice: check-in buttons privately too


class Member(NewMember, Stored):
    id: int
    created_at: datetime
    updated_at: datetime


class Stay(Stored):
    """One time a member was away: where, with whom, from when to when (``ended_at``
    None: away now)."""

    id: int
    member_id: int
    city: str | None
    employer: str | None
    host_branch_id: int | None
    host_name: str | None
    since: date | None
    began_at: datetime
    ended_at: datetime | None

    @property
    def left_on(self) -> date | None:
        """The day they left, as near as known: the month they gave, else the day the bot
        learned it (UTC date; a day either way does not change what they missed)."""
        return self.since or self.began_at.date()


class MemberView(Stored):
    """A member with what the roster screen needs to say about reachability."""

    member: Member
    started: bool
    blocked: bool

    @property
    def reachable(self) -> bool:
        return self.member.telegram_id is not None and self.started and not self.blocked


class NewApplication(New):
    table: ClassVar[str] = "applications"

    telegram_id: int
    branch_id: int
    invite_code: str | None = None
    name: str
    birth_year: int
    status: MemberStatus
    phone: str | None = None
    flowing: bool = False
    flow_city: str | None = None
    flow_employer: str | None = None
    flow_since: date | None = None
    match_member_id: int | None = None


class Application(NewApplication, Stored):
    id: int
    state: Literal["pending", "approved", "rejected"]
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime


class Role(Stored):
    id: int
    telegram_id: int
    role: RoleName
    unit_id: int | None
    granted_by: int | None
    granted_at: datetime


class ContactPoint(Stored):
    leader_telegram_id: int
    branch_id: int
    assigned_by: int | None
    assigned_at: datetime


class PersonalMenu(Stored):
    telegram_id: int
    commands: str | None
    language: str | None
    due: bool
    marks: int
    changed_at: datetime


class Invite(Stored):
    code: str
    branch_id: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None


class BindCode(Stored):
    code: str
    branch_id: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_in_chat: int | None


class Dialog(Stored):
    telegram_id: int
    chat_id: int
    kind: str
    step: str
    data: dict[str, Any]
    updated_at: datetime
    moved_by: int | None = None  # the update that moved it last
    prev_step: str | None = None  # where that update found it
    prev_data: dict[str, Any] | None = None


class AuditEntry(Stored):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


class AuditNames(Stored):
    """Who and what the audit trail's ids stand for, as people know them."""

    people: dict[int, str]  # Telegram user id → member's name (or Telegram first name)
    members: dict[int, str]
    units: dict[int, str]


OutboxState = Literal["queued", "sent", "unreachable", "failed", "dropped"]


class OutboxKind(StrEnum):
    """What an outbox row is, and so which renderer turns it into a message (the one list:
    bot/renderers.py). The values are what the ``kind`` column holds: a new member keeps
    every stored row readable, and a value is never renamed."""

    APPLICATION = "application"  # a request to join, to its secretary/staff
    BULLETIN = "bulletin"  # a bulletin of a period, to staff
    CATCH_UP = "catch_up"  # materials missed while away, on coming home
    DECISION = "decision"  # a request to join decided, to the applicant
    GROUP_LOST = "group_lost"  # the bot removed from a branch's group
    HOMECOMING = "homecoming"  # a season's list of members back home
    LEAVE_DECISION = "leave_decision"  # leave granted or not, to the member
    LEAVE_REQUEST = "leave_request"  # a request for leave, to the secretaries
    LEAVE_VOICE = "leave_voice"  # its voice reason, just before it
    MATERIAL = "material"  # a study material pushed to a member
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_COUNT = "meeting_count"  # an edit of the check-in post's live count
    MEETING_MOVED = "meeting_moved"
    MEETING_NOTICE = "meeting_notice"  # a session scheduled, to the branch group
    MEETING_OPEN = "meeting_open"  # the check-in post
    MEETING_RECORD = "meeting_record"  # a closed session's record, to who keeps it
    MEETING_REMINDER = "meeting_reminder"
    MEETING_SUMMARY = "meeting_summary"  # who came, at closing
    NOTE_EXCELLENT = "note_excellent"  # a note's verdicts, to its author
    NOTE_REQUEST = "note_request"
    NOTE_REWRITE = "note_rewrite"
    NOTICE = "notice"
    NOTICE_REMINDER = "notice_reminder"
    OFF_ROSTER_LEADER = "off_roster_leader"  # a leader's contact point left the roster
    RETURNED = "returned"  # a member working away is back home
    REVIEW = "review"  # the yearly review's draft
    ROLE = "role"  # an appointment made or ended
    STUDY_REMINDER = "study_reminder"  # the one evening reminder of a day
    STUDY_BEHIND = "study_behind"  # a leadership member behind pace at a quarter's end
    TOWNSHIP_BULLETIN = "township_bulletin"  # a township's bulletin, to its township staff
    TROUBLE = "trouble"  # an error report, to staff
    VISIT_BULLETIN = "visit_bulletin"
    VISIT_CONFIRM = "visit_confirm"  # a leader's visit, for the secretary to confirm
    VISIT_LOCATION = "visit_location"
    VISIT_REMINDER = "visit_reminder"  # a leader behind their monthly quota
    VISIT_VOICE = "visit_voice"
    WENT_AWAY = "went_away"  # a member left to work away
    # The rectification ledger (整改台账): to the person responsible (raised, reminded,
    # crossed off, sent back), the evidence's files and the request to cross off, to staff.
    RECTIFY = "rectify"
    RECTIFY_EVIDENCE = "rectify_evidence"
    RECTIFY_CHECK = "rectify_check"
    MATTER_PUBLIC = "matter_public"  # a village matter's decision or result, to the group


class OutboxRow(Stored):
    id: int
    key: str
    chat_id: int
    kind: str  # an OutboxKind's value, read as stored: a kind this version lacks still loads
    ref_id: int | None
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    message_id: int | None
    error: str | None
    created_at: datetime
    done_at: datetime | None

    @field_validator("payload", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


MaterialAudience = Literal["flowing", "all"]
MediaKind = Literal["document", "photo", "audio", "video", "voice"]


class NewMaterial(New):
    """A material to push: also what the /push form collects (bot/materials.py)."""

    table: ClassVar[str] = "materials"

    scope_unit_id: int
    audience: MaterialAudience
    title: str
    body: str = ""
    media_kind: MediaKind | None = None
    file_id: str | None = None
    file_name: str | None = None
    due_date: date | None = None
    created_by: int


class Material(NewMaterial, Stored):
    id: int
    created_at: datetime


class MaterialStats(Stored):
    """How far one material got: the counts a secretary reads. Members without Telegram
    are no one's "unreachable": they are to be recorded by hand (送学上门), and a study
    recorded by hand counts as studied."""

    material: Material
    recipients: int
    delivered: int
    studied: int
    queued: int
    unreachable: int  # had Telegram, yet the bot could not deliver (blocked it)
    not_yet: int = 0  # received it and not studied it yet
    no_telegram: int = 0  # sent to nobody's phone: no Telegram when it went out
    to_record: int = 0  # of them, not recorded as studied yet
    by_hand: int = 0  # studies recorded by hand


Delivery = Literal["queued", "delivered", "unreachable", "no_telegram"]


class RecipientView(Stored):
    """One recipient of a material, with where they stand."""

    member_id: int
    name: str
    branch_name: str
    studied_at: datetime | None
    delivery: Delivery
    by_hand: str | None = None  # who recorded the study by hand, if someone did


MeetingKind = Literal["assembly", "committee", "group", "lesson", "activity_day", "study", "other"]
MeetingState = Literal["scheduled", "open", "closed", "cancelled"]
MeetingAudience = Literal["kind", "listed"]
#: Why a session was cancelled: the common reasons offered as buttons, or 'other' (typed).
CancelCause = Literal["weather", "farm_work", "lecturer", "mistake", "other"]
AttendanceStatus = Literal["present", "remote", "leave_requested", "leave", "absent", "away"]


class NewMeeting(New):
    table: ClassVar[str] = "meetings"

    branch_id: int
    kind: MeetingKind
    group_id: int | None = None  # the party group a group meeting is for
    audience: MeetingAudience = "kind"  # who is invited: by kind, or exactly the guests
    starts_at: datetime
    place: str
    topic: str
    lecturer: str | None = None
    remote_allowed: bool = False
    # The township leadership's centralised study: branch_id is the township, and the
    # session invites its leadership (乡镇领导班子), not a branch's members.
    leadership: bool = False
    created_by: int


class Meeting(NewMeeting, Stored):
    id: int
    state: MeetingState
    effect: str | None
    reminded_day_at: datetime | None
    reminded_hour_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None = None
    cancelled_by: int | None = None
    cancel_cause: CancelCause | None = None
    cancel_reason: str | None = None  # the words typed, for cause 'other'
    moves: int = 0  # times moved: the messages of its time carry it


class Attendance(Stored):
    meeting_id: int
    member_id: int
    status: AttendanceStatus
    at: datetime
    reason: str | None
    reason_file_id: str | None
    decided_by: int | None
    decided_at: datetime | None
    recorded_by: int | None = None  # who entered it by hand (代登记), if someone did
    recorded_at: datetime | None = None


class AttendeeView(Stored):
    """An invited member and where they stand for one meeting."""

    member_id: int
    name: str
    flowing: bool
    status: AttendanceStatus | None
    home_branch: str | None = None  # a member of another branch (hosted): their branch
    meeting_id: int = 0
    at: datetime | None = None  # when the status was set: for present or remote, check-in


class AttendanceCount(Stored):
    """How many of one session's people stand at one status (its record's figures)."""

    meeting_id: int
    status: AttendanceStatus
    count: int


class MemberSession(Stored):
    """A session one member was invited to, and where they stood (their study record)."""

    meeting_id: int
    starts_at: datetime
    kind: MeetingKind
    topic: str
    status: AttendanceStatus


class MemberMaterial(Stored):
    """A material one member received, and when they studied it (their study record)."""

    material_id: int
    title: str
    added_at: datetime
    studied_at: datetime | None


class ComingSession(Stored):
    """A session a member is invited to that has not closed, and where they stand."""

    meeting: Meeting
    status: AttendanceStatus | None


class CheckinCounts(Stored):
    """What a session's check-in post in the group last showed, and since when."""

    meeting_id: int
    shown: str
    edits: int
    edited_at: datetime


NoteKind = Literal["text", "voice", "photo"]
NoteReview = Literal["new", "read", "excellent", "rewrite"]


class NoteRequest(Stored):
    member_id: int
    subject: str
    title: str
    asked_at: datetime
    expires_at: datetime  # no longer owed from then on (a late note still answers it)
    reminders: int  # evening reminders that named it
    reminded_on: date | None  # local date of the last one


class NewNote(New):
    table: ClassVar[str] = "notes"

    member_id: int
    subject: str = ""
    title: str = ""
    kind: NoteKind
    body: str = ""
    file_id: str | None = None


class Note(NewNote, Stored):
    id: int
    review: NoteReview
    comment: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    created_at: datetime


class NoteView(Stored):
    """A note with its author's name, for the secretary's review."""

    note: Note
    name: str
    branch_id: int


#: Why a member is not asked for notes (storage.notes.EXEMPTION).
Exemption = Literal["flowing", "age", "no_writing"]


class StudyRecord(Stored):
    """A member's year: sessions, materials and notes (学习档案)."""

    sessions_invited: int
    sessions_attended: int
    centralised_attended: int  # the township's centralised study for its leadership
    materials_received: int
    materials_studied: int
    notes_written: int
    notes_excellent: int
    notes_owed: int
    sessions_by_hand: int = 0  # of those attended, recorded by hand by the secretary
    materials_by_hand: int = 0  # of those studied, brought to the door and recorded by hand
    exemption: Exemption | None = None  # why they are not asked for notes now, if not
    # What the figures count, one by one: a record a member can read back.
    sessions: list[MemberSession] = []
    materials: list[MemberMaterial] = []
    notes: list[Note] = []


VisitActivity = Literal["research", "problem", "experience", "other"]


class NewVisit(New):
    table: ClassVar[str] = "visits"
    stamps: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    leader_telegram_id: int
    branch_id: int
    day: date
    days: float
    activity: VisitActivity
    record: str = ""
    record_file_id: str | None = None
    problems: str = ""
    solved: bool = False
    solved_on: date | None = None
    latitude: float | None = None
    longitude: float | None = None


class Visit(NewVisit, Stored):
    id: int
    solved_note: str
    solved_by: int | None
    state: Literal["active", "withdrawn"]
    confirmed_by: int | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime


NoticeAudience = Literal["everyone", "secretaries", "leaders", "flowing"]


class NewNotice(New):
    table: ClassVar[str] = "notices"

    sender: int
    scope_unit_id: int
    audience: NoticeAudience
    body: str
    media_kind: MediaKind | None = None
    file_id: str | None = None
    to_groups: bool = False
    send_at: datetime


class Notice(NewNotice, Stored):
    id: int
    state: Literal["scheduled", "sent", "cancelled"]
    reminded_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None = None
    cancelled_by: int | None = None


class ReceiptCounts(Stored):
    """Who a notice was for, and how far it got: received (delivered), acknowledged (also
    told in person and recorded by hand), not yet, still queued, not reachable (blocked
    the bot). Members on the roster without Telegram are not "unreachable": they are to
    be told in person and recorded by hand."""

    recipients: int
    delivered: int
    acknowledged: int
    queued: int
    unreachable: int
    not_yet: int = 0
    no_telegram: int = 0
    to_record: int = 0
    by_hand: int = 0


class BranchReceipts(ReceiptCounts):
    branch_id: int | None
    branch: str  # its name; empty for recipients who are no branch's members


class NoticeReceipts(ReceiptCounts):
    notice: Notice
    branches: list[BranchReceipts]


class NoticeRecipient(Stored):
    telegram_id: int | None  # None: on the roster, without Telegram
    name: str
    branch_id: int | None
    branch: str
    acknowledged_at: datetime | None
    delivery: Delivery
    by_hand: str | None = None  # who recorded it by hand (told in person), if someone did


class MemberFigures(NamedTuple):
    """One member's period in a bulletin. A tuple, not a model: a county bulletin makes
    30,000 of them from counts SQLite just computed, with nothing to validate."""

    branch_id: int
    member_id: int
    name: str
    attended: int
    invited: int
    studied: int
    received: int
    notes_written: int
    notes_asked: int
    attended_by_hand: int = 0  # of the sessions attended, recorded by hand (代登记)
    studied_by_hand: int = 0  # of the materials studied, recorded by hand (送学上门)
    recorded_by: str = ""  # who recorded them by hand, by name


class HandMark(Stored):
    """An entry a secretary or staff made for a member by hand: who, and when."""

    member_id: int
    recorded_by: int
    by_name: str
    recorded_at: datetime


class HandEntry(Stored):
    """A member on a "record by hand" list: whether it is done, and whether by hand."""

    member_id: int
    name: str
    branch_id: int
    no_telegram: bool  # nothing reached them through Telegram
    done: bool  # present / studied / told
    recorded_by: int | None = None
    by_name: str | None = None
    recorded_at: datetime | None = None


class OpenItem(Stored):
    """Something open for a member without Telegram, for the secretary to record."""

    member_id: int
    kind: Literal["m", "s", "n"]  # a session, a study material, a notice
    ref_id: int
    title: str  # a session's topic, a material's title, a notice's text (HTML)
    at: datetime  # when it took place or was sent


class PendingFaults(Stored):
    """Errors not yet reported to staff: how many, since when, and the latest of them."""

    count: int
    last_id: int
    first_at: datetime
    latest_at: datetime
    latest_source: Literal["handler", "sender", "scheduler", "database"]
    latest_context: str
    latest_summary: str


class Health(Stored):
    """What `zhibu status` reads: the outbox, the journal of updates, the heartbeat."""

    queued: int
    oldest_queued_at: datetime | None
    last_finished_at: datetime | None  # the outbox's last message sent (or given up)
    failed_rows: int  # outbox rows failed since the time asked about
    errors: int  # errors in handlers and the sender since then
    last_update_at: datetime | None  # the last update handled
    unfinished_updates: int
    oldest_unfinished_at: datetime | None
    last_tick_at: datetime | None


ReviewVerdict = Literal["attention", "cleared"]
#: The five good (五个好) of a village party branch, as columns of ``review_branches``.
GOODS = ("good_team", "good_members", "good_mechanisms", "good_results", "good_opinion")


class Review(Stored):
    id: int
    year: int
    scope_unit_id: int
    compared: int
    share: int
    state: Literal["draft", "confirmed"]
    created_at: datetime
    confirmed_by: int | None
    confirmed_at: datetime | None


class ReviewBranch(Stored):
    """A branch in a yearly review: its figures, whether the draft listed it, and the
    staff's assessment (the five good: None until answered)."""

    review_id: int
    branch_id: int
    name: str
    township: str
    composite: float
    sessions_held: int
    sessions_expected: int
    attended: int
    attendance_possible: int
    studied: int
    received: int
    drafted: bool
    added: bool
    good_team: bool | None
    good_members: bool | None
    good_mechanisms: bool | None
    good_results: bool | None
    good_opinion: bool | None
    comment: str | None
    verdict: ReviewVerdict | None
    decided_by: int | None
    decided_at: datetime | None

    @property
    def listed(self) -> bool:
        return self.drafted or self.added

    @property
    def goods(self) -> tuple[bool | None, ...]:
        return tuple(getattr(self, name) for name in GOODS)


class RenderedPart(Stored):
    """One part of a bulletin as drawn and written once for a language (bot/rendered.py)."""

    bulletin: str
    language: str
    part: int
    text: str
    buttons: list[list[tuple[str, str]]]
    media_kind: str | None
    file_name: str | None
    data: bytes | None

    @field_validator("buttons", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


RectifySource = Literal["visit", "review", "staff"]
RectifyState = Literal["open", "asked", "closed"]
RectifyEventKind = Literal[
    "raised", "progress", "asked", "confirmed", "sent_back", "deadline", "responsible"
]


class NewRectification(New):
    """An item of the rectification ledger (整改台账): 明确项目、目标、责任领导、时限."""

    table: ClassVar[str] = "rectifications"

    branch_id: int
    source: RectifySource
    source_id: int | None = None
    project: str
    goal: str = ""
    responsible: int  # a Telegram user id the bot can write to
    responsible_name: str
    deadline: date
    raised_by: int


class Rectification(NewRectification, Stored):
    id: int
    state: RectifyState
    reminded: Literal["week", "eve", "overdue"] | None
    created_at: datetime
    closed_by: int | None
    closed_at: datetime | None


class NewRectificationEvent(New):
    table: ClassVar[str] = "rectification_events"

    item_id: int
    kind: RectifyEventKind
    actor: int
    body: str = ""
    files: str = "[]"  # JSON: [[photo|voice|document, file id], …]
    old_deadline: date | None = None
    new_deadline: date | None = None


class RectificationEvent(NewRectificationEvent, Stored):
    id: int
    created_at: datetime

    @property
    def attachments(self) -> list[tuple[str, str]]:
        """The evidence's files: (photo|voice|document, file id)."""
        return [(str(kind), str(file_id)) for kind, file_id in json.loads(self.files)]


# 四议两公开: a village matter through its four meetings and two disclosures (bot/matters.py).
MatterState = Literal["open", "rejected", "decided", "published", "done", "withdrawn"]
MatterFileKind = Literal["photo", "document"]
PublicationWhat = Literal["decision", "result"]


class NewMatter(New):
    table: ClassVar[str] = "matters"
    stamps: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    branch_id: int
    title: str
    description: str = ""
    opened_by: int


class Matter(NewMatter, Stored):
    id: int
    state: MatterState
    at_step: int
    closed_by: int | None
    closed_at: datetime | None
    created_at: datetime  # opened at
    updated_at: datetime


class NewMatterFile(New):
    table: ClassVar[str] = "matter_files"

    matter_id: int
    kind: MatterFileKind
    file_id: str
    file_name: str = ""


class MatterFile(NewMatterFile, Stored):
    id: int
    created_at: datetime


class NewMatterStep(New):
    table: ClassVar[str] = "matter_steps"

    matter_id: int
    step: int
    held_on: date
    expected: int
    attended: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool
    meeting_id: int | None = None
    note: str = ""
    recorded_by: int


class MatterStep(NewMatterStep, Stored):
    created_at: datetime


class NewMatterPublication(New):
    table: ClassVar[str] = "matter_publications"

    matter_id: int
    what: PublicationWhat
    published_on: date
    body: str
    chat_id: int | None = None  # the group it was posted to; None: the notice board
    recorded_by: int


class MatterPublication(NewMatterPublication, Stored):
    created_at: datetime


ResearchMedia = Literal["document", "photo"]


class NewResearchReport(New):
    """A research report (调研文章) a member of a township's leadership files: a title, and
    its text and/or a document or photo of it (bot/leadership.py)."""

    table: ClassVar[str] = "research_reports"

    member_id: int
    title: str
    body: str = ""
    media_kind: ResearchMedia | None = None
    file_id: str | None = None
    file_name: str | None = None
    created_by: int


class ResearchReport(NewResearchReport, Stored):
    id: int
    created_at: datetime


class LedgerRow(Stored):
    """One leadership member's year so far in a township's study ledger."""

    township_id: int
    township: str
    member_id: int
    name: str
    telegram_id: int | None
    branch: str
    since: date | None = None  # marked as leadership on this day (None: from 1 January)
    sessions: int  # the township's centralised study for its leadership attended
    notes: int  # notes written about those sessions
    reports: int  # research reports filed
