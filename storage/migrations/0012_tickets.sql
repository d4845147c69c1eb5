-- "Ask a person" (the relay): a user's question becomes a ticket that staff answer in the staff
-- chat (STAFF_CHAT_ID). SQLite is the truth and the queue, so nothing is lost across restarts.
-- Times are Unix seconds, UTC.

-- One row per question thread. Deleted with its user (/deletemydata), and by the retention
-- purge once closed for TICKET_RETENTION_DAYS.
--   display_name     the person's name and @username, only when they chose to show it
--   staff_chat_id    where the ticket lives in the staff chat (the setting may change later)
--   staff_thread_id  its forum topic (forum mode), or NULL (replies mode, or not posted yet)
--   staff_post_id    the ticket post staff reply to; NULL until it landed
--   closed_by        the staff member who closed it; NULL when the person closed it
CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    language         TEXT NOT NULL,
    audience         TEXT,
    display_name     TEXT,
    created_at       INTEGER NOT NULL,
    first_answer_at  INTEGER,
    closed_at        INTEGER,
    closed_by        INTEGER,
    staff_chat_id    INTEGER,
    staff_thread_id  INTEGER,
    staff_post_id    INTEGER
);
CREATE INDEX tickets_by_user ON tickets (user_id, created_at);
CREATE INDEX tickets_open ON tickets (status, id);
CREATE INDEX tickets_by_thread ON tickets (staff_chat_id, staff_thread_id);

-- What was said, both ways, and its delivery to the other side.
--   direction   'question' (the person -> the staff chat) or 'answer' (staff -> the person)
--   text        HTML-escaped for questions; the staff member's formatting (HTML) for answers
--   sent_by     the staff member who answered (NULL for the person's own messages)
--   delivery    pending -> sending (claimed) -> delivered | undeliverable (the person blocked
--               the bot) | failed (gave up after many attempts). A row a crash left in
--               'sending' goes back to pending at start-up: a post may be repeated, never lost.
--   chat_message_id  where it landed: the bot's message in the staff chat (a question) or in
--               the person's chat (an answer; a Telegram reply to it continues the ticket)
CREATE TABLE ticket_messages (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction        TEXT NOT NULL CHECK (direction IN ('question', 'answer')),
    text             TEXT NOT NULL DEFAULT '',
    photo_id         TEXT,
    faq_key          TEXT,
    sent_by          INTEGER,
    source_message_id INTEGER,
    created_at       INTEGER NOT NULL,
    delivery         TEXT NOT NULL DEFAULT 'pending'
                     CHECK (delivery IN ('pending', 'sending', 'delivered', 'undeliverable',
                                         'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    delivered_at     INTEGER,
    chat_message_id  INTEGER,
    last_error       TEXT
);
CREATE INDEX ticket_messages_due ON ticket_messages (next_attempt_at) WHERE delivery = 'pending';
CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket_id, direction, id);

-- Every message the bot posted in the staff chat for a ticket: a staff reply to any of them
-- answers that ticket, and /deletemydata deletes them (Telegram allows it for 48 hours).
CREATE TABLE ticket_staff_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    posted_at   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX ticket_staff_messages_by_ticket ON ticket_staff_messages (ticket_id);

-- People staff blocked from the relay. Goes with the user on /deletemydata.
CREATE TABLE relay_blocks (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    blocked_at  INTEGER NOT NULL,
    blocked_by  INTEGER,
    ticket_id   INTEGER
);

-- How long people waited for a first answer: no ticket, no person, only two numbers, so the
-- estimate ("usually within 3 hours") survives the tickets' deletion. Kept 30 days.
CREATE TABLE relay_response_times (
    asked_at     INTEGER NOT NULL,
    wait_seconds INTEGER NOT NULL
);
CREATE INDEX relay_response_times_by_time ON relay_response_times (asked_at);
