"""One staff editor for every fact staff change in the bot: /tracker, /programme, and the
editors later features add (announcements, FAQ entries) are configurations of this class.

What every editor does the same way:
- a panel: what users see now, with Update and History;
- one step per field (choice, date, note per language, source), "step n of N", the published
  value ("Now: …"), the answer given before ("Your answer: …" after Back), a Keep button where
  there is something to keep, Back and Cancel; bad input re-asks the same step with the problem
  above it, and typing where a button is expected says so;
- a preview of exactly what users will see, then one confirmation;
- saving writes a new version (content_history keeps every one, with who and when); a change
  that changes nothing is not saved; Cancel changes nothing;
- the draft lives in FSM data (SQLite), so a restart keeps the step and the answers, and the
  Dispatcher's event isolation makes a double press of Confirm publish once.

What differs is configuration: the fields, how the draft becomes the fact's value, the
preview, and what happens after saving (the tracker queues news for subscribers).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from html import escape
from typing import Any, ClassVar

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.clock import Clock
from bot.content.facts import source_name
from bot.content.profile import effective_time_zone
from bot.formatting import format_datetime, format_time_zone
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import ResumeCb, StaffCb
from bot.telegram.dialogue import (
    Steps,
    back_label,
    leave_dialogue,
    out_of_date,
    states_group,
    use_the_buttons,
)
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, keyboard, show
from handlers.staff.fields import CONFIDENCE_FIELD, Draft, Field, FieldProblem
from storage.content import Confidence, ContentRepository, Fact, FactVersion
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRecord

log = logging.getLogger(__name__)

VERBS = ("panel", "edit", "history", "resume", "keep", "back", "cancel", "confirm")


@dataclass(frozen=True, slots=True)
class EditorContext:
    """What an editor's configuration may use: the facts, the subscribers, the reminders
    engine (to queue news), the clock, and the staff member at the keyboard."""

    content: ContentRepository
    subscriptions: SubscriptionRepository
    reminders: ReminderEngine
    clock: Clock
    staff: UserRecord
    key: str = ""  # the fact being edited (editors of many facts: which one)


class FactEditor:
    """One editor: a subclass sets what it edits (the class attributes) and implements the
    hooks below; everything else is shared. Its states are built from the fields (one per
    field, named like it, then `preview`), stored as "<states_name>:<field>".

    Not an `abc.ABC`: its check reads every class attribute, which would translate the lazy
    labels at import time, outside any locale."""

    prefix: ClassVar[str]  # StaffCb actions are "<prefix>_<verb>"
    fact_key: ClassVar[str]
    command: ClassVar[str]
    name: ClassVar[LazyProxy]  # "Programme window": in titles, step headers and the history
    states_name: ClassVar[str]  # e.g. "TrackerEdit"
    fields: ClassVar[tuple[Field, ...]]
    edit_label: ClassVar[LazyProxy]
    confirm_label: ClassVar[LazyProxy]
    # Fields that say what the status is (the stage, the dates). When one of them changes and
    # a note or the source is kept as it was, the preview asks whether they still fit.
    status_fields: ClassVar[tuple[str, ...]] = ()
    history_limit: ClassVar[int] = 8
    opens_at_first_step: ClassVar[bool] = False  # the command skips the panel

    def today(self, now: float) -> date:
        """The fact's day ("checked on"): Korea's or Kazakhstan's calendar."""
        raise NotImplementedError

    def value(self, answers: Draft, current: Fact, today: date) -> dict[str, Any]:
        """The fact's new value from the draft answers (the current fact given for what is
        kept)."""
        raise NotImplementedError

    async def panel_text(self, ctx: EditorContext) -> str:
        """What users see now, and whom a change reaches (HTML)."""
        raise NotImplementedError

    async def preview_text(self, ctx: EditorContext, draft: Fact) -> str:
        """Exactly what users will see once the draft is saved (HTML)."""
        raise NotImplementedError

    async def published(self, ctx: EditorContext, before: Fact, saved: Fact) -> str:
        """After saving: what happened (the tracker queues news here)."""
        raise NotImplementedError

    def history_lines(self, version: FactVersion) -> list[str]:
        """One version in the history list, below its date and author."""
        raise NotImplementedError

    # -- which fact: one per editor, or one of many (FAQ entries) ---------------------------

    async def key_of(self, state: FSMContext) -> str:
        """The fact being edited. An editor of many facts (FAQ entries) keeps the key in the
        dialogue's data, chosen when the panel opens."""
        return self.fact_key

    async def current(self, ctx: EditorContext, key: str) -> Fact:
        """The published fact; an editor that creates facts returns a blank one for a new key."""
        return await ctx.content.get(key)

    def kept_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """What a new edit keeps of the dialogue's data (the key of the fact being edited)."""
        return {}

    def confidence(self, answers: Draft) -> Confidence | None:
        """The confidence to save: the answer of a `confidence_field()` step, or None (keep the
        current one) for an editor without one."""
        chosen = answers.get(CONFIDENCE_FIELD)
        return Confidence(chosen) if chosen else None

    # -- names and steps --------------------------------------------------------------------

    def action(self, verb: str) -> str:
        return f"{self.prefix}_{verb}"

    def data(self, verb: str) -> StaffCb:
        return StaffCb(action=self.action(verb))

    @property
    def actions(self) -> tuple[str, ...]:
        """Every staff button of this editor (the authorisation test walks them all)."""
        chosen = tuple(self.action(c.action) for f in self.fields for c in f.choices)
        return tuple(self.action(verb) for verb in VERBS) + chosen

    @cached_property
    def states(self) -> type[StatesGroup]:
        return states_group(self.states_name, [*(f.name for f in self.fields), "preview"])

    @cached_property
    def steps(self) -> Steps:
        return Steps(
            self.states,
            name=self.name,
            back=self.data("back"),
            cancel=self.data("cancel"),
            counted=len(self.fields),
        )

    def state_of(self, item: Field) -> State:
        state: State = getattr(self.states, item.name)
        return state

    @property
    def preview_state(self) -> State:
        state: State = self.states.preview  # type: ignore[attr-defined]
        return state

    def field_at(self, state: State | None) -> Field | None:
        return next((f for f in self.fields if state is self.state_of(f)), None)

    # -- screens -----------------------------------------------------------------------------

    def draft(self, answers: Draft, current: Fact, now: float) -> Fact:
        """The fact as it will be once confirmed: what the preview shows and Confirm saves. A
        new source has no publication date yet."""
        today = self.today(now)
        source = answers.get("source") or ""
        return replace(
            current,
            value=self.value(answers, current, today),
            source_url=source or current.source_url,
            source_date=None if source else current.source_date,
            checked_on=today,
            confidence=self.confidence(answers) or current.confidence,
        )

    async def panel(self, ctx: EditorContext) -> Screen:
        text = _("<b>{name}</b> (staff)").format(name=self.name) + "\n"
        text += await self.panel_text(ctx)
        return Screen(
            text,
            keyboard(
                [button(str(self.edit_label), self.data("edit"))],
                [button(_("🕘 History of changes"), self.data("history"))],
                [back_to_menu_button()],
            ),
        )

    def field_screen(self, item: Field, answers: Draft, current: Fact) -> Screen:
        steps = self.steps
        state = self.state_of(item)
        lines = [
            _("<b>{name}</b>, step {number} of {total}").format(
                name=self.name, number=steps.number(state), total=steps.total
            ),
            item.question(answers),
            _("Now: {current}").format(current=item.now(current)),
        ]
        if item.name in answers:
            lines.append(_("Your answer: {answer}").format(answer=item.shown(answers[item.name])))
        rows = [[button(c.label(), self.data(c.action))] for c in item.choices]
        if item.kept(current) is not None:
            rows.append([button(item.keep_label(current), self.data("keep"))])
        if state is steps.first:
            rows.append([button(_("🕘 History of changes"), self.data("history"))])
        rows.append(steps.nav_row(state))
        return Screen("\n".join(lines), keyboard(*rows))

    def kept_with_new_status(self, answers: Draft, current: Fact) -> list[Field]:
        """The texts kept as they were although the status changed: a January note under a
        new stage, "no extension confirmed" under new dates. Empty when nothing is at odds."""
        by_name = {f.name: f for f in self.fields}
        changed = any(
            name in answers and not by_name[name].unchanged(answers[name], current)
            for name in self.status_fields
        )
        if not changed:
            return []
        return [
            f
            for f in self.fields
            if f.name not in self.status_fields
            and f.name in answers
            and f.unchanged(answers[f.name], current)
        ]

    async def preview(self, ctx: EditorContext, answers: Draft, current: Fact) -> Screen:
        draft = self.draft(answers, current, ctx.clock.now())
        text = await self.preview_text(ctx, draft)
        confirm = str(self.confirm_label)
        kept = self.kept_with_new_status(answers, current)
        if kept:
            warning = _(
                "⚠️ <b>The status changed, but you kept {kept} as it was.</b> Check that it "
                "still says what is true now; if not, go back and change it."
            ).format(kept=", ".join(f.described() for f in kept))
            text = f"{warning}\n\n{text}"
            # The same button, saying what pressing it now also means.
            confirm = _("{confirm}: what I kept is still right").format(confirm=confirm)
        markup = keyboard(
            [button(confirm, self.data("confirm"))],
            self.steps.nav_row(self.preview_state),
        )
        return Screen(text, markup)

    def history(self, versions: list[FactVersion], staff: UserRecord, in_dialogue: bool) -> Screen:
        zone = effective_time_zone(staff)
        times = _("Times: {zone}").format(
            zone=format_time_zone(zone, current_locale(), versions[0].changed_at if versions else 0)
        )
        blocks = [_("<b>{name}: last versions</b>").format(name=self.name) + "\n" + times]
        for number, version in enumerate(versions, start=1):
            who = (
                _("staff member {id}").format(id=version.changed_by)
                if version.changed_by is not None
                else _("initial data")
            )
            head = _("{number}. {when} · {who}").format(
                number=number,
                when=format_datetime(version.changed_at, zone, current_locale()),
                who=who,
            )
            body = (
                [_("✅ Re-checked against the source, unchanged.")]
                if version.rechecked
                else self.history_lines(version)
            )
            source = f"🔎 {escape(source_name(version.source_url))}"
            blocks.append("\n".join([head, *body, source]))
        back = self.data("resume") if in_dialogue else self.data("panel")
        markup = keyboard([button(back_label(), back)], [back_to_menu_button()])
        return Screen("\n\n".join(blocks), markup)

    async def context(self, state: FSMContext, deps: Mapping[str, Any]) -> EditorContext:
        """What a handler's workflow data gives a configuration (aiogram hands handlers that
        take **kwargs all of it), with the fact being edited."""
        return EditorContext(
            deps["content"],
            deps["subscriptions"],
            deps["reminders"],
            deps["clock"],
            deps["user_record"],
            key=await self.key_of(state),
        )

    # -- moving through the dialogue --------------------------------------------------------

    async def show_step(
        self,
        event: Message | CallbackQuery,
        state: FSMContext,
        ctx: EditorContext,
        step: State,
        problem: str | None = None,
        *,
        above: str | None = None,
    ) -> None:
        """Go to `step` and show it; a preview whose draft lacks an answer (a draft from an
        older release) goes back to the first missing field instead."""
        answers = await state.get_data()
        if step is self.preview_state:
            missing = next((f for f in self.fields if f.name not in answers), None)
            if missing is not None:
                step = self.state_of(missing)
        await state.set_state(step)
        current = await self.current(ctx, await self.key_of(state))
        item = self.field_at(step)
        if item is None:
            screen = await self.preview(ctx, answers, current)
        else:
            screen = self.field_screen(item, answers, current)
        await show(event, screen.with_problem(problem).above(above))

    async def accept(
        self,
        event: Message | CallbackQuery,
        state: FSMContext,
        ctx: EditorContext,
        item: Field,
        answer: str,
    ) -> None:
        await state.update_data({item.name: answer})
        following = self.steps.after(self.state_of(item)) or self.preview_state
        await self.show_step(event, state, ctx, following)

    async def save(self, ctx: EditorContext, answers: Draft, key: str) -> Screen:
        current = await self.current(ctx, key)
        draft = self.draft(answers, current, ctx.clock.now())
        confidence = self.confidence(answers)
        if (
            draft.value == current.value
            and draft.source_url == current.source_url
            and confidence in (None, current.confidence)
        ):
            notice = _("Nothing has changed, so nothing was saved and nobody was notified.")
            return (await self.panel(ctx)).above(notice)
        if await ctx.content.find(key) is None:
            saved = await ctx.content.create(
                key,
                value=draft.value,
                source_url=draft.source_url,
                confidence=confidence or current.confidence,
                by=ctx.staff.id,
                now=int(ctx.clock.now()),
                checked_on=draft.checked_on,
            )
        else:
            saved = await ctx.content.update(
                key,
                value=draft.value,
                by=ctx.staff.id,
                now=int(ctx.clock.now()),
                checked_on=draft.checked_on,
                source_url=answers.get("source") or None,
                confidence=confidence,
            )
        log.info("fact %s updated by staff %s", key, ctx.staff.id)
        text = await self.published(ctx, current, saved)
        markup = keyboard(
            [button(_("🕘 History of changes"), self.data("history"))], [back_to_menu_button()]
        )
        return Screen(text, markup)

    # -- handlers ----------------------------------------------------------------------------

    def register(self, router: Router, staff: Filter) -> None:
        """Add this editor's handlers, all behind `staff`; non-staff fall through to the
        refusals registered after every editor."""
        steps = self.steps
        editing = steps.filter()
        own = StaffCb.filter(F.action.startswith(f"{self.prefix}_"))

        async def end_dialogue(state: FSMContext) -> None:
            """Leave the steps; an editor of many facts keeps which one it is on."""
            kept = self.kept_data(await state.get_data())
            await state.clear()
            if kept:
                await state.set_data(kept)

        async def open_panel(
            event: Message | CallbackQuery, state: FSMContext, **deps: Any
        ) -> None:
            kept = self.kept_data(await state.get_data())
            left = await leave_dialogue(state)
            if kept:
                await state.set_data(kept)
            ctx = await self.context(state, deps)
            if isinstance(event, Message) and self.opens_at_first_step:
                await state.set_data({})
                await self.show_step(event, state, ctx, steps.first, above=left)
                return
            await show(event, (await self.panel(ctx)).above(left))

        async def start_editing(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            await state.set_data(self.kept_data(await state.get_data()))
            await self.show_step(query, state, await self.context(state, deps), steps.first)

        async def open_history(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            ctx = await self.context(state, deps)
            versions = await ctx.content.history(await self.key_of(state), limit=self.history_limit)
            in_dialogue = await steps.current(state) is not None
            await show(query, self.history(versions, ctx.staff, in_dialogue))

        async def resume(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            step = await steps.current(state)
            if step is None:
                await out_of_date(query)
                return
            await self.show_step(query, state, await self.context(state, deps), step)

        async def choose(
            query: CallbackQuery, callback_data: StaffCb, state: FSMContext, **deps: Any
        ) -> None:
            item = self.field_at(await steps.current(state))
            offered = item.choices if item else ()
            choice = next(
                (c for c in offered if self.action(c.action) == callback_data.action), None
            )
            if item is None or choice is None:
                await out_of_date(query)
                return
            await self.accept(query, state, await self.context(state, deps), item, choice.value)

        async def keep(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            ctx = await self.context(state, deps)
            item = self.field_at(await steps.current(state))
            current = await self.current(ctx, await self.key_of(state))
            kept = item.kept(current) if item else None
            if item is None or kept is None:
                await out_of_date(query)
                return
            await self.accept(query, state, ctx, item, kept)

        async def typed(message: Message, state: FSMContext, **deps: Any) -> None:
            ctx = await self.context(state, deps)
            step = await steps.current(state)
            item = self.field_at(step)
            if step is None:
                return
            if item is None:  # the preview: a confirmation is a button
                await self.show_step(message, state, ctx, step, use_the_buttons())
                return
            answers = await state.get_data()
            try:
                answer = item.parse(message.text, answers, self.today(ctx.clock.now()))
            except FieldProblem as problem:
                await self.show_step(message, state, ctx, step, str(problem))
                return
            await self.accept(message, state, ctx, item, answer)

        async def go_back(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            step = await steps.current(state)
            previous = steps.before(step) if step else None
            if previous is None:
                await out_of_date(query)
                return
            await self.show_step(query, state, await self.context(state, deps), previous)

        async def cancel(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            await end_dialogue(state)
            panel = await self.panel(await self.context(state, deps))
            await show(query, panel.above(_("✖️ Cancelled: nothing was changed.")))

        async def confirm(query: CallbackQuery, state: FSMContext, **deps: Any) -> None:
            # A second press of a double tap arrives after the first finished (event
            # isolation), finds the dialogue over, and is told the button is out of date.
            if await steps.current(state) is not self.preview_state:
                await out_of_date(query)
                return
            answers = await state.get_data()
            if any(f.name not in answers for f in self.fields):
                await self.show_step(
                    query, state, await self.context(state, deps), self.preview_state
                )
                return
            ctx = await self.context(state, deps)
            await end_dialogue(state)
            await show(query, await self.save(ctx, answers, ctx.key))

        def on(verb: str) -> Filter:
            return StaffCb.filter(F.action == self.action(verb))

        router.message.register(open_panel, Command(self.command), staff)
        router.callback_query.register(open_panel, on("panel"), staff)
        router.callback_query.register(start_editing, on("edit"), staff)
        router.callback_query.register(open_history, on("history"), staff)
        router.callback_query.register(resume, on("resume"), staff)
        router.callback_query.register(resume, ResumeCb.filter(), editing, staff)
        router.callback_query.register(cancel, on("cancel"), editing, staff)
        router.callback_query.register(go_back, on("back"), editing, staff)
        router.callback_query.register(keep, on("keep"), editing, staff)
        router.callback_query.register(
            confirm, on("confirm"), steps.filter(self.preview_state), staff
        )
        choices = {self.action(c.action) for f in self.fields for c in f.choices}
        if choices:
            router.callback_query.register(
                choose, StaffCb.filter(F.action.in_(choices)), editing, staff
            )
        router.callback_query.register(out_of_date, own, staff)
        router.message.register(typed, editing, NotACommand(), staff)
