-- The organisation tree, people, roles, invites and persisted dialogs.
-- Times are ISO-8601 strings with offset (UTC), written by the application clock.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('county', 'township', 'branch', 'group')),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    parent_id   INTEGER REFERENCES units(id),
    created_at  TEXT    NOT NULL
);
-- Names are unique among siblings; the county (no parent) is unique by itself.
CREATE UNIQUE INDEX units_sibling_name ON units(ifnull(parent_id, 0), kind, name);
CREATE UNIQUE INDEX units_one_county ON units(kind) WHERE kind = 'county';

-- A branch's group chat. One chat serves one branch; a branch has at most one live chat.
CREATE TABLE group_chats (
    chat_id     INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES units(id),
    title       TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'bound' CHECK (state IN ('bound', 'gone')),
    bound_by    INTEGER NOT NULL,
    bound_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX group_chats_live_branch ON group_chats(branch_id) WHERE state = 'bound';

-- Telegram accounts that have talked to the bot (or were named staff before they did).
CREATE TABLE users (
    telegram_id  INTEGER PRIMARY KEY,
    first_name   TEXT    NOT NULL DEFAULT '',
    username     TEXT,
    language     TEXT,            -- chosen with /lang; NULL = follow Telegram's language
    tg_language  TEXT,            -- last language_code Telegram reported
    started_at   TEXT,            -- first private message: the bot may write to them
    blocked_at   TEXT,            -- set on 403 / my_chat_member kicked; cleared on unblock
    created_at   TEXT    NOT NULL
);

CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    roster_key     TEXT    UNIQUE,         -- the roster's member number (编号); NULL if self-registered
    branch_id      INTEGER NOT NULL REFERENCES units(id),
    group_id       INTEGER REFERENCES units(id),
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    birth_year     INTEGER,
    status         TEXT    NOT NULL CHECK (status IN ('full', 'probationary', 'activist')),
    phone          TEXT,
    telegram_id    INTEGER UNIQUE REFERENCES users(telegram_id),
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'active', 'rejected', 'removed')),
    flowing        INTEGER NOT NULL DEFAULT 0 CHECK (flowing IN (0, 1)),
    flow_city      TEXT,
    flow_employer  TEXT,
    flow_since     TEXT,                   -- ISO date (year-month-day) they left home
    no_writing     INTEGER NOT NULL DEFAULT 0 CHECK (no_writing IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX members_branch ON members(branch_id, state);

-- An application to join a branch: who asked, with what profile, and whether it
-- claims a roster row (matched by name + branch, confirmed by the secretary).
CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    telegram_id   INTEGER NOT NULL REFERENCES users(telegram_id),
    branch_id     INTEGER NOT NULL REFERENCES units(id),
    invite_code   TEXT,
    name          TEXT    NOT NULL,
    birth_year    INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('full', 'probationary', 'activist')),
    phone         TEXT,
    flowing       INTEGER NOT NULL DEFAULT 0,
    flow_city     TEXT,
    flow_employer TEXT,
    flow_since    TEXT,
    match_member_id INTEGER REFERENCES members(id),
    state         TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by    INTEGER,
    decided_at    TEXT,
    created_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX applications_one_pending ON applications(telegram_id) WHERE state = 'pending';

-- Roles are data: staff (unit NULL = whole county), secretary (unit = branch), leader (unit NULL).
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('staff', 'secretary', 'leader')),
    unit_id     INTEGER REFERENCES units(id),
    granted_by  INTEGER,
    granted_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX roles_unique ON roles(telegram_id, role, ifnull(unit_id, 0));

CREATE TABLE contact_points (
    leader_telegram_id INTEGER NOT NULL,
    branch_id          INTEGER NOT NULL REFERENCES units(id),
    assigned_by        INTEGER,
    assigned_at        TEXT    NOT NULL,
    PRIMARY KEY (leader_telegram_id, branch_id)
);

CREATE TABLE invites (
    code        TEXT    PRIMARY KEY CHECK (length(code) BETWEEN 8 AND 64),
    branch_id   INTEGER NOT NULL REFERENCES units(id),
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    max_uses    INTEGER NOT NULL CHECK (max_uses > 0),
    uses        INTEGER NOT NULL DEFAULT 0,
    revoked_at  TEXT
);

CREATE TABLE bind_codes (
    code        TEXT    PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES units(id),
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT,
    used_in_chat INTEGER
);

-- A conversation in progress (registration, profile edits, …). Kept in the database
-- rather than in memory so that a restart in the middle of a conversation loses nothing.
CREATE TABLE dialogs (
    telegram_id INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    data        TEXT    NOT NULL DEFAULT '{}',
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (telegram_id, chat_id)
);

-- Who changed what: staff and secretaries' actions, imports.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,   -- 'tg:<id>' or 'cli'
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
