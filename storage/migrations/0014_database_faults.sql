-- A database that refused writes for a while (a full disk: bot/write_faults.py) is reported
-- to staff once it can be written again, as a fault of its own source; context holds how
-- many seconds it lasted. SQLite cannot change a CHECK in place: the table is rebuilt.
CREATE TABLE faults_new (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    source      TEXT    NOT NULL
                CHECK (source IN ('handler', 'sender', 'scheduler', 'database')),
    context     TEXT    NOT NULL DEFAULT '',  -- the command or button, the outbox row's kind
    summary     TEXT    NOT NULL,             -- the error's type and first line
    reported_at TEXT
);
INSERT INTO faults_new (id, at, source, context, summary, reported_at)
    SELECT id, at, source, context, summary, reported_at FROM faults;
DROP TABLE faults;
ALTER TABLE faults_new RENAME TO faults;
CREATE INDEX faults_unreported ON faults(id) WHERE reported_at IS NULL;
CREATE INDEX faults_at ON faults(at);
