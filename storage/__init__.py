"""Persistence: one SQLite database, versioned migrations, one repository per aggregate."""
