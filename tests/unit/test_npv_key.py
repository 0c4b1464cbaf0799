"""The stored NPV key orders products exactly as the full NPV ranking does."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain import finance
from domain.ranking import RankInput, rank
from domain.ranking.keys import KEY_LIMIT, NO_VALUE, cashflow_values, npv_key

FLOW = st.one_of(
    st.sampled_from([Decimal(v) for v in ("-1000", "0", "0.01", "-0.01", "550.50", "1000000")]),
    st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False),
)
FLOWS = st.one_of(
    st.sampled_from([(), (Decimal(-100), Decimal(110)), (Decimal(-100), Decimal(108))]),
    st.lists(FLOW, max_size=7).map(tuple),
)
RATES = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.08", "0.0833", "0.1", "1")]),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)


def item(key: str, flows: tuple[Decimal, ...]) -> RankInput:
    zero = Decimal(0)
    return RankInput(key, key, None, "Core", "ideation", "on track", zero, zero, zero, flows)


@given(
    pool=st.dictionaries(st.from_regex(r"\A[A-Z]{1,3}\Z", fullmatch=True), FLOWS, max_size=25),
    rate=RATES,
)
def test_sorting_by_npv_key_then_product_key_is_the_npv_ranking(
    pool: dict[str, tuple[Decimal, ...]], rate: Decimal
) -> None:
    items = [item(key, flows) for key, flows in pool.items()]
    ranked = rank(items, "npv", discount_rate=rate)
    by_key = sorted(items, key=lambda i: (npv_key([str(c) for c in i.cashflows], rate), i.key))
    assert [r.item.key for r in ranked] == [i.key for i in by_key]
    for row in ranked:
        key = npv_key([str(c) for c in row.item.cashflows], rate)
        assert key == (NO_VALUE if row.value is None else -int(row.value.scaleb(2)))


def test_npv_key_is_the_cents_negated_and_no_cash_flows_is_na() -> None:
    assert npv_key(["-100", "110"], Decimal("0.1")) == 0
    assert npv_key(["-100", "216"], Decimal("0.08")) == -10000  # 100.00
    assert npv_key(["100"], Decimal("0.08")) == -10000
    assert npv_key(["0.005"], Decimal(0)) == -1  # rounded half up to a cent, as shown
    assert npv_key([], Decimal("0.08")) == NO_VALUE
    assert npv_key(None, Decimal("0.08")) == NO_VALUE
    assert npv_key(["100"], None) == NO_VALUE  # no portfolio
    assert npv_key(["100"], Decimal(-1)) == NO_VALUE  # a rate NPV refuses: the ranking says so


def test_npv_beyond_the_key_limit_is_clamped() -> None:
    huge = ["9999999999999999.99"] * 6
    assert npv_key(huge, Decimal(0)) == -KEY_LIMIT
    assert npv_key(["-" + h for h in huge], Decimal(0)) == KEY_LIMIT


def test_cash_flows_read_as_the_full_ranking_reads_them() -> None:
    stored: list[str | int] = ["-100000", "50000.5", "1E+3", 7]
    assert cashflow_values(stored) == tuple(Decimal(c) for c in stored)
    assert cashflow_values(None) == ()
    assert npv_key(stored, Decimal("0.08")) == -int(
        finance.npv(Decimal("0.08"), cashflow_values(stored)).scaleb(2)
    )
