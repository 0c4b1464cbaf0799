"""Exact money and percentages: reading what people write (handlers.formats writes them back)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from domain.currencies import ISO_4217
from domain.errors import InvalidInput

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "TRY": "₺",
    "UAH": "₴",
    "PHP": "₱",
    "THB": "฿",
    "NGN": "₦",
    "VND": "₫",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "BRL": "R$",
    "MXN": "MX$",
}
"""ISO 4217 code -> the symbol Folio writes before amounts in that currency."""

CURRENCY_CODES: frozenset[str] = frozenset(CURRENCY_SYMBOLS) | ISO_4217
"""Currency codes Folio recognises when written with an amount."""

MAX_AMOUNT = Decimal(10) ** 15
CENT = Decimal("0.01")
PERCENT_STEP = Decimal("0.01")
"""Percentages are stored to 0.01 % (four places of the fraction), so what is shown is kept."""
AMOUNT_EXAMPLES = "Write it like `120k`, `1.5m`, `2bn` or `$120,000`."

_SYMBOL_TO_CODE = {symbol: code for code, symbol in CURRENCY_SYMBOLS.items()}
_SYMBOLS_RE = "|".join(
    re.escape(symbol) for symbol in sorted(_SYMBOL_TO_CODE, key=len, reverse=True)
)
_MULTIPLIERS = {
    "": 0,
    "k": 3,
    "thousand": 3,
    "m": 6,
    "mm": 6,
    "mn": 6,
    "million": 6,
    "b": 9,
    "bn": 9,
    "billion": 9,
}
_SIGN = r"[-−+]"
_AMOUNT_RE = re.compile(
    rf"""
    (?P<sign1>{_SIGN})?\s*
    (?:(?P<sym>{_SYMBOLS_RE})|(?P<code1>[A-Za-z]{{3}})(?=[\s\d.−+-]))?\s*
    (?P<sign2>{_SIGN})?\s*
    (?P<number>[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*
    (?P<suffix>[A-Za-z]+)??\s*
    (?:(?P<code2>[A-Za-z]{{3}})|(?P<sym2>{_SYMBOLS_RE}))?
    """,
    re.VERBOSE,
)
_PLAIN_RE = re.compile(r"(?P<minus>-)?[0-9]{1,16}(?:\.[0-9]{1,8})?")
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_PERCENT_RE = re.compile(
    r"(?P<number>[-−+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*(?P<unit>%|percent|pct)?",
    re.IGNORECASE,
)


def parse_amount(
    text: str, *, allow_negative: bool = False, places: int | None = 2
) -> tuple[Decimal, str | None]:
    """Read an amount like `120k`, `$1.5M` or `120,000 EUR`: (exact Decimal, ISO code or None).

    The value is quantized to `places` decimals (cents by default, half to even);
    `places=None` keeps every digit written (for metrics such as a conversion rate).
    """
    written = text.strip()
    plain = _PLAIN_RE.fullmatch(written)
    if plain is not None and (allow_negative or not plain["minus"]):
        value = Decimal(written)
        if abs(value) <= MAX_AMOUNT:
            if places is not None:
                value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
            return value, None
    if not written:
        raise InvalidInput(f"Write an amount. {AMOUNT_EXAMPLES}")
    if len(written) > 60:
        if re.fullmatch(r"[-−+]?[0-9,.]+\s*[A-Za-z$€£¥]*", written):
            raise InvalidInput(f"`{written[:30]}…` is too large to be a real amount.")
        raise InvalidInput(f"I couldn't read `{written[:30]}…` as an amount. {AMOUNT_EXAMPLES}")
    match = _AMOUNT_RE.fullmatch(written)
    if match is None:
        raise InvalidInput(_explain_unreadable(written))
    number = match["number"]
    suffix = (match["suffix"] or "").lower()
    if suffix not in _MULTIPLIERS:
        raise InvalidInput(_explain_unreadable(written))
    currency = _currency_of(match, written)
    if "," in number and not _GROUPED_RE.fullmatch(number):
        decimal_hint = (
            f" For a decimal, write a point: `{number.replace(',', '.')}{suffix}`."
            if re.fullmatch(r"[0-9]+,[0-9]{1,2}", number)
            else ""
        )
        raise InvalidInput(
            f"`{written}` has commas in odd places: commas go between groups of three "
            f"digits (`1,200,000`), or leave them out.{decimal_hint} {AMOUNT_EXAMPLES}"
        )
    if match["sign1"] and match["sign2"]:
        raise InvalidInput(_explain_unreadable(written))
    negative = (match["sign1"] or match["sign2"]) in ("-", "−")
    if negative and not allow_negative:
        raise InvalidInput(
            f"Amounts can't be negative here; you wrote `{written}`. "
            "Write it like `120k` or `$120,000`."
        )
    with localcontext() as ctx:
        ctx.prec = 100
        value = Decimal(number.replace(",", "")).scaleb(_MULTIPLIERS[suffix])
        if value > MAX_AMOUNT:
            raise InvalidInput(
                f"`{written}` is too large to be a real amount; Folio handles up to "
                f"1,000 trillion. {AMOUNT_EXAMPLES}"
            )
        if negative:
            value = -value
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        elif value.as_tuple().exponent > 0:  # type: ignore[operator]
            value = value.quantize(Decimal(1))
    return value, currency


def _currency_of(match: re.Match[str], written: str) -> str | None:
    """The one currency an amount names, checking codes and symbols agree."""
    named = [_SYMBOL_TO_CODE[match[group]] for group in ("sym", "sym2") if match[group]]
    for group in ("code1", "code2"):
        code = match[group]
        if code is None:
            continue
        if code.upper() not in CURRENCY_CODES:
            raise InvalidInput(
                f"`{code}` isn't a currency code I know, in `{written}`. "
                "Use an ISO code such as `USD`, `EUR`, `GBP` or `CHF`, or a symbol: `$120k`."
            )
        named.append(code.upper())
    if len(set(named)) > 1:
        raise InvalidInput(
            f"`{written}` names two currencies ({' and '.join(named)}); write just one, "
            "like `$120k` or `120k EUR`."
        )
    return named[0] if named else None


def _explain_unreadable(written: str) -> str:
    """A specific reason an amount could not be read, with examples."""
    digits = re.sub(r"[^0-9.]", "", written)
    if not any(ch.isdigit() for ch in written):
        stripped = written.strip("-−+ ")
        if stripped in _SYMBOL_TO_CODE or stripped.upper() in CURRENCY_CODES:
            return f"`{written}` has a currency but no number. {AMOUNT_EXAMPLES}"
        return f"I couldn't read `{written}` as an amount. {AMOUNT_EXAMPLES}"
    if digits.count(".") > 1:
        hint = (
            " Group thousands with commas (`1,200,000`) or not at all."
            if re.search(r"[0-9]{1,3}(?:\.[0-9]{3}){2,}", written)
            else ""
        )
        return f"`{written}` has more than one decimal point.{hint} {AMOUNT_EXAMPLES}"
    if re.search(r"[0-9]\s*[kmb]{2,}$", written, re.IGNORECASE) and not re.search(
        r"(mm|bn)$", written, re.IGNORECASE
    ):
        return (
            f"`{written}` has more than one size suffix; use one: "
            f"k (thousand), m (million) or bn (billion). {AMOUNT_EXAMPLES}"
        )
    return f"I couldn't read `{written}` as an amount. {AMOUNT_EXAMPLES}"


def parse_percent(
    text: str,
    *,
    low: Decimal = Decimal(0),
    high: Decimal = Decimal(100),
    what: str = "Percentage",
) -> Decimal:
    """Read `70%`, `70 %`, `70` or `12.5%` as an exact fraction (0.70, 0.125) within low..high %."""
    written = text.strip()
    label = _capitalised(what)
    match = _PERCENT_RE.fullmatch(written)
    if match is None:
        raise InvalidInput(f"{label} must be a percentage like `70%`; you wrote `{written}`.")
    number = Decimal(match["number"].replace("−", "-"))
    if match["unit"] is None and "." in match["number"] and 0 < number < 1:
        raise InvalidInput(
            f"{label}: `{written}` reads as {plain_decimal(number)} %, which looks like a "
            f"fraction — did you mean `{plain_decimal(number * 100)}%`? "
            "Write percentages with a % sign, like `70%`."
        )
    if not low <= number <= high:
        example = plain_decimal(min(max(low, Decimal(70)), high))
        raise InvalidInput(
            f"{label} must be between {plain_decimal(low)} % and {plain_decimal(high)} %; "
            f"you wrote `{written}`. Write it like `{example}%`."
        )
    if number != number.quantize(PERCENT_STEP, rounding=ROUND_HALF_EVEN):
        kept = plain_decimal(number.quantize(PERCENT_STEP, rounding=ROUND_HALF_EVEN))
        raise InvalidInput(
            f"{label} is kept to two decimals (0.01 %), so `{written}` can't be stored as "
            f"written. Write it like `{kept}%`."
        )
    return number.scaleb(-2)


def plain_decimal(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 100 -> "100", 12.50 -> "12.5"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _capitalised(what: str) -> str:
    """`what` with its first letter upper-case, for the start of a sentence."""
    return what[:1].upper() + what[1:]
