"""/programme: staff update the voluntary-departure programme window users see in 🛫.

An editor of the shared kind: first day -> last day (not before the first) -> cut-off
(optional) -> note in kk -> ru -> en -> source -> preview of the screen exactly as users will
see it -> confirm. /programme opens at the first step: the dates are what staff come to change.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.departure.guide import GUIDE_KEYS, programme_screen
from bot.departure.plan import korea_today
from bot.departure.programme import NOTE_LANGUAGES, NOTE_MAX_LENGTH, PROGRAMME_KEY, ProgrammeWindow
from bot.formatting import format_day
from bot.i18n import current_locale
from handlers.staff.editor import EditorContext, FactEditor
from handlers.staff.fields import DateField, Draft, NoteField, SourceField
from storage.content import Fact, FactVersion


def _window(fact: Fact) -> ProgrammeWindow:
    return ProgrammeWindow.from_value(fact.value)


def _day(value: date | None) -> str:
    return format_day(value, current_locale()) if value else "—"


def _note(fact: Fact, language: str) -> str:
    return _window(fact).note.get(language, "")


def _end_question(answers: Draft) -> str:
    start = answers.get("start")
    return _("Last day of the programme (inclusive)? It starts on {start}.").format(
        start=_day(date.fromisoformat(start) if start else None)
    )


def _end_too_early(start: str) -> str:
    return _(
        "The last day cannot be before the first day ({start}). Please send another date."
    ).format(start=start)


FIELDS = (
    DateField(
        "start",
        prompt=lambda answers: _(
            "First day of the programme? Send a date like 01.12.2025 or 2025-12-01."
        ),
        current=lambda fact: _window(fact).start,
    ),
    DateField(
        "end",
        prompt=_end_question,
        current=lambda fact: _window(fact).end,
        not_before="start",
        too_early=_end_too_early,
    ),
    DateField(
        "cutoff",
        prompt=lambda answers: _(
            "Cut-off date: the programme covers people whose stay became irregular before "
            "which day?"
        ),
        current=lambda fact: _window(fact).irregular_before,
        optional=True,
    ),
    *(
        NoteField(f"note_{code}", language=code, limit=NOTE_MAX_LENGTH, current=_note)
        for code in NOTE_LANGUAGES
    ),
    SourceField("source"),
)


class ProgrammeEditor(FactEditor):
    prefix = "prog"  # older than the shared editor: buttons already sent keep working
    command = "programme"
    states_name = "ProgrammeEdit"
    fact_key = PROGRAMME_KEY
    name = __("Programme window")
    edit_label = __("✏️ Update the programme window")
    confirm_label = __("✅ Confirm and publish")
    status_fields = ("start", "end", "cutoff")
    fields = FIELDS
    history_limit = 5
    opens_at_first_step = True

    def today(self, now: float) -> date:
        return korea_today(now)  # Korea's programme: Korea's calendar

    def value(self, answers: Draft, current: Fact, today: date) -> dict[str, Any]:
        cutoff = answers.get("cutoff")
        notes = {code: answers.get(f"note_{code}", "") for code in NOTE_LANGUAGES}
        window = ProgrammeWindow(
            start=date.fromisoformat(answers["start"]),
            end=date.fromisoformat(answers["end"]),
            irregular_before=date.fromisoformat(cutoff) if cutoff else None,
            note={code: note for code, note in notes.items() if note},
        )
        return window.to_value()

    async def users_view(self, ctx: EditorContext, programme: Fact | None = None) -> str:
        """The programme screen as users see it, with `programme` in place of the published
        fact when given (the preview)."""
        facts = await ctx.content.get_many(GUIDE_KEYS)
        if programme is not None:
            facts = {**facts, PROGRAMME_KEY: programme}
        return programme_screen(facts, korea_today(ctx.clock.now()))

    async def panel_text(self, ctx: EditorContext) -> str:
        return _("Users see this now:") + "\n\n" + await self.users_view(ctx)

    async def preview_text(self, ctx: EditorContext, draft: Fact) -> str:
        window = _window(draft)
        notes = "\n".join(
            f"{code}: {escape(window.note.get(code, '')) or '—'}" for code in NOTE_LANGUAGES
        )
        return "\n\n".join(
            [
                _("<b>Preview</b>: users will see this (each in their own language):"),
                "──────────\n" + await self.users_view(ctx, draft) + "\n──────────",
                _("<b>Notes in every language</b>") + "\n" + notes,
                _("Publish this?"),
            ]
        )

    async def published(self, ctx: EditorContext, before: Fact, saved: Fact) -> str:
        intro = _("✅ Published. Users now see the programme window like this:")
        return intro + "\n\n" + await self.users_view(ctx)

    def history_lines(self, version: FactVersion) -> list[str]:
        window = _window(version)
        cutoff = _day(window.irregular_before)
        return [
            _("{start} – {end}, cut-off {cutoff}").format(
                start=_day(window.start), end=_day(window.end), cutoff=cutoff
            )
        ]


EDITOR = ProgrammeEditor()
# The editor's dialogue states (ProgrammeEdit:<field>), for whoever looks them up by name.
ProgrammeEdit = EDITOR.states
