-- Dialogue (FSM) state, so a restart in the middle of a questionnaire loses nothing.
-- user_id is kept beside the aiogram key so "delete my data" can remove a user's rows.
CREATE TABLE fsm_states (
    key         TEXT PRIMARY KEY,
    user_id     INTEGER,
    state       TEXT,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  INTEGER NOT NULL
);
CREATE INDEX fsm_states_by_user ON fsm_states (user_id);
