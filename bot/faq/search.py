"""Fuzzy search over the FAQ: what someone types, in any of the three languages, however it is
spelled, finds the entries that answer it.

People write Kazakh and Russian heavily inflected («паспортымды», «зарплату»), with typos, in
Latin transliteration ("zhalaqy", "pasport"), without Kazakh letters (ә→а, қ→к), on the wrong
keyboard layout ("gfcgjhn" for «паспорт»), or in another language than their settings. Exact
words would miss most of it, so:

1. Every text is folded to one Latin *skeleton*: Cyrillic (Russian and Kazakh letters) and the
   common Latin spellings of it meet in the same letters (ж/zh/j → j, қ/q/k → k, ы/y/и/i → i,
   doubled letters once). "паспортымды", "pasportymdy" and "gfcgjhnsvls" (through the layout
   map) all become "pasportimdi".
2. A word is compared by its *stem*, its first six skeleton letters, which cuts most
   inflection away ("pasportimdi" → "paspor"). Stems are matched with rapidfuzz's edit-distance
   ratio against every stem the entries use, so typos within the stem still match.
3. An entry's score is the IDF-weighted share of the query's words it matches, with the
   question and the synonyms staff give per language counting more than the answer text, plus a
   whole-phrase similarity to the question for short queries.

The index is a plain value built from the entries (rebuilt by the service when staff edit
one); `search` is a pure function of the index and the text, tested and benchmarked without
Telegram (benchmarks/bench_faq_search.py measures quality on tests/data/faq_queries.json).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

STEM_LENGTH = 6
MIN_STEM_SIMILARITY = 76.0  # rapidfuzz ratio, 0–100: below this two stems are different words
FIELD_WEIGHTS = {"q": 1.0, "keywords": 1.0, "a": 0.45}
PHRASE_WEIGHT = 0.25  # how much the whole-question similarity adds to the word score
PHRASE_CANDIDATES = 12
# Below this an entry is not offered at all: better "I found nothing, ask a person" than an
# unrelated answer to someone in trouble.
MIN_SCORE = 0.30
SURE_MATCH = 0.9  # a word matched this well is taken as typed (the layout is not questioned)

# Cyrillic, Russian and Kazakh, to Latin letters that the Latin spellings people use also reach.
_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "э": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l",
    "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "y", "ь": "", "ю": "yu", "я": "ya",
}  # fmt: skip
# Kazakh Latin alphabets (2017–2021) and Turkish-style letters some people type.
_LATIN_EXTRA = {
    "ä": "a", "á": "a", "ö": "o", "ó": "o", "ü": "u", "ú": "u", "ū": "u", "ğ": "g", "ǵ": "g",
    "ı": "i", "í": "i", "ñ": "n", "ń": "n", "ş": "sh", "ç": "ch", "é": "e", "ý": "i",
}  # fmt: skip
# The same key on the English (QWERTY) and the Russian (ЙЦУКЕН) layout.
_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LAYOUT = str.maketrans(_QWERTY + _QWERTY.upper(), _JCUKEN + _JCUKEN.upper())
_LAYOUT_WORD = re.compile(r"^[a-z\[\];',.`]+$")
_LAYOUT_BACK = str.maketrans(_JCUKEN, _QWERTY)
_CYRILLIC_LAYOUT_WORD = re.compile(r"^[а-яё]+$")
# Spellings of one sound, in the order they are folded.
_LATIN_RULES = (
    (re.compile(r"zh"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"x"), "h"),
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "k"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)
_WORD = re.compile(r"[a-z0-9\uac00-\ud7a3]+")  # Hangul too: 퇴직금, 자진출국
# "E-9", "e 9" and "E9" are one word.
_VISA = re.compile(r"\b([a-z])[\s\-]+(\d{1,2})\b")

# Words that say nothing about what is asked; folded like everything else at import.
_STOPWORDS_RAW = """
и в во на не что как где когда мне меня мой моя мои я ты вы он она они мы у с со по за из для
или ли же бы это этот эта то там тут есть нет да но а если можно нужно надо ещё уже очень так
какой какая какие чем чтобы про от до его ее их вам нам вас нас быть был была будет сейчас
men sen siz ol biz olar mening menin bul osy sol jane men pen ben da de ta te ma me ba be pa pe
ме ма ба бе па пе ғой қой ше ші және мен бен пен да де та те бұл осы сол не қалай қашан қайда
менің сенің сіздің оның біз олар бар жоқ керек болады болса үшін деп еді ғана әлі енді
the a an is are was were be been do does did i my me you your we our he she it they their to of
in on at for and or but if can could would should what how when where why which who this that
with from about there have has had not no yes so please
привет здравствуйте здравствуй добрый день утро вечер спасибо благодарю пожалуйста ок окей ладно
хорошо понятно ясно тест сәлем салем сәлеметсіз салеметсиз рахмет рақмет жақсы иә ия түсінікті
hello hi hey thanks thank ok okay good fine test bye
істеу істей істеймін істесем істедім делать сделать делают
"""
_STOP_STEMS: frozenset[str] = frozenset()  # filled below, once `skeleton` exists


def _fold_latin(text: str) -> str:
    for pattern, replacement in _LATIN_RULES:
        text = pattern.sub(replacement, text)
    return text


def skeleton(text: str) -> str:
    """`text` folded to the Latin skeleton the index is built on (lower case, no accents,
    Cyrillic transliterated, one spelling per sound)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(_CYRILLIC.get(ch, _LATIN_EXTRA.get(ch, ch)) for ch in text)
    text = _VISA.sub(r"\1\2", text)
    return _fold_latin(text)


def _words(text: str) -> list[str]:
    return _WORD.findall(skeleton(text))


def _stem(word: str) -> str:
    return word[:STEM_LENGTH]


def _is_stop(word: str) -> bool:
    return _stem(word) in _STOP_STEMS and len(word) <= STEM_LENGTH


_STOP_STEMS = frozenset(_stem(w) for w in _words(_STOPWORDS_RAW))


def _useful(word: str) -> bool:
    """Digits count (1345, e9); letters from two on, stop words never."""
    if word.isdigit() or (len(word) <= 3 and any(ch.isdigit() for ch in word)):
        return True
    return len(word) >= 2 and not _is_stop(word)


@dataclass(frozen=True, slots=True)
class Document:
    """What the index knows of one entry: its key and its texts per field and language."""

    key: str
    fields: Mapping[str, Mapping[str, str]]  # field ("q", "a", "keywords") -> language -> text


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    score: float  # 0..1+: the share of the query's meaning the entry covers


@dataclass(slots=True)
class FaqIndex:
    """Stems → the entries using them, with the weight of the field they appear in."""

    keys: list[str] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)
    postings: dict[str, dict[int, float]] = field(default_factory=dict)  # stem -> entry -> weight
    idf: dict[str, float] = field(default_factory=dict)
    questions: dict[int, list[str]] = field(default_factory=dict)  # entry -> question skeletons
    # Stems by their first letter: a typo rarely hits the first letter, and comparing a word
    # with the stems that share it is ~20 times less work than with all of them.
    by_initial: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, documents: Iterable[Document]) -> FaqIndex:
        index = cls()
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        for number, document in enumerate(documents):
            index.keys.append(document.key)
            for name, weight in FIELD_WEIGHTS.items():
                for text in document.fields.get(name, {}).values():
                    for word in _words(text):
                        if not _useful(word):
                            continue
                        stem = _stem(word)
                        if postings[stem].get(number, 0.0) < weight:
                            postings[stem][number] = weight
            index.questions[number] = [
                " ".join(_words(question)) for question in document.fields.get("q", {}).values()
            ]
        count = max(len(index.keys), 1)
        index.postings = dict(postings)
        index.stems = list(postings)
        for stem in index.stems:
            index.by_initial.setdefault(stem[0], []).append(stem)
        index.idf = {stem: math.log(1 + count / len(entries)) for stem, entries in postings.items()}
        return index

    def __len__(self) -> int:
        return len(self.keys)

    # -- searching --------------------------------------------------------------------------

    def _stem_matches(self, word: str) -> list[tuple[str, float]]:
        """Stems of the index that `word` may be (a typo, an inflection), with similarity 0..1."""
        stem = _stem(word)
        if stem in self.postings and (len(word) < 4 or word.isdigit()):
            return [(stem, 1.0)]
        if len(stem) < 3 or word.isdigit():
            return [(stem, 1.0)] if stem in self.postings else []
        found = process.extract(
            stem,
            self.by_initial.get(stem[0], ()),
            scorer=fuzz.ratio,
            score_cutoff=MIN_STEM_SIMILARITY,
            limit=12,
        )
        return [(choice, score / 100.0) for choice, score, _ in found]

    def _best_reading(self, raw: str) -> list[list[tuple[str, float]]]:
        """The words of one typed token as read directly, or through the keyboard-layout map
        when that reads better (Russian typed on the English layout)."""
        direct = [self._stem_matches(w) for w in _words(raw) if _useful(w)]
        if direct and all(m and m[0][1] >= SURE_MATCH for m in direct):
            return direct  # read well as typed: no need to try the other layout
        lowered = raw.lower()
        if _LAYOUT_WORD.match(lowered):
            other = lowered.translate(_LAYOUT)
        elif _CYRILLIC_LAYOUT_WORD.match(lowered):
            other = lowered.translate(_LAYOUT_BACK)  # English typed on the Russian layout
        else:
            return direct
        # Read through the other layout, a word counts only when it is clearly a word of
        # the FAQ: garbage typed on either layout must not become an answer.
        swapped = [
            [(stem, sim) for stem, sim in self._stem_matches(w) if sim >= SURE_MATCH]
            for w in _words(other)
            if _useful(w)
        ]

        def strength(reading: list[list[tuple[str, float]]]) -> float:
            return sum(max((s * self.idf[stem] for stem, s in m), default=0.0) for m in reading)

        return swapped if strength(swapped) > strength(direct) else direct

    def search(self, text: str, limit: int = 3) -> list[Match]:
        """The best `limit` entries for `text`, best first; only those above MIN_SCORE."""
        if not self.keys:
            return []
        if not any(ch.isalpha() for ch in text):
            return []  # a date, a time, a number: not a question
        readings = [m for raw in text.split() for m in self._best_reading(raw)]
        if not readings:
            return []
        scores: dict[int, float] = defaultdict(float)
        total = 0.0
        for matches in readings:
            if not matches:
                # A word no entry uses (a name, noise) weighs like an average word, so that a
                # long story with one matching word does not look like a precise question.
                total += 1.0
                continue
            weight = max(self.idf[stem] for stem, _ in matches)
            total += weight
            best: dict[int, float] = {}
            for stem, similarity in matches:
                idf = self.idf[stem]
                for entry, field_weight in self.postings[stem].items():
                    value = similarity * field_weight * idf
                    if value > best.get(entry, 0.0):
                        best[entry] = value
            for entry, value in best.items():
                scores[entry] += value
        if not scores:
            return []
        folded = " ".join(w for w in _words(text) if _useful(w))
        # The whole-question similarity, for the leading candidates only.
        leading = sorted(scores, key=scores.__getitem__, reverse=True)[:PHRASE_CANDIDATES]
        ranked = sorted(
            (
                (
                    scores[entry] / total
                    + PHRASE_WEIGHT
                    * max(fuzz.token_set_ratio(folded, q) for q in self.questions[entry])
                    / 100.0,
                    entry,
                )
                if entry in leading and self.questions.get(entry)
                else (scores[entry] / total, entry)
                for entry in scores
            ),
            reverse=True,
        )
        return [
            Match(self.keys[entry], round(score, 4))
            for score, entry in ranked[:limit]
            if score >= MIN_SCORE
        ]
