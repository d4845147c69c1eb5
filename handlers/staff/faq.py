"""FAQ entries for staff: /faq lists hidden entries and adds new ones; every published entry
has "✏️ Edit this answer (staff)" on its own screen. One editor of the shared kind, for many
facts: which entry is edited lives in the dialogue's data.

Steps: topic → question kk, ru, en → answer kk, ru, en → synonyms (optional, any language) →
shown or hidden → confidence → source → preview as users will see it → confirm. Saving writes
a version with history like every fact, and the search index picks the change up at once
(bot/faq/service.py)."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, ClassVar

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.departure.plan import korea_today
from bot.faq.model import (
    ANSWER_LIMIT,
    KEY_PREFIX,
    KEYWORDS_LIMIT,
    LANGUAGES,
    QUESTION_LIMIT,
    TOPICS,
    in_language,
    is_faq,
    is_hidden,
    ordered,
    topic_label,
    topic_of,
)
from bot.faq.screens import STAFF_EDIT_PREFIX, entry_id, entry_text
from bot.telegram.callbacks import MenuCb, StaffCb
from bot.telegram.dialogue import leave_dialogue, out_of_date
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard, show
from handlers.staff.editor import EditorContext, FactEditor
from handlers.staff.fields import (
    Choice,
    ChoiceField,
    Draft,
    SourceField,
    TextField,
    confidence_field,
)
from storage.content import Confidence, ContentRepository, Fact, FactVersion

KEY_FIELD = "faq_key"  # in the dialogue's data: the entry being edited
LIST_ACTION = "faq_list"
NEW_ACTION = "faq_new"
LIST_LIMIT = 12


def _words(fact: Fact) -> str:
    """Every synonym of an entry, whatever its language, as staff edit them: one list."""
    groups = fact.value.get("keywords") or {}
    words = [str(w) for group in groups.values() if isinstance(group, list) for w in group]
    return ", ".join(dict.fromkeys(words))


def _text(name: str) -> Any:
    return lambda fact, language: in_language(fact.value, name, language) if fact.value else ""


def _question_prompt(language: str, limit: int) -> str:
    return _(
        "The question in {language}, as a user would ask it (up to {limit} characters)."
    ).format(language=language, limit=limit)


def _answer_prompt(language: str, limit: int) -> str:
    return _(
        "The answer in {language} (up to {limit} characters): plain text, the first sentence "
        "answers the question. Unconfirmed points say so and name who can answer."
    ).format(language=language, limit=limit)


FIELDS = (
    ChoiceField(
        "topic",
        prompt=lambda: _("Which topic does this question belong to?"),
        options=tuple(
            Choice(f"t_{t.key}", t.key, (lambda label=t.label: str(label))) for t in TOPICS
        ),
        current=topic_of,
    ),
    *(
        TextField(
            f"q_{code}",
            language=code,
            limit=QUESTION_LIMIT,
            prompt=_question_prompt,
            current=_text("q"),
            what=lambda language: _("the question in {language}").format(language=language),
        )
        for code in LANGUAGES
    ),
    *(
        TextField(
            f"a_{code}",
            language=code,
            limit=ANSWER_LIMIT,
            prompt=_answer_prompt,
            current=_text("a"),
            what=lambda language: _("the answer in {language}").format(language=language),
        )
        for code in LANGUAGES
    ),
    TextField(
        "keywords",
        limit=KEYWORDS_LIMIT,
        prompt=lambda language, limit: _(
            "Other words people use for this, in any language, separated by commas (up to "
            "{limit} characters): search finds the entry by them too."
        ).format(limit=limit),
        current=lambda fact, language: _words(fact),
        what=lambda language: _("the synonyms"),
        optional=True,
    ),
    ChoiceField(
        "visible",
        prompt=lambda: _("Show this entry to users?"),
        options=(
            Choice("vis_on", "yes", lambda: _("👁 Shown: in topics and search")),
            Choice("vis_off", "no", lambda: _("🙈 Hidden: staff only")),
        ),
        current=lambda fact: "" if not fact.value else ("no" if is_hidden(fact) else "yes"),
    ),
    confidence_field(),
    SourceField("source"),
)


def _blank(key: str, today: date) -> Fact:
    """A new entry before its first save: nothing to keep, no source yet."""
    return Fact(
        key=key,
        value={},
        source_url="",
        source_date=None,
        checked_on=today,
        confidence=Confidence.HIGH,
    )


class FaqEditor(FactEditor):
    prefix = "faq"
    command = "faq"
    states_name = "FaqEdit"
    fact_key = ""  # many facts: see key_of
    name = __("FAQ entry")
    edit_label = __("✏️ Edit this entry")
    confirm_label = __("✅ Confirm and publish")
    status_fields: ClassVar[tuple[str, ...]] = ()
    fields = FIELDS
    history_limit = 5

    def today(self, now: float) -> date:
        return korea_today(now)

    async def key_of(self, state: FSMContext) -> str:
        return str((await state.get_data()).get(KEY_FIELD) or "")

    async def current(self, ctx: EditorContext, key: str) -> Fact:
        found = await ctx.content.find(key) if is_faq(key) else None
        return found or _blank(key, self.today(ctx.clock.now()))

    def kept_data(self, data: Any) -> dict[str, Any]:
        key = data.get(KEY_FIELD)
        return {KEY_FIELD: key} if key else {}

    def value(self, answers: Draft, current: Fact, today: date) -> dict[str, Any]:
        value: dict[str, Any] = dict(current.value)
        value["topic"] = answers["topic"]
        value["q"] = {code: answers[f"q_{code}"] for code in LANGUAGES}
        value["a"] = {code: answers[f"a_{code}"] for code in LANGUAGES}
        typed = answers.get("keywords", "")
        if typed.strip() != _words(current).strip():
            words = [w.strip() for w in typed.split(",") if w.strip()]
            value["keywords"] = {"all": words} if words else {}
        value["hidden"] = answers.get("visible") == "no"
        return value

    async def panel_text(self, ctx: EditorContext) -> str:
        fact = await ctx.content.find(ctx.key)
        if fact is None:
            return _("A new entry: nothing is published yet.")
        shown = (
            _("🙈 Hidden: users do not see it.") if is_hidden(fact) else _("Users see this now:")
        )
        return join(shown, entry_text(fact))

    async def preview_text(self, ctx: EditorContext, draft: Fact) -> str:
        questions = "\n".join(
            f"{code}: {escape(in_language(draft.value, 'q', code))}" for code in LANGUAGES
        )
        visibility = (
            _("🙈 Hidden: users will not see it.")
            if is_hidden(draft)
            else _("👁 Shown in «{topic}» and in search.").format(topic=topic_label(topic_of(draft)))
        )
        return join(
            _("<b>Preview</b>: users will see this (each in their own language):"),
            "──────────\n" + entry_text(draft) + "\n──────────",
            _("<b>The question in every language</b>") + "\n" + questions,
            visibility,
            _("Publish this?"),
        )

    async def published(self, ctx: EditorContext, before: Fact, saved: Fact) -> str:
        if is_hidden(saved):
            return _("✅ Saved. The entry is hidden: users do not see it.")
        intro = _("✅ Published. Search finds it from now on. Users see:")
        return join(intro, entry_text(saved))

    def history_lines(self, version: FactVersion) -> list[str]:
        question = escape(in_language(version.value, "q"))
        hidden = _(" (hidden)") if version.value.get("hidden") else ""
        return [f"«{question}»{hidden}"]

    @property
    def actions(self) -> tuple[str, ...]:
        return (*super().actions, LIST_ACTION, NEW_ACTION, STAFF_EDIT_PREFIX + "eps_when")

    def register(self, router: Router, staff: Filter) -> None:
        async def open_list(event: Message | CallbackQuery, state: FSMContext, **deps: Any) -> None:
            left = await leave_dialogue(state)
            await show(event, (await list_screen(deps["content"])).above(left))

        async def open_entry(
            query: CallbackQuery, callback_data: StaffCb, state: FSMContext, **deps: Any
        ) -> None:
            key = KEY_PREFIX + callback_data.action.removeprefix(STAFF_EDIT_PREFIX)
            if await deps["content"].find(key) is None:
                await out_of_date(query)
                return
            await leave_dialogue(state)
            await state.set_data({KEY_FIELD: key})
            await self._show_panel(query, state, deps)

        async def new_entry(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            await leave_dialogue(state)
            now = deps["clock"].now()
            key = f"{KEY_PREFIX}n{int(now * 1000):x}"
            await state.set_data({KEY_FIELD: key})
            await self._show_panel(query, state, deps)

        router.message.register(open_list, Command(self.command), staff)
        router.callback_query.register(open_list, StaffCb.filter(F.action == LIST_ACTION), staff)
        router.callback_query.register(new_entry, StaffCb.filter(F.action == NEW_ACTION), staff)
        router.callback_query.register(
            open_entry, StaffCb.filter(F.action.startswith(STAFF_EDIT_PREFIX)), staff
        )
        super().register(router, staff)

    async def _show_panel(self, query: CallbackQuery, state: FSMContext, deps: Any) -> None:
        await show(query, await self.panel(await self.context(state, deps)))


async def list_screen(content: ContentRepository) -> Screen:
    """/faq for staff: how many entries there are, the hidden ones (users cannot reach them,
    so staff need a way in), and a new entry."""
    entries = ordered(f for f in await content.all() if is_faq(f.key))
    hidden = [f for f in entries if is_hidden(f)]
    text = join(
        _("<b>FAQ entries</b> (staff)"),
        _("Shown: {shown} · hidden: {hidden}.").format(
            shown=len(entries) - len(hidden), hidden=len(hidden)
        ),
        _(
            "To change a shown entry, open it in ❓ Questions: it has an edit button for staff. "
            "Hidden entries are listed below."
        ),
    )
    rows = [
        [button(f"🙈 {in_language(f.value, 'q')}", StaffCb(action=STAFF_EDIT_PREFIX + entry_id(f)))]
        for f in hidden[:LIST_LIMIT]
    ]
    rows.append([button(_("➕ New entry"), StaffCb(action=NEW_ACTION))])
    rows.append([button(_("❓ Questions"), MenuCb(section="questions"))])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))


EDITOR = FaqEditor()
