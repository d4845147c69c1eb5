-- Announcements (issue 13): staff speak to many users at Telegram's pace. SQLite is the queue:
-- one row per announcement, one row per recipient, so a restart resumes where it stopped.
--   draft        the Draft as JSON (versions per language with their entities, audience, ...)
--   n_*          counts kept by the triggers below, so progress is one row read, not a scan
CREATE TABLE announcements (
    id                   INTEGER PRIMARY KEY,
    created_by           INTEGER NOT NULL,             -- the staff member's Telegram id
    created_at           INTEGER NOT NULL,
    status               TEXT NOT NULL
                         CHECK (status IN ('scheduled', 'running', 'paused', 'done', 'cancelled')),
    draft                TEXT NOT NULL,
    scheduled_at         INTEGER,
    started_at           INTEGER,
    finished_at          INTEGER,
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER,
    n_total              INTEGER NOT NULL DEFAULT 0,
    n_sent               INTEGER NOT NULL DEFAULT 0,
    n_blocked            INTEGER NOT NULL DEFAULT 0,
    n_failed             INTEGER NOT NULL DEFAULT 0,
    n_cancelled          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX announcements_by_status ON announcements (status, scheduled_at);

-- Materialized when sending starts. At most once: pending -> sending (claimed by one
-- conditional UPDATE) -> sent | blocked | failed; a row left in 'sending' by a crash is closed
-- as failed ('interrupted') and never sent again. not_before: quiet hours in the reader's zone.
CREATE TABLE announcement_recipients (
    announcement_id  INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    locale           TEXT NOT NULL,
    not_before       INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed',
                                       'cancelled')),
    finished_at      INTEGER,
    error            TEXT,
    PRIMARY KEY (announcement_id, user_id)
) WITHOUT ROWID;
-- Claiming: the pending rows of one announcement whose time has come, earliest first.
CREATE INDEX announcement_recipients_claim
    ON announcement_recipients (announcement_id, status, not_before);
-- "Announcements you received", and deleting a user (the foreign key's cascade).
CREATE INDEX announcement_recipients_by_user ON announcement_recipients (user_id, status);

CREATE TRIGGER announcement_recipients_counted
AFTER UPDATE OF status ON announcement_recipients
WHEN NEW.status <> OLD.status AND NEW.status IN ('sent', 'blocked', 'failed', 'cancelled')
BEGIN
    UPDATE announcements SET
        n_sent = n_sent + (NEW.status = 'sent'),
        n_blocked = n_blocked + (NEW.status = 'blocked'),
        n_failed = n_failed + (NEW.status = 'failed'),
        n_cancelled = n_cancelled + (NEW.status = 'cancelled')
    WHERE id = NEW.announcement_id;
END;

-- A user who erases their data takes their rows along; the counts follow.
CREATE TRIGGER announcement_recipients_uncounted
AFTER DELETE ON announcement_recipients
BEGIN
    UPDATE announcements SET
        n_total = n_total - 1,
        n_sent = n_sent - (OLD.status = 'sent'),
        n_blocked = n_blocked - (OLD.status = 'blocked'),
        n_failed = n_failed - (OLD.status = 'failed'),
        n_cancelled = n_cancelled - (OLD.status = 'cancelled')
    WHERE id = OLD.announcement_id;
END;

-- "No announcements, please": urgent ones still come.
ALTER TABLE users ADD COLUMN announcements_muted INTEGER NOT NULL DEFAULT 0;
