"""How Folio writes money and percentages back: the one formatter, full and short."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import parse_amount, parse_percent, plain_decimal
from handlers.formats import (
    _with_currency,
    format_count,
    format_money,
    format_money_short,
    format_percent,
    format_percent_above,
    format_percent_exact,
    format_ratio,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("120000"), "USD", "$120,000"),
        (D("120000.00"), "USD", "$120,000"),
        (D("1200000.50"), "EUR", "€1,200,000.50"),
        (D("-100000"), "USD", "-$100,000"),
        (D("120000"), "CHF", "120,000 CHF"),
        (D("-5.5"), "CHF", "-5.50 CHF"),
        (D("0"), "GBP", "£0"),
        (D("-0.001"), "USD", "$0"),
        (D("999.999"), "USD", "$1,000"),
        (D("12.345"), "usd", "$12.34"),
    ],
)
def test_money_is_shown_with_separators_and_cents_only_when_present(
    amount: Decimal, currency: str, shown: str
) -> None:
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("120000"), "USD", "$120k"),
        (D("1200000"), "EUR", "€1.2M"),
        (D("2000000000"), "USD", "$2B"),
        (D("950"), "USD", "$950"),
        (D("950.50"), "USD", "$950"),
        (D("999.5"), "USD", "$1k"),
        (D("1500"), "USD", "$1.5k"),
        (D("1234567"), "USD", "$1.23M"),
        (D("999999"), "USD", "$1M"),
        (D("-120000"), "USD", "-$120k"),
        (D("120000"), "CHF", "120k CHF"),
        (D("3000000000000"), "USD", "$3T"),
        (D("0"), "USD", "$0"),
    ],
)
def test_short_money_is_compact(amount: Decimal, currency: str, shown: str) -> None:
    assert format_money_short(amount, currency) == shown


def test_percent_and_ratio_formatting() -> None:
    assert format_percent(D("0.7")) == "70%"
    assert format_percent(D("0.125"), places=1) == "12.5%"
    assert format_percent(None) == "n/a"
    assert format_percent(D("-0.001")) == "0%"
    assert format_ratio(D("2.3333")) == "233%"
    assert format_ratio(D("-0.1667")) == "-17%"
    assert format_ratio(D("25")) == "2,500%"
    assert format_ratio(None) == "n/a"


# round trips

cents = st.decimals(
    min_value=D("-999999999999999.99"),
    max_value=D("999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
currencies = st.sampled_from(["USD", "EUR", "GBP", "JPY", "CHF", "SEK", "AUD"])


@given(amount=cents, currency=currencies)
def test_formatted_money_parses_back_to_the_same_amount(amount: Decimal, currency: str) -> None:
    assert parse_amount(format_money(amount, currency), allow_negative=True) == (amount, currency)


@given(fraction=st.decimals(min_value=0, max_value=1, places=3))
def test_formatted_percent_parses_back_to_the_same_fraction(fraction: Decimal) -> None:
    assert parse_percent(format_percent(fraction, places=1)) == fraction


def test_a_share_above_a_limit_shows_enough_decimals_to_be_above_it() -> None:
    assert format_percent_above(D("0.7"), D("0.6")) == "70%"
    assert format_percent_above(D("0.6001"), D("0.6")) == "60.01%"
    assert format_percent_above(D("0.42"), D(1) / 3) == "42%"


def test_counts_have_thousands_separators_and_keep_their_decimals() -> None:
    assert format_count(12000) == "12,000"
    assert format_count(D("12000.00")) == "12,000"
    assert format_count(D("1234.50")) == "1,234.5"
    assert format_count(D("-3")) == "-3"


def test_exact_percent_keeps_every_digit_written() -> None:
    assert format_percent_exact(D("0.30")) == "30%"
    assert format_percent_exact(D("0.125")) == "12.5%"
    assert format_percent_exact(D("1.2")) == "120%"


def test_money_without_a_currency_is_just_the_number() -> None:
    assert format_money_short(D("270000"), "") == "270k"
    assert format_money(D("-5"), "") == "-5"


def _short_as_first_written(amount: Decimal, currency: str) -> str:
    """format_money_short as it was first written (the unit found by comparing powers of
    ten): the faster one must say exactly the same."""
    units = (("k", 3), ("M", 6), ("B", 9), ("T", 12))
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    magnitude = abs(whole)
    if magnitude < 1000:
        return _with_currency(f"{magnitude:,.0f}", whole < 0, currency)
    magnitude = abs(amount)
    index = max((i for i, (_, power) in enumerate(units) if magnitude >= 10**power), default=0)
    while True:
        unit, power = units[index]
        scaled = magnitude.scaleb(-power)
        places = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
        shown = scaled.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if shown >= 1000 and index + 1 < len(units):
            index += 1
            continue
        break
    text = plain_decimal(shown)
    if "." not in text:
        text = f"{int(text):,}"
    return _with_currency(f"{text}{unit}", amount < 0, currency)


@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20)
    | st.sampled_from([D("999.5"), D("-999.5"), D("999499.99"), D("999500"), D("9.9995E+14")]),
    currency=st.sampled_from(["USD", "EUR", "CHF", "", "jpy"]),
)
def test_the_short_form_says_what_it_always_said(amount: Decimal, currency: str) -> None:
    assert format_money_short(amount, currency) == _short_as_first_written(amount, currency)
