"""Command text to typed requests: planning, objectives, roadmap ranking and digests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import ShareRule
from domain.commands.common import parse_keys, parse_nothing
from domain.commands.digests import DigestRequest, RemindRequest, parse_digest, parse_remind
from domain.commands.objectives import (
    AddObjective,
    ListObjectives,
    SetObjective,
    parse_objective,
)
from domain.commands.planning import (
    AllocateRequest,
    ChartRequest,
    parse_allocate,
    parse_balance,
    parse_chart,
    parse_weights,
    parse_weights_command,
)
from domain.commands.roadmap import ItemRankRequest, parse_item_rank
from domain.errors import InvalidInput
from domain.grammar import split_command
from domain.ranking import Weights

D = Decimal

# --- weights -------------------------------------------------------------------------------


def test_bare_weights_command_asks_to_show_them() -> None:
    assert parse_weights_command(split_command("weights")) is None


def test_weights_command_reads_the_weights() -> None:
    cmd = split_command("weights roi 60% align 40%")
    assert parse_weights_command(cmd) == Weights(roi=D("0.6"), alignment=D("0.4"))


def test_parse_weights_reads_percentages() -> None:
    assert parse_weights("roi 40% risk 30% alignment 30%") == Weights(
        roi=Decimal("0.4"), risk=Decimal("0.3"), alignment=Decimal("0.3")
    )


def test_parse_weights_accepts_commas_and_spaces_before_percent() -> None:
    assert parse_weights("roi 50 %, npv 50%") == Weights(roi=Decimal("0.5"), npv=Decimal("0.5"))


def test_parse_weights_that_do_not_sum_to_100_say_the_sum() -> None:
    with pytest.raises(InvalidInput, match="yours add up to 90 %"):
        parse_weights("roi 40% risk 30% alignment 20%")


def test_parse_weights_unknown_measure_suggests() -> None:
    with pytest.raises(InvalidInput, match="Did you mean `risk`"):
        parse_weights("roi 50% rsk 50%")


def test_parse_weights_refuses_a_measure_given_twice() -> None:
    with pytest.raises(InvalidInput, match="weighted twice"):
        parse_weights("roi 50% roi 50%")


def test_parse_weights_refuses_stray_text() -> None:
    with pytest.raises(InvalidInput, match="could not read"):
        parse_weights("roi 50% npv 50% please")


# --- allocation, balance, charts -------------------------------------------------------------


def test_allocate_reads_budget_rules_keeps_drops_and_objective() -> None:
    cmd = split_command(
        "allocate 2m | min Growth 30%, Core 10% | max Core 50% | keep CHK, PAY CHK | drop LEG "
        "| by score"
    )
    assert parse_allocate(cmd) == AllocateRequest(
        budget=(D(2_000_000), None),
        rules=(
            ShareRule("Growth", D("0.3"), "min"),
            ShareRule("Core", D("0.1"), "min"),
            ShareRule("Core", D("0.5"), "max"),
        ),
        keep=("CHK", "PAY"),
        drop=("LEG",),
        by="score",
    )


def test_bare_allocate_uses_the_portfolio_budget_and_value() -> None:
    assert parse_allocate(split_command("allocate")) == AllocateRequest()


def test_allocate_rule_without_a_share_says_how_to_write_one() -> None:
    with pytest.raises(InvalidInput, match=r"`\| min Growth 30%`"):
        parse_allocate(split_command("allocate | min Growth"))


@pytest.mark.parametrize(
    ("text", "grouping"),
    [("balance", "category"), ("balance by stage", "stage"), ("balance Health", "health")],
)
def test_balance_reads_the_grouping(text: str, grouping: str) -> None:
    assert parse_balance(split_command(text)) == grouping


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("chart", ChartRequest()),
        ("chart ranking", ChartRequest(kind="ranking")),
        ("chart Ranking NPV", ChartRequest(kind="ranking", measure="npv")),
    ],
)
def test_chart_reads_kind_and_measure(text: str, request_: ChartRequest) -> None:
    assert parse_chart(split_command(text)) == request_


def test_bubble_chart_takes_no_measure() -> None:
    with pytest.raises(InvalidInput, match="I don't understand `bubble roi`"):
        parse_chart(split_command("chart bubble roi"))


# --- objectives --------------------------------------------------------------------------------


def test_objective_requests() -> None:
    assert parse_objective(split_command("objective")) == ListObjectives()
    assert parse_objective(split_command("objective list")) == ListObjectives()
    assert parse_objective(split_command("objective add GROW Grow ARR | weight 1.5")) == (
        AddObjective(key="GROW", title="Grow ARR", weight=D("1.5"))
    )
    assert parse_objective(split_command("objective set GROW | title Keep")) == (
        SetObjective(key="GROW", title="Keep")
    )


@pytest.mark.parametrize("weight", ["0", "1001", "-1", "three"])
def test_objective_weight_out_of_range_is_refused(weight: str) -> None:
    with pytest.raises(InvalidInput, match="above 0 and at most 1,000"):
        parse_objective(split_command(f"objective add GROW Grow | weight {weight}"))


# --- roadmap ranking, digests, reminders -------------------------------------------------------


def test_item_rank_defaults_to_rice() -> None:
    assert parse_item_rank(split_command("rank CHK")) == ItemRankRequest(key="CHK")
    assert parse_item_rank(split_command("rank CHK WSJF")) == ItemRankRequest("CHK", "wsjf")


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("digest", DigestRequest("list")),
        ("digest off", DigestRequest("off")),
        ("digest Preview", DigestRequest("preview")),
        ("digest weekly mon 09:00", DigestRequest("subscribe", "weekly mon 09:00")),
        ("digest 9am daily", DigestRequest("subscribe", "9am daily")),
        ("digest fortnightly", DigestRequest("subscribe", "fortnightly")),
    ],
)
def test_digest_actions(text: str, request_: DigestRequest) -> None:
    assert parse_digest(split_command(text)) == request_


def test_bare_digest_action_takes_nothing_after_it() -> None:
    with pytest.raises(InvalidInput, match="`/portfolio digest now` takes nothing after it"):
        parse_digest(split_command("digest now please"))


def test_remind_reads_off_and_on() -> None:
    assert parse_remind(split_command("remind OFF")) == RemindRequest(off=True)
    assert parse_remind(split_command("remind on")) == RemindRequest(off=False)
    with pytest.raises(InvalidInput, match="Say `off` or `on`"):
        parse_remind(split_command("remind later"))


# --- common readers ----------------------------------------------------------------------------


def test_keys_are_read_once_each_in_order() -> None:
    assert parse_keys("PAY, CHK PAY") == ("PAY", "CHK")


def test_a_command_that_takes_nothing_refuses_words() -> None:
    parse_nothing(split_command("export"), "/portfolio export")
    with pytest.raises(InvalidInput, match="`/portfolio export` takes nothing after it"):
        parse_nothing(split_command("export now"), "/portfolio export")
