from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.ranking import Ranked, RankInput, Weights, measure_value, rank
from domain.vocabulary import MEASURES

RATE = Decimal("0.08")


def product(
    key: str,
    investment: str | int,
    expected_return: str | int,
    confidence: str = "1",
    *,
    category: str = "Growth",
    cashflows: tuple[int, ...] = (),
    alignment: str = "0",
) -> RankInput:
    return RankInput(
        key=key,
        name=key.title(),
        owner_id=None,
        category=category,
        stage="development",
        health="on track",
        investment=Decimal(investment),
        expected_return=Decimal(expected_return),
        confidence=Decimal(confidence),
        cashflows=tuple(Decimal(c) for c in cashflows),
        alignment=Decimal(alignment),
    )


def keys(ranking: list[Ranked]) -> list[str]:
    return [r.item.key for r in ranking]


def test_ranks_by_roi_descending() -> None:
    ranking = rank([product("A", 100, 150), product("B", 100, 300), product("C", 100, 50)], "roi")
    assert keys(ranking) == ["B", "A", "C"]
    assert [r.value for r in ranking] == [Decimal("2.0000"), Decimal("0.5000"), Decimal("-0.5000")]
    assert [r.position for r in ranking] == [1, 2, 3]


def test_zero_investment_is_na_and_ranked_last() -> None:
    ranking = rank([product("ZED", 0, 500), product("LOW", 100, 1), product("AAA", 0, 1)], "roi")
    assert keys(ranking) == ["LOW", "AAA", "ZED"]
    assert ranking[1].value is None
    assert ranking[2].value is None


def test_ties_rank_by_key_with_distinct_positions() -> None:
    ranking = rank(
        [product("PAY", 200, 400), product("CHK", 100, 200), product("API", 300, 600)], "roi"
    )
    assert keys(ranking) == ["API", "CHK", "PAY"]
    assert [r.position for r in ranking] == [1, 2, 3]


def test_values_equal_after_rounding_tie_and_rank_by_key() -> None:
    # 1/3 and 0.33334 both show as 0.3333
    ranking = rank([product("B", 3, 4), product("A", 100_000, 133_334)], "roi")
    assert keys(ranking) == ["A", "B"]


def test_risk_measure_uses_confidence() -> None:
    ranking = rank([product("A", 100, 400, "0.25"), product("B", 100, 200, "1")], "risk")
    assert keys(ranking) == ["B", "A"]
    assert ranking[0].value == Decimal("1.0000")


def test_npv_without_cash_flows_is_na() -> None:
    ranking = rank([product("A", 1, 1), product("B", 1, 1, cashflows=(-100, 50, 80))], "npv")
    assert keys(ranking) == ["B", "A"]
    assert ranking[0].value == Decimal("14.88")
    assert ranking[1].value is None


def test_category_filter_ignores_case() -> None:
    items = [product("A", 1, 2, category="Growth"), product("B", 1, 3, category="Core")]
    assert keys(rank(items, "roi", category="gROWTH")) == ["A"]


def test_top_limits_the_ranking() -> None:
    items = [product(k, 100, v) for k, v in (("A", 110), ("B", 120), ("C", 130))]
    assert keys(rank(items, "roi", top=2)) == ["C", "B"]


def test_top_below_one_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        rank([product("A", 1, 2)], "roi", top=0)


def test_unknown_measure_suggests_the_closest() -> None:
    with pytest.raises(InvalidInput) as error:
        rank([product("A", 1, 2)], "rio")
    assert "Did you mean `roi`?" in error.value.message
    assert "roi, risk, npv, score" in error.value.message


def test_measure_name_is_case_insensitive() -> None:
    assert keys(rank([product("A", 1, 2)], " ROI ")) == ["A"]


def test_empty_ranking_is_empty() -> None:
    assert rank([], "score") == []


def test_score_is_weighted_sum_of_min_max_normalised_measures() -> None:
    items = [
        product("A", 100, 300, alignment="0"),  # roi 2
        product("B", 100, 200, alignment="3"),  # roi 1
        product("C", 100, 100, alignment="6"),  # roi 0
    ]
    weights = Weights(roi=Decimal("0.4"), alignment=Decimal("0.6"))
    ranking = rank(items, "score", weights=weights)
    assert keys(ranking) == ["C", "B", "A"]
    assert [r.value for r in ranking] == [Decimal("0.6000"), Decimal("0.5000"), Decimal("0.4000")]
    middle = ranking[1].parts
    assert [(p.measure, p.weight, p.normalised, p.contribution) for p in middle] == [
        ("roi", Decimal("0.4"), Decimal("0.5000"), Decimal("0.2000")),
        ("alignment", Decimal("0.6"), Decimal("0.5000"), Decimal("0.3000")),
    ]


def test_score_part_for_a_missing_measure_contributes_zero_and_says_so() -> None:
    items = [product("A", 0, 300, cashflows=(-10, 20)), product("B", 100, 300, cashflows=(-10, 5))]
    ranking = rank(items, "score", weights=Weights(roi=Decimal("0.5"), npv=Decimal("0.5")))
    a = next(r for r in ranking if r.item.key == "A")
    roi_part = a.parts[0]
    assert roi_part.contribution == 0
    assert roi_part.normalised == 0
    assert "n/a" in roi_part.note
    assert a.value == Decimal("0.5000")


def test_score_without_weights_uses_equal_weights() -> None:
    ranking = rank([product("A", 1, 2)], "score")
    assert [p.weight for p in ranking[0].parts] == [Decimal("0.25")] * 4


def test_measure_value_of_score_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only in a ranking"):
        measure_value(product("A", 1, 2), "score", discount_rate=RATE)


# --- the vectorised ordering equals the exact Decimal ordering -------------------------

_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)


def reference(
    items: list[RankInput], measure: str, weights: Weights
) -> list[tuple[str, Decimal | None]]:
    """An independent, all-Decimal ranking: (has value, value desc, key)."""
    if measure == "score":
        values: list[Decimal | None] = []
        columns = {
            name: [measure_value(i, name, discount_rate=RATE) for i in items]
            for name, w in weights.items()
            if w != 0
        }
        with localcontext(_CONTEXT):
            for row in range(len(items)):
                total = Decimal(0)
                for name, column in columns.items():
                    present = [v for v in column if v is not None]
                    value = column[row]
                    if value is None:
                        continue
                    low, high = min(present), max(present)
                    normalised = Decimal(1) if high == low else (value - low) / (high - low)
                    total += getattr(weights, name) * normalised
                values.append(total.quantize(Decimal("0.0001")))
    else:
        values = [measure_value(i, measure, discount_rate=RATE) for i in items]
    rows = sorted(
        zip(items, values, strict=True),
        key=lambda p: (p[1] is None, (p[1].copy_negate() if p[1] is not None else 0), p[0].key),
    )
    return [(i.key, v) for i, v in rows]


money = st.sampled_from(["0", "1", "3", "7", "100", "1000.50", "33333.33", "100000", "250000"])
half_steps = st.integers(-30_000, 60_000)


@st.composite
def portfolios(draw: st.DrawFn) -> list[RankInput]:
    size = draw(st.integers(1, 25))
    names = draw(st.permutations([f"P{n:02d}" for n in range(size)]))
    items = []
    for key in names:
        investment = Decimal(draw(money))
        if draw(st.booleans()) and investment != 0:
            # an exact ROI on a rounding boundary (k / 20000), to stress the float path
            expected = investment * (1 + Decimal(draw(half_steps)) / 20_000)
        else:
            expected = Decimal(draw(money))
        confidence = Decimal(draw(st.sampled_from(["0", "0.3", "0.5", "0.7", "1"])))
        cashflows = tuple(
            draw(st.lists(st.sampled_from([-1000, -100, 0, 50, 100, 333, 1000]), max_size=5))
        )
        alignment = Decimal(draw(st.sampled_from(["0", "1", "2.5", "3"])))
        items.append(
            RankInput(
                key,
                key,
                None,
                "Growth",
                "growth",
                "on track",
                investment,
                expected,
                confidence,
                tuple(Decimal(c) for c in cashflows),
                alignment,
            )
        )
    return items


weights_strategy = st.sampled_from(
    [
        Weights(roi=Decimal("0.4"), risk=Decimal("0.3"), alignment=Decimal("0.3")),
        Weights(npv=Decimal(1)),
        Weights(
            roi=Decimal("0.25"),
            risk=Decimal("0.25"),
            npv=Decimal("0.25"),
            alignment=Decimal("0.25"),
        ),
        Weights(risk=Decimal("0.5"), npv=Decimal("0.5")),
    ]
)


@settings(max_examples=300, deadline=None)
@given(items=portfolios(), measure=st.sampled_from(MEASURES), weights=weights_strategy)
def test_vectorised_ranking_equals_exact_decimal_ranking(
    items: list[RankInput], measure: str, weights: Weights
) -> None:
    ranking = rank(items, measure, discount_rate=RATE, weights=weights)
    assert [(r.item.key, r.value) for r in ranking] == reference(items, measure, weights)
    assert [r.position for r in ranking] == list(range(1, len(items) + 1))


@settings(max_examples=100, deadline=None)
@given(items=portfolios(), measure=st.sampled_from(MEASURES), top=st.integers(1, 5))
def test_top_is_a_prefix_of_the_full_ranking(
    items: list[RankInput], measure: str, top: int
) -> None:
    full = rank(items, measure, discount_rate=RATE)
    assert rank(items, measure, discount_rate=RATE, top=top) == full[:top]


def test_values_beyond_float_precision_are_ranked_exactly() -> None:
    huge = "1" + "0" * 29
    items = [
        product("A", 1, huge + "1"),
        product("B", 1, huge + "2"),
        product("C", 1, huge + "0"),
    ]
    assert keys(rank(items, "roi")) == ["B", "A", "C"]
    assert rank(items, "roi")[0].value == Decimal(huge + "1.0000")


def test_rounding_boundary_matches_decimal_half_up() -> None:
    # ROI is exactly 0.00005: half-up shows 0.0001, so it beats 0.00004999 (0.0000)
    items = [product("A", 100_000, "100004.999"), product("B", 100_000, 100_005)]
    ranking = rank(items, "roi")
    assert [(r.item.key, r.value) for r in ranking] == [
        ("B", Decimal("0.0001")),
        ("A", Decimal("0.0000")),
    ]


# a product's score is a property of the portfolio, not of the view


def test_a_category_lists_fewer_rows_but_keeps_the_portfolio_s_scores() -> None:
    items = [
        product("A", 100, 500, category="Core"),
        product("B", 100, 300, category="Growth"),
        product("C", 100, 200, category="Core"),
        product("D", 100, 110, category="Growth"),
    ]
    weights = Weights(roi=Decimal(1))
    full = {r.item.key: r.value for r in rank(items, "score", weights=weights)}
    core = rank(items, "score", weights=weights, category="core")
    assert keys(core) == ["A", "C"]
    assert [r.value for r in core] == [full["A"], full["C"]]
    assert full["C"] != Decimal(0)  # C is not the worst of the portfolio, so not 0 in Core


@settings(max_examples=100, deadline=None)
@given(
    items=portfolios(),
    measure=st.sampled_from(MEASURES),
    skip=st.integers(0, 6),
    top=st.integers(1, 5),
)
def test_a_page_is_a_slice_of_the_full_ranking(
    items: list[RankInput], measure: str, skip: int, top: int
) -> None:
    full = rank(items, measure, discount_rate=RATE)
    assert rank(items, measure, discount_rate=RATE, skip=skip, top=top) == full[skip : skip + top]


def test_values_beyond_float_precision_keep_the_portfolio_s_scores_in_a_category() -> None:
    huge = "1" + "0" * 29
    items = [
        product("A", 1, huge + "1", category="Core"),
        product("B", 1, huge + "2", category="Growth"),
        product("C", 1, huge + "0", category="Core"),
    ]
    full = {r.item.key: r for r in rank(items, "score", weights=Weights(roi=Decimal(1)))}
    core = rank(items, "score", weights=Weights(roi=Decimal(1)), category="Core", skip=1)
    assert [(r.position, r.item.key, r.value) for r in core] == [(2, "C", full["C"].value)]
