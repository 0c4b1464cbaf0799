from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import (
    Advice,
    AllocationRefused,
    Candidate,
    DropFunded,
    KeptOverBudget,
    KeptOverMaximum,
    MinimumOutOfReach,
    MinimumsOverWhole,
    RaiseBudget,
    Reason,
    ShareRule,
    TimedOut,
    allocate,
)
from domain.errors import InvalidInput
from handlers.planning.allocation import advice_text, refusal_text, rule_text

K = Decimal(1000)


def c(key: str, category: str, cost: str | int, value: str | int) -> Candidate:
    return Candidate(key, category, Decimal(cost), Decimal(value))


PORTFOLIO = [
    c("CHK", "Growth", 1_000_000, 500_000),
    c("PAY", "Growth", 1_400_000, 300_000),
    c("LEG", "Core", 300_000, 12_000),
    c("NEW", "Core", 500_000, 100_000),
    c("BAD", "Core", 100_000, -5),
]


def funded(allocation_keys: tuple[Candidate, ...]) -> set[str]:
    return {x.key for x in allocation_keys}


def refused(*args: object, **kwargs: object) -> tuple[Reason, ...]:
    """The reasons allocate() gives for refusing (amounts in USD)."""
    with pytest.raises(AllocationRefused) as error:
        allocate(*args, currency="USD", **kwargs)  # type: ignore[arg-type]
    assert error.value.currency == "USD"
    return error.value.reasons


def words(reasons: tuple[Reason, ...]) -> str:
    return refusal_text(reasons, "USD")


def test_allocation_maximises_value_within_budget() -> None:
    result = allocate(PORTFOLIO, Decimal(2_000_000))
    assert funded(result.funded) == {"CHK", "NEW", "LEG"}
    assert result.total_value == Decimal(612_000)
    assert result.used == Decimal(1_800_000)
    assert result.left == Decimal(200_000)
    assert result.gap == 0
    assert result.bound == result.total_value


def test_products_without_positive_value_are_funded_only_when_kept() -> None:
    assert "BAD" not in funded(allocate(PORTFOLIO, Decimal(10_000_000)).funded)
    assert "BAD" in funded(allocate(PORTFOLIO, Decimal(10_000_000), keep=["BAD"]).funded)


def test_keep_and_drop_are_respected() -> None:
    result = allocate(PORTFOLIO, Decimal(2_000_000), keep=["pay"], drop=["CHK"])
    assert "PAY" in funded(result.funded)
    assert "CHK" not in funded(result.funded)


def test_best_unfunded_comes_with_advice() -> None:
    result = allocate(PORTFOLIO, Decimal(2_000_000))
    assert result.best_unfunded is not None
    assert result.best_unfunded.key == "PAY"
    assert result.to_fund_best == Advice(
        "PAY", (RaiseBudget(Decimal(1_200_000)),), DropFunded(("CHK", "LEG"), Decimal(512_000))
    )
    assert (
        advice_text(result.to_fund_best, "USD", value="$512k")
        == "raise the budget by $1.2M, or drop CHK, LEG (value $512k)"
    )


def test_advice_with_nothing_to_raise_or_drop_says_to_loosen_a_minimum() -> None:
    assert advice_text(Advice("MOB"), "USD", value="") == (
        "MOB cannot be funded with these rules; loosen a `min` rule to make room"
    )


def test_nothing_unfunded_means_no_advice() -> None:
    result = allocate(PORTFOLIO, Decimal(10_000_000))
    assert result.best_unfunded is None
    assert result.to_fund_best is None


def test_min_rule_changes_the_choice() -> None:
    result = allocate(
        PORTFOLIO, Decimal(2_000_000), rules=[ShareRule("Growth", Decimal("0.55"), "min")]
    )
    assert funded(result.funded) == {"PAY", "NEW"}


def test_costs_that_exactly_fill_the_budget_are_feasible() -> None:
    items = [c("A", "X", "0.10", 1), c("B", "X", "0.20", 1)]
    result = allocate(items, Decimal("0.30"), rules=[ShareRule("X", Decimal("1"), "min")])
    assert funded(result.funded) == {"A", "B"}


def test_a_third_share_is_met_exactly() -> None:
    items = [c("A", "X", "100", 1), c("B", "Y", "200", 1)]
    rules = [ShareRule("X", Decimal(1) / 3, "min"), ShareRule("Y", Decimal(2) / 3, "max")]
    assert funded(allocate(items, Decimal(300), rules=rules).funded) == {"A", "B"}


def test_kept_products_over_budget_are_named_with_the_excess() -> None:
    reasons = refused(PORTFOLIO, Decimal(2_000_000), keep=["CHK", "PAY"])
    assert reasons == (
        KeptOverBudget(("CHK", "PAY"), Decimal(2_400_000), Decimal(2_000_000), Decimal(400_000)),
    )
    assert words(reasons) == "`keep` CHK, PAY cost $2.4M, more than the $2M budget ($400k over)."


def test_min_rule_beyond_the_category_says_how_short() -> None:
    rule = ShareRule("Core", Decimal("0.5"), "min")
    reasons = refused(PORTFOLIO, Decimal(2_000_000), rules=[rule])
    assert reasons == (
        MinimumOutOfReach(rule, Decimal(1_000_000), Decimal(800_000), Decimal(200_000), ("BAD",)),
    )
    assert words(reasons) == (
        "`min Core 50%` needs $1M of Core products, "
        "but all Core products together cost $800k ($200k short). "
        "Left out: BAD (dropped, or with no positive value and not kept)."
    )


def test_max_rule_below_kept_products_says_how_much_over() -> None:
    rule = ShareRule("Growth", Decimal("0.4"), "max")
    reasons = refused(PORTFOLIO, Decimal(2_000_000), keep=["CHK"], rules=[rule])
    assert reasons == (
        KeptOverMaximum(rule, Decimal(800_000), ("CHK",), Decimal(1_000_000), Decimal(200_000)),
    )
    assert words(reasons) == (
        "`max Growth 40%` allows $800k of Growth products, "
        "but the kept ones (CHK) cost $1M ($200k over)."
    )


def test_combinatorial_conflict_is_found_by_relaxing_each_rule() -> None:
    # Growth needs 1.1m, but only 1m or 1.4m (or 2.4m) combinations exist; 1.4m + Core 600k > 2m.
    rules = [ShareRule("Growth", Decimal("0.55"), "min"), ShareRule("Core", Decimal("0.3"), "min")]
    message = words(refused(PORTFOLIO, Decimal(2_000_000), rules=rules))
    assert message.startswith("No selection meets the budget and all the rules. ")
    assert "`min Core 30%` needs $600k of Core products" in message
    assert "($100k short)" in message
    assert "more than the $2M budget ($200k over)" in message


def test_minimums_with_kept_products_over_budget_are_explained() -> None:
    rules = [ShareRule("Core", Decimal("0.4"), "min")]
    message = words(refused(PORTFOLIO, Decimal(2_000_000), keep=["PAY"], rules=rules))
    assert message == (
        "The minimums (`min Core 40%`) and the kept products need at least $2.2M, "
        "more than the $2M budget ($200k over)."
    )


def test_unknown_key_in_keep_is_refused() -> None:
    with pytest.raises(InvalidInput, match="`keep` names `XYZ`, which is not a product"):
        allocate(PORTFOLIO, Decimal(1), keep=["XYZ"])


def test_key_both_kept_and_dropped_is_refused() -> None:
    with pytest.raises(InvalidInput, match="both kept and dropped"):
        allocate(PORTFOLIO, Decimal(1), keep=["CHK"], drop=["CHK"])


def test_rule_for_a_category_without_products_is_refused() -> None:
    reasons = refused(PORTFOLIO, Decimal(1), rules=[ShareRule("Mobile", Decimal("0.1"), "min")])
    assert words(reasons) == (
        "`min Mobile 10%`: no product is in category Mobile. Categories: Core, Growth."
    )


def test_share_over_100_percent_is_refused() -> None:
    reasons = refused(PORTFOLIO, Decimal(1), rules=[ShareRule("Core", Decimal("1.2"), "max")])
    assert "`max Core 120%`: a share must be between 0 % and 100 %" in words(reasons)


def test_minimums_over_100_percent_are_refused() -> None:
    rules = [ShareRule("Core", Decimal("0.6"), "min"), ShareRule("Growth", Decimal("0.6"), "min")]
    reasons = refused(PORTFOLIO, Decimal(1), rules=rules)
    assert reasons == (MinimumsOverWhole(Decimal("1.2")),)
    assert "add up to 120% of the budget" in words(reasons)


def test_min_above_max_for_one_category_is_refused() -> None:
    rules = [ShareRule("Core", Decimal("0.6"), "min"), ShareRule("core", Decimal("0.5"), "max")]
    assert words(refused(PORTFOLIO, Decimal(1), rules=rules)) == (
        "`min Core 60%` asks for more than `max core 50%` allows; "
        "make the minimum at most the maximum."
    )


def test_duplicate_rules_are_refused() -> None:
    rules = [ShareRule("Core", Decimal("0.1"), "min"), ShareRule("core", Decimal("0.2"), "min")]
    assert words(refused(PORTFOLIO, Decimal(1), rules=rules)) == (
        "`min Core 10%` and `min core 20%` are both given; keep one."
    )


def test_rules_are_written_as_people_write_them() -> None:
    assert rule_text(ShareRule("Growth", Decimal("0.125"), "min")) == "`min Growth 12.5%`"
    assert rule_text(ShareRule("Core", Decimal("0.3"), "max")) == "`max Core 30%`"


def test_a_timeout_is_worded_with_its_limit() -> None:
    assert words((TimedOut(10.0),)).startswith("No allocation was found within 10 s.")


def test_empty_portfolio_funds_nothing() -> None:
    result = allocate([], Decimal(100))
    assert result.funded == ()
    assert result.left == Decimal(100)
    assert result.total_value == 0


# --- against brute force ---------------------------------------------------------------

CATEGORIES = ("Growth", "Core", "Lab")


@st.composite
def instances(
    draw: st.DrawFn,
) -> tuple[list[Candidate], Decimal, list[ShareRule], set[str], set[str]]:
    size = draw(st.integers(1, 10))
    candidates = [
        Candidate(
            f"P{i}",
            draw(st.sampled_from(CATEGORIES)),
            Decimal(draw(st.integers(0, 200))) * 5 * K,
            Decimal(draw(st.integers(-50, 400))) * K
            + Decimal(draw(st.sampled_from(["0", "0.5", "0.25"]))),
        )
        for i in range(size)
    ]
    total = sum((x.cost for x in candidates), Decimal(0))
    budget = (total * Decimal(draw(st.integers(0, 100))) / 100).quantize(Decimal(1))
    present = sorted({x.category for x in candidates})
    rules: list[ShareRule] = []
    for category in draw(st.lists(st.sampled_from(present), unique=True, max_size=2)):
        kind: Literal["min", "max"] = "min" if draw(st.booleans()) else "max"
        rules.append(ShareRule(category, Decimal(draw(st.integers(0, 60))) / 100, kind))
    keys = [x.key for x in candidates]
    keep = set(draw(st.lists(st.sampled_from(keys), unique=True, max_size=2)))
    drop = set(draw(st.lists(st.sampled_from(keys), unique=True, max_size=2))) - keep
    return candidates, budget, rules, keep, drop


def brute_force(
    candidates: list[Candidate],
    budget: Decimal,
    rules: list[ShareRule],
    keep: set[str],
    drop: set[str],
) -> Decimal | None:
    best: Decimal | None = None
    for picks in itertools.product((0, 1), repeat=len(candidates)):
        chosen = [x for x, p in zip(candidates, picks, strict=True) if p]
        names = {x.key for x in chosen}
        if not keep <= names or names & drop:
            continue
        if any(x.value <= 0 and x.key not in keep for x in chosen):
            continue
        if sum((x.cost for x in chosen), Decimal(0)) > budget:
            continue
        ok = True
        for rule in rules:
            spent = sum((x.cost for x in chosen if x.category == rule.category), Decimal(0))
            limit = rule.share * budget
            if (rule.kind == "min" and spent < limit) or (rule.kind == "max" and spent > limit):
                ok = False
        if ok:
            value = sum((x.value for x in chosen), Decimal(0))
            best = value if best is None or value > best else best
    return best


@settings(max_examples=150, deadline=None)
@given(instance=instances())
def test_allocation_matches_brute_force(
    instance: tuple[list[Candidate], Decimal, list[ShareRule], set[str], set[str]],
) -> None:
    candidates, budget, rules, keep, drop = instance
    expected = brute_force(candidates, budget, rules, keep, drop)
    if expected is None:
        with pytest.raises(AllocationRefused) as error:
            allocate(candidates, budget, rules=rules, keep=keep, drop=drop)
        assert error.value.reasons
        assert refusal_text(error.value.reasons, "USD")
        return
    result = allocate(candidates, budget, rules=rules, keep=keep, drop=drop)
    assert result.total_value == expected
    assert result.used <= budget
    assert keep <= funded(result.funded)
    assert not drop & funded(result.funded)
    assert funded(result.funded) | funded(result.unfunded) == {x.key for x in candidates}
