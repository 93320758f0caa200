-- The outbox (every message to many people goes through it) and study materials.

-- One row per message to send. `key` says what it is for whom (`material:7:member:42`),
-- so the same thing can never be queued twice. The sender renders a row when it sends it
-- (in the recipient's language of that moment) and records how it ended.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,           -- which renderer: 'material', 'study_reminder', …
    ref_id      INTEGER,                    -- what it carries (a material, a member, …)
    payload     TEXT    NOT NULL DEFAULT '{}',
    state       TEXT    NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sent', 'unreachable', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,                    -- Telegram's id of what was sent
    error       TEXT,                       -- why it is unreachable / failed / dropped
    created_at  TEXT    NOT NULL,
    done_at     TEXT
);
CREATE INDEX outbox_queued ON outbox(id) WHERE state = 'queued';

CREATE TABLE materials (
    id            INTEGER PRIMARY KEY,
    scope_unit_id INTEGER NOT NULL REFERENCES units(id),   -- a branch, a township or the county
    audience      TEXT    NOT NULL CHECK (audience IN ('flowing', 'all')),
    title         TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body          TEXT    NOT NULL DEFAULT '',             -- as typed; escaped when shown
    media_kind    TEXT    CHECK (media_kind IN ('document', 'photo', 'audio', 'video', 'voice')),
    file_id       TEXT,                                    -- Telegram keeps the file: sent by id
    file_name     TEXT,
    due_date      TEXT,                                    -- local date, ISO
    created_by    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL
);

-- Who a material went to. outbox_id is NULL for a member the bot cannot write to (no
-- Telegram account yet): they count as unreachable.
CREATE TABLE material_recipients (
    material_id INTEGER NOT NULL REFERENCES materials(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    outbox_id   INTEGER REFERENCES outbox(id),
    makeup      INTEGER NOT NULL DEFAULT 0 CHECK (makeup IN (0, 1)),
    studied_at  TEXT,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (material_id, member_id)
);
CREATE INDEX material_recipients_member ON material_recipients(member_id, studied_at);
