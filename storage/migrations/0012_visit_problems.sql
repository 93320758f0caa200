-- A problem found on a contact-point visit can be marked solved later: when, what was
-- done, and by whom. A problem marked solved while the visit was logged was solved on
-- the visit's day.
ALTER TABLE visits ADD COLUMN solved_on TEXT;                      -- local date, ISO
ALTER TABLE visits ADD COLUMN solved_note TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN solved_by INTEGER;
UPDATE visits SET solved_on = day WHERE solved = 1 AND problems != '';
CREATE INDEX visits_open_problems ON visits(branch_id)
    WHERE state = 'active' AND problems != '' AND solved = 0;
