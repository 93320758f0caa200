-- A session that has not closed may be cancelled (with why, who and when) or moved to
-- another time; a scheduled notice may be cancelled before it goes out.
--
-- cancel_cause is one of the common reasons offered as buttons, or 'other' with the
-- words typed in cancel_reason. moves counts the times a session was moved: the keys of
-- the messages for its current time carry it, so the reminders and the check-in post of
-- the new time are queued once each, and a message queued for an earlier time is known
-- as such (and not sent).

ALTER TABLE meetings ADD COLUMN cancelled_at TEXT;
ALTER TABLE meetings ADD COLUMN cancelled_by INTEGER;
ALTER TABLE meetings ADD COLUMN cancel_cause TEXT
    CHECK (cancel_cause IN ('weather', 'farm_work', 'lecturer', 'mistake', 'other'));
ALTER TABLE meetings ADD COLUMN cancel_reason TEXT;
ALTER TABLE meetings ADD COLUMN moves INTEGER NOT NULL DEFAULT 0;

ALTER TABLE notices ADD COLUMN cancelled_at TEXT;
ALTER TABLE notices ADD COLUMN cancelled_by INTEGER;

-- The bulletins look up the cancelled sessions of a period (few, among many held).
CREATE INDEX meetings_cancelled ON meetings(starts_at) WHERE state = 'cancelled';
