"""Voluntary departure as data: the programme window, its status on a given day, and the
officer card.

The window's dates are a fact staff edit through the bot (`departure.programme`), so nothing
here hard-codes them; this module only reads such a value and answers "is it open on this day,
and for how long?". The status is computed from the clock on every view, never stored, so a
window that ends silently turns into "ended" at midnight in Korea without anyone touching it.

The officer card is always Korean (an immigration officer reads it), so its Korean text lives
here as data, outside the gettext catalogs; only the explanation shown beside each line is
translated into the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

PROGRAMME_KEY = "departure.programme"
NOTE_LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")
NOTE_MAX_LENGTH = 500

# The programme is Korea's: its first and last days are Korean calendar days, whichever zone
# the reader lives in.


class WindowStatus(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class ProgrammeWindow:
    """One voluntary-departure programme: first and last day (both inclusive), the cut-off
    ("stay became irregular before this day") and a short staff note per language."""

    start: date
    end: date
    irregular_before: date | None = None
    note: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_value(cls, value: Mapping[str, Any]) -> ProgrammeWindow:
        cutoff = value.get("irregular_before")
        note = value.get("note") or {}
        return cls(
            start=date.fromisoformat(value["start"]),
            end=date.fromisoformat(value["end"]),
            irregular_before=date.fromisoformat(cutoff) if cutoff else None,
            note={str(k): str(v) for k, v in note.items()} if isinstance(note, Mapping) else {},
        )

    def to_value(self) -> dict[str, Any]:
        """The JSON shape stored in the content table (the same as the seed's)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "irregular_before": self.irregular_before.isoformat()
            if self.irregular_before
            else None,
            "note": dict(self.note),
        }


@dataclass(frozen=True, slots=True)
class ProgrammeState:
    """Where `today` falls. `days`: for UPCOMING the days until the first day; for OPEN the
    days left counting today (1 = today is the last day); for ENDED the days since the end."""

    status: WindowStatus
    days: int


def programme_state(window: ProgrammeWindow, today: date) -> ProgrammeState:
    if today < window.start:
        return ProgrammeState(WindowStatus.UPCOMING, (window.start - today).days)
    if today <= window.end:
        return ProgrammeState(WindowStatus.OPEN, (window.end - today).days + 1)
    return ProgrammeState(WindowStatus.ENDED, (today - window.end).days)


# -- the officer card -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardLine:
    korean: str
    meaning: LazyProxy  # what the line says, in the user's language


@dataclass(frozen=True, slots=True)
class CardChoice:
    """Which card the worker shows: where they are, and whether to ask for an interpreter.
    Packed into the button's callback data as e.g. "airport+ru", so the choice survives a
    restart and an old button still opens a card."""

    airport: bool = False  # at the airport, having pre-reported online on HiKorea
    interpreter: bool = False  # ask for a Russian interpreter

    def pack(self) -> str:
        return ("airport" if self.airport else "office") + ("+ru" if self.interpreter else "")

    @classmethod
    def unpack(cls, value: str) -> CardChoice:
        place, _, extra = value.partition("+")
        return cls(airport=place == "airport", interpreter=extra == "ru")


# Polite formal Korean (합쇼체 / 해요체 as officers expect), using the glossary's terms:
# 자진출국 신고(서) (departure report / report form), 여권 (passport), 항공권 (air ticket).
GREETING = CardLine("안녕하세요.", __("Hello."))
CITIZEN = CardLine("저는 카자흐스탄 국민입니다.", __("I am a citizen of Kazakhstan."))
AT_THE_OFFICE = CardLine(
    "자진출국 신고를 하러 왔습니다.", __("I have come to report my voluntary departure.")
)
AT_THE_AIRPORT = CardLine(
    "하이코리아로 자진출국 사전신고를 했습니다. 출국 확인을 받으러 왔습니다.",
    __(
        "I reported my voluntary departure in advance on HiKorea. I have come for the "
        "departure confirmation."
    ),
)
DOCUMENTS = CardLine(
    "여권, 항공권, 자진출국 신고서를 가지고 왔습니다.",
    __("I have brought my passport, my air ticket and the voluntary-departure report form."),
)
SLOWLY = CardLine(
    "한국어를 잘 못합니다. 천천히 말씀해 주세요.",
    __("I do not speak Korean well. Please speak slowly."),
)
INTERPRETER = CardLine("러시아어 통역이 필요합니다.", __("I need a Russian interpreter."))
THANKS = CardLine("도와주시면 감사하겠습니다.", __("I would be grateful for your help."))


def officer_card(choice: CardChoice = CardChoice()) -> tuple[CardLine, ...]:
    """The card's lines for this choice, in the order they are said."""
    purpose = AT_THE_AIRPORT if choice.airport else AT_THE_OFFICE
    interpreter = (INTERPRETER,) if choice.interpreter else ()
    return (GREETING, CITIZEN, purpose, DOCUMENTS, SLOWLY, *interpreter, THANKS)


def officer_card_korean(choice: CardChoice = CardChoice()) -> str:
    """The Korean text alone, one sentence a line: what goes into the clean message."""
    return "\n".join(line.korean for line in officer_card(choice))
