"""Operator commands (backup, restore, stats); nothing here imports aiogram."""
