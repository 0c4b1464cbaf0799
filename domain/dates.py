"""Dates and quarter targets as people write them, and due dates shown humanely."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput

DATE_EXAMPLE = "Write it like `2027-03-31`."
TARGET_EXAMPLES = "Write a date like `2027-03-31` or a quarter like `2027-Q1` or `Q1 2027`."

_DATE_RE = re.compile(r"(?P<year>[0-9]{4})[-/.](?P<month>[0-9]{1,2})[-/.](?P<day>[0-9]{1,2})")
_SEP = r"[\s/-]*"
_QUARTER_RES = (
    re.compile(rf"(?P<year>[0-9]+){_SEP}Q(?P<quarter>[0-9]+)", re.IGNORECASE),
    re.compile(rf"Q(?P<quarter>[0-9]+){_SEP}(?P<year>[0-9]+)", re.IGNORECASE),
)
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


@dataclass(frozen=True)
class Target:
    """When a roadmap item is due: a day, or a quarter (due on its last day)."""

    label: str
    due: date
    is_quarter: bool


def parse_date(text: str) -> date:
    """Read a calendar date written year first, like `2027-03-31`."""
    written = text.strip()
    match = _DATE_RE.fullmatch(written)
    if match is None:
        raise InvalidInput(f"I couldn't read `{written}` as a date. {DATE_EXAMPLE}")
    return _real_date(written, int(match["year"]), int(match["month"]), int(match["day"]))


def _real_date(written: str, year: int, month: int, day: int) -> date:
    """The date, or an error saying why that day doesn't exist."""
    if year < 1:
        raise InvalidInput(f"`{written}` isn't a date: there is no year 0. {DATE_EXAMPLE}")
    if not 1 <= month <= 12:
        raise InvalidInput(f"`{written}` isn't a date: months go from 01 to 12. {DATE_EXAMPLE}")
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        month_name = calendar.month_name[month]
        raise InvalidInput(
            f"`{written}` doesn't exist: {month_name} {year} has {days_in_month} days. "
            f"{DATE_EXAMPLE}"
        )
    return date(year, month, day)


def parse_target(text: str) -> Target:
    """Read a roadmap target: a date (`2027-03-31`) or a quarter (`2027-Q1`, `Q1 2027`)."""
    written = text.strip()
    if _DATE_RE.fullmatch(written):
        day = parse_date(written)
        return Target(label=day.isoformat(), due=day, is_quarter=False)
    for pattern in _QUARTER_RES:
        match = pattern.fullmatch(written)
        if match is not None:
            return _quarter(written, match["year"], match["quarter"])
    raise InvalidInput(f"I couldn't read `{written}` as a target. {TARGET_EXAMPLES}")


def _quarter(written: str, year_text: str, quarter_text: str) -> Target:
    """A quarter target, checking the year is written in full and the quarter is 1-4."""
    if len(year_text) != 4:
        raise InvalidInput(
            f"Write the year of `{written}` in full, with four digits, like `Q1 2027` or `2027-Q1`."
        )
    quarter = int(quarter_text)
    if not 1 <= quarter <= 4:
        raise InvalidInput(
            f"`{written}` isn't a quarter: quarters go from Q1 to Q4. {TARGET_EXAMPLES}"
        )
    year = int(year_text)
    if year < 1:
        raise InvalidInput(f"`{written}` isn't a quarter: there is no year 0. {TARGET_EXAMPLES}")
    month, day = _QUARTER_END[quarter]
    return Target(label=f"{year:04d}-Q{quarter}", due=date(year, month, day), is_quarter=True)


def format_due(target_due: date, today: date) -> str:
    """Say when something is due relative to today: "in 12 days", "today", "3 days overdue"."""
    days = (target_due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    span = _span(abs(days))
    return f"in {span}" if days > 0 else f"{span} overdue"


def _span(days: int) -> str:
    """A number of days in the largest unit that stays honest."""
    if days < 60:
        return _plural(days, "day")
    if days < 730:
        return f"about {_plural(round(days / 30.44), 'month')}"
    return f"about {_plural(round(days / 365.25), 'year')}"


def _plural(count: int, unit: str) -> str:
    """`1 day`, `2 days`."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
