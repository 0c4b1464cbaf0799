"""merge_page places unsure rows among sure ones: checked against sorting everything."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.ranking.score_page import exact_score, merge_page, sure_window
from domain.ranking.values import Weights

Row = tuple[int, str]  # (score bucket, key): the ranking orders by bucket desc, then key


def order(row: Row) -> tuple[int, str]:
    return (-row[0], row[1])


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 6), st.text("ABCDE", min_size=1, max_size=3)),
        unique_by=lambda r: r[1],
        max_size=40,
    ),
    unsure_mask=st.lists(st.booleans(), min_size=40, max_size=40),
    skip=st.integers(0, 45),
    limit=st.integers(1, 12),
)
def test_merge_page_is_the_page_of_the_whole_order(
    rows: list[Row], unsure_mask: list[bool], skip: int, limit: int
) -> None:
    truth = sorted(rows, key=order)
    unsure = [row for row, flag in zip(rows, unsure_mask, strict=False) if flag]
    sure = sorted((row for row in rows if row not in unsure), key=order)
    offset, count = sure_window(skip, limit, len(unsure))
    read = sure[offset : offset + count]  # what `LIMIT count OFFSET offset` returns
    page = merge_page(read, offset, len(read) < count, unsure, order, skip=skip, limit=limit)
    expected = list(enumerate(truth[skip : skip + limit], start=skip + 1))
    assert page == expected


def test_exact_score_normalises_over_the_bounds() -> None:
    weights = Weights(roi=Decimal("0.5"), npv=Decimal("0.25"), alignment=Decimal("0.25"))
    bounds = {"roi": (-10, 30), "npv": None, "alignment": (5, 5)}
    score, parts = exact_score({"roi": 0, "npv": None, "alignment": 5}, bounds, weights)
    # roi (0 + 10) / 40 = 0.25 × 0.5; npv n/a everywhere: 0; one alignment value: 1 × 0.25
    assert score == Decimal("0.3750")
    assert [(p.measure, p.normalised, p.contribution, p.note) for p in parts] == [
        ("roi", Decimal("0.2500"), Decimal("0.1250"), ""),
        ("npv", Decimal("0.0000"), Decimal("0.0000"), "n/a: no cash flows"),
        ("alignment", Decimal("1.0000"), Decimal("0.2500"), ""),
    ]
    third, _ = exact_score({"roi": 0, "alignment": 5}, {"roi": (-1, 2)}, Weights(roi=Decimal(1)))
    assert third == Decimal("0.3333")
    half_up, _ = exact_score({"roi": 1}, {"roi": (0, 20_000)}, Weights(roi=Decimal(1)))
    assert half_up == Decimal("0.0001")  # 0.00005 rounds half up, as the full ranking rounds
