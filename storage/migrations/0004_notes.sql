-- Heartfelt notes (心得体会): who is asked to write about what, and what they wrote.

-- A note is owed for a subject (a meeting attended, or a material studied) by a member
-- who was required to write when it was asked. Exempt members are never asked.
CREATE TABLE note_requests (
    member_id   INTEGER NOT NULL REFERENCES members(id),
    subject     TEXT    NOT NULL,          -- 'meeting:<id>' or 'material:<id>'
    title       TEXT    NOT NULL,
    asked_at    TEXT    NOT NULL,
    PRIMARY KEY (member_id, subject)
);

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    subject     TEXT    NOT NULL DEFAULT '',   -- as in note_requests; '' = no particular one
    title       TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL CHECK (kind IN ('text', 'voice', 'photo')),
    body        TEXT    NOT NULL DEFAULT '',   -- the text, or a photo's caption
    file_id     TEXT,
    review      TEXT    NOT NULL DEFAULT 'new'
                CHECK (review IN ('new', 'read', 'excellent', 'rewrite')),
    comment     TEXT,
    reviewed_by INTEGER,
    reviewed_at TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX notes_member ON notes(member_id, subject);
