-- Contact-point visits (联系点): leaders' days at their villages, and the quota.

-- Monthly quota in days; leader 0 is everyone's default (3 days unless changed).
CREATE TABLE visit_quotas (
    leader_telegram_id INTEGER PRIMARY KEY,
    days               REAL    NOT NULL CHECK (days > 0 AND days <= 31),
    set_by             INTEGER,
    set_at             TEXT    NOT NULL
);

CREATE TABLE visits (
    id                 INTEGER PRIMARY KEY,
    leader_telegram_id INTEGER NOT NULL,
    branch_id          INTEGER NOT NULL REFERENCES units(id),
    day                TEXT    NOT NULL,                       -- local date, ISO
    days               REAL    NOT NULL CHECK (days > 0 AND days <= 31),
    activity           TEXT    NOT NULL
                       CHECK (activity IN ('research', 'problem', 'experience', 'other')),
    record             TEXT    NOT NULL DEFAULT '',
    record_file_id     TEXT,                                   -- a voice work record
    problems           TEXT    NOT NULL DEFAULT '',
    solved             INTEGER NOT NULL DEFAULT 0 CHECK (solved IN (0, 1)),
    latitude           REAL,
    longitude          REAL,
    state              TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'withdrawn')),
    confirmed_by       INTEGER,
    confirmed_at       TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX visits_leader_day ON visits(leader_telegram_id, day) WHERE state = 'active';

-- Every change to a visit after it was logged: who, when, and the values before.
CREATE TABLE visit_history (
    id        INTEGER PRIMARY KEY,
    visit_id  INTEGER NOT NULL REFERENCES visits(id),
    at        TEXT    NOT NULL,
    actor     INTEGER NOT NULL,
    change    TEXT    NOT NULL,       -- 'days', 'record', 'withdrawn', 'confirmed'
    before    TEXT    NOT NULL        -- JSON of the changed fields' old values
);
