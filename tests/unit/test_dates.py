"""Dates, quarter targets and due dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import Target, format_due, parse_date, parse_target
from domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        (" 2027-03-31 ", date(2027, 3, 31)),
        ("2027-3-5", date(2027, 3, 5)),
        ("2027/03/31", date(2027, 3, 31)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_year_first_dates_are_read(text: str, day: date) -> None:
    assert parse_date(text) == day


def test_month_thirteen_says_months_go_to_twelve() -> None:
    with pytest.raises(InvalidInput, match="months go from 01 to 12") as caught:
        parse_date("2027-13-01")
    assert "`2027-13-01`" in caught.value.message
    assert "`2027-03-31`" in caught.value.message


def test_february_thirtieth_says_the_date_does_not_exist() -> None:
    with pytest.raises(InvalidInput, match="doesn't exist: February 2027 has 28 days"):
        parse_date("2027-02-30")
    with pytest.raises(InvalidInput, match="February 2027 has 28 days"):
        parse_date("2027-02-29")
    with pytest.raises(InvalidInput, match="April 2027 has 30 days"):
        parse_date("2027-04-31")
    with pytest.raises(InvalidInput, match="has 31 days"):
        parse_date("2027-01-00")


@pytest.mark.parametrize("text", ["next week", "", "31/03/2027", "2027-03", "tomorrow"])
def test_unreadable_dates_give_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match="Write it like `2027-03-31`"):
        parse_date(text)


def test_year_zero_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no year 0"):
        parse_date("0000-01-01")


@pytest.mark.parametrize(
    "text", ["2027-Q1", "2027-q1", "Q1 2027", "q1 2027", "2027 Q1", "q1-2027", "2027Q1", "Q1/2027"]
)
def test_every_way_of_writing_a_quarter_is_normalised(text: str) -> None:
    assert parse_target(text) == Target(label="2027-Q1", due=date(2027, 3, 31), is_quarter=True)


@pytest.mark.parametrize(
    ("quarter", "due"),
    [
        (1, date(2027, 3, 31)),
        (2, date(2027, 6, 30)),
        (3, date(2027, 9, 30)),
        (4, date(2027, 12, 31)),
    ],
)
def test_a_quarter_is_due_on_its_last_day(quarter: int, due: date) -> None:
    assert parse_target(f"Q{quarter} 2027").due == due


def test_a_date_target_keeps_its_day() -> None:
    assert parse_target("2027-3-5") == Target(
        label="2027-03-05", due=date(2027, 3, 5), is_quarter=False
    )


def test_fifth_quarter_says_quarters_go_to_four() -> None:
    with pytest.raises(InvalidInput, match="quarters go from Q1 to Q4") as caught:
        parse_target("Q5 2027")
    assert "`Q5 2027`" in caught.value.message
    with pytest.raises(InvalidInput, match="Q1 to Q4"):
        parse_target("2027-Q0")


def test_two_digit_quarter_year_asks_for_four_digits() -> None:
    with pytest.raises(InvalidInput, match="four digits"):
        parse_target("Q1 27")


def test_impossible_date_target_says_why() -> None:
    with pytest.raises(InvalidInput, match="February 2027 has 28 days"):
        parse_target("2027-02-30")


@pytest.mark.parametrize("text", ["next week", "soon", "", "H1 2027"])
def test_unreadable_target_shows_date_and_quarter_examples(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_target(text)
    assert "`2027-03-31`" in caught.value.message
    assert "`2027-Q1`" in caught.value.message


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        (0, "today"),
        (1, "tomorrow"),
        (2, "in 2 days"),
        (12, "in 12 days"),
        (-1, "1 day overdue"),
        (-3, "3 days overdue"),
        (59, "in 59 days"),
        (91, "in about 3 months"),
        (-120, "about 4 months overdue"),
        (800, "in about 2 years"),
    ],
)
def test_due_dates_are_said_relative_to_today(offset: int, shown: str) -> None:
    today = date(2026, 11, 24)
    assert format_due(today + timedelta(days=offset), today) == shown


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_iso_dates_round_trip(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_target(day.isoformat()).due == day


@given(year=st.integers(1000, 9999), quarter=st.integers(1, 4))
def test_quarter_labels_round_trip(year: int, quarter: int) -> None:
    target = parse_target(f"Q{quarter} {year}")
    assert parse_target(target.label) == target
