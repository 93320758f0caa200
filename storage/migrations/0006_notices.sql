-- Notices down the tree, and who received and acknowledged (收到) each.

CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    sender        INTEGER NOT NULL,
    scope_unit_id INTEGER NOT NULL REFERENCES units(id),
    audience      TEXT    NOT NULL
                  CHECK (audience IN ('everyone', 'secretaries', 'leaders', 'flowing')),
    body          TEXT    NOT NULL,          -- HTML made by Telegram from the sender's entities
    media_kind    TEXT    CHECK (media_kind IN ('document', 'photo', 'audio', 'video', 'voice')),
    file_id       TEXT,
    to_groups     INTEGER NOT NULL DEFAULT 0 CHECK (to_groups IN (0, 1)),
    send_at       TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'scheduled'
                  CHECK (state IN ('scheduled', 'sent', 'cancelled')),
    reminded_at   TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX notices_due ON notices(send_at) WHERE state = 'scheduled';

CREATE TABLE notice_recipients (
    notice_id       INTEGER NOT NULL REFERENCES notices(id),
    telegram_id     INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    branch_id       INTEGER,                 -- the branch they belong to, for receipts
    outbox_id       INTEGER REFERENCES outbox(id),
    acknowledged_at TEXT,
    PRIMARY KEY (notice_id, telegram_id)
);

-- Bulletins aggregate by period: these keep their scans short on a county's data.
CREATE INDEX meetings_branch_start ON meetings(branch_id, starts_at);
CREATE INDEX attendance_member ON attendance(member_id);
CREATE INDEX material_recipients_added ON material_recipients(added_at);
CREATE INDEX note_requests_asked ON note_requests(asked_at);
CREATE INDEX notes_created ON notes(created_at);
CREATE INDEX visits_branch_day ON visits(branch_id, day) WHERE state = 'active';
