-- Updates from Telegram, written down before Telegram is told they arrived, so that a
-- crash between fetching an update and finishing it does not lose it: on start-up the
-- rows without done_at are handled again. Done rows are kept a day, long enough to
-- recognise the same update fetched twice (Telegram re-sends until acknowledged).
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT    NOT NULL,            -- the update as JSON, exactly as received
    received_at TEXT    NOT NULL,
    done_at     TEXT
);
CREATE INDEX inbox_unfinished ON inbox(update_id) WHERE done_at IS NULL;

-- Which update last moved each dialog, and the step and data before that update: an
-- update handled again after a crash runs from where it found the dialog, so its answer
-- is not taken as the answer to the next question and its reply is sent again.
ALTER TABLE dialogs ADD COLUMN moved_by INTEGER;
ALTER TABLE dialogs ADD COLUMN prev_step TEXT;
ALTER TABLE dialogs ADD COLUMN prev_data TEXT;
