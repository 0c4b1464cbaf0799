"""The one way Folio writes numbers: money in full and short, percentages, ratios, counts.

Every message, template and chart note writes money and percentages with these, so one
answer never shows `$270k` next to `440k`. Amounts are exact Decimals; rounding is half to
even, and a currency without a symbol is written after the number (`120k CHF`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from domain.money import CENT, CURRENCY_SYMBOLS, plain_decimal

_SHORT_UNITS = (("k", 3), ("M", 6), ("B", 9), ("T", 12))
_ONE, _TEN, _HUNDRED, _THOUSAND = Decimal(1), Decimal(10), Decimal(100), Decimal(1000)
_STEPS = (Decimal(1), Decimal("0.1"), Decimal("0.01"))  # quantize to 0, 1 or 2 places


def _with_currency(number: str, negative: bool, currency: str) -> str:
    """Place the sign, symbol or code around an already formatted number (none for "")."""
    code = currency.upper()
    sign = "-" if negative else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is not None:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {code}" if code else f"{sign}{number}"


def format_money(amount: Decimal, currency: str, *, whole: bool = False) -> str:
    """Show an amount in full: "$120,000", "€1,200,000.50", "-$100,000", "120,000 CHF".

    whole=True rounds to whole units, for computed amounts such as an NPV ("$214,349").
    """
    step = Decimal(1) if whole else CENT
    rounded = amount.quantize(step, rounding=ROUND_HALF_EVEN)
    magnitude = abs(rounded)
    if magnitude == magnitude.to_integral_value():
        number = f"{magnitude:,.0f}"
    else:
        number = f"{magnitude:,.2f}"
    return _with_currency(number, rounded < 0, currency)


def format_money_short(amount: Decimal, currency: str) -> str:
    """Show an amount compactly for tables and charts: "$120k", "€1.2M", "$2B", "$950"."""
    whole = amount.quantize(_ONE, rounding=ROUND_HALF_EVEN)
    magnitude = abs(whole)
    if magnitude < _THOUSAND:
        return _with_currency(f"{magnitude:,.0f}", whole < 0, currency)
    magnitude = abs(amount)
    # The largest unit the amount reaches (adjusted(): the power of ten of its first digit);
    # k for 999.5 too, which rounds to 1,000.
    index = max(0, min(magnitude.adjusted() // 3, len(_SHORT_UNITS)) - 1)
    while True:
        unit, power = _SHORT_UNITS[index]
        scaled = magnitude.scaleb(-power)
        places = 0 if scaled >= _HUNDRED else 1 if scaled >= _TEN else 2
        shown = scaled.quantize(_STEPS[places], rounding=ROUND_HALF_EVEN)
        if shown >= _THOUSAND and index + 1 < len(_SHORT_UNITS):
            index += 1
            continue
        break
    text = plain_decimal(shown)
    if "." not in text:
        text = f"{int(text):,}"
    return _with_currency(f"{text}{unit}", amount < 0, currency)


def format_percent(fraction: Decimal | None, *, places: int = 0) -> str:
    """Show a fraction as a percentage: 0.7 -> "70%", 0.125 (places=1) -> "12.5%", None -> "n/a"."""
    if fraction is None:
        return "n/a"
    shown = (fraction * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if shown == 0:
        shown = abs(shown)
    return f"{shown:,.{places}f}%"


def format_percent_above(fraction: Decimal, limit: Decimal) -> str:
    """A share above `limit` with just enough decimals to show it is above: 0.6001 -> "60.01%"."""
    for places in range(4):
        if (fraction * 100).quantize(Decimal(1).scaleb(-places)) > limit * 100:
            return format_percent(fraction, places=places)
    return format_percent(fraction, places=4)


def format_percent_exact(fraction: Decimal) -> str:
    """A fraction with every digit kept, as a person wrote it: 0.3 -> "30%", 0.125 -> "12.5%"."""
    exponent = (fraction * 100).normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return format_percent(fraction, places=places)


def format_ratio(value: Decimal | None) -> str:
    """Show a ratio such as ROI as a whole percentage: 2.3333 -> "233%", None -> "n/a"."""
    return format_percent(value, places=0)


def format_count(value: int | Decimal) -> str:
    """Show a count or a plain number with thousands separators: 12000 -> "12,000", 2.5 -> "2.5"."""
    if isinstance(value, int):
        return f"{value:,}"
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    return f"{normal:,f}"
