-- The township leadership's study ledger (#14): the centralised study sessions a
-- township holds for its leadership (乡镇领导班子, members.township_leadership), and the
-- research reports (调研文章) they file.
--
-- A leadership session is a meeting held by the township itself: its branch_id is the
-- township unit (it has no group chat), its kind is centralised study, and it invites
-- the active leadership members whose branch is under that township — read live, like
-- every other session (storage/meetings.py INVITED), until it closes, when its
-- attendance rows become the record.
ALTER TABLE meetings ADD COLUMN leadership INTEGER NOT NULL DEFAULT 0
    CHECK (leadership IN (0, 1));

-- Since when a member is marked as township leadership, a local date: someone marked in
-- September is not judged against the pace of the whole year; what is expected of them
-- is prorated from that day (bot/centralised.py). Set when the mark goes on (roster
-- import or anywhere else it is set), cleared when it comes off; NULL for those marked
-- before: from 1 January.
ALTER TABLE members ADD COLUMN township_leadership_since TEXT;

CREATE TABLE research_reports (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body        TEXT    NOT NULL DEFAULT '',
    media_kind  TEXT    CHECK (media_kind IN ('document', 'photo')),
    file_id     TEXT,
    file_name   TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX research_reports_member ON research_reports(member_id, created_at);
