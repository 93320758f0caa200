-- A bulletin drawn and written once (bot/rendered.py): each part of one bulletin, period,
-- scope and language, stored when its outbox rows are queued (in the same transaction) and
-- read back for every recipient; a restart sends what is left without building it again.
-- Forgotten once no queued outbox row refers to it.
CREATE TABLE rendered_parts (
    bulletin   TEXT    NOT NULL,  -- what, for which period and scope: 'bulletin:month:…'
    language   TEXT    NOT NULL,
    part       INTEGER NOT NULL,
    text       TEXT    NOT NULL,  -- HTML, or a file's caption
    buttons    TEXT    NOT NULL DEFAULT '[]',  -- rows of [label, callback data]
    media_kind TEXT,
    file_name  TEXT,
    data       BLOB,
    made_at    TEXT    NOT NULL,
    PRIMARY KEY (bulletin, language, part)
);
