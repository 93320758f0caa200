-- 四议两公开 (four discussions, two disclosures): a village matter proposed by the branch
-- committee, discussed by the joint meeting of the two committees, reviewed by the party
-- members' assembly and decided by the villagers' representatives — each step a meeting
-- with its attendance and vote — then the decision and later the result made public.
--
-- The rules a vote must meet are written here too, so no writer can store a step that
-- the bot would refuse: votes are not negative and add up to at most those present,
-- who are at most those expected; the meeting had its quorum (steps 1-3: more than half
-- of the body present; step 4, the villagers' representatives: two thirds); a step
-- passes when more than half of those present voted for it; and the steps come in
-- order, each after the one before passed, on the same day or later.

CREATE TABLE matters (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES units(id),
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    description TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- open: waiting for step at_step; rejected: step at_step did not pass (the matter
    -- stops); decided: step 4 passed; published: the decision made public; done: the
    -- result made public too; withdrawn: taken off by the secretary before a decision.
    state       TEXT    NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'rejected', 'decided', 'published', 'done',
                                 'withdrawn')),
    at_step     INTEGER NOT NULL DEFAULT 1 CHECK (at_step BETWEEN 1 AND 4),
    opened_by   INTEGER NOT NULL,
    closed_by   INTEGER,                -- who withdrew it
    closed_at   TEXT,
    created_at  TEXT    NOT NULL,       -- opened at
    updated_at  TEXT    NOT NULL,
    CHECK (state NOT IN ('decided', 'published', 'done') OR at_step = 4)
);
CREATE INDEX matters_branch ON matters(branch_id, state);

-- Photos and documents attached when the matter was opened (Telegram's file ids).
CREATE TABLE matter_files (
    id         INTEGER PRIMARY KEY,
    matter_id  INTEGER NOT NULL REFERENCES matters(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id    TEXT    NOT NULL,
    file_name  TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX matter_files_matter ON matter_files(matter_id);

CREATE TABLE matter_steps (
    matter_id     INTEGER NOT NULL REFERENCES matters(id),
    step          INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    held_on       TEXT    NOT NULL,                      -- local date, ISO
    expected      INTEGER NOT NULL CHECK (expected BETWEEN 1 AND 9999),
    attended      INTEGER NOT NULL CHECK (attended BETWEEN 0 AND expected),
    votes_for     INTEGER NOT NULL CHECK (votes_for >= 0),
    votes_against INTEGER NOT NULL CHECK (votes_against >= 0),
    votes_abstain INTEGER NOT NULL CHECK (votes_abstain >= 0),
    passed        INTEGER NOT NULL CHECK (passed = (2 * votes_for > attended)),
    meeting_id    INTEGER REFERENCES meetings(id),       -- the zhibu session, if any
    note          TEXT    NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    recorded_by   INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (matter_id, step),
    CHECK (votes_for + votes_against + votes_abstain <= attended),
    CHECK (CASE WHEN step = 4 THEN 3 * attended >= 2 * expected
                ELSE 2 * attended > expected END)
);

CREATE TRIGGER matter_steps_in_order BEFORE INSERT ON matter_steps
BEGIN
    SELECT RAISE(ABORT, 'a matter step out of order')
    WHERE NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = NEW.matter_id
                      AND m.state = 'open' AND m.at_step = NEW.step)
       OR (NEW.step > 1 AND NOT EXISTS (
              SELECT 1 FROM matter_steps s WHERE s.matter_id = NEW.matter_id
              AND s.step = NEW.step - 1 AND s.passed = 1 AND s.held_on <= NEW.held_on));
    SELECT RAISE(ABORT, 'a matter step linked to another branch''s session')
    WHERE NEW.meeting_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM meetings g JOIN matters m ON m.id = NEW.matter_id
        WHERE g.id = NEW.meeting_id AND g.branch_id = m.branch_id);
END;

-- The two disclosures: the decision, then the result. Posted to the branch's group chat
-- (chat_id), or put up on the notice board by hand (chat_id NULL).
CREATE TABLE matter_publications (
    matter_id    INTEGER NOT NULL REFERENCES matters(id),
    what         TEXT    NOT NULL CHECK (what IN ('decision', 'result')),
    published_on TEXT    NOT NULL,                       -- local date, ISO
    body         TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    chat_id      INTEGER,
    recorded_by  INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (matter_id, what)
);

CREATE TRIGGER matter_publications_in_order BEFORE INSERT ON matter_publications
BEGIN
    SELECT RAISE(ABORT, 'a decision published before it was decided')
    WHERE NEW.what = 'decision' AND NOT EXISTS (
        SELECT 1 FROM matters m JOIN matter_steps s ON s.matter_id = m.id AND s.step = 4
        WHERE m.id = NEW.matter_id AND m.state = 'decided' AND s.passed = 1
        AND s.held_on <= NEW.published_on);
    SELECT RAISE(ABORT, 'a result published before its decision')
    WHERE NEW.what = 'result' AND NOT EXISTS (
        SELECT 1 FROM matters m JOIN matter_publications p
        ON p.matter_id = m.id AND p.what = 'decision'
        WHERE m.id = NEW.matter_id AND m.state = 'published'
        AND p.published_on <= NEW.published_on);
END;
