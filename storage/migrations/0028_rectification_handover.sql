-- The rectification ledger (#14): staff may change an item's person responsible (someone
-- gone can never ask to cross it off), a step of its history like the others. SQLite
-- cannot change a CHECK in place, so the history table is copied (nothing references it).
CREATE TABLE rectification_events_new (
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
INSERT INTO rectification_events_new
    SELECT id, item_id, kind, actor, body, files, old_deadline, new_deadline, created_at
    FROM rectification_events;
DROP TABLE rectification_events;
ALTER TABLE rectification_events_new RENAME TO rectification_events;
CREATE INDEX rectification_events_item ON rectification_events(item_id, id);
