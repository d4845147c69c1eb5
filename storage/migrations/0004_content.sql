-- Facts the bot states that can change (accession stage, programme window, contacts, age
-- bounds), each with its source and the day it was last checked. Staff edit them through the
-- bot; every version, the first included, is kept in content_history.
CREATE TABLE content (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL DEFAULT '{}',
    source_url  TEXT NOT NULL,
    source_date TEXT,
    checked_on  TEXT NOT NULL,
    confidence  TEXT NOT NULL CHECK (confidence IN ('H', 'M', 'L', 'UNCONFIRMED')),
    updated_at  INTEGER NOT NULL,
    updated_by  INTEGER
);
CREATE TABLE content_history (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL REFERENCES content (key) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    source_url  TEXT NOT NULL,
    source_date TEXT,
    checked_on  TEXT NOT NULL,
    confidence  TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    changed_by  INTEGER
);
CREATE INDEX content_history_by_key ON content_history (key, id);
