"""❓ Questions: FAQ entries as content facts, found by fuzzy search in any language."""
