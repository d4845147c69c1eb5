"""The dialogue kit every feature uses: steps over a StatesGroup, the Back/Cancel row, the
one answer to an outdated button, the one "use the buttons" text, and the one way to open a
section by its command and by its button.

Why our own and not aiogram_dialog or aiogram's Scenes: both change every callback format that
the authorisation and forged-button tests rely on, add a router level per dialogue (each costs
~25 µs an update), and are built around Fluent rather than gettext. What the dialogues here
share is small and fits in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.telegram.callbacks import ResumeCb
from bot.telegram.screens import Row, Screen, button


def out_of_date_text() -> str:
    return _("This button is out of date.")


async def out_of_date(query: CallbackQuery) -> None:
    """A button whose dialogue has ended, from an older release, or forged: say so, change
    nothing. Registered after a feature's real button handlers, it catches what they refuse."""
    await query.answer(out_of_date_text())


def use_the_buttons() -> str:
    """The problem line when text arrives where a choice among buttons is expected."""
    return _("Please use the buttons below.")


def back_label() -> str:
    return _("⬅️ Back")


def cancel_label() -> str:
    return _("✖️ Cancel")


def on_command_or_button(
    router: Router,
    command: str,
    button_filter: Filter | Any,
    handler: Callable[..., Any],
    *filters: Any,
) -> None:
    """Register one handler for a section's `/command` and for its button.

    The handler takes the event as `Message | CallbackQuery` and ends with `show(event, ...)`,
    which sends after a command and edits in place after a button: one handler, not twins.
    """
    router.message.register(handler, Command(command), *filters)
    router.callback_query.register(handler, button_filter, *filters)


# The name of each dialogue, by its StatesGroup: what "/cancel", "continue where you left off"
# and "you left ... unfinished" call it. Filled by `Steps` as dialogues are defined.
_NAMES: dict[str, LazyProxy] = {}


def dialogue_name(state_name: str | None) -> str | None:
    """The name of the dialogue a stored state belongs to (None: none, or not a named one)."""
    if not state_name:
        return None
    name = _NAMES.get(state_name.partition(":")[0])
    return str(name) if name is not None else None


async def leave_dialogue(state: FSMContext) -> str | None:
    """Leave whatever dialogue is in progress (a section is opened); the line to show above the
    new screen when one was left unfinished, so the user knows it is gone."""
    name = dialogue_name(await state.get_state())
    await state.clear()
    if name is None:
        return None
    return _("«{dialogue}» was left unfinished; its answers were not kept.").format(dialogue=name)


async def keep_dialogue(state: FSMContext, screen: Screen) -> Screen:
    """For a screen that only shows something (/help, /privacy, /mydata, /language): the
    dialogue in progress stays, and a button on top leads back into it."""
    name = dialogue_name(await state.get_state())
    if name is None:
        return screen
    label = _("↩️ Continue: {dialogue}").format(dialogue=name)
    return screen.with_rows_above([button(label, ResumeCb())])


class Steps:
    """The ordered states of one dialogue, and what every dialogue asks of them: where am I,
    which step comes next or before, "step n of N", and the Back/Cancel row.

    `counted` leaves trailing states (a preview) out of N; `back` and `cancel` are the callback
    data of the dialogue's own Back and Cancel buttons, so each dialogue keeps its own routing
    (and the authorisation and forged-button tests keep seeing the same data). `name` is what
    the user calls the dialogue ("New reminder"); the dialogue registers a handler for
    `ResumeCb` in its states, which shows the step it is at.
    """

    def __init__(
        self,
        group: type[StatesGroup],
        *,
        name: LazyProxy,
        back: CallbackData | str | None,
        cancel: CallbackData | str,
        counted: int | None = None,
    ) -> None:
        _NAMES[group.__full_group_name__] = name
        self.name = name
        self.states: tuple[State, ...] = tuple(group.__all_states__)
        self._index = {state.state: index for index, state in enumerate(self.states)}
        self.total = counted if counted is not None else len(self.states)
        self._back = back
        self._cancel = cancel

    def __contains__(self, state_name: object) -> bool:
        return state_name in self._index

    def filter(self, *states: State) -> StateFilter:
        """A filter for the given states of this dialogue, or for any of them."""
        return StateFilter(*(states or self.states))

    def of(self, state_name: str | None) -> State | None:
        """The state object for a stored state name, if it belongs to this dialogue."""
        index = self._index.get(state_name) if state_name else None
        return None if index is None else self.states[index]

    async def current(self, fsm: FSMContext) -> State | None:
        """Where the user is in this dialogue, or None when they are not in it."""
        return self.of(await fsm.get_state())

    def number(self, state: State) -> int:
        """1-based position, for "step n of N"."""
        return self._index[str(state.state)] + 1

    def after(self, state: State) -> State | None:
        index = self._index[str(state.state)] + 1
        return self.states[index] if index < len(self.states) else None

    def before(self, state: State) -> State | None:
        index = self._index[str(state.state)] - 1
        return self.states[index] if index >= 0 else None

    @property
    def first(self) -> State:
        return self.states[0]

    def nav_row(self, state: State | None = None, *, back: bool | None = None) -> Row:
        """Back (not on the first step, nor when the dialogue has no Back) and Cancel."""
        if back is None:
            back = self._back is not None and (state is None or self.before(state) is not None)
        row = [button(cancel_label(), self._cancel)]
        if back and self._back is not None:
            row.insert(0, button(back_label(), self._back))
        return row


def states_group(name: str, names: Iterable[str]) -> type[StatesGroup]:
    """A StatesGroup with one state per name, in order: for dialogues whose steps are data
    (the self-check's rules, an editor's fields), so the states cannot drift from the steps.
    The stored state names are "<name>:<step>", as with a class written by hand."""
    return type(name, (StatesGroup,), {step: State() for step in names})
