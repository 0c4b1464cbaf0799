"""Brier scores, bias and its stated rule, realised returns and delivery, worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.uncertainty.calibration import (
    Bias,
    Delivered,
    Resolved,
    adjust,
    brier,
    report,
)

DAY = date(2027, 1, 1)


def outcome(
    key: str,
    confidence: str,
    success: bool,
    *,
    owner: str | None = "U0BOB",
    category: str = "Growth",
    expected: int = 100_000,
    realised: int | None = None,
    day: int = 0,
) -> Resolved:
    return Resolved(
        key,
        owner,
        category,
        Decimal(confidence),
        success,
        Decimal(expected),
        None if realised is None else Decimal(realised),
        DAY + timedelta(days=day),
    )


def test_brier_score_by_hand() -> None:
    # (0.7−1)² = 0.09, (0.2−0)² = 0.04, (0.9−0)² = 0.81: mean 0.94 / 3 = 0.3133…
    assert brier([(Decimal("0.7"), True), (Decimal("0.2"), False), (Decimal("0.9"), False)]) == (
        Decimal("0.3133")
    )
    assert brier([(Decimal("0.5"), True), (Decimal("0.5"), False)]) == Decimal("0.25")
    assert brier([(Decimal(1), True), (Decimal(0), False)]) == 0
    with pytest.raises(ValueError, match="at least one"):
        brier([])


def test_a_group_scores_its_bias_success_rate_and_realised_return() -> None:
    rows = [
        outcome("A", "0.8", True, realised=50_000),
        outcome("B", "0.6", False),
        outcome("C", "0.9", True),  # amount not given: not counted in realised return
    ]
    result = report(rows)
    assert result.overall is not None
    bob = result.owners[0]
    assert bob.group == "U0BOB" and bob.outcomes == 3
    assert bob.brier == Decimal("0.1367")  # (0.04 + 0.36 + 0.01) / 3
    assert bob.bias == Decimal("0.1000")  # (−0.2 + 0.6 − 0.1) / 3
    assert bob.success_rate == Decimal("0.6667")
    assert bob.realised_ratio == Decimal("0.2500")  # 50k of 200k (A and the failed B)
    assert bob.with_amounts == 2


def test_a_large_sustained_bias_is_found_and_small_or_few_are_not() -> None:
    high = [outcome(f"H{i}", "0.8", i == 0, owner="U0BOB", day=i) for i in range(6)]
    few = [outcome(f"F{i}", "0.9", False, owner="U0DAN", day=i) for i in range(4)]
    fair = [outcome(f"G{i}", "0.5", i % 2 == 0, owner="U0EVE", day=i) for i in range(8)]
    result = report(high + few + fair)
    bob = Bias("owner", "U0BOB", Decimal("0.6333"), 6)
    assert bob in result.biases
    assert all(b.group not in ("U0DAN", "U0EVE") for b in result.biases)


def test_a_bias_that_has_turned_is_not_sustained() -> None:
    # The first half all failed at 90 %, the later half all succeeded: no longer high.
    rows = [outcome(f"T{i}", "0.9", i >= 4, day=i) for i in range(8)]
    result = report(rows)
    assert result.owners[0].bias == Decimal("0.4000") and result.owners[0].z > 2
    assert result.biases == ()


def test_a_low_bias_is_found_too() -> None:
    rows = [outcome(f"L{i}", "0.2", i != 3, category="Core", owner=None, day=i) for i in range(7)]
    biases = report(rows).biases
    assert Bias("category", "Core", Decimal("-0.6571"), 7) in biases


def test_delivery_on_time_share_and_mean_days_late() -> None:
    items = [
        Delivered("CHK-1", "U0BOB", "Growth", date(2027, 3, 31), date(2027, 3, 20)),
        Delivered("CHK-2", "U0BOB", "Growth", date(2027, 3, 31), date(2027, 4, 30)),
        Delivered("PAY-1", "U0DAN", "Core", date(2027, 6, 30), date(2027, 6, 30)),
    ]
    result = report([], items)
    assert result.overall is None and result.delivery is not None
    assert result.delivery.items == 3 and result.delivery.on_time == 2
    assert result.delivery.mean_days_late == Decimal("6.3")  # (−11 + 30 + 0) / 3
    bob = result.delivery_owners[0]
    assert (bob.group, bob.items, bob.on_time, bob.mean_days_late) == (
        "U0BOB",
        2,
        1,
        Decimal("9.5"),
    )


def test_calibrated_confidence_moves_by_the_shrunk_bias_of_the_owner_then_category() -> None:
    rows = [outcome(f"H{i}", "0.8", False, day=i) for i in range(5)]  # bias 0.8 over 5
    result = report(rows)
    mine = adjust("NEW", Decimal("0.7"), "U0BOB", "Core", result)
    assert mine.by == "owner" and mine.outcomes == 5
    assert mine.after == Decimal("0.3000")  # 0.7 − 0.8 × 5/10
    by_category = adjust("NEW", Decimal("0.7"), "U0DAN", "Growth", result)
    assert by_category.by == "category" and by_category.after == Decimal("0.3000")
    untouched = adjust("NEW", Decimal("0.7"), "U0DAN", "Core", result)
    assert untouched.by is None and untouched.after == Decimal("0.7")
    floor = adjust("NEW", Decimal("0.1"), "U0BOB", "Core", result)
    assert floor.after == 0
