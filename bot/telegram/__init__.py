"""Telegram plumbing every feature shares: callbacks, filters, middlewares, menus, screens."""
