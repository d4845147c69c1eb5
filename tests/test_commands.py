"""Bot commands are registered in every language at start-up."""

from __future__ import annotations

from aiogram.methods import SetMyCommands


async def test_startup_registers_commands_per_language(app, bot, session) -> None:
    await app.dispatcher.emit_startup(bot=bot, **app.dispatcher.workflow_data)
    calls = session.calls_of(SetMyCommands)
    by_language = {call.language_code: call.commands for call in calls}
    assert set(by_language) == {"kk", "ru", "en", None}
    descriptions = {
        lang: {c.command: c.description for c in commands} for lang, commands in by_language.items()
    }
    assert descriptions["kk"]["menu"] == "Басты мәзір"
    assert descriptions["ru"]["menu"] == "Главное меню"
    assert descriptions["en"]["menu"] == "Main menu"
    assert descriptions[None] == descriptions["kk"]  # default language for everybody else
    assert [c.command for c in by_language["en"]] == [
        "menu",
        "eps",
        "reminders",
        "selfcheck",
        "departure",
        "checklist",
        "questions",
        "family",
        "follow",
        "ask",
        "announcements",
        "contacts",
        "language",
        "mydata",
        "privacy",
        "deletemydata",
        "help",
        "cancel",
        "start",
    ]
