"""The schedule words after `/portfolio digest`: cadence, day, time, zone and kind."""

from __future__ import annotations

from datetime import time

import pytest

from domain.commands.schedule import parse_schedule
from domain.errors import InvalidInput
from domain.schedule import Schedule


def weekly(day: int, at: time, tz: str = "Europe/Berlin", kinds: str = "both") -> Schedule:
    return Schedule(cadence="weekly", weekday=day, at=at, tz=tz, kinds=kinds)


def daily(at: time, tz: str = "Europe/Berlin", kinds: str = "both") -> Schedule:
    return Schedule(cadence="daily", weekday=None, at=at, tz=tz, kinds=kinds)


def test_weekly_with_short_day_uses_default_zone_and_both_kinds() -> None:
    assert parse_schedule("weekly mon 09:00", default_tz="UTC") == weekly(0, time(9), "UTC")


def test_weekly_with_full_day_single_digit_hour_zone_and_kind() -> None:
    parsed = parse_schedule("weekly monday 9:00 Europe/Berlin ranking", default_tz="UTC")
    assert parsed == weekly(0, time(9), "Europe/Berlin", "ranking")


def test_daily_with_kind_only() -> None:
    parsed = parse_schedule("daily 09:00 status", default_tz="Europe/Berlin")
    assert parsed == daily(time(9), "Europe/Berlin", "status")


def test_daily_with_am_time_and_zone() -> None:
    parsed = parse_schedule("daily 7am America/New_York", default_tz="UTC")
    assert parsed == daily(time(7), "America/New_York")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("9pm", time(21)),
        ("9:30 pm", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("12:15AM", time(0, 15)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("7:05", time(7, 5)),
    ],
)
def test_times_of_day_are_read_in_24h_and_12h_forms(written: str, expected: time) -> None:
    assert parse_schedule(f"daily {written}", default_tz="UTC").at == expected


def test_words_are_case_insensitive_and_zone_is_canonicalised() -> None:
    parsed = parse_schedule("WEEKLY Fri 17:30 STATUS europe/berlin", default_tz="UTC")
    assert parsed == weekly(4, time(17, 30), "Europe/Berlin", "status")


def test_kind_may_come_before_zone() -> None:
    parsed = parse_schedule("weekly sun 08:00 ranking Asia/Tokyo", default_tz="UTC")
    assert parsed == weekly(6, time(8), "Asia/Tokyo", "ranking")


def test_bad_day_names_the_word_and_lists_days() -> None:
    with pytest.raises(InvalidInput, match=r"`mun` isn't a day; use mon, tue"):
        parse_schedule("weekly mun 09:00", default_tz="UTC")


@pytest.mark.parametrize("written", ["25:00", "9:60", "13pm", "0am", "9.30", "noonish"])
def test_bad_time_names_the_word_and_shows_the_format(written: str) -> None:
    with pytest.raises(InvalidInput, match=rf"`{written}` isn't a time of day.*`09:00`"):
        parse_schedule(f"daily {written}", default_tz="UTC")


def test_misspelt_zone_suggests_the_closest_known_zone() -> None:
    with pytest.raises(
        InvalidInput,
        match=r"`Europe/Berlinn` isn't a time zone I know; did you mean `Europe/Berlin`\?",
    ):
        parse_schedule("weekly mon 09:00 Europe/Berlinn", default_tz="UTC")


def test_bare_city_suggests_its_zone() -> None:
    with pytest.raises(InvalidInput, match=r"did you mean `Europe/Berlin`\?"):
        parse_schedule("weekly mon 09:00 Berlin", default_tz="UTC")


def test_unrecognisable_zone_asks_for_an_iana_name() -> None:
    with pytest.raises(InvalidInput, match=r"`Xx/Yyyyyyyyyy` isn't a time zone.*IANA"):
        parse_schedule("daily 09:00 Xx/Yyyyyyyyyy", default_tz="UTC")


def test_weekly_without_day_says_a_day_is_needed() -> None:
    with pytest.raises(InvalidInput, match=r"weekly digest needs a day.*`weekly mon 09:00`"):
        parse_schedule("weekly 09:00", default_tz="UTC")


def test_daily_with_day_says_daily_takes_no_day() -> None:
    with pytest.raises(InvalidInput, match=r"takes no day; you wrote `tue`.*`weekly tue 09:00`"):
        parse_schedule("daily tue 09:00", default_tz="UTC")


def test_unknown_trailing_word_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"I didn't understand `please`"):
        parse_schedule("weekly mon 09:00 Europe/Berlin ranking please", default_tz="UTC")


def test_misspelt_kind_suggests_the_kind() -> None:
    with pytest.raises(InvalidInput, match=r"`rankng`.*did you mean `ranking`\?"):
        parse_schedule("weekly mon 09:00 rankng", default_tz="UTC")


def test_two_zones_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"one time zone; you wrote `UTC` and `Asia/Tokyo`"):
        parse_schedule("daily 09:00 UTC Asia/Tokyo", default_tz="UTC")


def test_two_kinds_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"you wrote `status` and `ranking`"):
        parse_schedule("daily 09:00 status ranking", default_tz="UTC")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_shows_examples(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"`weekly mon 09:00"):
        parse_schedule(text, default_tz="UTC")


def test_unknown_cadence_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"`monthly` isn't a digest cadence; use `weekly` or"):
        parse_schedule("monthly 1 09:00", default_tz="UTC")


def test_starting_with_a_day_asks_for_the_cadence_first() -> None:
    with pytest.raises(InvalidInput, match=r"`weekly mon 09:00`"):
        parse_schedule("mon 09:00", default_tz="UTC")


@pytest.mark.parametrize(("text", "example"), [("weekly mon", "weekly mon"), ("daily", "daily")])
def test_missing_time_asks_for_one(text: str, example: str) -> None:
    with pytest.raises(InvalidInput, match=rf"what time.*`{example} 09:00`"):
        parse_schedule(text, default_tz="UTC")


def test_unknown_default_zone_is_reported() -> None:
    with pytest.raises(InvalidInput, match=r"`Mars/Olympus` isn't one I know"):
        parse_schedule("daily 09:00", default_tz="Mars/Olympus")
