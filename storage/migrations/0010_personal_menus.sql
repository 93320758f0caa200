-- Each person's own command menu in their private chat, as last published, and whether
-- it is due to be published again. A change of roles (in the bot, by `zhibu admin`, by a
-- roster import) marks it due in its own transaction; start-up marks every stored menu
-- and every ZHIBU_ADMINS id due, so a staff id taken out of the settings loses its menu
-- too. The scheduler's tick publishes what is due.
CREATE TABLE personal_menus (
    telegram_id  INTEGER PRIMARY KEY,
    commands     TEXT,                      -- command names as published, NULL: none
    language     TEXT,                      -- the language they were published in
    due          INTEGER NOT NULL DEFAULT 1 CHECK (due IN (0, 1)),
    marks        INTEGER NOT NULL DEFAULT 1,  -- counts the marks: a publish that raced
                                              -- with a newer mark leaves it due
    changed_at   TEXT    NOT NULL
);
CREATE INDEX personal_menus_due ON personal_menus(telegram_id) WHERE due = 1;
