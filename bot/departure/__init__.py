"""Leaving Korea: the voluntary-departure guide, the plan, the checklist and its reminders."""
