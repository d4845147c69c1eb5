-- A correction to the seed (bot/content/facts.json) reaches databases that already hold the
-- fact, as long as staff never edited it: each seeded fact remembers the seed revision it came
-- from, and a higher revision in the seed replaces it (the old version stays in the history).
-- A staff edit is never overwritten by a deploy.
ALTER TABLE content ADD COLUMN seed_revision INTEGER NOT NULL DEFAULT 1;
