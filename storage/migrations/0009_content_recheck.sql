-- "Re-checked, unchanged": staff confirm a fact still matches its source in one step. That
-- moves the fact's checked day forward without a new value, and history keeps the act with
-- who and when, told apart from an edit by `change` ('edit', or 'recheck').
ALTER TABLE content_history ADD COLUMN change TEXT NOT NULL DEFAULT 'edit'
    CHECK (change IN ('edit', 'recheck'));
