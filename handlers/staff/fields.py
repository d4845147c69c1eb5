"""The kinds of value a staff editor asks for: a choice, a date, a note in one language, a
source link. Each knows its question, how the published fact shows it now, what "keep" means,
and how to check what staff typed; the editor (handlers/staff/editor.py) does the rest.

A field's answer is stored in the draft (FSM data, so a restart keeps it) as a string: an ISO
date, the note as typed, the link, the choice's value; "" means "nothing" (an optional date
left empty, or the current source kept).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.facts import parse_source_url
from bot.content.parsing import InputError, InputProblem, input_problem_text, parse_date
from bot.formatting import format_day
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.telegram.dialogue import use_the_buttons
from storage.content import Fact

Draft = Mapping[str, str]


class FieldProblem(Exception):
    """What was wrong with a typed answer, as the sentence staff read above the question."""


@dataclass(frozen=True, slots=True)
class Choice:
    action: str  # the StaffCb action is "<editor>_<action>": kept stable for old buttons
    value: str
    label: Callable[[], str]


@dataclass(frozen=True)
class Field:
    """One step of an editor. Subclasses say what the value is; this base is a typed text."""

    name: str

    def question(self, draft: Draft) -> str:
        raise NotImplementedError

    def now(self, fact: Fact) -> str:
        """The published value, as the "Now:" line shows it (HTML-safe)."""
        raise NotImplementedError

    def kept(self, fact: Fact) -> str | None:
        """The answer "keep the current value" stands for, or None when there is nothing to
        keep (the Keep button is then not offered)."""
        return None

    def keep_label(self, fact: Fact) -> str:
        return _("↩️ Keep: {value}").format(value=self.now(fact))

    def unchanged(self, answer: str, fact: Fact) -> bool:
        """Whether the answer is what is published now (kept, or typed again)."""
        return answer == self.kept(fact)

    def described(self) -> str:
        """What this field is, for "you kept …" (a note names its language)."""
        return self.name

    def shown(self, answer: str) -> str:
        """A draft answer, as the "Your answer:" line shows it (HTML-safe)."""
        return escape(answer)

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        """The answer to store, or FieldProblem."""
        raise NotImplementedError

    @property
    def choices(self) -> tuple[Choice, ...]:
        return ()


@dataclass(frozen=True)
class ChoiceField(Field):
    """Answered with buttons only; typing gets "please use the buttons"."""

    prompt: Callable[[], str] = field(default=lambda: "")
    options: tuple[Choice, ...] = ()
    current: Callable[[Fact], str] = field(default=lambda fact: "")

    def question(self, draft: Draft) -> str:
        return self.prompt()

    def now(self, fact: Fact) -> str:
        value = self.current(fact)
        return next((escape(o.label()) for o in self.options if o.value == value), "—")

    def shown(self, answer: str) -> str:
        return next((escape(o.label()) for o in self.options if o.value == answer), "—")

    def unchanged(self, answer: str, fact: Fact) -> bool:
        return answer == self.current(fact)

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        raise FieldProblem(use_the_buttons())

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self.options


def _day(value: str) -> str:
    return format_day(date.fromisoformat(value), current_locale()) if value else "—"


@dataclass(frozen=True)
class DateField(Field):
    """A calendar day, typed like the users' dates (25.12.2026, 2026-12-25, 25/12)."""

    prompt: Callable[[Draft], str] = field(default=lambda draft: "")
    current: Callable[[Fact], date | None] = field(default=lambda fact: None)
    optional: bool = False
    # Another field this date may not precede, and what to say when it does.
    not_before: str | None = None
    too_early: Callable[[str], str] = field(default=lambda earliest: "")

    def question(self, draft: Draft) -> str:
        return self.prompt(draft)

    def now(self, fact: Fact) -> str:
        day = self.current(fact)
        return _day(day.isoformat()) if day else "—"

    def kept(self, fact: Fact) -> str | None:
        day = self.current(fact)
        if day is None:
            return "" if self.optional else None
        return day.isoformat()

    def shown(self, answer: str) -> str:
        return _day(answer)

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        try:
            day = parse_date(text or "", today)
        except InputError as error:
            problem = error.problem
            if problem not in (InputProblem.DATE_FORMAT, InputProblem.NO_SUCH_DATE):
                problem = InputProblem.DATE_FORMAT
            raise FieldProblem(input_problem_text(problem)) from None
        earliest = draft.get(self.not_before or "")
        if earliest and day < date.fromisoformat(earliest):
            raise FieldProblem(self.too_early(_day(earliest)))
        return day.isoformat()


@dataclass(frozen=True)
class NoteField(Field):
    """A short note in one language, shown to readers of that language exactly as typed."""

    language: str = "en"
    limit: int = 300
    current: Callable[[Fact, str], str] = field(default=lambda fact, language: "")

    def question(self, draft: Draft) -> str:
        return _(
            "Language of this note: {language}\n"
            "Send a short note (up to {limit} characters): what changed and when. Readers see "
            "it exactly as you write it."
        ).format(language=LANGUAGE_NAMES[self.language], limit=self.limit)

    def now(self, fact: Fact) -> str:
        note = self.current(fact, self.language)
        return f"<i>{escape(note)}</i>" if note else "—"

    def kept(self, fact: Fact) -> str | None:
        return self.current(fact, self.language) or None

    def keep_label(self, fact: Fact) -> str:
        return _("↩️ Keep the current note")

    def unchanged(self, answer: str, fact: Fact) -> bool:
        return answer.strip() == self.current(fact, self.language).strip()

    def described(self) -> str:
        return _("the note in {language}").format(language=LANGUAGE_NAMES[self.language])

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        note = (text or "").strip()
        if not note:
            raise FieldProblem(_("Please send the note as a text message."))
        if len(note) > self.limit:
            raise FieldProblem(
                ngettext(
                    "That is {length} character; please keep it to {limit}.",
                    "That is {length} characters; please keep it to {limit}.",
                    len(note),
                ).format(length=len(note), limit=self.limit)
            )
        return note


@dataclass(frozen=True)
class SourceField(Field):
    """The link the change rests on; keeping it ("" in the draft) keeps the current one."""

    def question(self, draft: Draft) -> str:
        return _(
            "Send a link to the source (starting with http:// or https://), or keep the "
            "current one."
        )

    def now(self, fact: Fact) -> str:
        return escape(fact.source_url)

    def kept(self, fact: Fact) -> str | None:
        return "" if fact.source_url else None  # a new fact has no source to keep

    def keep_label(self, fact: Fact) -> str:
        return _("↩️ Keep the current source")

    def unchanged(self, answer: str, fact: Fact) -> bool:
        return answer in ("", fact.source_url)

    def described(self) -> str:
        return _("the source")

    def shown(self, answer: str) -> str:
        return escape(answer) if answer else "—"

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        url = parse_source_url(text)
        if url is None:
            raise FieldProblem(
                _(
                    "That does not look like a link. Please send one that starts with http:// "
                    "or https://, or keep the current source."
                )
            )
        return url


@dataclass(frozen=True)
class TextField(Field):
    """A text in one language that readers see as typed (an FAQ question or answer, a
    mission's address): its question says what it is for and the limit."""

    language: str = "en"
    limit: int = 300
    prompt: Callable[[str, int], str] = field(default=lambda language, limit: "")
    current: Callable[[Fact, str], str] = field(default=lambda fact, language: "")
    what: Callable[[str], str] = field(default=lambda language: "")
    optional: bool = False  # "-" clears it

    def question(self, draft: Draft) -> str:
        text = self.prompt(LANGUAGE_NAMES[self.language], self.limit)
        if self.optional:
            text += "\n" + _("Send - (a dash) to leave it empty.")
        return text

    def now(self, fact: Fact) -> str:
        text = self.current(fact, self.language)
        return f"<i>{escape(text)}</i>" if text else "—"

    def kept(self, fact: Fact) -> str | None:
        text = self.current(fact, self.language)
        if not text:
            return "" if self.optional else None
        return text

    def keep_label(self, fact: Fact) -> str:
        return _("↩️ Keep the current text")

    def unchanged(self, answer: str, fact: Fact) -> bool:
        return answer.strip() == self.current(fact, self.language).strip()

    def described(self) -> str:
        return self.what(LANGUAGE_NAMES[self.language])

    def shown(self, answer: str) -> str:
        return f"<i>{escape(answer)}</i>" if answer else "—"

    def parse(self, text: str | None, draft: Draft, today: date) -> str:
        typed = (text or "").strip()
        if self.optional and typed == "-":
            return ""
        if not typed:
            raise FieldProblem(_("Please send the text as a message."))
        if len(typed) > self.limit:
            raise FieldProblem(
                ngettext(
                    "That is {length} character; please keep it to {limit}.",
                    "That is {length} characters; please keep it to {limit}.",
                    len(typed),
                ).format(length=len(typed), limit=self.limit)
            )
        return typed


CONFIDENCE_FIELD = "confidence"


def confidence_field() -> ChoiceField:
    """How sure the source is, for facts staff enter themselves (an FAQ answer, the missions'
    phones): an official source, or a report shown as "not officially confirmed"."""
    return ChoiceField(
        CONFIDENCE_FIELD,
        prompt=lambda: _("How sure is the source?"),
        options=(
            Choice("conf_h", "H", lambda: _("Official source (ministry, agency)")),
            Choice("conf_m", "M", lambda: _("Reported, not officially confirmed")),
        ),
        current=lambda fact: fact.confidence.value if fact.value and fact.confirmed else "",
    )
