-- Everyone who has talked to the bot. Only what features need: no names, no phone numbers,
-- no passport data, no legal status. Timestamps are Unix seconds, UTC.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,                 -- Telegram user id
    language      TEXT,                                -- chosen language; NULL until the user picks one
    time_zone     TEXT,                                -- IANA zone; NULL means "the default for the audience"
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'staff', 'admin')),
    audience      TEXT CHECK (audience IN ('worker', 'family', 'other')),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    blocked_at    INTEGER                              -- set when Telegram says the user blocked the bot
);
CREATE INDEX users_by_audience ON users (audience) WHERE blocked_at IS NULL;
