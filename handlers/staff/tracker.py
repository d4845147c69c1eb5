"""/tracker: staff move Kazakhstan's accession stage and its note, and subscribers get the news.

An editor of the shared kind: stage (buttons) -> note in kk -> ru -> en -> source -> preview of
the news in all three languages -> confirm. Saving a changed status queues one "tracker.news"
reminder per reachable subscriber, delivered at Telegram's pace.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.eps.tracker import (
    FACT_KEY,
    JOINED,
    LANGUAGES,
    NOTE_LIMIT,
    STAGE_COUNT,
    STAGE_TITLES,
    TOPIC,
    accession_value,
    excerpt,
    parse_accession,
    publish_news,
    render_news,
    render_screen,
    same_status,
    stage_label,
    today_in_kazakhstan,
)
from bot.i18n import LANGUAGE_NAMES, in_locale
from handlers.staff.editor import EditorContext, FactEditor
from handlers.staff.fields import Choice, ChoiceField, Draft, NoteField, SourceField
from storage.content import Fact, FactVersion


def _stage_choice(number: int) -> Choice:
    return Choice(f"stage_{number}", str(number), lambda: f"{number}. {STAGE_TITLES[number]}")


def _current_note(fact: Fact, language: str) -> str:
    return parse_accession(fact.value).note.get(language, "")


class TrackerEditor(FactEditor):
    prefix = "tracker"
    fact_key = FACT_KEY
    command = "tracker"
    name = __("Accession tracker")
    states_name = "TrackerEdit"
    edit_label = __("✏️ Update the stage and note")
    confirm_label = __("✅ Confirm and notify")
    status_fields = ("stage",)
    fields = (
        ChoiceField(
            "stage",
            prompt=lambda: _("Which stage is Kazakhstan at now?"),
            options=(
                *(_stage_choice(number) for number in range(1, STAGE_COUNT + 1)),
                Choice("joined", str(JOINED), lambda: _("🎉 All three stages passed")),
            ),
            current=lambda fact: str(parse_accession(fact.value).stage),
        ),
        *(
            NoteField(f"note_{code}", language=code, limit=NOTE_LIMIT, current=_current_note)
            for code in LANGUAGES
        ),
        SourceField("source"),
    )

    def today(self, now: float) -> date:
        return today_in_kazakhstan(now)  # Kazakhstan's accession: Kazakhstan's calendar

    def value(self, answers: Draft, current: Fact, today: date) -> dict[str, Any]:
        """The new value; a status that stays the same (stage and notes) keeps its date."""
        notes = {code: answers[f"note_{code}"] for code in LANGUAGES}
        value = accession_value(int(answers["stage"]), today, notes)
        return dict(current.value) if same_status(current.value, value) else value

    async def panel_text(self, ctx: EditorContext) -> str:
        facts = await ctx.content.get_many((FACT_KEY, "contacts"))
        count = await ctx.subscriptions.count_reachable(TOPIC)
        reach = ngettext(
            "The next update goes to {count} subscriber.",
            "The next update goes to {count} subscribers.",
            count,
        ).format(count=count)
        screen = render_screen(facts[FACT_KEY], facts["contacts"], subscribed=False)
        return "\n".join([reach, _("Users see this now:"), "", screen])

    async def preview_text(self, ctx: EditorContext, draft: Fact) -> str:
        count = await ctx.subscriptions.count_reachable(TOPIC)
        lines = [
            _(
                "<b>Preview</b>. Subscribers get this message, each in their own language; the "
                "tracker screen shows the same status."
            ),
            ngettext(
                "It will be sent to {count} subscriber.",
                "It will be sent to {count} subscribers.",
                count,
            ).format(count=count),
        ]
        for code in LANGUAGES:
            with in_locale(code):
                news = render_news(draft)
            lines += ["", f"<b>— {LANGUAGE_NAMES[code]} —</b>", news]
        return "\n".join(lines)

    async def published(self, ctx: EditorContext, before: Fact, saved: Fact) -> str:
        if same_status(before.value, saved.value) or not saved.confirmed:
            return _("✅ Saved. The status itself did not change, so nobody was notified.")
        now = int(ctx.clock.now())
        count = await publish_news(ctx.reminders, ctx.subscriptions, saved, now=now)
        return ngettext(
            "✅ Saved. The news is queued for {count} subscriber. It goes out at the pace "
            "Telegram allows; people in their night hours get it in the morning.",
            "✅ Saved. The news is queued for {count} subscribers. It goes out at the pace "
            "Telegram allows; people in their night hours get it in the morning.",
            count,
        ).format(count=count)

    def history_lines(self, version: FactVersion) -> list[str]:
        stage = parse_accession(version.value).stage
        return [escape(stage_label(stage)), f"📝 {excerpt(version.value)}"]


EDITOR = TrackerEditor()
# The editor's dialogue states (TrackerEdit:<field>), for whoever looks them up by name.
TrackerEdit = EDITOR.states
