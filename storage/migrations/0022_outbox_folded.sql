-- The outbox keeps what matters (README "Privacy" and "Design"): delivered rows older than
-- ZHIBU_KEEP_DELIVERED_DAYS are deleted. What a notice's or a material's receipts still
-- need of them — how its delivery ended — is folded into the recipient row first:
-- `delivery` holds the outbox row's final state once `outbox_id` no longer points at it.
-- (outbox_id NULL and delivery NULL: a member the bot could not write to, as before.)
-- It is copied from outbox.state, whose CHECK holds it to a finished state; a CHECK here
-- too would make SQLite read both tables whole while the upgrade waits (seconds on a
-- county), where a plain column is added at once.
ALTER TABLE material_recipients ADD COLUMN delivery TEXT;
ALTER TABLE notice_recipients ADD COLUMN delivery TEXT;
-- Deleting an outbox row makes SQLite look for recipient rows that refer to it (the
-- foreign key); without these every delete would read both tables whole. Only rows still
-- pointing at the outbox are indexed, so the index stays as small as the outbox window.
CREATE INDEX material_recipients_outbox ON material_recipients(outbox_id)
    WHERE outbox_id IS NOT NULL;
CREATE INDEX notice_recipients_outbox ON notice_recipients(outbox_id)
    WHERE outbox_id IS NOT NULL;
