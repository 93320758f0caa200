-- What a secretary (or staff) records for a member by hand (代登记) — present at a session,
-- a material studied at the door (送学上门), a notice told in person — is kept as such:
-- who entered it (their Telegram user id) and when. NULL: the member did it themselves
-- (pressed the button). Only an entry made by hand can be taken back by hand.
ALTER TABLE attendance ADD COLUMN recorded_by INTEGER;
ALTER TABLE attendance ADD COLUMN recorded_at TEXT;
ALTER TABLE material_recipients ADD COLUMN recorded_by INTEGER;
ALTER TABLE material_recipients ADD COLUMN recorded_at TEXT;
ALTER TABLE notice_recipients ADD COLUMN recorded_by INTEGER;
ALTER TABLE notice_recipients ADD COLUMN recorded_at TEXT;
