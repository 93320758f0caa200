-- A notice's receipts count the roster members it could not reach because they have no
-- Telegram account (never registered): they are recipients without a telegram_id, kept
-- by member. So telegram_id becomes nullable, and the key moves to two unique indexes.

CREATE TABLE notice_recipients_new (
    notice_id       INTEGER NOT NULL REFERENCES notices(id),
    telegram_id     INTEGER,                 -- NULL: on the roster, no Telegram: not reachable
    member_id       INTEGER REFERENCES members(id),  -- NULL for a secretary or leader who is no member
    name            TEXT    NOT NULL,
    branch_id       INTEGER,                 -- the branch they belong to, for receipts
    outbox_id       INTEGER REFERENCES outbox(id),
    acknowledged_at TEXT,
    CHECK (telegram_id IS NOT NULL OR member_id IS NOT NULL)
);
INSERT INTO notice_recipients_new
    (notice_id, telegram_id, member_id, name, branch_id, outbox_id, acknowledged_at)
SELECT notice_id, telegram_id, NULL, name, branch_id, outbox_id, acknowledged_at
FROM notice_recipients;
DROP TABLE notice_recipients;
ALTER TABLE notice_recipients_new RENAME TO notice_recipients;
CREATE UNIQUE INDEX notice_recipients_person ON notice_recipients(notice_id, telegram_id);
CREATE UNIQUE INDEX notice_recipients_member ON notice_recipients(notice_id, member_id);
