-- Members working away (流动党员), seen from both branches.
--
-- The host organisation a flowing member names (流入地党组织): a branch of the county,
-- whose sessions then invite them too (storage/meetings.py INVITED), or one outside the
-- county, by name. Cleared when they come home; the stays below keep it.
ALTER TABLE members ADD COLUMN host_branch_id INTEGER REFERENCES units(id);
ALTER TABLE members ADD COLUMN host_name TEXT;
CREATE INDEX members_host ON members(host_branch_id) WHERE host_branch_id IS NOT NULL;

-- Where a member was while away — city, work unit, host, from when to when — as a
-- history: coming home closes the stay, leaving again opens another, and a move to
-- another city is a new stay. members.flow_* and host_* are the open stay's copy, which
-- the rest of the code reads; storage/stays.py keeps the two in step.
CREATE TABLE member_stays (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id),
    city           TEXT,
    employer       TEXT,
    host_branch_id INTEGER REFERENCES units(id),
    host_name      TEXT,
    since          TEXT,            -- the month they left, as they said it (ISO date)
    began_at       TEXT NOT NULL,   -- when the bot learned it
    ended_at       TEXT             -- when they came home; NULL while away
);
CREATE INDEX member_stays_member ON member_stays(member_id, began_at);
CREATE UNIQUE INDEX member_stays_open ON member_stays(member_id) WHERE ended_at IS NULL;
CREATE INDEX member_stays_ended ON member_stays(ended_at) WHERE ended_at IS NOT NULL;
INSERT INTO member_stays (member_id, city, employer, since, began_at)
    SELECT id, flow_city, flow_employer, flow_since, updated_at FROM members WHERE flowing = 1;

-- The season's list of members back home, sent to a branch's secretaries once per
-- homecoming season (ZHIBU_HOMECOMING_SEASONS): the row is the "once".
CREATE TABLE homecomings (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES units(id),
    season      TEXT    NOT NULL,   -- the first day of the season's window (ISO date)
    created_at  TEXT    NOT NULL,
    UNIQUE (branch_id, season)
);
