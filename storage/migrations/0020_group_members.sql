-- Who is in a branch's group chat, what the bot may do there, members who want the
-- check-in buttons privately, and the live count on a session's check-in post.

-- Telegram gives no list of a group's members: the bot learns them one at a time — from
-- the join and leave notes Telegram posts in the group, from chat_member updates (when
-- the bot is an administrator) and by asking (getChatMember). Keyed by the Telegram
-- account, so someone seen joining before they registered is known when they do.
CREATE TABLE group_members (
    chat_id      INTEGER NOT NULL,
    telegram_id  INTEGER NOT NULL,
    present      INTEGER NOT NULL CHECK (present IN (0, 1)),
    how          TEXT    NOT NULL CHECK (how IN ('joined', 'left', 'asked')),
    seen_at      TEXT    NOT NULL,
    PRIMARY KEY (chat_id, telegram_id)
);
CREATE INDEX group_members_seen ON group_members(seen_at);

-- What the bot may do in the group (NULL: not known yet, asked at the next tick), and the
-- invite link it made there for newcomers.
ALTER TABLE group_chats ADD COLUMN bot_admin INTEGER CHECK (bot_admin IN (0, 1));
ALTER TABLE group_chats ADD COLUMN can_invite INTEGER CHECK (can_invite IN (0, 1));
ALTER TABLE group_chats ADD COLUMN invite_link TEXT;

-- A member's own choice (in /me): the check-in buttons in the private chat too.
ALTER TABLE members ADD COLUMN checkin_private INTEGER NOT NULL DEFAULT 0
    CHECK (checkin_private IN (0, 1));

-- The counts last queued for a session's check-in post in the group, and when: edits
-- are spaced out however fast people press (one per ZHIBU_CHECKIN_COUNT_SECONDS).
CREATE TABLE checkin_counts (
    meeting_id  INTEGER PRIMARY KEY REFERENCES meetings(id),
    shown       TEXT    NOT NULL,
    edits       INTEGER NOT NULL DEFAULT 0,
    edited_at   TEXT    NOT NULL
);
