"""Digest schedules: one posting per local period across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.schedule import (
    Schedule,
    due,
    latest_occurrence,
    next_occurrence,
    occurrence_for,
    period_key,
    previous_period_start,
    reminder_due,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekly(day: int, at: time, tz: str = "Europe/Berlin", kinds: str = "both") -> Schedule:
    return Schedule(cadence="weekly", weekday=day, at=at, tz=tz, kinds=kinds)


def daily(at: time, tz: str = "Europe/Berlin", kinds: str = "both") -> Schedule:
    return Schedule(cadence="daily", weekday=None, at=at, tz=tz, kinds=kinds)


def occurrences(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    moment = start
    for _ in range(count):
        moment = next_occurrence(schedule, moment)
        found.append(moment)
    return found


# --- the schedule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cadence": "weekly", "weekday": None},
        {"cadence": "weekly", "weekday": 7},
        {"cadence": "daily", "weekday": 2},
        {"cadence": "monthly", "weekday": None},
        {"cadence": "daily", "weekday": None, "kinds": "everything"},
        {"cadence": "daily", "weekday": None, "tz": "Mars/Olympus"},
        {"cadence": "daily", "weekday": None, "at": time(9, tzinfo=UTC)},
    ],
)
def test_inconsistent_schedule_values_are_rejected(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {"at": time(9), "tz": "UTC", "kinds": "both", **kwargs}
    with pytest.raises(ValueError, match=r"."):
        Schedule(**values)  # type: ignore[arg-type]


# --- occurrences across DST ---------------------------------------------------------------------


def test_berlin_weekly_keeps_local_time_across_march_change() -> None:
    schedule = weekly(0, time(9))
    assert occurrence_for(schedule, date(2027, 3, 22)) == utc(2027, 3, 22, 8)
    assert occurrence_for(schedule, date(2027, 3, 29)) == utc(2027, 3, 29, 7)


def test_berlin_weekly_keeps_local_time_across_october_change() -> None:
    schedule = weekly(0, time(9))
    assert occurrence_for(schedule, date(2027, 10, 25)) == utc(2027, 10, 25, 7)
    assert occurrence_for(schedule, date(2027, 11, 1)) == utc(2027, 11, 1, 8)


def test_berlin_daily_on_the_change_sundays_posts_at_nine_local() -> None:
    schedule = daily(time(9))
    found = occurrences(schedule, utc(2027, 3, 26, 12), 3) + occurrences(
        schedule, utc(2027, 10, 29, 12), 3
    )
    assert [o.astimezone(BERLIN).time() for o in found] == [time(9)] * 6
    assert found == [
        utc(2027, 3, 27, 8),
        utc(2027, 3, 28, 7),
        utc(2027, 3, 29, 7),
        utc(2027, 10, 30, 7),
        utc(2027, 10, 31, 8),
        utc(2027, 11, 1, 8),
    ]


def test_new_york_daily_across_second_sunday_of_march_and_first_of_november() -> None:
    schedule = daily(time(9), "America/New_York")
    assert occurrence_for(schedule, date(2027, 3, 13)) == utc(2027, 3, 13, 14)
    assert occurrence_for(schedule, date(2027, 3, 14)) == utc(2027, 3, 14, 13)
    assert occurrence_for(schedule, date(2027, 11, 6)) == utc(2027, 11, 6, 13)
    assert occurrence_for(schedule, date(2027, 11, 7)) == utc(2027, 11, 7, 14)


def test_nonexistent_time_posts_once_just_after_the_gap() -> None:
    schedule = daily(time(2, 30))
    found = occurrences(schedule, utc(2027, 3, 26, 12), 4)
    keys = [period_key(schedule, o) for o in found]
    assert keys == ["2027-03-27", "2027-03-28", "2027-03-29", "2027-03-30"]
    assert found[1] == utc(2027, 3, 28, 1, 30)
    assert found[1].astimezone(BERLIN).replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)


def test_ambiguous_time_posts_once_at_the_first_of_the_two() -> None:
    schedule = daily(time(2, 30))
    first = occurrence_for(schedule, date(2027, 10, 31))
    assert first == utc(2027, 10, 31, 0, 30)
    assert next_occurrence(schedule, first) == utc(2027, 11, 1, 1, 30)
    assert latest_occurrence(schedule, utc(2027, 10, 31, 1, 30)) == first


def test_new_york_gap_and_fold_resolve_to_one_instant_each() -> None:
    gap = daily(time(2, 30), "America/New_York")
    fold = daily(time(1, 30), "America/New_York")
    assert occurrence_for(gap, date(2027, 3, 14)) == utc(2027, 3, 14, 7, 30)
    first = occurrence_for(fold, date(2027, 11, 7))
    assert first == utc(2027, 11, 7, 5, 30)
    assert next_occurrence(fold, first) == utc(2027, 11, 8, 6, 30)


def test_weekly_monday_posts_on_mondays_only() -> None:
    schedule = weekly(0, time(9))
    found = occurrences(schedule, utc(2027, 1, 1), 60)
    assert all(o.astimezone(BERLIN).weekday() == 0 for o in found)
    assert all(o.astimezone(BERLIN).time() == time(9) for o in found)
    local_dates = [o.astimezone(BERLIN).date() for o in found]
    assert all(b - a == timedelta(days=7) for a, b in pairwise(local_dates))


def test_occurrence_for_a_day_off_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="not a posting day"):
        occurrence_for(weekly(0, time(9)), date(2027, 3, 23))


def test_next_occurrence_is_strictly_after() -> None:
    schedule = weekly(0, time(9))
    monday = utc(2027, 3, 29, 7)
    assert next_occurrence(schedule, monday) == utc(2027, 4, 5, 7)
    assert next_occurrence(schedule, monday - timedelta(microseconds=1)) == monday


def test_latest_occurrence_includes_the_instant_itself() -> None:
    schedule = weekly(0, time(9))
    monday = utc(2027, 3, 29, 7)
    assert latest_occurrence(schedule, monday) == monday
    assert latest_occurrence(schedule, monday - timedelta(seconds=1)) == utc(2027, 3, 22, 8)


def test_next_occurrence_accepts_any_aware_zone() -> None:
    schedule = daily(time(9))
    after = datetime(2027, 3, 28, 8, 59, tzinfo=BERLIN)
    assert next_occurrence(schedule, after) == utc(2027, 3, 28, 7)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_occurrence(daily(time(9)), datetime(2027, 3, 28, 9))


def test_a_year_of_daily_occurrences_has_365_distinct_period_keys() -> None:
    schedule = daily(time(2, 30))
    found = occurrences(schedule, utc(2026, 12, 31, 23), 365)
    keys = [period_key(schedule, o) for o in found]
    assert len(set(keys)) == 365
    assert keys[0] == "2027-01-01"
    assert keys[-1] == "2027-12-31"
    assert found == sorted(found)


def test_period_key_is_the_local_date_not_the_utc_date() -> None:
    schedule = daily(time(0, 30), "Asia/Tokyo")
    occurrence = occurrence_for(schedule, date(2027, 3, 29))
    assert occurrence == utc(2027, 3, 28, 15, 30)
    assert period_key(schedule, occurrence) == "2027-03-29"


def test_period_key_of_an_instant_that_is_no_occurrence_is_refused() -> None:
    with pytest.raises(ValueError, match="not an occurrence"):
        period_key(daily(time(9)), utc(2027, 3, 29, 7, 1))


def test_previous_period_start_is_the_occurrence_before() -> None:
    schedule = weekly(0, time(9))
    assert previous_period_start(schedule, utc(2027, 3, 29, 7)) == utc(2027, 3, 22, 8)


SCHEDULE_ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "Europe/London",
    "UTC",
]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(SCHEDULE_ZONES),
    weekday=st.one_of(st.none(), st.integers(0, 6)),
    minute_of_day=st.integers(0, 24 * 60 - 1),
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
)
def test_occurrences_are_consistent_around_any_instant(
    zone: str, weekday: int | None, minute_of_day: int, moment: datetime
) -> None:
    at = time(minute_of_day // 60, minute_of_day % 60)
    cadence: Literal["weekly", "daily"] = "daily" if weekday is None else "weekly"
    schedule = Schedule(cadence=cadence, weekday=weekday, at=at, tz=zone, kinds="both")
    upcoming = next_occurrence(schedule, moment)
    latest = latest_occurrence(schedule, moment)
    assert latest is not None
    assert latest <= moment < upcoming
    assert previous_period_start(schedule, upcoming) == latest
    assert latest_occurrence(schedule, upcoming) == upcoming
    key = period_key(schedule, upcoming)
    assert key != period_key(schedule, latest)
    assert occurrence_for(schedule, date.fromisoformat(key)) == upcoming
    assert upcoming - latest <= timedelta(days=7 if weekday is not None else 1, hours=3)


# --- due and catch-up ---------------------------------------------------------------------------


def test_due_within_grace_returns_occurrence_and_key() -> None:
    schedule = weekly(0, time(9))
    now = utc(2027, 3, 29, 7, 10)
    assert due(schedule, now, grace=timedelta(minutes=15)) == (utc(2027, 3, 29, 7), "2027-03-29")


def test_due_at_the_exact_instant() -> None:
    schedule = weekly(0, time(9))
    now = utc(2027, 3, 29, 7)
    assert due(schedule, now, grace=timedelta(0)) == (now, "2027-03-29")


def test_not_due_past_grace_or_before_the_time() -> None:
    schedule = weekly(0, time(9))
    assert due(schedule, utc(2027, 3, 29, 7, 16), grace=timedelta(minutes=15)) is None
    assert due(schedule, utc(2027, 3, 29, 6, 59), grace=timedelta(minutes=15)) is None


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="grace"):
        due(daily(time(9)), utc(2027, 1, 1), grace=timedelta(minutes=-1))


def test_catch_up_after_three_days_down_posts_only_the_latest_once() -> None:
    schedule = daily(time(9))
    grace = timedelta(hours=6)
    claimed: list[str] = []
    down_from, up_again = utc(2027, 5, 2, 6), utc(2027, 5, 5, 9, 45)
    tick = utc(2027, 5, 1, 0)
    while tick < utc(2027, 5, 8, 0):
        if not down_from <= tick < up_again:
            found = due(schedule, tick, grace=grace)
            if found is not None and found[1] not in claimed:
                claimed.append(found[1])
        tick += timedelta(minutes=15)
    assert claimed == ["2027-05-01", "2027-05-05", "2027-05-06", "2027-05-07"]


def test_catch_up_with_long_grace_returns_the_latest_missed_period() -> None:
    schedule = daily(time(9))
    found = due(schedule, utc(2027, 5, 5, 6), grace=timedelta(days=5))
    assert found == (utc(2027, 5, 4, 7), "2027-05-04")


# --- reminders ----------------------------------------------------------------------------------


def test_reminder_is_due_the_day_before_at_the_same_local_time() -> None:
    schedule = weekly(0, time(9))
    found = reminder_due(schedule, utc(2027, 3, 28, 7, 5), grace=timedelta(minutes=10))
    assert found == (utc(2027, 3, 28, 7), "2027-03-29")


def test_reminder_follows_the_local_calendar_across_the_change() -> None:
    schedule = weekly(6, time(9))
    reminder_at = utc(2027, 3, 27, 8)
    found = reminder_due(schedule, reminder_at, grace=timedelta(0))
    assert found == (reminder_at, "2027-03-28")
    assert occurrence_for(schedule, date(2027, 3, 28)) - reminder_at == timedelta(hours=23)


def test_reminder_not_due_past_grace_or_on_other_days() -> None:
    schedule = weekly(0, time(9))
    grace = timedelta(minutes=10)
    assert reminder_due(schedule, utc(2027, 3, 28, 7, 11), grace=grace) is None
    assert reminder_due(schedule, utc(2027, 3, 28, 6, 59), grace=grace) is None
    assert reminder_due(schedule, utc(2027, 3, 24, 7, 5), grace=grace) is None


def test_reminder_is_not_sent_once_its_digest_has_passed() -> None:
    schedule = daily(time(9))
    assert reminder_due(schedule, utc(2027, 5, 5, 7, 30), grace=timedelta(days=2)) == (
        utc(2027, 5, 5, 7),
        "2027-05-06",
    )
    weekly_schedule = weekly(0, time(9))
    assert reminder_due(weekly_schedule, utc(2027, 5, 3, 8), grace=timedelta(days=2)) is None


def test_daily_reminders_over_a_month_announce_each_day_once() -> None:
    schedule = daily(time(9), "America/New_York")
    announced: list[str] = []
    tick = utc(2027, 3, 1)
    while tick < utc(2027, 4, 1):
        found = reminder_due(schedule, tick, grace=timedelta(minutes=30))
        if found is not None and found[1] not in announced:
            announced.append(found[1])
        tick += timedelta(minutes=20)
    assert announced == [f"2027-03-{day:02d}" for day in range(2, 32)] + ["2027-04-01"]
