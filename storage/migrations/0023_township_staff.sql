-- Township staff (乡镇党委书记, 组织委员): a role bound to one township (unit = the
-- township), appointed by county staff. They do for their township's branches what
-- county staff do for the county. SQLite cannot change a CHECK in place, so the table
-- is copied (nothing references roles).
CREATE TABLE roles_new (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('staff', 'secretary', 'leader', 'township')),
    unit_id     INTEGER REFERENCES units(id),
    granted_by  INTEGER,
    granted_at  TEXT    NOT NULL
);
INSERT INTO roles_new SELECT id, telegram_id, role, unit_id, granted_by, granted_at FROM roles;
DROP TABLE roles;
ALTER TABLE roles_new RENAME TO roles;
CREATE UNIQUE INDEX roles_unique ON roles(telegram_id, role, ifnull(unit_id, 0));
