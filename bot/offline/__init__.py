"""The in-process Telegram used by the tests and the console: fake Bot API, simulated user."""
