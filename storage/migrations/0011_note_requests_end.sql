-- A request for a heartfelt note ends (the rules against formalism: reminders are few and
-- end). It lapses at expires_at — fixed when it is asked, from ZHIBU_NOTE_DAYS, so a
-- changed setting moves no one's date — and it is reminded at most a few times:
-- reminders counts the evening reminders that named it, reminded_on is the local date of
-- the last one (a second run of the same evening adds nothing). A lapsed request stays
-- as history: asked, and answered or not; a note written late still answers it.
ALTER TABLE note_requests ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE note_requests ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE note_requests ADD COLUMN reminded_on TEXT;

-- Requests asked before this version: 14 days (the default) from when they were asked.
-- Times are stored as UTC with their offset ("…+00:00"), which SQLite reads.
UPDATE note_requests
   SET expires_at = strftime('%Y-%m-%dT%H:%M:%S', asked_at, '+14 days') || '+00:00';
-- The old rule reminded every evening: a request asked more than two days ago has had
-- its two reminders already.
UPDATE note_requests SET reminders = 2 WHERE julianday(asked_at) < julianday('now') - 2;

-- The evening reminder looks only at requests still open.
CREATE INDEX note_requests_open ON note_requests(expires_at);
