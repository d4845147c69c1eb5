"""The reminders engine and the one sending path for bot-initiated messages."""
