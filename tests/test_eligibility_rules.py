"""The self-check rules on a fixed day: every rule, every answer, every age boundary, the
unconfirmed-point guard, birth-date parsing, and what is kept of a result."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.content.facts import load_seed
from bot.eps.eligibility import (
    FACT_KEYS,
    RULES,
    RULES_BY_ID,
    STEPS,
    Birth,
    BirthError,
    BirthProblem,
    Outcome,
    RuleResult,
    age_on,
    anniversary,
    evaluate,
    evaluate_rule,
    from_stored,
    next_step,
    parse_birth,
    possible_ages,
    stored_reason,
    tally,
)
from storage.content import Confidence, Fact

TODAY = date(2026, 11, 21)
MET, NOT_MET, UNCLEAR = Outcome.MET, Outcome.NOT_MET, Outcome.UNCLEAR


def seeded_facts() -> dict[str, Fact]:
    return {
        seed.key: Fact(
            key=seed.key,
            value=seed.value,
            source_url=seed.source_url,
            source_date=seed.source_date,
            checked_on=seed.checked_on,
            confidence=seed.confidence,
        )
        for seed in load_seed()
    }


FACTS = seeded_facts()
ELIGIBLE = {
    "age": "1995-03-25",
    "criminal_record": "no",
    "deportation": "no",
    "irregular_stay": "never",
    "travel_ban": "no",
    "passport": "valid",
    "health": "no",
    "language": "passed",
}


def outcome(rule: str, answer: str | None, facts: dict[str, Fact] = FACTS, today: date = TODAY):
    return evaluate_rule(RULES_BY_ID[rule], answer, facts, today)


def with_fact(key: str, **changes: object) -> dict[str, Fact]:
    facts = dict(FACTS)
    facts[key] = replace(facts[key], **changes)
    return facts


# -- the table itself ----------------------------------------------------------------------


def test_every_rule_has_its_fact_a_question_and_a_condition() -> None:
    assert STEPS == (
        "age",
        "criminal_record",
        "deportation",
        "irregular_stay",
        "travel_ban",
        "passport",
        "health",
        "language",
    )
    for rule in RULES:
        assert rule.fact in FACTS, rule.id
        assert bool(rule.choices) != (rule.condition is not None), rule.id
        assert len({c.value for c in rule.choices}) == len(rule.choices), rule.id
        for choice in rule.choices:  # packed as "elig:answer:<rule>.<choice>": 64 bytes at most
            assert ":" not in choice.value and len(f"elig:answer:{rule.id}.{choice.value}") <= 64
    assert set(FACT_KEYS) <= set(FACTS)


def test_the_seeded_facts_mark_only_the_irregular_stay_point_as_unconfirmed() -> None:
    unconfirmed = [rule.id for rule in RULES if not FACTS[rule.fact].confirmed]
    assert unconfirmed == ["irregular_stay"]
    assert FACTS["eligibility.age"].value == {"min_age": 18, "max_age": 39}


def test_a_fully_eligible_person() -> None:
    results = evaluate(ELIGIBLE, FACTS, TODAY)
    assert [r.rule for r in results] == list(STEPS)
    assert {r.outcome for r in results} == {MET}
    assert tally(results)[MET] == len(RULES)


def test_a_missing_answer_is_unclear_never_met() -> None:
    results = evaluate({}, FACTS, TODAY)
    assert {r.outcome for r in results} == {UNCLEAR}


# -- age: full date of birth -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "age", "expected", "reason"),
    [
        ("2008-11-22", 17, NOT_MET, "too_young"),  # 17 years and 364 days
        ("2008-11-21", 18, MET, "in_range"),  # 18 exactly, today
        ("2008-11-20", 18, MET, "in_range"),
        ("1987-11-21", 39, MET, "in_range"),  # 39 exactly
        ("1986-11-22", 39, MET, "in_range"),  # the last day at 39
        ("1986-11-21", 40, NOT_MET, "too_old"),  # the day one turns 40
        ("1970-01-01", 56, NOT_MET, "too_old"),
        ("2026-11-21", 0, NOT_MET, "too_young"),  # born today
    ],
)
def test_age_boundaries_with_a_full_date(birth: str, age: int, expected: Outcome, reason: str):
    assert age_on(date.fromisoformat(birth), TODAY) == age
    result = outcome("age", birth)
    assert (result.outcome, result.reason) == (expected, reason)


def test_age_details_name_the_day_the_limit_changes() -> None:
    young = outcome("age", "2008-11-22")
    assert young.details == {"turns": 18, "on": date(2026, 11, 22)}  # tomorrow
    in_range = outcome("age", "1986-11-22")
    assert in_range.details == {"turns": 40, "on": date(2026, 11, 22)}  # tomorrow: 40
    assert outcome("age", "1986-11-21").details == {}


@pytest.mark.parametrize(
    ("today", "age"),
    [
        (date(2026, 2, 28), 17),  # a common year: still 17 on 28 February
        (date(2026, 3, 1), 18),
        (date(2028, 2, 28), 19),  # a leap year: the real birthday is the next day
        (date(2028, 2, 29), 20),
    ],
)
def test_born_on_29_february(today: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), today) == age


def test_anniversary_of_29_february_in_a_common_year_is_1_march() -> None:
    assert anniversary(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert anniversary(date(2008, 2, 29), 20) == date(2028, 2, 29)
    assert anniversary(date(1990, 5, 1), 40) == date(2030, 5, 1)


def test_age_bounds_come_from_the_fact() -> None:
    narrower = with_fact("eligibility.age", value={"min_age": 18, "max_age": 37})
    assert outcome("age", "1988-11-22", narrower).outcome is MET  # 37
    assert outcome("age", "1988-11-21", narrower).outcome is NOT_MET  # 38 today
    assert outcome("age", "1988-11-21").outcome is MET  # 38 under the seeded 18-39


# -- age: birth year only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "ages", "expected", "reason"),
    [
        (2009, (16, 17), NOT_MET, "too_young"),
        (2008, (17, 18), UNCLEAR, "year_only"),  # 17 or 18: the year alone cannot decide
        (2007, (18, 19), MET, "in_range"),
        (1987, (38, 39), MET, "in_range"),
        (1986, (39, 40), UNCLEAR, "year_only"),  # 39 or 40
        (1985, (40, 41), NOT_MET, "too_old"),
    ],
)
def test_age_from_the_year_alone(
    year: int, ages: tuple[int, int], expected: Outcome, reason: str
) -> None:
    assert possible_ages(year, TODAY) == ages
    result = outcome("age", str(year))
    assert (result.outcome, result.reason) == (expected, reason)


def test_year_only_details() -> None:
    assert outcome("age", "1986").details == {"low": 39, "high": 40}
    assert outcome("age", "1987").details == {"turns": 40, "in_year": 2027}
    assert outcome("age", "2009").details == {"turns": 18, "in_year": 2027}


def test_on_31_december_the_year_decides() -> None:
    last_day = date(2026, 12, 31)
    assert possible_ages(1986, last_day) == (40, 40)
    assert outcome("age", "1986", today=last_day).outcome is NOT_MET
    assert possible_ages(2008, last_day) == (18, 18)
    assert outcome("age", "2008", today=last_day).outcome is MET
    assert outcome("age", "2008", today=date(2026, 12, 30)).outcome is UNCLEAR


def test_born_this_year_is_age_zero() -> None:
    assert possible_ages(2026, TODAY) == (0, 0)
    assert outcome("age", "2026").outcome is NOT_MET


# -- the history and document rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "answer", "expected"),
    [
        ("criminal_record", "no", MET),
        ("criminal_record", "yes", NOT_MET),
        ("criminal_record", "unsure", UNCLEAR),
        ("deportation", "no", MET),
        ("deportation", "yes", NOT_MET),
        ("deportation", "unsure", UNCLEAR),
        ("travel_ban", "no", MET),
        ("travel_ban", "yes", NOT_MET),
        ("travel_ban", "unsure", UNCLEAR),
        ("passport", "valid", MET),
        ("passport", "none", NOT_MET),
        ("passport", "unsure", UNCLEAR),
        ("health", "no", MET),
        ("health", "yes", UNCLEAR),  # only the check-up decides: never "not met" from a guess
        ("health", "unsure", UNCLEAR),
        ("language", "passed", MET),
        ("language", "learning", NOT_MET),
        ("language", "not_started", NOT_MET),
    ],
)
def test_every_answer_of_every_choice_rule(rule: str, answer: str, expected: Outcome) -> None:
    assert outcome(rule, answer).outcome is expected


@pytest.mark.parametrize("rule", [r.id for r in RULES if r.choices])
def test_an_unknown_answer_is_unclear(rule: str) -> None:
    assert outcome(rule, "maybe").outcome is UNCLEAR


# -- the unconfirmed point ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("never", MET),  # the point does not concern this person
        ("past", UNCLEAR),  # left Korea after an irregular stay: unconfirmed, never met/not met
        ("now", UNCLEAR),
        ("skip", UNCLEAR),  # "prefer not to say"
    ],
)
def test_irregular_stay_is_unclear_unless_it_never_happened(answer: str, expected: Outcome):
    assert outcome("irregular_stay", answer).outcome is expected


def test_a_requirement_staff_mark_unconfirmed_is_never_met_or_failed() -> None:
    doubtful = with_fact("eligibility.deportation", confidence=Confidence.UNCONFIRMED)
    assert outcome("deportation", "yes", doubtful).outcome is UNCLEAR
    assert outcome("deportation", "yes", doubtful).reason == "unconfirmed"
    assert outcome("deportation", "no", doubtful).outcome is MET  # not concerned at all
    low = with_fact("eligibility.age", confidence=Confidence.LOW)
    assert outcome("age", "1995-03-25", low).outcome is UNCLEAR
    assert outcome("age", "1970-01-01", low).outcome is UNCLEAR


def test_confirming_a_requirement_restores_its_verdicts() -> None:
    medium = with_fact("eligibility.deportation", confidence=Confidence.MEDIUM)
    assert outcome("deportation", "yes", medium).outcome is NOT_MET


# -- what to do next, and what is kept --------------------------------------------------------


def test_every_outcome_that_needs_a_next_step_has_one() -> None:
    needing = [
        RuleResult("age", MET, "in_range"),
        RuleResult("age", NOT_MET, "too_young"),
        RuleResult("age", NOT_MET, "too_old"),
        RuleResult("age", UNCLEAR, "year_only"),
        RuleResult("irregular_stay", UNCLEAR),
        RuleResult("health", MET),
        RuleResult("health", UNCLEAR),
        RuleResult("language", MET, "passed"),
        RuleResult("language", NOT_MET, "learning"),
        RuleResult("language", NOT_MET, "not_started"),
    ]
    needing += [
        RuleResult(rule, result, "")
        for rule in ("criminal_record", "deportation", "travel_ban", "passport")
        for result in (NOT_MET, UNCLEAR)
    ]
    for result in needing:
        assert next_step(result) is not None, result
    learning = next_step(RuleResult("language", NOT_MET, "learning"))
    assert learning is not next_step(RuleResult("language", NOT_MET, "not_started"))


def test_an_unconfirmed_requirement_gets_no_rule_specific_advice() -> None:
    """Only the "ask 1345 / 1577-0071" line applies: the rule's own advice assumes the rule."""
    low = with_fact("eligibility.age", confidence=Confidence.UNCONFIRMED)
    result = outcome("age", "1986", low)
    assert (result.outcome, result.reason, result.details) == (UNCLEAR, "unconfirmed", {})
    assert next_step(result) is None
    # The irregular-stay advice (the voluntary-departure guide) stands with the unconfirmed line.
    assert next_step(outcome("irregular_stay", "past")) is not None


def test_sensitive_answers_leave_only_the_outcome() -> None:
    results = {r.rule: r for r in evaluate({**ELIGIBLE, "health": "yes"}, FACTS, TODAY)}
    assert stored_reason(results["health"]) == ""
    now = evaluate_rule(RULES_BY_ID["irregular_stay"], "now", FACTS, TODAY)
    assert stored_reason(now) == ""
    assert stored_reason(results["age"]) == "in_range"
    assert stored_reason(results["language"]) == "passed"


def test_stored_results_come_back_in_rule_order_and_unknown_rows_are_skipped() -> None:
    rows = [
        ("passport", "met", ""),
        ("age", "unclear", "year_only"),
        ("retired_rule", "met", ""),
        ("health", "bogus", ""),
    ]
    assert from_stored(rows) == [
        RuleResult("age", UNCLEAR, "year_only"),
        RuleResult("passport", MET, ""),
    ]


# -- reading a birth date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25.03.1995", Birth(1995, date(1995, 3, 25))),
        ("1995-03-25", Birth(1995, date(1995, 3, 25))),
        ("25/03/1995", Birth(1995, date(1995, 3, 25))),
        (" 1995 ", Birth(1995)),
        ("2008.11.21", Birth(2008, date(2008, 11, 21))),
        ("21.11.2026", Birth(2026, date(2026, 11, 21))),  # today is not the future
        ("1926", Birth(1926)),
    ],
)
def test_birth_dates_read(typed: str, expected: Birth) -> None:
    assert parse_birth(typed, TODAY) == expected
    assert Birth.decode(expected.encode()) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("3000", BirthProblem.FUTURE),
        ("2027", BirthProblem.FUTURE),
        ("22.11.2026", BirthProblem.FUTURE),  # tomorrow
        ("01.01.3000", BirthProblem.FUTURE),
        ("abc", BirthProblem.FORMAT),
        ("", BirthProblem.FORMAT),
        ("25.03.95", BirthProblem.FORMAT),  # a two-digit year could be 1995 or 2095
        ("25.03", BirthProblem.FORMAT),
        ("today", BirthProblem.FORMAT),
        ("95", BirthProblem.FORMAT),
        ("19950", BirthProblem.FORMAT),
        ("31.02.1995", BirthProblem.NO_SUCH_DATE),
        ("1925", BirthProblem.TOO_LONG_AGO),
        ("0001", BirthProblem.TOO_LONG_AGO),
    ],
)
def test_birth_dates_refused(typed: str, problem: BirthProblem) -> None:
    with pytest.raises(BirthError) as caught:
        parse_birth(typed, TODAY)
    assert caught.value.problem is problem


@pytest.mark.parametrize("stored", [None, "", "19x5", "1995-02-30", "abcd-ef-gh"])
def test_corrupted_stored_birth_reads_as_no_answer(stored: str | None) -> None:
    assert Birth.decode(stored) is None
    assert outcome("age", stored).outcome is UNCLEAR
