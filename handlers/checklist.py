"""Work in progress: being written now (see the open issue)."""

from __future__ import annotations

from aiogram import Router


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
