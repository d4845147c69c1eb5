-- The last EPS self-check result of each user: per rule, the outcome and a short reason code.
-- Never the answers themselves (no birth date, nothing said about a stay in Korea or health):
-- those live only in the dialogue's FSM data and are dropped when the result is shown.
-- `checked_on` is the calendar day of the check in the user's time zone (ISO date).
CREATE TABLE eligibility_results (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rule        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('met', 'not_met', 'unclear')),
    reason      TEXT NOT NULL DEFAULT '',
    checked_on  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, rule)
) WITHOUT ROWID;
