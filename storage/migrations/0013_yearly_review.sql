-- The township leadership (乡镇领导班子) and the yearly review of branches (五个好).

-- Members of the township leadership: their duty is centralised study at least 20 times
-- a year. A flag on the member, from the roster (乡镇领导班子 = 是), rather than a role:
-- roles belong to Telegram accounts, and a leadership member without one still studies.
ALTER TABLE members ADD COLUMN township_leadership INTEGER NOT NULL DEFAULT 0
    CHECK (township_leadership IN (0, 1));

-- A year's review of the branches under a unit (the county, or one township): the
-- draft the bot made from the year's records, and the staff's decisions on it.
CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY,
    year           INTEGER NOT NULL,
    scope_unit_id  INTEGER NOT NULL REFERENCES units(id),
    compared       INTEGER NOT NULL,             -- branches compared
    share          INTEGER NOT NULL,             -- 10% of them, rounded down
    state          TEXT    NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed')),
    created_at     TEXT    NOT NULL,
    confirmed_by   INTEGER,
    confirmed_at   TEXT,
    UNIQUE (year, scope_unit_id)
);

-- One row per branch compared, with the figures its composite was made of (as they were
-- when the draft was made), whether the draft put it on the list, and the assessment:
-- the five good (NULL: not assessed yet, 1 yes, 0 no), a comment, and the verdict.
CREATE TABLE review_branches (
    review_id            INTEGER NOT NULL REFERENCES reviews(id),
    branch_id            INTEGER NOT NULL REFERENCES units(id),
    composite            REAL    NOT NULL,
    sessions_held        INTEGER NOT NULL,
    sessions_expected    INTEGER NOT NULL,
    attended             INTEGER NOT NULL,
    attendance_possible  INTEGER NOT NULL,
    studied              INTEGER NOT NULL,
    received             INTEGER NOT NULL,
    drafted              INTEGER NOT NULL CHECK (drafted IN (0, 1)),
    added                INTEGER NOT NULL DEFAULT 0 CHECK (added IN (0, 1)),  -- by staff
    good_team            INTEGER CHECK (good_team IN (0, 1)),
    good_members         INTEGER CHECK (good_members IN (0, 1)),
    good_mechanisms      INTEGER CHECK (good_mechanisms IN (0, 1)),
    good_results         INTEGER CHECK (good_results IN (0, 1)),
    good_opinion         INTEGER CHECK (good_opinion IN (0, 1)),
    comment              TEXT,
    verdict              TEXT    CHECK (verdict IN ('attention', 'cleared')),
    decided_by           INTEGER,
    decided_at           TEXT,
    PRIMARY KEY (review_id, branch_id)
);
