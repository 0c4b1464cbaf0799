"""Delivery forecasts on constructed histories: constant, stalled, accelerating, backwards."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from domain.uncertainty import runs
from domain.uncertainty.delivery import (
    PATHS,
    SEED,
    DeliveryForecast,
    Finished,
    GoingBackwards,
    ItemHistory,
    NotEnoughHistory,
    Reading,
    Stalled,
    _Plan,
    _plan,
    forecast_item,
    forecast_items,
)
from domain.uncertainty.runs import HORIZON_WEEKS, NEVER, finish_days

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


# -- against exact answers ----------------------------------------------------------------
#
# With whole-number weekly steps, each equally likely, the days to done have an exact
# distribution (by enumerating the running sums week by week), so the simulation's P50,
# P85 and odds must sit within its sampling error of it: 1,000 paths give a share a
# standard error of at most √(¼/1,000) ≈ 1.6 points.


def exact_days(steps: list[int], remaining: int) -> dict[int | None, float]:
    """P(done in exactly d whole days) when each week adds one of `steps` at random; None:
    not within the horizon. Within the week it gets there, progress is linear."""
    alive: dict[int, float] = {0: 1.0}
    done: dict[int | None, float] = defaultdict(float)
    share = 1.0 / len(steps)
    for week in range(HORIZON_WEEKS):
        going: dict[int, float] = defaultdict(float)
        for total, mass in alive.items():
            for step in steps:
                if total + step >= remaining:  # ceil(7·(week + (remaining − total)/step))
                    done[-(-7 * (week * step + remaining - total) // step)] += mass * share
                else:
                    going[total + step] += mass * share
        alive = going
    done[None] = sum(alive.values())
    return done


def by(distribution: dict[int | None, float], days: int) -> float:
    """P(done within `days`)."""
    return sum(p for d, p in distribution.items() if d is not None and d <= days)


def error(p: float) -> float:
    return math.sqrt(max(p * (1 - p), 0.25 / PATHS) / PATHS)


def fits(day: date | None, as_of: date, q: float, exact: dict[int | None, float]) -> bool:
    """Whether a simulated q-quantile is one the exact distribution allows (3 standard errors).

    That is: by that day at least about q of the paths are done, and by the day before at
    most about q.
    """
    if day is None:
        return exact[None] >= 1 - q - 3 * error(q)
    days = (day - as_of).days
    return by(exact, days) >= q - 3 * error(q) and by(exact, days - 1) <= q + 3 * error(q)


@pytest.mark.parametrize(
    ("percents", "steps"),
    [
        ([0, 10, 30], [10, 20]),  # two paces, half the days each: +10 or +20 a week
        ([0, 20, 10, 40], [20, -10, 30]),  # a setback among them: some paths take long
        ([50, 51, 53, 60], [1, 2, 7]),  # slow: the tail runs into later rounds
    ],
)
def test_the_forecast_fits_the_exact_distribution(percents: list[int], steps: list[int]) -> None:
    item = history("EX-1", percents)
    as_of = item.readings[-1].on
    exact = exact_days(steps, 100 - percents[-1])
    result = forecast_of(item, today=as_of)
    assert fits(result.p50, as_of, 0.5, exact), result
    assert fits(result.p85, as_of, 0.85, exact), result
    # The odds of targets in the middle and the tail, against the exact shares (the tail's
    # paths are the ones that go on past their first block).
    days = sorted(d for d in exact if d is not None)
    for share in (0.4, 0.97):
        target = next(d for d in days if by(exact, d) >= share)
        odds = forecast_of(
            ItemHistory("EX-1", item.readings, as_of + timedelta(days=target)), today=as_of
        ).on_time
        assert odds is not None
        assert abs(odds - by(exact, target)) <= 4 * error(by(exact, target)), (share, odds)


def test_a_wrong_distribution_would_not_fit() -> None:
    """The check above has teeth: +10/+20 is told apart from +10/+30 or +15 flat."""
    item = history("EX-1", [0, 10, 30])
    as_of = item.readings[-1].on
    result = forecast_of(item, today=as_of)
    assert fits(result.p50, as_of, 0.5, exact_days([10, 20], 70))
    for wrong in ([10, 30], [15], [10, 10, 20], [10, 20, 20]):
        exact = exact_days(wrong, 70)
        assert not (fits(result.p50, as_of, 0.5, exact) and fits(result.p85, as_of, 0.85, exact))


# -- the draws belong to the item ---------------------------------------------------------


def varied_items(count: int) -> list[ItemHistory]:
    """Fast and slow, steady and bumpy, forward and with setbacks."""
    rng = random.Random(count)
    items = []
    for number in range(count):
        progress, day, readings = rng.randint(0, 60), START, []
        for _ in range(rng.randint(3, 9)):
            readings.append(Reading(day, min(95, max(0, progress))))
            progress += rng.choice((0, 1, 2, 5, 10, 20, -5))
            day += timedelta(days=rng.randint(3, 20))
        items.append(ItemHistory(f"V{number}-1", tuple(readings), TODAY + timedelta(days=60)))
    return items


def test_the_order_and_company_of_items_do_not_change_a_forecast() -> None:
    items = varied_items(120)
    together = dict(zip((i.ref for i in items), forecast_items(items, TODAY), strict=True))
    shuffled = random.Random(1).sample(items, len(items))
    again = forecast_items(shuffled[:40], TODAY)
    assert all(together[i.ref] == o for i, o in zip(shuffled[:40], again, strict=True))
    assert any(isinstance(o, DeliveryForecast) and o.p50 != o.p85 for o in again)


def test_how_the_work_is_cut_into_blocks_does_not_change_a_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paces = [p.pace for p in plans(varied_items(60))]
    expected = finish_days(paces, 250)
    for block, first, later in ((1 << 12, 0.0, 0.0), (1 << 19, 3.0, 3.0), (1 << 15, -1.0, 0.5)):
        monkeypatch.setattr(runs, "_BLOCK", block)
        monkeypatch.setattr(runs, "_FIRST_Z", first)
        monkeypatch.setattr(runs, "_LATER_Z", later)
        assert np.array_equal(finish_days(paces, 250), expected)


def test_fewer_paths_are_the_first_of_more() -> None:
    paces = [p.pace for p in plans(varied_items(30))]
    many = finish_days(paces, 1_000)
    assert np.array_equal(finish_days(paces, 7), many[:, :7])
    assert (many < NEVER).any() and len({*many[:, 0].tolist()}) > 5


def plans(items: list[ItemHistory]) -> list[_Plan]:
    outcomes = [_plan(i, item, SEED) for i, item in enumerate(items)]
    return [o for o in outcomes if isinstance(o, _Plan)]
