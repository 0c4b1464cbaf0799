from __future__ import annotations

import math
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.finance import irr, npv, payback_period, risk_adjusted_roi, roi


def d(*values: str | int) -> list[Decimal]:
    return [Decimal(str(v)) for v in values]


def test_zero_investment_has_no_roi() -> None:
    assert roi(Decimal(0), Decimal(400_000)) is None
    assert risk_adjusted_roi(Decimal(0), Decimal(400_000), Decimal("0.7")) is None


def test_roi_is_return_over_investment_to_four_places() -> None:
    assert roi(Decimal(120_000), Decimal(400_000)) == Decimal("2.3333")
    assert roi(Decimal(120_000), Decimal(400_000)).as_tuple().exponent == -4  # type: ignore[union-attr]


def test_negative_roi_when_return_is_below_investment() -> None:
    assert roi(Decimal(200), Decimal(50)) == Decimal("-0.7500")


def test_roi_of_a_tiny_loss_is_a_plain_zero() -> None:
    assert str(roi(Decimal(1_000_000), Decimal("999999.99"))) == "0.0000"


def test_risk_adjusted_roi_weighs_return_by_confidence() -> None:
    assert risk_adjusted_roi(Decimal(100), Decimal(400), Decimal("0.5")) == Decimal("1.0000")
    assert risk_adjusted_roi(Decimal(100), Decimal(100), Decimal("0.7")) == Decimal("-0.3000")


def test_npv_discounts_yearly_flows_after_the_first() -> None:
    assert npv(Decimal("0.10"), d(-100, 50, 60)) == Decimal("-4.96")
    assert npv(Decimal("0.10"), d(-100)) == Decimal("-100.00")


def test_npv_of_no_flows_is_zero() -> None:
    assert npv(Decimal("0.08"), []) == Decimal("0.00")


def test_npv_rejects_a_rate_of_minus_100_percent() -> None:
    with pytest.raises(InvalidInput, match="above -100"):
        npv(Decimal(-1), d(-100, 50))


flows = st.lists(st.integers(-5_000_000, 5_000_000), min_size=1, max_size=15)
rates = st.integers(0, 5000).map(lambda bp: Decimal(bp) / 10_000)


@settings(max_examples=200, deadline=None)
@given(rate=rates, cashflows=flows)
def test_npv_matches_numpy_financial(rate: Decimal, cashflows: list[int]) -> None:
    expected = npf.npv(float(rate), cashflows)
    ours = npv(rate, [Decimal(c) for c in cashflows])
    assert abs(float(ours) - expected) <= 0.005 + 1e-9 * sum(abs(c) for c in cashflows)


conventional = st.tuples(
    st.integers(1, 1_000_000), st.lists(st.integers(0, 1_000_000), min_size=1, max_size=12)
).filter(lambda pair: any(pair[1]))


@settings(max_examples=200, deadline=None)
@given(pair=conventional)
@example(pair=(3348, [1]))  # IRR -99.97 %: rounded to 6 places, its NPV was -3.52
def test_irr_matches_numpy_financial_for_conventional_flows(pair: tuple[int, list[int]]) -> None:
    outlay, returns = pair
    cashflows = [-outlay, *returns]
    ours = irr([Decimal(c) for c in cashflows])
    assert ours is not None
    expected = npf.irr(cashflows)
    if math.isfinite(expected) and expected < 1e6:
        assert float(ours) == pytest.approx(expected, abs=2e-6, rel=1e-6)
    discounted = npf.npv(float(ours), cashflows)
    assert abs(discounted) <= 1e-3 * sum(abs(c) for c in cashflows)


@settings(max_examples=150, deadline=None)
@given(cashflows=st.lists(st.integers(-1_000_000, 1_000_000), min_size=2, max_size=10))
def test_any_irr_found_is_a_root_closest_to_zero(cashflows: list[int]) -> None:
    ours = irr([Decimal(c) for c in cashflows])
    if ours is None:
        return
    rate = float(ours)
    scale = sum(abs(c) for c in cashflows)
    assert abs(npf.npv(rate, cashflows)) <= 1e-3 * scale * max(1.0, 1 / (1 + rate)) ** len(
        cashflows
    )
    expected = npf.irr(cashflows)
    if math.isfinite(expected):
        assert abs(rate) <= abs(expected) + 1e-5


def test_irr_near_minus_100_percent_keeps_the_digits_that_matter() -> None:
    # 1/(1 + r) = 3348: r = -0.99970131..., and 1 + r keeps 6 significant digits.
    assert irr(d(-3348, 1)) == Decimal("-0.999701314")
    assert irr(d(-1_000_000, 1)) == Decimal("-0.99999900000")


def test_irr_of_a_known_project() -> None:
    assert irr(d(-100, 39, 59, 55, 20)) == Decimal("0.280948")


def test_all_negative_flows_have_no_irr() -> None:
    assert irr(d(-100, -50, -10)) is None


def test_all_positive_flows_have_no_irr() -> None:
    assert irr(d(100, 50)) is None


def test_irr_ignores_leading_and_trailing_zero_flows() -> None:
    assert irr(d(0, -100, 150, 0)) == Decimal("0.500000")


def test_irr_with_two_roots_returns_the_one_closest_to_zero() -> None:
    # -100 + 230x - 132x² has roots x = 10/11 and x = 5/6: rates 10 % and 20 %.
    assert irr(d(-100, 230, -132)) == Decimal("0.100000")


def test_payback_exactly_at_a_year_boundary() -> None:
    assert payback_period(d(-100, 50, 50)) == Decimal("2.00")


def test_payback_is_interpolated_within_the_year() -> None:
    assert payback_period(d(-100, 40, 120)) == Decimal("1.50")


def test_never_paid_back_is_none() -> None:
    assert payback_period(d(-100, 30, 30)) is None


def test_no_cash_flows_have_no_payback() -> None:
    assert payback_period([]) is None


def test_flows_that_never_go_negative_pay_back_at_once() -> None:
    assert payback_period(d(0, 10)) == Decimal("0.00")


def test_a_dip_after_payback_moves_payback_to_the_later_recovery() -> None:
    # cumulative: -100, 50, -50, 150
    assert payback_period(d(-100, 150, -100, 200)) == Decimal("2.25")
