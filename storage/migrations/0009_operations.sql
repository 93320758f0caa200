-- What operators need to hear of trouble and to see that the bot is alive.

-- Errors in handlers and in the sender, kept for the report to staff: each is reported
-- once (reported_at), and reports are at most one every ZHIBU_ERROR_REPORT_MINUTES, so
-- a storm of errors is one message with a count. The summary is short and carries no
-- token: the log has the details.
CREATE TABLE faults (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('handler', 'sender', 'scheduler')),
    context     TEXT    NOT NULL DEFAULT '',  -- the command or button, the outbox row's kind
    summary     TEXT    NOT NULL,             -- the error's type and first line
    reported_at TEXT
);
CREATE INDEX faults_unreported ON faults(id) WHERE reported_at IS NULL;
CREATE INDEX faults_at ON faults(at);

-- The bot's heartbeat for `zhibu status`, which runs as another process: one row per
-- kind of beat ('tick': the scheduler ran), updated in place. When the last update was
-- handled is already in the inbox (done_at).
CREATE TABLE heartbeat (
    name TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);

-- When the outbox last finished a message, asked of a table that grows with every push.
CREATE INDEX outbox_done ON outbox(done_at);
