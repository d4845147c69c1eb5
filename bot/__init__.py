"""Jolserik: a Telegram bot for Kazakhstan's citizens working in South Korea and their families."""
