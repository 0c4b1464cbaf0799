"""Sort keys the database orders by: a product's ROI, risk-adjusted ROI and NPV as integers.

A key is the display-rounded value's bucket (ROI × 10^4, NPV in cents: an exact integer),
negated so an ascending index walk is the ranking's order (best first), with n/a after every
value. Keys beyond ±2^62 are clamped to the limit: two clamped keys may hide different
values, so a ranking that meets one re-ranks in Decimal instead (`CLAMPED`).

ROI and risk depend on the product's own inputs; NPV on its cash flows and its portfolio's
discount rate (`npv_key`), so changing the rate re-keys the whole portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from domain import finance
from domain.ranking.values import PLACES

KEY_LIMIT = 2**62
NO_VALUE = 2**63 - 1  # n/a: after every value, still a 64-bit integer
CLAMPED = (-KEY_LIMIT, KEY_LIMIT)
KEYED_MEASURES = ("roi", "risk", "npv")

_STORED_PLACES = {"investment": 2, "expected_return": 2, "confidence": 4}
_DEFAULTS = {"investment": Decimal(0), "expected_return": Decimal(0), "confidence": Decimal("0.5")}


def order_key(value: Decimal | None, measure: str) -> int:
    """The key of one display-rounded value (None is n/a): ascending keys rank best first."""
    if value is None:
        return NO_VALUE
    bucket = int(value.scaleb(PLACES[measure]))
    return max(-KEY_LIMIT, min(KEY_LIMIT, -bucket))


def measure_keys(
    investment: Decimal, expected_return: Decimal, confidence: Decimal
) -> tuple[int, int]:
    """The ROI and risk-adjusted ROI keys of one product's inputs (as the database holds them)."""
    return (
        order_key(finance.roi(investment, expected_return), "roi"),
        order_key(finance.risk_adjusted_roi(investment, expected_return, confidence), "risk"),
    )


def as_stored(name: str, value: object, *, sqlite: bool) -> Decimal:
    """An input as reading it back will give it: money to cents, confidence to 4 places.

    SQLite keeps NUMERIC as a float (read back formatted to the column's places); PostgreSQL
    rounds to the column's scale, half away from zero.
    """
    if value is None:
        value = _DEFAULTS[name]
    places = _STORED_PLACES[name]
    if sqlite:
        return Decimal(f"{float(value):.{places}f}")  # type: ignore[arg-type]
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def stored_keys(values: dict[str, object], *, sqlite: bool) -> tuple[int, int]:
    """The keys of a row being written (missing inputs take the columns' defaults)."""
    return measure_keys(
        *(
            as_stored(name, values.get(name, _DEFAULTS[name]), sqlite=sqlite)
            for name in ("investment", "expected_return", "confidence")
        )
    )


def cashflow_values(stored: Iterable[object] | None) -> tuple[Decimal, ...]:
    """A product's yearly cash flows as the ranking reads them from the JSON column."""
    return tuple(Decimal(flow) for flow in stored or ())  # type: ignore[arg-type]


def npv_key(cashflows: Iterable[object] | None, discount_rate: Decimal | None) -> int:
    """The NPV key of a product's stored cash flows at its portfolio's stored discount rate.

    No cash flows is n/a. A rate NPV refuses (-100 % or below) ranks nothing (the ranking
    says why before reading a key), so it keys as n/a too.
    """
    flows = cashflow_values(cashflows)
    if not flows or discount_rate is None or discount_rate <= -1:
        return NO_VALUE
    return order_key(finance.npv(discount_rate, flows), "npv")
