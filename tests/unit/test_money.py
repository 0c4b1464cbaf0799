"""Amounts and percentages as people write them, and how Folio shows them back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.money import CURRENCY_SYMBOLS, parse_amount, parse_percent

D = Decimal


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("120k", D("120000.00"), None),
        ("1.5m", D("1500000.00"), None),
        ("1.5M", D("1500000.00"), None),
        ("1.5mm", D("1500000.00"), None),
        ("2bn", D("2000000000.00"), None),
        ("2b", D("2000000000.00"), None),
        ("2BN", D("2000000000.00"), None),
        ("120K", D("120000.00"), None),
        ("120,000", D("120000.00"), None),
        ("1,200,000.50", D("1200000.50"), None),
        ("$120k", D("120000.00"), "USD"),
        ("€1.2M", D("1200000.00"), "EUR"),
        ("£3m", D("3000000.00"), "GBP"),
        ("¥500", D("500.00"), "JPY"),
        ("120000.50", D("120000.50"), None),
        ("USD 120k", D("120000.00"), "USD"),
        ("usd 120k", D("120000.00"), "USD"),
        ("120k EUR", D("120000.00"), "EUR"),
        ("120,000 CHF", D("120000.00"), "CHF"),
        ("CHF120k", D("120000.00"), "CHF"),
        ("  120k  ", D("120000.00"), None),
        ("$ 120k", D("120000.00"), "USD"),
        ("120 k", D("120000.00"), None),
        ("A$2m", D("2000000.00"), "AUD"),
        ("$120k USD", D("120000.00"), "USD"),
        ("0", D("0.00"), None),
        (".5m", D("500000.00"), None),
        ("2 million", D("2000000.00"), None),
        ("3 thousand", D("3000.00"), None),
        ("120 €", D("120.00"), "EUR"),
        ("1.2M€", D("1200000.00"), "EUR"),
    ],
)
def test_amounts_people_write_are_read_exactly(
    text: str, amount: Decimal, currency: str | None
) -> None:
    value, code = parse_amount(text)
    assert value == amount
    assert value.as_tuple().exponent == -2
    assert code == currency


def test_fractions_of_a_cent_round_half_to_even() -> None:
    assert parse_amount("0.125")[0] == D("0.12")
    assert parse_amount("0.135")[0] == D("0.14")
    assert parse_amount("1.0000005k")[0] == D("1000.00")


def test_negative_amounts_are_refused_unless_allowed() -> None:
    with pytest.raises(InvalidInput, match="can't be negative here") as caught:
        parse_amount("-5k")
    assert "`-5k`" in caught.value.message
    with pytest.raises(InvalidInput, match="can't be negative here"):
        parse_amount("-5")
    assert parse_amount("-5k", allow_negative=True) == (D("-5000.00"), None)
    assert parse_amount("-5", allow_negative=True) == (D("-5.00"), None)
    assert parse_amount("-$100,000", allow_negative=True) == (D("-100000.00"), "USD")
    assert parse_amount("$-100k", allow_negative=True) == (D("-100000.00"), "USD")
    assert parse_amount("−2m", allow_negative=True) == (D("-2000000.00"), None)


@pytest.mark.parametrize("text", ["lots", "1.2.3", "12kk", "$", "1_000", "1e5", "k", "12 apples"])
def test_unreadable_amounts_name_the_text_and_give_examples(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text)
    message = caught.value.message
    assert f"`{text}`" in message
    assert "`120k`" in message
    assert "`1.5m`" in message
    assert "`$120,000`" in message


def test_empty_amount_asks_for_one() -> None:
    with pytest.raises(InvalidInput, match="Write an amount") as caught:
        parse_amount("   ")
    assert "`120k`" in caught.value.message


def test_bad_comma_grouping_is_called_out() -> None:
    with pytest.raises(InvalidInput, match="groups of three") as caught:
        parse_amount("1,20,000")
    assert "`1,20,000`" in caught.value.message
    with pytest.raises(InvalidInput, match="groups of three"):
        parse_amount("12,0000")


def test_decimal_comma_suggests_a_point() -> None:
    with pytest.raises(InvalidInput, match=re.escape("For a decimal, write a point: `1.5m`")):
        parse_amount("1,5m")


def test_two_decimal_points_are_called_out() -> None:
    with pytest.raises(InvalidInput, match="more than one decimal point"):
        parse_amount("1.2.3")
    with pytest.raises(InvalidInput, match="Group thousands with commas"):
        parse_amount("1.200.000")


def test_doubled_suffix_is_called_out() -> None:
    with pytest.raises(InvalidInput, match="one size suffix"):
        parse_amount("12kk")


def test_lone_currency_asks_for_the_number() -> None:
    with pytest.raises(InvalidInput, match="no number"):
        parse_amount("$")


def test_unknown_currency_code_is_named() -> None:
    with pytest.raises(InvalidInput, match="`XYZ` isn't a currency code"):
        parse_amount("XYZ 120k")


def test_conflicting_currencies_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two currencies"):
        parse_amount("$120k EUR")
    with pytest.raises(InvalidInput, match="two currencies"):
        parse_amount("£120k€")


def test_absurdly_large_amounts_are_refused() -> None:
    assert parse_amount("1000000000000000")[0] == D("1000000000000000.00")
    with pytest.raises(InvalidInput, match="too large"):
        parse_amount("1000000000000001")
    with pytest.raises(InvalidInput, match="too large"):
        parse_amount("5000000bn")
    with pytest.raises(InvalidInput, match="too large"):
        parse_amount("9" * 5000)


def test_non_ascii_digits_are_not_read_as_numbers() -> None:
    with pytest.raises(InvalidInput):
        parse_amount("١٢٠k")


# percentages


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("70%", D("0.70")),
        ("70 %", D("0.70")),
        ("70", D("0.70")),
        ("12.5%", D("0.125")),
        ("0%", D("0")),
        ("100%", D("1")),
        ("0.5%", D("0.005")),
        ("8 percent", D("0.08")),
        (" 60% ", D("0.60")),
    ],
)
def test_percentages_become_exact_fractions(text: str, fraction: Decimal) -> None:
    assert parse_percent(text) == fraction


def test_out_of_range_percentage_names_the_field_and_range() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_percent("140%", what="Confidence")
    assert caught.value.message.startswith(
        "Confidence must be between 0 % and 100 %; you wrote `140%`."
    )


def test_custom_range_is_enforced_and_shown() -> None:
    assert parse_percent("-5%", low=D(-50), high=D(50), what="Change") == D("-0.05")
    with pytest.raises(InvalidInput, match=r"Discount must be between 0 % and 50 %"):
        parse_percent("60%", high=D(50), what="Discount")
    with pytest.raises(InvalidInput, match=r"between 0 % and 12.5 %"):
        parse_percent("13%", high=D("12.5"))


def test_negative_percentage_is_out_of_the_default_range() -> None:
    with pytest.raises(InvalidInput, match="between 0 % and 100 %"):
        parse_percent("-5%")


@pytest.mark.parametrize("text", ["high", "", "%", "70%%", "7O%", "1,000%"])
def test_non_numeric_percentage_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="like `70%`"):
        parse_percent(text, what="Confidence")


def test_bare_fraction_is_questioned_rather_than_guessed() -> None:
    with pytest.raises(InvalidInput, match="did you mean `70%`"):
        parse_percent("0.7", what="Confidence")
    assert parse_percent("0.7%") == D("0.007")


def test_every_symbol_maps_back_to_its_code() -> None:
    for code, symbol in CURRENCY_SYMBOLS.items():
        assert parse_amount(f"{symbol}10")[1] == code


cents = st.decimals(
    min_value=D("-999999999999999.99"),
    max_value=D("999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(st.text(alphabet="0123456789,.-−+$€£ kKmMbBnNUSDEURxX%", max_size=24))
def test_any_amount_text_parses_or_raises_invalid_input(text: str) -> None:
    try:
        value, _ = parse_amount(text, allow_negative=True)
    except InvalidInput:
        return
    assert abs(value) <= D(10) ** 15


@given(st.text(alphabet="0123456789.-−+% percntPERCNT", max_size=16))
def test_any_percent_text_parses_or_raises_invalid_input(text: str) -> None:
    try:
        fraction = parse_percent(text)
    except InvalidInput:
        return
    assert D(0) <= fraction <= D(1)


@given(amount=cents)
def test_plain_numbers_parse_to_themselves(amount: Decimal) -> None:
    assert parse_amount(str(amount), allow_negative=True) == (amount, None)
    assert parse_amount(f"{amount:,}", allow_negative=True) == (amount, None)


def test_plain_numbers_keep_every_digit_when_asked() -> None:
    assert str(parse_amount("0.0375", places=None)[0]) == "0.0375"
    assert str(parse_amount("1.5m", places=None)[0]) == "1500000"
    assert parse_amount("2.345", places=1)[0] == D("2.3")
