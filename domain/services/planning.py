"""Planning use cases: budget allocation, balance, and the data charts draw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain import queries
from domain.allocation import Advice, Candidate, ShareRule, allocate
from domain.balance import BalanceReport, balance_of
from domain.commands.planning import AllocateBy, AllocateRequest, Grouping
from domain.errors import InvalidInput
from domain.finance import roi
from domain.models import (
    Portfolio,
)
from domain.queries.balance import balance_cells
from domain.ranking import RankInput, rank
from domain.services.access import (
    check_currency,
    portfolio_for,
)
from domain.services.clock import Clock
from domain.store import Store
from domain.views import Actor

CENT = Decimal("0.01")
ALLOCATION_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class AllocationLine:
    key: str
    name: str
    category: str
    cost: Decimal
    value: Decimal


@dataclass(frozen=True)
class AllocationView:
    portfolio: str
    currency: str
    by: AllocateBy
    budget: Decimal
    budget_from_portfolio: bool
    used: Decimal
    left: Decimal
    total_value: Decimal
    funded: tuple[AllocationLine, ...]
    unfunded: tuple[AllocationLine, ...]
    best_unfunded: AllocationLine | None
    to_fund_best: Advice | None
    rules: tuple[ShareRule, ...]
    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    optimal: bool
    bound: Decimal | None


@dataclass(frozen=True)
class BalanceView:
    portfolio: str
    currency: str
    product_count: int
    report: BalanceReport


@dataclass(frozen=True)
class ChartPoint:
    """One product on the risk–return chart; confidence and ROI are fractions."""

    key: str
    name: str
    category: str
    confidence: Decimal
    roi: Decimal | None
    investment: Decimal


@dataclass(frozen=True)
class ChartData:
    portfolio: str
    currency: str
    points: tuple[ChartPoint, ...]


def risk_adjusted_value(item: RankInput) -> Decimal:
    """Confidence × expected return − investment, to the cent (what an allocation maximises)."""
    value = item.confidence * item.expected_return - item.investment
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class PlanningService:
    """Allocate a budget, report balance, gather chart points."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def allocate(
        self, actor: Actor, channel_id: str | None, request: AllocateRequest
    ) -> AllocationView:
        """The set of products that maximises total value within a budget and share rules."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            name = portfolio.name
            inputs = queries.product_facts(tenant, portfolio, cashflows=request.by == "score")
            currency = portfolio.currency
            if request.budget is not None:
                check_currency(portfolio, request.budget[1], "the budget")
                budget = request.budget[0]
            elif portfolio.budget is not None:
                budget = portfolio.budget
            else:
                raise InvalidInput(
                    f"{portfolio.name} has no budget yet: give one, e.g. `/portfolio allocate 2m`, "
                    "or set it with `/portfolio setup | budget 2m`."
                )
            by_key = {item.key: item for item in inputs}
            values = allocation_values(portfolio, inputs, request.by)
        if not inputs:
            raise InvalidInput(
                f"{name} has no products to fund yet. Add one with "
                "`/portfolio add CHK Checkout | investment 120k | return 400k | confidence 70%`."
            )
        candidates = [
            Candidate(key=item.key, category=item.category, cost=item.investment, value=values[i])
            for i, item in enumerate(inputs)
        ]
        result = allocate(
            candidates,
            budget,
            rules=request.rules,
            keep=request.keep,
            drop=request.drop,
            time_limit=ALLOCATION_TIME_LIMIT,
            currency=currency,
        )

        def line(candidate: Candidate) -> AllocationLine:
            item = by_key[candidate.key]
            return AllocationLine(
                item.key, item.name, item.category, candidate.cost, candidate.value
            )

        return AllocationView(
            portfolio=name,
            currency=currency,
            by=request.by,
            budget=result.budget,
            budget_from_portfolio=request.budget is None,
            used=result.used,
            left=result.left,
            total_value=result.total_value,
            funded=tuple(line(c) for c in result.funded),
            unfunded=tuple(line(c) for c in result.unfunded),
            best_unfunded=line(result.best_unfunded) if result.best_unfunded else None,
            to_fund_best=result.to_fund_best,
            rules=request.rules,
            kept=tuple(sorted(k.upper() for k in request.keep)),
            dropped=tuple(sorted(k.upper() for k in request.drop)),
            optimal=result.gap == 0,
            bound=result.bound,
        )

    def balance(self, actor: Actor, channel_id: str | None, by: Grouping) -> BalanceView:
        """Investment and expected value by category, stage or health, with warning flags.

        The database sums the products per category, stage and health (a few rows, whatever
        the portfolio's size); no product is read into Python.
        """
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            cells = balance_cells(tenant, portfolio)
            name, currency = portfolio.name, portfolio.currency
        return BalanceView(name, currency, sum(cell.count for cell in cells), balance_of(cells, by))

    def chart_points(self, actor: Actor, channel_id: str | None) -> ChartData:
        """Each product's confidence, ROI and investment, for the risk–return chart."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            inputs = queries.product_facts(tenant, portfolio, cashflows=False)
            name, currency = portfolio.name, portfolio.currency
        points = tuple(
            ChartPoint(
                key=i.key,
                name=i.name,
                category=i.category,
                confidence=i.confidence,
                roi=roi(i.investment, i.expected_return),
                investment=i.investment,
            )
            for i in sorted(inputs, key=lambda i: i.key)
        )
        return ChartData(name, currency, points)


def allocation_values(
    portfolio: Portfolio, inputs: Sequence[RankInput], by: AllocateBy
) -> list[Decimal]:
    """What allocation maximises for each product: its risk-adjusted value, or its score."""
    if by == "value":
        return [risk_adjusted_value(item) for item in inputs]
    weights = queries.score_weights(portfolio)
    if weights is None:
        raise InvalidInput(
            "Allocating by score needs the score's weights first, e.g. "
            "`/portfolio weights roi 40% risk 30% alignment 30%`; or allocate by value "
            "(leave out `| by score`)."
        )
    ranked = rank(inputs, "score", discount_rate=portfolio.discount_rate, weights=weights)
    score = {r.item.key: r.value or Decimal(0) for r in ranked}
    return [score[item.key] for item in inputs]
