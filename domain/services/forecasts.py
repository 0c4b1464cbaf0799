"""Forecast use cases: the risk–return frontier, the portfolio's value, and delivery dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import queries
from domain.allocation import ShareRule
from domain.commands.common import Amount
from domain.commands.planning import AllocateRequest
from domain.commands.uncertainty import ItemForecastRequest
from domain.errors import InvalidInput, NotFound
from domain.models import Portfolio, Product
from domain.ranking import RankInput
from domain.services.access import check_currency, portfolio_for, product_by_key
from domain.services.clock import Clock
from domain.store import Store, Tenant
from domain.uncertainty.delivery import (
    DeliveryForecast,
    ItemHistory,
    Outlook,
    Reading,
    Slip,
    forecast_items,
    likely_to_slip,
)
from domain.uncertainty.distribution import ValueForecast, forecast
from domain.uncertainty.frontier import Choice, Frontier, Position, choices, frontier, position
from domain.uncertainty.outcomes import Bet, Moments, known, moments
from domain.uncertainty.plans import funded_now
from domain.views import Actor
from domain.vocabulary import CLOSED_STATUSES

FRONTIER_POINTS = 20
TIME_LIMIT = 10.0


@dataclass(frozen=True)
class TodayPlan:
    """Today's plan: the products with an investment that are not retired, and its moments."""

    funded: tuple[str, ...]
    cost: Decimal
    moments: Moments
    over_budget: bool


@dataclass(frozen=True)
class ChoiceView:
    """A frontier point to choose between: what it funds, its P10, and what it changes."""

    choice: Choice
    p10: Decimal | None
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class FrontierView:
    portfolio: str
    currency: str
    budget: Decimal
    budget_from_portfolio: bool
    rules: tuple[ShareRule, ...]
    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    frontier: Frontier
    today: TodayPlan
    choices: tuple[ChoiceView, ...]
    names: dict[str, str]
    product_count: int
    position: Position | None  # where today's plan sits (None: over budget or nothing funded)


@dataclass(frozen=True)
class ForecastView:
    portfolio: str
    currency: str
    value: ValueForecast
    funded: tuple[str, ...]
    known: tuple[str, ...]  # funded products whose outcome is recorded (counted as certain)
    names: dict[str, str]


@dataclass(frozen=True)
class ItemOutlook:
    """One roadmap item and its delivery outlook."""

    ref: str
    title: str
    status: str
    target_label: str | None
    target_due: date | None
    outlook: Outlook


@dataclass(frozen=True)
class ItemForecastsView:
    key: str
    name: str
    items: tuple[ItemOutlook, ...]
    today: date


def bets_of(inputs: Sequence[RankInput]) -> list[Bet]:
    """Products as success/failure bets."""
    return [Bet(i.key, i.category, i.investment, i.expected_return, i.confidence) for i in inputs]


def resolve_budget(portfolio: Portfolio, written: Amount | None, command: str) -> Decimal:
    """The budget written (in the portfolio's currency), else the portfolio's own."""
    if written is not None:
        check_currency(portfolio, written[1], "the budget")
        return written[0]
    if portfolio.budget is None:
        raise InvalidInput(
            f"{portfolio.name} has no budget yet: give one, e.g. `/portfolio {command} 2m`, "
            "or set it with `/portfolio setup | budget 2m`."
        )
    return portfolio.budget


def today_plan(inputs: Sequence[RankInput], budget: Decimal | None) -> TodayPlan:
    """The products funded today: every active product with an investment, not retired."""
    chosen = [i for i in inputs if funded_now(i.stage, i.investment)]
    cost = sum((i.investment for i in chosen), Decimal(0))
    return TodayPlan(
        funded=tuple(sorted(i.key for i in chosen)),
        cost=cost,
        moments=moments(bets_of(chosen)),
        over_budget=budget is not None and cost > budget,
    )


class ForecastService:
    """The frontier, the funded portfolio's value distribution, and items' delivery."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def frontier(
        self, actor: Actor, channel_id: str | None, request: AllocateRequest
    ) -> FrontierView:
        """The exact frontier of expected value against risk within a budget and rules."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            inputs = queries.product_facts(tenant, portfolio, cashflows=False)
            budget = resolve_budget(portfolio, request.budget, "frontier")
            name, currency = portfolio.name, portfolio.currency
        if not inputs:
            raise InvalidInput(
                f"{name} has no products yet. Add one with "
                "`/portfolio add CHK Checkout | investment 120k | return 400k | confidence 70%`."
            )
        bets = bets_of(inputs)
        result = frontier(
            bets,
            budget,
            rules=request.rules,
            keep=request.keep,
            drop=request.drop,
            points=FRONTIER_POINTS,
            time_limit=TIME_LIMIT,
            currency=currency,
        )
        today = today_plan(inputs, budget)
        where = None
        if today.funded and not today.over_budget:
            where = position(
                bets,
                budget,
                today.funded,
                rules=request.rules,
                keep=request.keep,
                drop=request.drop,
                time_limit=TIME_LIMIT,
            )
        by_key = {b.key: b for b in bets}
        now = set(today.funded)
        views = tuple(
            ChoiceView(
                choice=choice,
                p10=forecast([by_key[k] for k in choice.point.funded]).p10
                if choice.point.funded
                else None,
                added=tuple(sorted(set(choice.point.funded) - now)),
                removed=tuple(sorted(now - set(choice.point.funded))),
            )
            for choice in choices(result)
        )
        return FrontierView(
            portfolio=name,
            currency=currency,
            budget=budget,
            budget_from_portfolio=request.budget is None,
            rules=request.rules,
            kept=tuple(sorted(request.keep)),
            dropped=tuple(sorted(request.drop)),
            frontier=result,
            today=today,
            choices=views,
            names={i.key: i.name for i in inputs},
            product_count=len(inputs),
            position=where,
        )

    def forecast(self, actor: Actor, channel_id: str | None, target: Amount | None) -> ForecastView:
        """The distribution of the funded products' value, and the odds of a target."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            if target is not None:
                check_currency(portfolio, target[1], "the target")
            inputs = queries.product_facts(tenant, portfolio, cashflows=False)
            outcomes = {o.key: o for o in queries.portfolio_outcomes(tenant, portfolio)}
            name, currency = portfolio.name, portfolio.currency
        chosen = [i for i in inputs if funded_now(i.stage, i.investment)]
        if not chosen:
            raise InvalidInput(
                f"Nothing is funded in {name} yet: no product has an investment "
                "(retired ones don't count). Set one with `/portfolio set CHK | investment 120k`."
            )
        bets = []
        for bet in bets_of(chosen):
            outcome = outcomes.get(bet.key)
            if outcome is None:
                bets.append(bet)
                continue
            realised = outcome.realised
            if realised is None:
                realised = bet.payoff if outcome.success else Decimal(0)
            bets.append(known(bet, realised))
        value = forecast(bets, target=None if target is None else target[0])
        return ForecastView(
            portfolio=name,
            currency=currency,
            value=value,
            funded=tuple(sorted(b.key for b in bets)),
            known=tuple(sorted(k for k in outcomes if k in {b.key for b in bets})),
            names={i.key: i.name for i in chosen},
        )

    def roadmap_forecast(self, actor: Actor, request: ItemForecastRequest) -> ItemForecastsView:
        """Each open item's delivery forecast from its own progress updates."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, request.key)
            outlooks = self._product_outlooks(tenant, product)
            key, name = product.key, product.name
        if request.number is not None:
            ref = f"{key}-{request.number}"
            mine = tuple(o for o in outlooks if o.ref == ref)
            if not mine:
                raise NotFound(
                    f"{ref} isn't an open item of {key}. `/roadmap {key}` lists its items."
                )
            outlooks = mine
        return ItemForecastsView(key, name, outlooks, self.clock().date())

    def product_outlooks(self, actor: Actor, key: str) -> tuple[ItemOutlook, ...]:
        """The delivery outlook of a product's open items (for its roadmap)."""
        with self.store.read(actor.team_id) as tenant:
            return self._product_outlooks(tenant, product_by_key(tenant, key))

    def item_outlook(self, actor: Actor, key: str, number: int) -> tuple[ItemOutlook, ...]:
        """The delivery outlook of one open item (none when it is done or dropped)."""
        ref = f"{key}-{number}"
        return tuple(o for o in self.product_outlooks(actor, key) if o.ref == ref)

    def _product_outlooks(self, tenant: Tenant, product: Product) -> tuple[ItemOutlook, ...]:
        portfolio = tenant.get(Portfolio, product.portfolio_id)
        assert portfolio is not None
        return self._outlooks(queries.item_progress(tenant, portfolio, product_id=product.id))

    def _outlooks(self, items: Sequence[queries.ItemProgress]) -> tuple[ItemOutlook, ...]:
        open_items = [i for i in items if i.status not in CLOSED_STATUSES]
        histories = [
            ItemHistory(
                ref=i.ref,
                readings=tuple(Reading(at.date(), percent) for at, percent in i.readings),
                target=i.target_due,
            )
            for i in open_items
        ]
        results = forecast_items(histories, self.clock().date())
        return tuple(
            ItemOutlook(i.ref, i.title, i.status, i.target_label, i.target_due, outlook)
            for i, outlook in zip(open_items, results, strict=True)
        )


def digest_slips(tenant: Tenant, portfolio: Portfolio, today: date) -> tuple[Slip, ...]:
    """The open items likelier to miss their target than not, most likely first (for digests)."""
    items = [i for i in queries.item_progress(tenant, portfolio) if i.status not in CLOSED_STATUSES]
    histories = [
        ItemHistory(i.ref, tuple(Reading(at.date(), p) for at, p in i.readings), i.target_due)
        for i in items
    ]
    found = []
    for item, outlook in zip(items, forecast_items(histories, today), strict=True):
        if likely_to_slip(outlook):
            assert isinstance(outlook, DeliveryForecast)
            assert outlook.on_time is not None
            target = item.target_label or (item.target_due.isoformat() if item.target_due else "")
            found.append(Slip(item.ref, item.title, target, 1 - outlook.on_time, outlook.p50))
    return tuple(sorted(found, key=lambda s: (-s.miss, s.ref)))
