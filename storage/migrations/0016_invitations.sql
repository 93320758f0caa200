-- Who a session invites, by its kind (see storage/meetings.py INVITED): the branch
-- committee meeting its committee members, a party group meeting its group, the other
-- kinds every full and probationary member; activists only when the secretary adds them
-- (meeting_guests). A session with audience 'listed' (a make-up lesson for members back
-- home) invites exactly its guests.

ALTER TABLE members ADD COLUMN committee INTEGER NOT NULL DEFAULT 0 CHECK (committee IN (0, 1));

ALTER TABLE meetings ADD COLUMN group_id INTEGER REFERENCES units(id);
ALTER TABLE meetings ADD COLUMN audience TEXT NOT NULL DEFAULT 'kind'
    CHECK (audience IN ('kind', 'listed'));

CREATE TABLE meeting_guests (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    added_by    INTEGER NOT NULL,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);

-- 'away': a flowing member who could not come home for a session that could not be
-- joined remotely is recorded working away, not absent. SQLite cannot change a CHECK in
-- place, so the table is copied.
CREATE TABLE attendance_new (
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    status        TEXT    NOT NULL CHECK (status IN ('present', 'remote', 'leave_requested',
                                                     'leave', 'absent', 'away')),
    at            TEXT    NOT NULL,
    reason        TEXT,
    reason_file_id TEXT,
    decided_by    INTEGER,
    decided_at    TEXT,
    PRIMARY KEY (meeting_id, member_id)
);
INSERT INTO attendance_new SELECT meeting_id, member_id, status, at, reason, reason_file_id,
                                  decided_by, decided_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_member ON attendance(member_id);
