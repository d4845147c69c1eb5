-- Who asked to be told when something changes: one row per (topic, user), e.g. the topic
-- 'accession' for Kazakhstan's EPS accession tracker. Only the wish itself is stored.
-- Deleting the user deletes their subscriptions.
CREATE TABLE subscriptions (
    topic       TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (topic, user_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_user ON subscriptions (user_id);
