"""A router that tries only the handlers an update could match.

All features register onto one router (handlers/__init__.py), so aiogram tries a callback query
against up to ~170 handlers and a message against ~55, in order, until one's filters pass:
each try parses the callback data or the command again. A text that no command matches (every
free question, which the FAQ search answers, last) paid every Command filter on the way.

This router keeps the order but skips the handlers that cannot match, using what their leading
filters state: a `CallbackData` filter matches only data with its prefix (`prefix:...`), a
`Command` filter (prefix "/") only a message whose text or caption begins with one of its
commands, and a `StateFilter` right after them (or first) only the dialogue states it names.
Those three filters have no side effects, so not running them changes nothing. Everything else
is tried as before, and the filters still run on every handler kept: the outcome is exactly
that of the linear scan, where each skipped handler would have been refused by one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.command import Command
from aiogram.filters.state import StateFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, TelegramObject

ANY = object()  # a handler whose first filter does not narrow: tried for every update


def callback_key(event: TelegramObject) -> str | None:
    """The prefix of a callback query's data (CallbackData packs `prefix:fields`)."""
    data = event.data if isinstance(event, CallbackQuery) else None
    return data.split(":", 1)[0] if data else None


def command_key(event: TelegramObject) -> str | None:
    """The command a message starts with, lower case, without the bot's @name; None when the
    text (or caption, which Command filters read too) does not start with "/"."""
    if not isinstance(event, Message):
        return None
    text = event.text or event.caption
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


def callback_keys(handler: HandlerObject) -> object | frozenset[str]:
    first = handler.filters[0].callback if handler.filters else None
    if isinstance(first, CallbackQueryFilter):
        return frozenset({first.callback_data.__prefix__})
    return ANY


def command_keys(handler: HandlerObject) -> object | frozenset[str]:
    first = handler.filters[0].callback if handler.filters else None
    if not isinstance(first, Command) or first.prefix != "/":
        return ANY
    names: set[str] = set()
    for command in first.commands:
        if isinstance(command, re.Pattern):
            return ANY  # a pattern can match anything: no narrowing
        names.add(str(command).lower())
    return frozenset(names)


def state_gate(handler: HandlerObject) -> object | frozenset[str | None]:
    """The dialogue states (raw names; None: no dialogue) in which the handler can match, when
    a StateFilter comes before any filter other than the key filters; else ANY."""
    for filter_object in handler.filters or ():
        check = filter_object.callback
        if isinstance(check, (CallbackQueryFilter, Command)):
            continue
        if not isinstance(check, StateFilter):
            return ANY
        states: set[str | None] = set()
        for allowed in check.states:
            name = allowed.state if isinstance(allowed, State) else allowed
            if not (name is None or isinstance(name, str)) or name == "*":
                return ANY  # a group of states, or any state: no narrowing
            states.add(name)
        return frozenset(states)
    return ANY


class IndexedObserver(TelegramEventObserver):
    """`TelegramEventObserver` whose `trigger` walks the candidates for the update's key."""

    def __init__(self, router: Router, event_name: str, key_of: Any, keys_of: Any) -> None:
        super().__init__(router=router, event_name=event_name)
        self._key_of = key_of
        self._keys_of = keys_of
        self._indexed_count = -1
        self._by_key: dict[str, tuple[HandlerObject, ...]] = {}
        self._unkeyed: tuple[HandlerObject, ...] = ()
        self._gates: dict[int, object | frozenset[str | None]] = {}
        self._states: set[str | None] = set()
        self._by_state: dict[tuple[str | None, str | None], tuple[HandlerObject, ...]] = {}

    def candidates(
        self, event: TelegramObject, raw_state: str | None = None
    ) -> Sequence[HandlerObject]:
        if self._indexed_count != len(self.handlers):
            self._reindex()
        key = self._key_of(event)
        if key not in self._by_key:
            key = None  # a command or prefix no handler names: only the unnarrowed handlers
        by_key = self._unkeyed if key is None else self._by_key[key]
        memo = (key, raw_state)  # bounded: keys and states the code names, never user input
        found = self._by_state.get(memo)
        if found is None:
            found = tuple(
                h
                for h in by_key
                if (g := self._gates[id(h)]) is ANY or raw_state in g  # type: ignore[operator]
            )
            if raw_state is None or raw_state in self._states:  # bounded: names in the code
                self._by_state[memo] = found
        return found

    def _reindex(self) -> None:
        """Per key: the handlers for it and the unnarrowed ones, in registration order. Only
        keys some handler names are stored (a made-up command gets the unnarrowed list)."""
        keyed = [(handler, self._keys_of(handler)) for handler in self.handlers]
        names = {name for _, keys in keyed if keys is not ANY for name in keys}  # type: ignore[union-attr]
        self._by_key = {
            name: tuple(h for h, keys in keyed if keys is ANY or name in keys)  # type: ignore[operator]
            for name in names
        }
        self._unkeyed = tuple(h for h, keys in keyed if keys is ANY)
        self._gates = {id(h): state_gate(h) for h in self.handlers}
        self._states = {s for g in self._gates.values() if g is not ANY for s in g}  # type: ignore[union-attr]
        self._by_state = {}
        self._indexed_count = len(self.handlers)

    async def trigger(self, event: TelegramObject, **kwargs: Any) -> Any:
        # aiogram's own loop (TelegramEventObserver.trigger), over the candidates only.
        for handler in self.candidates(event, kwargs.get("raw_state")):
            kwargs["handler"] = handler
            result, data = await handler.check(event, **kwargs)
            if result:
                kwargs.update(data)
                try:
                    wrapped_inner = self.outer_middleware.wrap_middlewares(
                        self._resolve_middlewares(), handler.call
                    )
                    return await wrapped_inner(event, kwargs)
                except SkipHandler:
                    continue
        return UNHANDLED


class IndexedRouter(Router):
    """A `Router` whose message and callback-query observers are `IndexedObserver`s."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.message = IndexedObserver(self, "message", command_key, command_keys)
        self.callback_query = IndexedObserver(self, "callback_query", callback_key, callback_keys)
        self.observers["message"] = self.message
        self.observers["callback_query"] = self.callback_query
