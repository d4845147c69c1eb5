-- The personal departure checklist and flight plan (handlers/checklist.py). Only dates and item
-- states: no names, no passport numbers, no flight numbers. Deleting the user erases both.
--   flight_date  the flight's day in Korea time (ISO), NULL until the user enters it
--   flight_time  HH:MM in Korea time, NULL when not known yet
CREATE TABLE departure_plans (
    user_id      INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    flight_date  TEXT,
    flight_time  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- One row per ticked item: ticking is an INSERT and unticking a DELETE, so two quick presses on
-- different items can never overwrite each other's state. Deleting the plan deletes these too
-- (storage/checklists.py, one transaction).
CREATE TABLE checklist_items (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item     TEXT NOT NULL,
    done_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, item)
);
