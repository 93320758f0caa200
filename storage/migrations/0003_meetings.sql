-- Meetings and study sessions (三会一课, party activity days, centralised study) and who
-- came. A closed meeting is the record the guidelines ask for: time (starts_at), content
-- (kind, topic, lecturer), people (attendance) and effect.

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    branch_id       INTEGER NOT NULL REFERENCES units(id),
    kind            TEXT    NOT NULL CHECK (kind IN ('assembly', 'committee', 'group', 'lesson',
                                                     'activity_day', 'study', 'other')),
    starts_at       TEXT    NOT NULL,
    place           TEXT    NOT NULL,
    topic           TEXT    NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
    lecturer        TEXT,
    remote_allowed  INTEGER NOT NULL DEFAULT 0 CHECK (remote_allowed IN (0, 1)),
    state           TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (state IN ('scheduled', 'open', 'closed', 'cancelled')),
    effect          TEXT,
    -- When each step happened; a step done is never done again (restarts, double ticks).
    reminded_day_at  TEXT,
    reminded_hour_at TEXT,
    opened_at       TEXT,
    closed_at       TEXT,
    created_by      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX meetings_pending ON meetings(starts_at) WHERE state IN ('scheduled', 'open');

-- One row per invited member once the meeting closes; before that, one row per member
-- who pressed something. A member has one status: a second press updates, never adds.
CREATE TABLE attendance (
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    status        TEXT    NOT NULL CHECK (status IN ('present', 'remote', 'leave_requested',
                                                     'leave', 'absent')),
    at            TEXT    NOT NULL,
    reason        TEXT,
    reason_file_id TEXT,            -- a voice message explaining a leave request
    decided_by    INTEGER,
    decided_at    TEXT,
    PRIMARY KEY (meeting_id, member_id)
);
