-- Reminders: the source of truth for what the scheduler arms. Times are Unix seconds, UTC.
--   due_at   when the user (or a feature) wants it
--   fire_at  when it will actually be sent: due_at, or the next morning when quiet hours apply
-- Status: pending -> sending (claimed) -> sent | failed; or pending -> cancelled | missed.
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    due_at      INTEGER NOT NULL,
    fire_at     INTEGER NOT NULL,
    urgent      INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'cancelled', 'missed', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    claimed_at  INTEGER,
    sent_at     INTEGER,
    last_error  TEXT
);
CREATE INDEX reminders_pending_by_time ON reminders (fire_at) WHERE status = 'pending';
CREATE INDEX reminders_by_user ON reminders (user_id, status);
