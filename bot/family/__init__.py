"""For families at home: the family section, and following a relative's departure plan."""
