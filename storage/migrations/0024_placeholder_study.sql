-- A placeholder for the study ledger's migration 0024 (branch study), so that this branch's
-- 0025 runs in its tests; drop this file at merge, when 0024_leadership_study.sql comes in.
SELECT 1;
