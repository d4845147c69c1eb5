"""The EPS eligibility self-check as data: one rule per requirement, evaluated by plain functions.

Each rule names the fact that states its requirement (the screen cites that fact's source), the
question that collects the answer, and its condition: either a table of answer buttons, each with
its verdict, or a pure function of the answer, the facts and the day of the check. Handlers only
ask the questions and show the verdicts; nothing here talks to Telegram or the database, so every
rule and every boundary is unit-tested against a fixed date.

Unconfirmed points: a rule whose fact the facts sheet could not confirm never answers "met" or
"not met" about that point. Its verdict becomes "unclear", and the result sends the user to the
official lines (1345 / 1577-0071). Only an answer that takes the person outside the point (for
example "I never stayed in Korea irregularly") keeps its verdict.

Privacy: answers live only in the dialogue's FSM data until the result is shown. What is kept
afterwards is, per rule, the outcome and a short reason code; for sensitive questions (past
irregular stay, health) not even the reason code, only the outcome.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.content.parsing import InputError, InputProblem, parse_date
from storage.content import Fact

AGE_FACT = "eligibility.age"
TOPIK_FACT = "eps.step.topik"
CONTACTS_FACT = "contacts"
ACCESSION_FACT = "accession"
# Years before the check day that a birth year may lie: beyond this it is a typo, not an age.
MAX_PLAUSIBLE_AGE = 100


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one rule says about one person.

    `reason` picks the "what next" text and is kept with the result (unless the rule is
    sensitive). `clear_of_point` marks an answer that takes the person outside the requirement
    altogether, so the verdict stands even when the requirement itself is unconfirmed.
    `details` are values for the screen right after the check (e.g. the day one turns 40); they
    are never stored, since they would reveal the birth date.
    """

    outcome: Outcome
    reason: str = ""
    clear_of_point: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)


Condition = Callable[[str | None, Mapping[str, Fact], date], Verdict]


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer button of a question, and what that answer means for the rule."""

    value: str
    label: LazyProxy
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Rule:
    """One requirement: id, the fact stating it, its condition, and the texts that explain it.

    A rule either has `choices` (the condition is that table) or a `condition` function with a
    typed answer. `explanation` says what the requirement is; `why` (sensitive questions) says
    why the bot asks and what it keeps.
    """

    id: str
    fact: str
    title: LazyProxy
    explanation: LazyProxy
    question: LazyProxy
    choices: tuple[Choice, ...] = ()
    condition: Condition | None = None
    sensitive: bool = False
    why: LazyProxy | None = None
    also_cites: tuple[str, ...] = ()

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def decide(self, answer: str | None, facts: Mapping[str, Fact], today: date) -> Verdict:
        """The verdict for `answer`, before the unconfirmed-point guard."""
        if self.condition is not None:
            return self.condition(answer, facts, today)
        chosen = self.choice(answer)
        return chosen.verdict if chosen else Verdict(Outcome.UNCLEAR, "no_answer")


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    outcome: Outcome
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


# -- age ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Birth:
    """A date of birth, or only its year when that is all the person gave."""

    year: int
    day: date | None = None

    def encode(self) -> str:
        """As kept in the dialogue's FSM data: '1990-05-01' or '1990'."""
        return self.day.isoformat() if self.day else str(self.year)

    @classmethod
    def decode(cls, text: str | None) -> Birth | None:
        if not text:
            return None
        try:
            if re.fullmatch(r"\d{4}", text):
                return cls(int(text))
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return cls(day.year, day)


class BirthProblem(StrEnum):
    FORMAT = "format"
    NO_SUCH_DATE = "no_such_date"
    FUTURE = "future"
    TOO_LONG_AGO = "too_long_ago"


class BirthError(ValueError):
    def __init__(self, problem: BirthProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


_YEAR = re.compile(r"^\d{4}$")
_FOUR_DIGITS = re.compile(r"\d{4}")


def parse_birth(text: str, today: date) -> Birth:
    """'25.03.1995', '1995-03-25', '25/03/1995' or just '1995'. The year must be written in
    full: '25.03.95' could be 1995 or 2095, and 'today' or '25.03' are not birth dates."""
    cleaned = text.strip().rstrip(".")
    if _YEAR.match(cleaned):
        birth = Birth(int(cleaned))
    elif _FOUR_DIGITS.search(cleaned):
        try:
            day = parse_date(cleaned, today)
        except InputError as error:
            problem = (
                BirthProblem.NO_SUCH_DATE
                if error.problem is InputProblem.NO_SUCH_DATE
                else BirthProblem.FORMAT
            )
            raise BirthError(problem) from None
        birth = Birth(day.year, day)
    else:
        raise BirthError(BirthProblem.FORMAT)
    if birth.year > today.year or (birth.day is not None and birth.day > today):
        raise BirthError(BirthProblem.FUTURE)
    if birth.year < earliest_birth_year(today):
        raise BirthError(BirthProblem.TOO_LONG_AGO)
    return birth


def earliest_birth_year(today: date) -> int:
    return today.year - MAX_PLAUSIBLE_AGE


def age_on(birth: date, today: date) -> int:
    """Full years on `today`. Someone born on 29 February has their birthday on 1 March in
    other years (they are still one year younger on 28 February)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def anniversary(birth: date, years: int) -> date:
    """The day one turns `years` (1 March for a 29 February birthday in a common year)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def possible_ages(year: int, today: date) -> tuple[int, int]:
    """Youngest and oldest age today of someone born in `year`. On 31 December everyone born
    in that year has had their birthday, so the two are the same."""
    oldest = today.year - year
    youngest = oldest if (today.month, today.day) == (12, 31) else oldest - 1
    return max(youngest, 0), oldest


def age_bounds(facts: Mapping[str, Fact]) -> tuple[int, int]:
    value = facts[AGE_FACT].value
    return int(value["min_age"]), int(value["max_age"])


def age_condition(answer: str | None, facts: Mapping[str, Fact], today: date) -> Verdict:
    """Within the bounds of fact `eligibility.age` (inclusive) on the day of the check."""
    low, high = age_bounds(facts)
    birth = Birth.decode(answer)
    if birth is None:
        return Verdict(Outcome.UNCLEAR, "no_answer")
    if birth.day is not None:
        age = age_on(birth.day, today)
        if age < low:
            return Verdict(
                Outcome.NOT_MET,
                "too_young",
                details={"turns": low, "on": anniversary(birth.day, low)},
            )
        if age > high:
            return Verdict(Outcome.NOT_MET, "too_old")
        return Verdict(
            Outcome.MET,
            "in_range",
            details={"turns": high + 1, "on": anniversary(birth.day, high + 1)},
        )
    youngest, oldest = possible_ages(birth.year, today)
    if oldest < low:
        return Verdict(
            Outcome.NOT_MET, "too_young", details={"turns": low, "in_year": birth.year + low}
        )
    if youngest > high:
        return Verdict(Outcome.NOT_MET, "too_old")
    if low <= youngest and oldest <= high:
        return Verdict(
            Outcome.MET, "in_range", details={"turns": high + 1, "in_year": birth.year + high + 1}
        )
    return Verdict(Outcome.UNCLEAR, "year_only", details={"low": youngest, "high": oldest})


# -- the rules ------------------------------------------------------------------------------


def _yes_no(
    *, yes: Outcome = Outcome.NOT_MET, unsure: Outcome = Outcome.UNCLEAR
) -> tuple[Choice, ...]:
    """No (clear of the point: met) / Yes / Not sure: the usual shape of a history question."""
    return (
        Choice("no", __("No"), Verdict(Outcome.MET, clear_of_point=True)),
        Choice("yes", __("Yes"), Verdict(yes)),
        Choice("unsure", __("I am not sure"), Verdict(unsure)),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="age",
        fact=AGE_FACT,
        title=__("Age"),
        explanation=__(
            "EPS accepts job seekers aged {min_age} to {max_age}. Each round's notice says on "
            "which day age is counted (often the last day of registration)."
        ),
        question=__(
            "What is your date of birth? Send it like 25.03.1995 or 1995-03-25. If you prefer, "
            "send only the year, like 1995."
        ),
        condition=age_condition,
    ),
    Rule(
        id="criminal_record",
        fact="eligibility.criminal_record",
        title=__("Criminal record"),
        explanation=__(
            "EPS job seekers must have no criminal record for a serious offence punishable by "
            "imprisonment."
        ),
        question=__("Have you ever been sentenced to imprisonment?"),
        choices=_yes_no(),
    ),
    Rule(
        id="deportation",
        fact="eligibility.deportation",
        title=__("Deportation from Korea"),
        explanation=__(
            "EPS job seekers must have no past record of deportation or of a departure order "
            "from Korea."
        ),
        question=__("Have you ever been deported from Korea or given a departure order there?"),
        choices=_yes_no(),
    ),
    Rule(
        id="irregular_stay",
        fact="eligibility.irregular_stay",
        title=__("Past irregular stay in Korea"),
        explanation=__(
            "No official rule has been found on whether a past irregular stay in Korea affects "
            "EPS, even one that ended in voluntary departure."
        ),
        question=__(
            "Have you ever stayed in Korea without a valid status, for example longer than "
            "your visa allowed?"
        ),
        choices=(
            Choice("never", __("No, never"), Verdict(Outcome.MET, clear_of_point=True)),
            Choice("past", __("Yes, and I have left Korea"), Verdict(Outcome.UNCLEAR)),
            Choice("now", __("Yes, I am in Korea now"), Verdict(Outcome.UNCLEAR)),
            Choice("skip", __("I prefer not to say"), Verdict(Outcome.UNCLEAR)),
        ),
        sensitive=True,
        why=__(
            "Why I ask: so I can tell you who can answer this for your case. I keep only the "
            'outcome (for example "unclear"), never your answer, and you may prefer not to say.'
        ),
    ),
    Rule(
        id="travel_ban",
        fact="eligibility.travel_ban",
        title=__("Ban on leaving Kazakhstan"),
        explanation=__(
            "EPS job seekers must not be under a travel (exit) ban in their home country."
        ),
        question=__("Are you currently banned from leaving Kazakhstan?"),
        choices=_yes_no(),
    ),
    Rule(
        id="passport",
        fact="eligibility.passport",
        title=__("Passport"),
        explanation=__("You must hold a passport before you apply."),
        question=__("Do you have a valid passport?"),
        choices=(
            Choice("valid", __("Yes, a valid one"), Verdict(Outcome.MET)),
            Choice("none", __("No, or it has expired"), Verdict(Outcome.NOT_MET)),
            Choice("unsure", __("I am not sure"), Verdict(Outcome.UNCLEAR)),
        ),
    ),
    Rule(
        id="health",
        fact="eligibility.health",
        title=__("Health"),
        explanation=__(
            "EPS job seekers must pass the medical check-up set by the Korean government, and "
            "are checked again after arriving in Korea."
        ),
        question=__(
            "Do you know of a health problem that could keep you from passing a medical check-up?"
        ),
        # Only the check-up decides: a known problem makes the point unclear, not failed.
        choices=_yes_no(yes=Outcome.UNCLEAR),
        sensitive=True,
        why=__("I keep only the outcome of this question, never your answer."),
    ),
    Rule(
        id="language",
        fact="eligibility.language",
        title=__("Korean (EPS-TOPIK)"),
        explanation=__(
            "EPS job seekers must pass the Korean language test EPS-TOPIK; a pass is valid "
            "for {validity}."
        ),
        question=__("Where are you with Korean?"),
        choices=(
            Choice("passed", __("I have a valid EPS-TOPIK pass"), Verdict(Outcome.MET, "passed")),
            Choice("learning", __("I am learning Korean"), Verdict(Outcome.NOT_MET, "learning")),
            Choice(
                "not_started", __("I have not started yet"), Verdict(Outcome.NOT_MET, "not_started")
            ),
        ),
        also_cites=(TOPIK_FACT,),
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
STEPS: tuple[str, ...] = tuple(rule.id for rule in RULES)
FACT_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [rule.fact for rule in RULES]
        + [key for rule in RULES for key in rule.also_cites]
        + [CONTACTS_FACT, ACCESSION_FACT]
    )
)

# What to do next, by (rule, outcome, reason); a missing reason falls back to (rule, outcome, "").
# Placeholders: {min_age} {max_age} {immigration} {hrd} {validity}.
NEXT_STEPS: dict[tuple[str, Outcome, str], LazyProxy] = {
    ("age", Outcome.MET, ""): __(
        "Check the age limits again in the notice of Kazakhstan's first round."
    ),
    ("age", Outcome.NOT_MET, "too_young"): __("You can take part from the age of {min_age}."),
    ("age", Outcome.NOT_MET, "too_old"): __(
        "By age, EPS is closed to you under the current rules. Limits are set for each round, "
        "so check the notice of each round."
    ),
    ("age", Outcome.UNCLEAR, "year_only"): __(
        "From the year alone I cannot tell. Retake the check with your full date of birth."
    ),
    ("criminal_record", Outcome.NOT_MET, ""): __(
        "If your case may count differently (for example, the record was cleared), ask "
        "{immigration} or {hrd} before you prepare."
    ),
    ("criminal_record", Outcome.UNCLEAR, ""): __(
        "Find out whether you have such a record before you prepare."
    ),
    ("deportation", Outcome.NOT_MET, ""): __(
        "If you are not sure the record still applies to you, ask {immigration} or {hrd} "
        "before you prepare."
    ),
    ("deportation", Outcome.UNCLEAR, ""): __(
        "Ask {immigration} (Korean immigration, interpreters available) whether there is such "
        "a record."
    ),
    ("irregular_stay", Outcome.UNCLEAR, ""): __(
        "If you are in Korea now without a valid status, see the voluntary-departure guide: how "
        "to leave step by step, and what a programme does and does not spare you."
    ),
    ("travel_ban", Outcome.NOT_MET, ""): __(
        "You cannot take part while the ban applies; once it is lifted, this point is met."
    ),
    ("travel_ban", Outcome.UNCLEAR, ""): __(
        "Find out whether a ban applies to you before you prepare."
    ),
    ("passport", Outcome.NOT_MET, ""): __(
        "Get a passport before you apply: the application needs one that is already issued."
    ),
    ("passport", Outcome.UNCLEAR, ""): __(
        "Check your passport's expiry date and renew it before you apply if needed."
    ),
    ("health", Outcome.MET, ""): __(
        "Only the medical check-up decides. A worker who fails the re-check in Korea must go "
        "home at their own cost."
    ),
    ("health", Outcome.UNCLEAR, ""): __(
        "Only the medical check-up decides. Talk to a doctor early: a worker who fails the "
        "re-check in Korea must go home at their own cost."
    ),
    ("language", Outcome.MET, ""): __(
        "A pass is valid for {validity}: make sure it is still valid when you apply."
    ),
    ("language", Outcome.NOT_MET, "learning"): __(
        "Keep learning. A pass is valid for {validity}, so plan the test for when Kazakhstan "
        "joins EPS."
    ),
    ("language", Outcome.NOT_MET, "not_started"): __(
        "Start learning Korean: every EPS job seeker must pass EPS-TOPIK."
    ),
}


def next_step(result: RuleResult) -> LazyProxy | None:
    exact = (result.rule, result.outcome, result.reason)
    # Looked up by key, never by truth value: a lazy text would need a locale to be tested.
    return NEXT_STEPS[exact] if exact in NEXT_STEPS else NEXT_STEPS.get((*exact[:2], ""))


# -- evaluation -----------------------------------------------------------------------------


def guarded(verdict: Verdict, fact: Fact) -> Verdict:
    """An unconfirmed requirement is never reported as met or failed, except for answers that
    take the person outside it altogether."""
    if fact.confirmed or verdict.clear_of_point:
        return verdict
    return Verdict(Outcome.UNCLEAR, "unconfirmed")


def evaluate_rule(
    rule: Rule, answer: str | None, facts: Mapping[str, Fact], today: date
) -> RuleResult:
    verdict = guarded(rule.decide(answer, facts, today), facts[rule.fact])
    return RuleResult(rule.id, verdict.outcome, verdict.reason, verdict.details)


def evaluate(
    answers: Mapping[str, str], facts: Mapping[str, Fact], today: date
) -> list[RuleResult]:
    """Every rule, in order, for the answers given on the day `today`."""
    return [evaluate_rule(rule, answers.get(rule.id), facts, today) for rule in RULES]


def stored_reason(result: RuleResult) -> str:
    """What is kept of the reason: nothing at all for sensitive questions."""
    rule = RULES_BY_ID.get(result.rule)
    return "" if rule is None or rule.sensitive else result.reason


_OUTCOME_VALUES = frozenset(outcome.value for outcome in Outcome)


def from_stored(rows: Iterable[tuple[str, str, str]]) -> list[RuleResult]:
    """Results read back from storage, in rule order; rules or outcomes this release does not
    know (a rule removed since) are skipped rather than shown wrongly."""
    known: dict[str, RuleResult] = {}
    for rule_id, outcome, reason in rows:
        if rule_id in RULES_BY_ID and outcome in _OUTCOME_VALUES:
            known[rule_id] = RuleResult(rule_id, Outcome(outcome), reason)
    return [known[rule.id] for rule in RULES if rule.id in known]


def tally(results: Sequence[RuleResult]) -> Counter[Outcome]:
    return Counter(result.outcome for result in results)


def next_step_after(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def step_before(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None
