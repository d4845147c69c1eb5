-- A worker shares their departure plan with their family (bot/family/, handlers/sharing.py).
-- Nothing is shared by default: a row here exists only while the worker shares. Only the code,
-- the two user ids, the family member's own label and times are kept; the plan itself is read
-- from departure_plans at every open, so a change or a revoke shows at once.

-- One active code per worker. Deleting it ("Stop sharing", "New code", the worker's
-- /deletemydata) deletes every follow made with it.
--   code  8 characters of an unambiguous alphabet (bot/family/sharing.py), stored without the
--         dash; random (secrets), never derived from the user
CREATE TABLE plan_shares (
    user_id     INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- A family member following a shared plan.
--   user_id   the family member
--   owner_id  the worker whose plan it is
--   code      the code it was made with: a new code or a revoke deletes the follow
--   label     what the family member calls the relative ("brother"), optional
CREATE TABLE plan_follows (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code        TEXT NOT NULL REFERENCES plan_shares (code) ON DELETE CASCADE,
    label       TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, owner_id)
);
CREATE INDEX plan_follows_by_code ON plan_follows (code);
CREATE INDEX plan_follows_by_owner ON plan_follows (owner_id);
