"""The what-if, scenario, frontier, forecast and outcome grammar (pure parsers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.allocation import ShareRule
from domain.commands.uncertainty import (
    Change,
    ItemForecastRequest,
    OutcomeRequest,
    WhatIf,
    parse_forecast,
    parse_frontier,
    parse_item_forecast,
    parse_outcome,
    parse_scenario,
    parse_whatif,
    whatif_from_json,
    whatif_json,
)
from domain.errors import InvalidInput
from domain.grammar import split_command

D = Decimal


def whatif(text: str) -> WhatIf:
    return parse_whatif(split_command(text))


def test_the_issue_example_reads_every_change() -> None:
    parsed = whatif(
        "whatif allocate 1.7m | drop CHK | set MOB confidence 40% | set API return 300k"
    )
    assert parsed.budget == (D(1_700_000), None)
    assert parsed.drop == ("CHK",)
    assert parsed.changes == (
        Change("MOB", "confidence", D("0.4")),
        Change("API", "return", (D(300_000), None)),
    )


def test_keys_are_read_in_any_case() -> None:
    assert whatif("whatif | set chk confidence 40%").changes[0].key == "CHK"


def test_a_budget_may_move_by_a_signed_share() -> None:
    assert whatif("whatif allocate -15%").budget_change == D("-0.15")
    assert whatif("whatif +10%").budget_change == D("0.1")
    assert whatif("whatif allocate | min Growth 30%").rules == (
        ShareRule("Growth", D("0.3"), "min"),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("whatif", "Say what changes"),
        ("whatif allocate 15%", "with its sign"),
        ("whatif allocate -100%", "less than 100 %"),
        ("whatif frontier", "answers `allocate`"),
        ("whatif allocate | set CHK colour red", "no field `colour`"),
        ("whatif allocate | set CHK confidnce 40%", "Did you mean `confidence`?"),
        ("whatif allocate | set CHK stage launch", "doesn't change an allocation"),
        ("whatif allocate | set CHK 40%", "`| set KEY field value`"),
        ("whatif allocate | set CHK confidence 140%", "between 0 % and 100 %"),
        ("whatif allocate | set CHK return lots", "lots"),
        ("whatif | set CHK confidence 40% | set CHK confidence 50%", "given twice"),
        ("whatif allocate | colour red", "Unknown field `colour`"),
    ],
)
def test_bad_what_ifs_say_how_to_write_them(text: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words.replace("?", r"\?").replace("|", r"\|")):
        whatif(text)


def test_a_what_if_reads_back_from_json_exactly() -> None:
    parsed = whatif(
        "whatif -12.5% | min Growth 30% | max Core 50% | keep CHK | drop LEG "
        "| set CHK investment €150k | set MOB confidence 40.25% | set PAY category Core"
    )
    assert whatif_from_json(whatif_json(parsed)) == parsed


def test_scenario_actions() -> None:
    saved = parse_scenario(split_command("scenario save lean 1.7m | drop CHK"))
    assert saved.action == "save" and saved.names == ("lean",) and saved.text == "1.7m | drop CHK"
    assert saved.whatif is not None and saved.whatif.drop == ("CHK",)
    assert parse_scenario(split_command("scenario list")).action == "list"
    assert parse_scenario(split_command("scenario compare lean bold")).names == ("lean", "bold")
    assert parse_scenario(split_command("scenario apply lean")).action == "apply"
    for text, words in (
        ("scenario", "Say what to do"),
        ("scenario save", "Name the scenario"),
        ("scenario sav lean", "Did you mean `save`?"),
        ("scenario save lean!", "one word of letters"),
        ("scenario compare lean lean", "with another scenario"),
        ("scenario compare a b c", "one or two"),
        ("scenario drop lean now", "takes nothing after it"),
        ("scenario list | x y", "takes no `|` fields"),
    ):
        with pytest.raises(InvalidInput, match=words.replace("?", r"\?")):
            parse_scenario(split_command(text))


def test_frontier_takes_the_allocation_rules_but_not_by() -> None:
    request = parse_frontier(split_command("frontier 2m | min Growth 30% | keep CHK"))
    assert request.budget == (D(2_000_000), None) and request.keep == ("CHK",)
    with pytest.raises(InvalidInput, match=r"takes no `\| by`"):
        parse_frontier(split_command("frontier | by score"))


def test_forecast_target_and_outcomes() -> None:
    assert parse_forecast(split_command("forecast | target €3m")) == (D(3_000_000), "EUR")
    assert parse_forecast(split_command("forecast")) is None
    with pytest.raises(InvalidInput, match=r"after `\|`"):
        parse_forecast(split_command("forecast 3m"))
    assert parse_outcome(
        split_command("outcome CHK success | realised 350k | on 2027-06-30")
    ) == OutcomeRequest("CHK", True, (D(350_000), None), date(2027, 6, 30))
    assert parse_outcome(split_command("outcome CHK failed | realized 1k")).realised == (
        D(1000),
        None,
    )
    with pytest.raises(InvalidInput, match=r"isn.t a result"):
        parse_outcome(split_command("outcome CHK maybe"))
    with pytest.raises(InvalidInput, match="Name the product and what happened"):
        parse_outcome(split_command("outcome CHK"))


def test_roadmap_forecast_names_a_product_or_an_item() -> None:
    assert parse_item_forecast(split_command("forecast CHK")) == ItemForecastRequest("CHK")
    assert parse_item_forecast(split_command("forecast CHK-3")) == ItemForecastRequest("CHK", 3)
    with pytest.raises(InvalidInput, match="Name one product or item"):
        parse_item_forecast(split_command("forecast"))
