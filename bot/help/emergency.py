"""Does a message signal danger or urgency? A person who writes «көмектесіңіз», «помогите»
or "I was hurt at work" must see the emergency lines before anything else, whatever the rest
of the bot makes of the message.

Word stems per language, matched at the start of a word after light normalisation (case, ё,
punctuation), plus the common Latin spellings of the Russian and Kazakh words. A false alarm
costs a card with phone numbers; a miss costs far more, so the list leans wide.
"""

from __future__ import annotations

import re

# Stems: a word that starts with one of these counts. Multi-word phrases are matched as such.
_STEMS: tuple[str, ...] = (
    # English
    "help",
    "emergenc",
    "urgent",
    "injur",
    "hurt",
    "bleed",
    "accident",
    "ambulance",
    "police",
    "arrest",
    "detain",
    "detention",
    "violen",
    "beat",
    "attack",
    "assault",
    "threat",
    "rape",
    "suicid",
    "danger",
    "sos",
    # Russian
    "помог",
    "помощ",
    "срочн",
    "спасит",
    "травм",
    "ранен",
    "авари",
    "несчастн",
    "кров",
    "скорая",
    "полиц",
    "задерж",
    "арест",
    "насил",
    "изби",
    "бьют",
    "избив",
    "угрож",
    "суицид",
    "самоуби",
    "опасн",
    "умира",
    "умру",
    # Kazakh
    "көмек",
    "жедел",
    "шұғыл",
    "жарақат",
    "апат",
    "полиция",
    "ұстады",
    "ұстап",
    "қамау",
    "қамал",
    "зорлық",
    "ұрды",
    "ұрып",
    "соққы",
    "қорқыт",
    "өзін-өзі",
    "өлтір",
    "қауіп",
    "құтқар",
    # Latin spellings of the above, as typed on a phone without Cyrillic
    "pomog",
    "pomosh",
    "spasit",
    "komek",
    "komektes",
    "kauip",
)
_PHRASES: tuple[str, ...] = (
    "kill myself",
    "end my life",
    "покончить с собой",
    "өзімді өлтір",
    "өмірімді қию",
)
_WORD = re.compile(r"[\w-]+", re.UNICODE)


def _normalise(text: str) -> str:
    return text.casefold().replace("ё", "е")


def signals_danger(text: str | None) -> bool:
    """True when the text has a word or phrase of danger or urgency in kk, ru or en."""
    if not text:
        return False
    normal = _normalise(text)
    if any(phrase in normal for phrase in _PHRASES):
        return True
    return any(word.startswith(_STEMS) for word in _WORD.findall(normal))
