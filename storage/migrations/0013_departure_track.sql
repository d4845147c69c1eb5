-- Which departure track the user chose in 🛫 Leaving Korea (bot/departure/tracks.py):
--   track  'legal'      leaving at the end of the contract or with a valid visa: no
--                       voluntary-departure report, its own guide and checklist
--          'irregular'  the stay has become irregular: the voluntary-departure guide and checklist
--          NULL         not chosen yet: the section's first screen asks
-- Nothing else is stored about the situation. A plan row may now exist with only a track.
ALTER TABLE departure_plans ADD COLUMN track TEXT CHECK (track IN ('legal', 'irregular'));
-- Until now every plan was a voluntary-departure plan (a flight date or ticks on that checklist):
-- their screens stay as they were.
UPDATE departure_plans SET track = 'irregular';
