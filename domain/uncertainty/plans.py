"""A plan: the allocation of (possibly changed) bets, with its downside, shares and binding rules.

`changed` applies a what-if's `set` changes to bets; `plan` allocates them and says, as
typed values, what the funded set is worth (expected value and its P10), how the money is
shared between categories, and which constraint binds: the budget (the best unfunded
product does not fit) and each rule that costs value (the allocation without it is worth
more). `funded_now` is today's plan: every product with an investment that is not retired.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from domain.allocation import Allocation, AllocationRefused, RaiseBudget, ShareRule, allocate
from domain.commands.uncertainty import Change
from domain.uncertainty.distribution import ValueForecast, forecast
from domain.uncertainty.outcomes import Bet

RETIRED = "retired"
BINDING_LIMIT = 2_000  # above this many products, rules are not re-solved to price them


@dataclass(frozen=True)
class BudgetBinds:
    """The budget stops the best unfunded product: `left` is unspent, it costs `cost`."""

    left: Decimal
    key: str
    cost: Decimal


@dataclass(frozen=True)
class RuleBinds:
    """A share rule costs expected value: without it the allocation is worth `value` more."""

    rule: ShareRule
    value: Decimal


Binding = BudgetBinds | RuleBinds


@dataclass(frozen=True)
class Plan:
    """An allocation with its value distribution (None: nothing funded), shares and binds."""

    allocation: Allocation
    value: ValueForecast | None
    shares: tuple[tuple[str, Decimal], ...]
    binding: tuple[Binding, ...]

    @property
    def funded(self) -> tuple[str, ...]:
        """The funded keys, sorted."""
        return tuple(sorted(c.key for c in self.allocation.funded))


def changed(bets: Sequence[Bet], changes: Sequence[Change]) -> list[Bet]:
    """The bets with a what-if's changes applied (amounts already in the bets' currency)."""
    by_key = {bet.key: bet for bet in bets}
    for change in changes:
        bet = by_key[change.key]
        value = change.value
        if change.field == "investment" and isinstance(value, tuple):
            bet = replace(bet, cost=value[0])
        elif change.field == "return" and isinstance(value, tuple):
            bet = replace(bet, payoff=value[0])
        elif change.field == "confidence" and isinstance(value, Decimal):
            bet = replace(bet, p=value)
        elif change.field == "category" and isinstance(value, str):
            bet = replace(bet, category=value)
        by_key[change.key] = bet
    return [by_key[bet.key] for bet in bets]


def plan(
    bets: Sequence[Bet],
    budget: Decimal,
    *,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    time_limit: float = 10.0,
    currency: str | None = None,
) -> Plan:
    """Allocate the bets and describe the result; raises AllocationRefused like allocate."""
    candidates = [b.candidate() for b in bets]
    result = allocate(
        candidates,
        budget,
        rules=rules,
        keep=keep,
        drop=drop,
        time_limit=time_limit,
        currency=currency,
    )
    chosen = {c.key for c in result.funded}
    funded = [b for b in bets if b.key in chosen]
    binding: list[Binding] = []
    advice = result.to_fund_best
    best = result.best_unfunded
    if advice and best and any(isinstance(r, RaiseBudget) for r in advice.raises):
        binding.append(BudgetBinds(result.left, advice.key, best.cost))
    if len(bets) <= BINDING_LIMIT:
        for rule in rules:
            others = [r for r in rules if r is not rule]
            try:
                freer = allocate(
                    candidates,
                    budget,
                    rules=others,
                    keep=keep,
                    drop=drop,
                    time_limit=time_limit,
                )
            except AllocationRefused:
                continue
            gain = freer.total_value - result.total_value
            if gain > 0:
                binding.append(RuleBinds(rule, gain))
    return Plan(
        allocation=result,
        value=forecast(funded) if funded else None,
        shares=shares(funded),
        binding=tuple(binding),
    )


def shares(bets: Sequence[Bet]) -> tuple[tuple[str, Decimal], ...]:
    """Each category's share of the money spent (fractions to 4 places), largest first."""
    total = sum((b.cost for b in bets), Decimal(0))
    by_category: dict[str, Decimal] = {}
    for bet in bets:
        name = bet.category.strip() or "(none)"
        by_category[name] = by_category.get(name, Decimal(0)) + bet.cost
    if total <= 0:
        return tuple((name, Decimal(0)) for name in sorted(by_category, key=str.casefold))
    rows = [
        (name, (cost / total).quantize(Decimal("0.0001"))) for name, cost in by_category.items()
    ]
    return tuple(sorted(rows, key=lambda row: (-row[1], row[0].casefold())))


def funded_now(stage: str, investment: Decimal) -> bool:
    """Whether a product is in today's plan: it has an investment and is not retired."""
    return investment > 0 and stage.strip().lower() != RETIRED
