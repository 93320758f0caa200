-- The journal of updates, one row per batch instead of one per update, and "done" as one
-- row: a high-water mark (bot/journal.py says why this is as safe as a mark per update).
--
-- Every update has a position, in the order it was written down: its batch's first
-- position plus its place in the batch (a webhook's update is a batch of one). Positions
-- have no gaps, unlike Telegram's update ids (which skip what was not asked for, and
-- after a week without updates start again at random). Every position up to
-- done_through is finished; updates finish out of order, so the finished ones above it
-- are listed in done_above as runs [first, last]. An update above the mark and in no run
-- is unfinished: on start-up it is handled again, before anything new.
CREATE TABLE inbox_batches (
    first_position  INTEGER PRIMARY KEY,
    size            INTEGER NOT NULL,
    first_update_id INTEGER NOT NULL,   -- the batch's lowest and highest update id: an
    last_update_id  INTEGER NOT NULL,   -- update fetched again falls between them
    body            TEXT    NOT NULL,   -- a JSON array of the updates, as received
    received_at     TEXT    NOT NULL
);
CREATE INDEX inbox_batches_last_update ON inbox_batches(last_update_id);

CREATE TABLE inbox_mark (
    only           INTEGER PRIMARY KEY CHECK (only = 1),
    done_through   INTEGER NOT NULL,
    done_above     TEXT    NOT NULL,    -- JSON [[first, last], ...]
    finished_above INTEGER NOT NULL,    -- how many positions the runs hold (`zhibu status`)
    done_at        TEXT                 -- when an update was last marked done
);

-- What was journaled one row per update comes along, each its own batch, in id order.
CREATE TEMP TABLE moved AS
SELECT row_number() OVER (ORDER BY update_id) AS position, * FROM inbox;

INSERT INTO inbox_batches (first_position, size, first_update_id, last_update_id, body,
                           received_at)
SELECT position, 1, update_id, update_id, '[' || body || ']', received_at FROM moved;

WITH first_open AS (
    SELECT coalesce(min(position), (SELECT count(*) + 1 FROM moved)) AS position
    FROM moved WHERE done_at IS NULL)
INSERT INTO inbox_mark (only, done_through, done_above, finished_above, done_at)
SELECT 1, first_open.position - 1,
       (SELECT json_group_array(json_array(position, position)) FROM moved
        WHERE done_at IS NOT NULL AND position > first_open.position),
       (SELECT count(*) FROM moved
        WHERE done_at IS NOT NULL AND position > first_open.position),
       (SELECT max(done_at) FROM moved)
FROM first_open;

DROP TABLE temp.moved;
DROP TABLE inbox;

-- The journal one update a row, as before, for reading (operators, tests): an update's
-- done_at is when the mark last moved, once the mark covers it.
CREATE VIEW inbox AS
SELECT json_extract(u.value, '$.update_id') AS update_id,
       u.value AS body,
       b.received_at AS received_at,
       b.first_position + u.key AS position,
       CASE WHEN b.first_position + u.key <= m.done_through
                 OR EXISTS (SELECT 1 FROM json_each(m.done_above) r
                            WHERE b.first_position + u.key
                                  BETWEEN json_extract(r.value, '$[0]')
                                      AND json_extract(r.value, '$[1]'))
            THEN m.done_at END AS done_at
FROM inbox_batches b, json_each(b.body) u, inbox_mark m;
