-- Who changed whose role, and when: every staff addition and removal made in the bot (by an
-- admin), and every change ADMIN_IDS made (actor_id NULL: the bot's configuration). Kept when
-- a person erases their data, like the content history: it records who was given the right to
-- publish, which is about accountability, not about the person. No foreign key to users for
-- that reason.
CREATE TABLE staff_audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    action     TEXT NOT NULL
        CHECK (action IN ('add_staff', 'remove_staff', 'add_admin', 'remove_admin')),
    target_id  INTEGER NOT NULL
);
