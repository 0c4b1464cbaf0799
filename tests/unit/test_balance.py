from __future__ import annotations

from decimal import Decimal

import pytest

from domain.balance import (
    BalanceInput,
    BalanceReport,
    Concentrated,
    EmptyPortfolio,
    NoInvestment,
    NoPipeline,
    Troubled,
    balance,
)
from domain.errors import InvalidInput
from handlers.planning.balance import flag_text


def words(report: BalanceReport) -> list[str]:
    return [flag_text(flag) for flag in report.flags]


def product(
    key: str,
    category: str,
    investment: int,
    *,
    stage: str = "development",
    health: str = "on track",
    expected_return: int = 0,
    confidence: str = "1",
) -> BalanceInput:
    return BalanceInput(
        key,
        category,
        stage,
        health,
        Decimal(investment),
        Decimal(expected_return),
        Decimal(confidence),
    )


def test_groups_carry_totals_and_shares() -> None:
    report = balance(
        [
            product("CHK", "Growth", 300, expected_return=1000, confidence="0.5"),
            product("PAY", "Growth", 100, expected_return=500, confidence="0.2"),
            product("LEG", "Core", 600, expected_return=400, confidence="1", stage="research"),
        ],
        "category",
    )
    core, growth = report.groups
    assert (core.name, core.count, core.investment, core.investment_share) == (
        "Core",
        1,
        Decimal(600),
        Decimal("0.6"),
    )
    assert (growth.name, growth.count, growth.investment) == ("Growth", 2, Decimal(400))
    assert growth.expected_value == Decimal(600)
    assert growth.value_share == Decimal("0.6")
    assert core.value_share == Decimal("0.4")
    assert report.hhi == Decimal("0.52")


def test_all_investment_in_one_group_has_hhi_one() -> None:
    report = balance(
        [product("A", "Core", 10, stage="ideation"), product("B", "Core", 30)], "category"
    )
    assert report.hhi == Decimal(1)


def test_concentration_over_sixty_percent_is_flagged() -> None:
    report = balance(
        [product("A", "Growth", 72, stage="ideation"), product("B", "Core", 28)], "stage"
    )
    assert Concentrated("Growth", Decimal("0.72"), Decimal("0.6")) in report.flags
    assert "72% of investment is in Growth" in words(report)


def test_exactly_sixty_percent_is_not_flagged() -> None:
    report = balance(
        [product("A", "Growth", 60, stage="ideation"), product("B", "Core", 40)], "health"
    )
    assert not any(isinstance(flag, Concentrated) for flag in report.flags)


def test_a_share_just_over_the_limit_is_shown_above_it() -> None:
    report = balance(
        [product("A", "Growth", 6001, stage="ideation"), product("B", "Core", 3999)], "category"
    )
    assert "60.01% of investment is in Growth" in words(report)


def test_no_pipeline_is_flagged() -> None:
    report = balance([product("A", "Core", 10), product("B", "Growth", 10)], "category")
    assert NoPipeline(("ideation", "research")) in report.flags
    assert "No pipeline: nothing in ideation or research" in words(report)


def test_more_than_a_third_at_risk_or_off_track_is_flagged() -> None:
    report = balance(
        [
            product("A", "Core", 20, health="at risk", stage="research"),
            product("B", "Growth", 20, health="off track"),
            product("C", "Platform", 60),
        ],
        "category",
    )
    assert Troubled(Decimal("0.4"), Decimal(1) / 3) in report.flags
    assert "40% of investment is at risk or off track" in words(report)


def test_exactly_a_third_at_risk_is_not_flagged() -> None:
    report = balance(
        [product("A", "Core", 1, health="at risk", stage="ideation"), product("B", "Growth", 2)],
        "category",
    )
    assert not any(isinstance(flag, Troubled) for flag in report.flags)


def test_stages_are_listed_in_lifecycle_order() -> None:
    report = balance(
        [
            product("A", "Core", 1, stage="maturity"),
            product("B", "Core", 1, stage="ideation"),
            product("C", "Core", 1, stage="development"),
        ],
        "stage",
    )
    assert [g.name for g in report.groups] == ["ideation", "development", "maturity"]


def test_health_groups_use_the_plain_words() -> None:
    report = balance(
        [product("A", "Core", 1, health="off_track", stage="ideation"), product("B", "Core", 3)],
        "health",
    )
    assert [(g.name, g.investment_share) for g in report.groups] == [
        ("on track", Decimal("0.75")),
        ("off track", Decimal("0.25")),
    ]


def test_empty_portfolio_has_no_groups_and_says_so() -> None:
    report = balance([], "category")
    assert report.groups == ()
    assert report.hhi == 0
    assert report.flags == (EmptyPortfolio(),)
    assert words(report) == ["The portfolio is empty: add products to see its balance"]


def test_zero_total_investment_does_not_divide_by_zero() -> None:
    report = balance([product("A", "Core", 0, stage="research")], "category")
    assert report.groups[0].investment_share == 0
    assert report.groups[0].value_share == 0
    assert report.hhi == 0
    assert NoInvestment() in report.flags
    assert any("No investment recorded yet" in text for text in words(report))


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(InvalidInput, match="category, stage, health"):
        balance([product("A", "Core", 1)], "owner")  # type: ignore[arg-type]
