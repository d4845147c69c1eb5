"""A user's own data: what the bot keeps about them, gathered from every feature, and erasing it."""
