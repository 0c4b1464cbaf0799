"""Delivery forecasts on constructed histories: constant, stalled, accelerating, backwards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.uncertainty.delivery import (
    DeliveryForecast,
    Finished,
    GoingBackwards,
    ItemHistory,
    NotEnoughHistory,
    Reading,
    Stalled,
    forecast_item,
    forecast_items,
)

START = date(2027, 1, 4)  # a Monday
TODAY = date(2027, 2, 1)


def history(
    ref: str, percents: list[int], *, every: int = 7, target: date | None = None
) -> ItemHistory:
    readings = tuple(Reading(START + timedelta(days=every * i), p) for i, p in enumerate(percents))
    return ItemHistory(ref, readings, target)


def forecast_of(item: ItemHistory, today: date = TODAY) -> DeliveryForecast:
    result = forecast_item(item, today)
    assert isinstance(result, DeliveryForecast), result
    return result


def test_a_constant_pace_lands_on_one_date() -> None:
    result = forecast_of(history("CHK-1", [0, 20, 40, 60, 80], target=date(2027, 2, 28)))
    # 80 % on 1 Feb at 20 points a week: done a week later, on every path.
    assert result.p50 == result.p85 == date(2027, 2, 8)
    assert result.on_time == 1.0
    assert result.pace == pytest.approx(20)


def test_a_constant_pace_misses_an_early_target_for_sure() -> None:
    result = forecast_of(history("CHK-1", [0, 10, 20], target=date(2027, 2, 1)))
    assert result.p50 == date(2027, 1, 18) + timedelta(weeks=8)
    assert result.on_time == 0.0


def test_a_stalled_item_says_since_when_instead_of_guessing() -> None:
    result = forecast_item(history("CHK-2", [10, 30, 30, 30, 30]), TODAY)
    assert result == Stalled("CHK-2", 30, START + timedelta(days=7))


def test_going_backwards_overall_is_said() -> None:
    result = forecast_item(history("CHK-3", [70, 60, 50]), TODAY)
    assert result == GoingBackwards("CHK-3", 50, 70, START)
    back_where_it_was = forecast_item(history("CHK-3", [40, 60, 40]), TODAY)
    assert back_where_it_was == GoingBackwards("CHK-3", 40, 60, START + timedelta(days=7))


def test_a_stall_after_progress_is_a_stall_not_a_slow_pace() -> None:
    assert forecast_item(history("CHK-2", [0, 30, 30, 30]), TODAY) == Stalled(
        "CHK-2", 30, START + timedelta(days=7)
    )
    # Two flat readings after progress are a slow stretch, not yet a stall.
    slowed = forecast_of(history("CHK-2", [0, 20, 40, 40]))
    assert slowed.pace == pytest.approx(40 / 3)


def test_an_accelerating_item_gets_a_range_between_its_slowest_and_fastest_pace() -> None:
    result = forecast_of(history("CHK-4", [0, 5, 15, 35], target=date(2027, 3, 1)))
    # 65 points to go at 5–20 points a week: between 3¼ and 13 weeks after 25 Jan.
    assert result.p50 is not None and result.p85 is not None
    fastest = date(2027, 1, 25) + timedelta(weeks=3.25)
    slowest = date(2027, 1, 25) + timedelta(weeks=13)
    assert fastest <= result.p50 <= result.p85 <= slowest
    assert result.p50 < result.p85
    assert result.on_time is not None and 0.0 < result.on_time < 1.0


def test_a_setback_inside_progress_widens_the_range() -> None:
    steady = forecast_of(history("A-1", [20, 30, 40, 50]))
    bumpy = forecast_of(history("A-2", [20, 40, 30, 50]))
    assert steady.p50 == steady.p85
    assert bumpy.p50 is not None and bumpy.p85 is not None and bumpy.p50 < bumpy.p85


def test_fewer_than_three_updates_is_not_enough_history() -> None:
    assert forecast_item(history("CHK-5", [0, 40]), TODAY) == NotEnoughHistory("CHK-5", 2)
    same_day = ItemHistory("CHK-6", (Reading(START, 10), Reading(START, 20), Reading(START, 30)))
    assert forecast_item(same_day, TODAY) == NotEnoughHistory("CHK-6", 1)


def test_a_finished_item_is_not_forecast() -> None:
    assert forecast_item(history("CHK-7", [40, 80, 100]), TODAY) == Finished(
        "CHK-7", START + timedelta(days=14)
    )


def test_no_pace_within_three_years_has_no_date() -> None:
    result = forecast_of(history("CHK-8", [0, 1, 1, 2], every=28))
    assert result.p50 is None and result.p85 is None


def test_a_forecast_never_lands_before_today() -> None:
    late = forecast_of(history("CHK-9", [0, 30, 60]), today=date(2027, 6, 1))
    assert late.p50 == late.p85 == date(2027, 6, 1)


def test_an_item_gets_the_same_forecast_alone_and_among_many() -> None:
    mine = history("CHK-4", [0, 5, 15, 35], target=date(2027, 3, 1))
    others = [history(f"X{i}-1", [i, i + 3, i + 9, i + 10]) for i in range(30)]
    alone = forecast_item(mine, TODAY)
    together = forecast_items([*others, mine], TODAY)
    assert together[-1] == alone
    assert forecast_item(mine, TODAY) == alone


def test_only_the_recent_twelve_weeks_count_once_there_are_three_updates_in_them() -> None:
    old_slow = [Reading(START + timedelta(weeks=i), i) for i in range(5)]  # 1 point a week
    recent = [Reading(START + timedelta(weeks=20 + i), 40 + 10 * i) for i in range(4)]
    result = forecast_of(ItemHistory("CHK-10", (*old_slow, *recent)), today=date(2027, 6, 1))
    assert result.pace == pytest.approx(10)
