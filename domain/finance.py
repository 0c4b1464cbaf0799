"""Financial measures of a product: ROI, risk-adjusted ROI, NPV, IRR and payback period.

Plain Decimal values in, plain Decimal values out. Results are quantized for people:
ROI to 4 places (a fraction, 0.2500 = 25 %), NPV to cents, IRR to 6 places (more below
-90 %, so that 1 + IRR keeps 6 significant digits), payback to 2 places (years).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import numpy as np

from domain.errors import InvalidInput

ROI_QUANTUM = Decimal("0.0001")
MONEY_QUANTUM = Decimal("0.01")
IRR_QUANTUM = Decimal("0.000001")
YEARS_QUANTUM = Decimal("0.01")

_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


def roi(investment: Decimal, expected_return: Decimal) -> Decimal | None:
    """Return on investment, (R − I) / I, to 4 places; None when nothing is invested."""
    if investment == 0:
        return None
    with localcontext(_CONTEXT):
        ratio = (expected_return - investment) / investment
        return _plain_zero(ratio.quantize(ROI_QUANTUM))


def risk_adjusted_roi(
    investment: Decimal, expected_return: Decimal, confidence: Decimal
) -> Decimal | None:
    """Risk-adjusted ROI, (confidence × R − I) / I with confidence a fraction; None when I is 0."""
    if investment == 0:
        return None
    with localcontext(_CONTEXT):
        ratio = (confidence * expected_return - investment) / investment
        return _plain_zero(ratio.quantize(ROI_QUANTUM))


def _plain_zero(value: Decimal) -> Decimal:
    """The value, with a negative zero (`-0.00`) turned into a plain one."""
    return value.copy_abs() if value.is_zero() else value


def _check_rate(rate: Decimal) -> None:
    if rate <= -1:
        raise InvalidInput(
            f"A discount rate must be above -100 %; you wrote `{rate * 100}%`. "
            "Example: `discount 8%`."
        )


def npv(rate: Decimal, cashflows: Sequence[Decimal]) -> Decimal:
    """Net present value of yearly cash flows (the first at t=0, undiscounted), to cents."""
    _check_rate(rate)
    with localcontext(_CONTEXT):
        factor = 1 + rate
        total = Decimal(0)
        discount = Decimal(1)
        for flow in cashflows:
            total += flow / discount
            discount *= factor
        return _plain_zero(total.quantize(MONEY_QUANTUM))


def _polynomial_in_x(cashflows: Sequence[Decimal]) -> list[float] | None:
    """Coefficients of Σ cf_t · x^t, x = 1/(1+r), without zero ends; None if no sign change."""
    coefficients = [float(flow) for flow in cashflows]
    while coefficients and coefficients[-1] == 0:
        coefficients.pop()
    start = 0
    while start < len(coefficients) and coefficients[start] == 0:
        start += 1
    coefficients = coefficients[start:]
    signs = [c > 0 for c in coefficients if c != 0]
    if not any(a != b for a, b in itertools.pairwise(signs)):
        return None
    return coefficients


def _positive_roots(coefficients: list[float]) -> list[float]:
    """Every sign-changing positive root of the polynomial, found by bracketing and brentq."""
    leading = abs(coefficients[-1])
    # Cauchy's bound: every root has |x| < 1 + max|a_i / a_n|, and every root has
    # |x| > 1 / (1 + max|a_i / a_0|) since a_0 != 0.
    upper = 1 + max(abs(c) for c in coefficients[:-1]) / leading
    lower = 1 / (1 + max(abs(c) for c in coefficients[1:]) / abs(coefficients[0]))
    poly = np.polynomial.Polynomial(coefficients)
    grid = np.geomspace(lower * 0.5, upper * 2, 4001)
    with np.errstate(over="ignore", invalid="ignore"):
        values = poly(grid)
    from scipy.optimize import brentq  # SciPy loads on the first IRR, not at start-up

    roots: list[float] = []
    for index in range(len(grid) - 1):
        left, right = values[index], values[index + 1]
        if not (math.isfinite(left) and math.isfinite(right)):
            continue
        if left == 0:
            roots.append(float(grid[index]))
        elif left * right < 0:
            roots.append(float(brentq(poly, grid[index], grid[index + 1], xtol=lower * 1e-14)))
    return roots


def irr(cashflows: Sequence[Decimal]) -> Decimal | None:
    """Internal rate of return (a fraction, to 6 places); None without a sign change or real root.

    When several rates give an NPV of zero, the one closest to 0 % is returned.
    """
    coefficients = _polynomial_in_x(cashflows)
    if coefficients is None:
        return None
    with localcontext(_CONTEXT):
        # In Decimal, 1 + r is exactly 1/x; in float it is off by ~1e-16, which matters
        # relative to 1 + r as r nears -100 %.
        rates = [1 / Decimal(x) - 1 for x in _positive_roots(coefficients) if x > 0]
        if not rates:
            return None
        best = min(rates, key=abs)
        return _plain_zero(best.quantize(_irr_quantum(best), rounding=ROUND_HALF_UP))


def _irr_quantum(rate: Decimal) -> Decimal:
    """6 places, or more when 1 + r < 0.1, so the growth factor 1 + r keeps 6 significant digits.

    Near -100 % the NPV changes with 1/(1 + r)^t: at r = -99.9701 % (1 + r = 0.000299), a
    rate rounded to 6 places is off by 0.1 % in 1 + r and the NPV at it is nowhere near 0.
    """
    return min(IRR_QUANTUM, Decimal(1).scaleb((1 + rate).adjusted() - 5))


def payback_period(cashflows: Sequence[Decimal]) -> Decimal | None:
    """Years until the cumulative cash flow is back to ≥ 0 for good, interpolated within the year.

    The first flow is at t=0. If the cumulative flow never goes negative the payback is 0;
    if it ends below zero (or there are no flows) the investment is never paid back: None.
    A dip below zero after a first payback moves the payback to the later recovery.
    """
    if not cashflows:
        return None
    with localcontext(_CONTEXT):
        cumulative = Decimal(0)
        payback = Decimal(0)
        for year, flow in enumerate(cashflows):
            before = cumulative
            cumulative += flow
            if cumulative < 0:
                payback = Decimal(-1)
            elif payback < 0:
                payback = (year - 1) + (-before / flow)
        if payback < 0:
            return None
        return payback.quantize(YEARS_QUANTUM)
