from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.prioritisation import (
    IMPACT_SCALE,
    ItemScore,
    Score,
    rank_items,
    rice,
    validate_impact,
    wsjf,
)


def test_rice_is_reach_times_impact_times_confidence_over_effort() -> None:
    score = rice(Decimal(2000), Decimal(2), Decimal("0.8"), Decimal(3))
    assert score == Score(Decimal("1066.67"), ())


def test_rice_names_missing_inputs_instead_of_using_zero() -> None:
    score = rice(Decimal(2000), None, Decimal("0.8"), None)
    assert score.value is None
    assert score.missing == ("impact", "effort")


def test_rice_rejects_zero_effort() -> None:
    with pytest.raises(InvalidInput, match="more than 0 person-months"):
        rice(Decimal(10), Decimal(1), Decimal(1), Decimal(0))


def test_rice_rejects_confidence_above_one() -> None:
    with pytest.raises(InvalidInput, match="between 0 % and 100 %"):
        rice(Decimal(10), Decimal(1), Decimal("1.4"), Decimal(1))


def test_rice_rejects_impact_off_the_scale() -> None:
    with pytest.raises(InvalidInput, match="Impact must be one of"):
        rice(Decimal(10), Decimal("1.5"), Decimal(1), Decimal(1))


def test_wsjf_is_cost_of_delay_over_job_size() -> None:
    assert wsjf(Decimal(8), Decimal(5), Decimal(3), Decimal(4)) == Score(Decimal("4.00"), ())


def test_wsjf_names_missing_inputs() -> None:
    assert wsjf(None, Decimal(5), None, Decimal(4)).missing == ("value", "risk reduction")


def test_wsjf_rejects_zero_job_size() -> None:
    with pytest.raises(InvalidInput, match="Job size must be more than 0"):
        wsjf(Decimal(1), Decimal(1), Decimal(1), Decimal(0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", "2"), ("0.5", "0.5"), (".25", "0.25"), ("3x", "3"), ("High", "2"), ("1.0", "1")],
)
def test_impact_on_the_scale_is_accepted(text: str, expected: str) -> None:
    assert validate_impact(text) == Decimal(expected)


def test_impact_off_the_scale_lists_the_scale() -> None:
    with pytest.raises(InvalidInput) as error:
        validate_impact("4")
    message = error.value.message
    assert "`4`" in message
    for step in IMPACT_SCALE:
        assert f"{step.normalize():f}" in message


def test_impact_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Impact must be one of"):
        validate_impact("huge")


def item(ref: str, value: str | None) -> ItemScore:
    missing: tuple[str, ...] = () if value is not None else ("effort",)
    return ItemScore(
        ref, ref.lower(), Score(Decimal(value) if value is not None else None, missing)
    )


def test_rank_items_orders_by_score_then_natural_ref_with_missing_last() -> None:
    items = [
        item("CHK-10", "5"),
        item("CHK-2", "5"),
        item("CHK-3", None),
        item("CHK-1", None),
        item("CHK-7", "9.5"),
        item("CHK-11", "-1"),
    ]
    assert [i.ref for i in rank_items(items)] == [
        "CHK-7",
        "CHK-2",
        "CHK-10",
        "CHK-11",
        "CHK-1",
        "CHK-3",
    ]
