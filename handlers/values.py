"""A field's value in words: money with the currency, confidence as a percent, lists joined."""

from __future__ import annotations

from decimal import Decimal

from domain.views import FieldValue, HistoryValue
from domain.vocabulary import WEIGHT_LABELS
from handlers.formats import format_money, format_percent, format_percent_exact

MONEY_FIELDS = frozenset({"investment", "expected return"})


def value_words(field: str, value: FieldValue, currency: str) -> str:
    """One side of a field change, worded: money with the currency, confidence as a percent."""
    if value is None or value == ():
        return "none"
    if field in MONEY_FIELDS and isinstance(value, Decimal):
        return format_money(value, currency)
    if field == "confidence" and isinstance(value, Decimal):
        return format_percent_exact(value)  # 70.4% stays 70.4%: what is shown is what is kept
    if field == "cash flows" and isinstance(value, tuple):
        return ", ".join(format_money(Decimal(v), currency) for v in value)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def history_words(field: str, value: HistoryValue, currency: str) -> str:
    """A history entry's value: a funding input, or the score weights as `ROI 40%, …`."""
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return ", ".join(
            f"{WEIGHT_LABELS.get(str(part[0]), str(part[0]))} {format_percent(Decimal(part[1]))}"
            for part in value
            if isinstance(part, tuple)
        )
    return value_words(field, value, currency)  # type: ignore[arg-type]
