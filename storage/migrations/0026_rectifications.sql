-- The rectification ledger (整改台账, 挂牌销号): a problem becomes an item of a branch, with
-- a project, its goal or commitment, the person responsible (a Telegram account the bot
-- can write to, and the name as it was when raised) and a deadline (a local date). The
-- person reports progress and asks to cross it off with evidence; township staff (or
-- county staff) confirm, and only then is it closed. ``reminded`` is the last reminder
-- stage sent ('week', 'eve', 'overdue'), so a second tick repeats none.
CREATE TABLE rectifications (
    id               INTEGER PRIMARY KEY,
    branch_id        INTEGER NOT NULL REFERENCES units(id),
    source           TEXT    NOT NULL CHECK (source IN ('visit', 'review', 'staff')),
    source_id        INTEGER,
    project          TEXT    NOT NULL CHECK (length(project) BETWEEN 1 AND 100),
    goal             TEXT    NOT NULL DEFAULT '',
    responsible      INTEGER NOT NULL,                          -- a Telegram user id
    responsible_name TEXT    NOT NULL,
    deadline         TEXT    NOT NULL,                          -- local date, ISO
    state            TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'asked', 'closed')),
    reminded         TEXT CHECK (reminded IN ('week', 'eve', 'overdue')),
    raised_by        INTEGER NOT NULL,
    created_at       TEXT    NOT NULL,
    closed_by        INTEGER,
    closed_at        TEXT
);
CREATE INDEX rectifications_branch ON rectifications(branch_id, state);
CREATE INDEX rectifications_responsible ON rectifications(responsible, state);
CREATE INDEX rectifications_due ON rectifications(deadline) WHERE state = 'open';
-- A visit's problem (source_id: the visit), or a branch's yearly assessment (source_id:
-- the review), is raised once.
CREATE UNIQUE INDEX rectifications_source ON rectifications(source, source_id, branch_id)
    WHERE source != 'staff';

-- The item's history, every step with who and when: raised, progress reported, asked to
-- cross off (with evidence: text and files), confirmed, sent back (with the reason),
-- deadline moved (old and new), the person responsible changed (someone gone can never
-- ask to cross it off).
CREATE TABLE rectification_events (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES rectifications(id),
    kind         TEXT    NOT NULL
                 CHECK (kind IN ('raised', 'progress', 'asked', 'confirmed', 'sent_back',
                                 'deadline', 'responsible')),
    actor        INTEGER NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    files        TEXT    NOT NULL DEFAULT '[]',                 -- JSON [[kind, file_id], …]
    old_deadline TEXT,
    new_deadline TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX rectification_events_item ON rectification_events(item_id, id);
