"""Announcements: staff speak to users, per language, at Telegram's pace (issue 13)."""
