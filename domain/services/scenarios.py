"""What-if and scenario use cases: allocations under changes, beside today's, never live.

`apply` is the one that changes products, and it goes through the products service's
`set_product`, so a scenario's changes land in the same history (and proposal rules) as
direct ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from domain import queries
from domain.allocation import AllocationRefused, Reason
from domain.commands.portfolio import ProductFields
from domain.commands.uncertainty import Change, WhatIf, whatif_from_json, whatif_json
from domain.errors import InvalidInput, NotFound
from domain.grammar import did_you_mean
from domain.models import Portfolio, Scenario
from domain.ranking import RankInput
from domain.services.access import check_currency, portfolio_for, product_by_key, require_manager
from domain.services.clock import Clock
from domain.services.forecasts import TIME_LIMIT, bets_of
from domain.services.products import ProductService
from domain.store import Store, Tenant
from domain.uncertainty.outcomes import Bet
from domain.uncertainty.plans import Plan, changed, plan
from domain.views import Actor, ProductChange

CENT = Decimal("0.01")
FIELD_OF = {
    "investment": "investment",
    "return": "expected_return",
    "confidence": "confidence",
    "category": "category",
}


@dataclass(frozen=True)
class Side:
    """One allocation of a comparison: its budget and plan, or why none can be made."""

    label: str
    budget: Decimal
    plan: Plan | None
    refused: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class ChangeLine:
    """A what-if change with the value it replaces."""

    key: str
    field: str
    before: Decimal | str
    after: Decimal | str


@dataclass(frozen=True)
class ScenarioMeta:
    name: str
    author_id: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class WhatIfView:
    portfolio: str
    currency: str
    today: Side
    scenario: Side
    whatif: WhatIf
    changes: tuple[ChangeLine, ...]
    names: dict[str, str]
    meta: ScenarioMeta | None = None
    replaced: ScenarioMeta | None = None

    @property
    def added(self) -> tuple[str, ...]:
        """Funded under the scenario but not today."""
        return _difference(self.scenario, self.today)

    @property
    def removed(self) -> tuple[str, ...]:
        """Funded today but not under the scenario."""
        return _difference(self.today, self.scenario)


@dataclass(frozen=True)
class ComparisonView:
    portfolio: str
    currency: str
    sides: tuple[Side, ...]  # the live portfolio first
    scenarios: tuple[ScenarioMeta, ...]


@dataclass(frozen=True)
class AppliedView:
    name: str
    whatif: WhatIf
    changes: tuple[ProductChange, ...]
    budget: Decimal  # the scenario's budget, for the allocation to run with it


def _difference(left: Side, right: Side) -> tuple[str, ...]:
    if left.plan is None or right.plan is None:
        return ()
    return tuple(sorted(set(left.plan.funded) - set(right.plan.funded)))


def _meta(row: Scenario) -> ScenarioMeta:
    return ScenarioMeta(row.name, row.author_id, row.created_at, row.text)


class ScenarioService:
    """What-ifs, and named scenarios read by anyone, saved, applied and dropped by managers."""

    def __init__(self, store: Store, clock: Clock, products: ProductService) -> None:
        self.store = store
        self.clock = clock
        self.products = products

    def whatif(self, actor: Actor, channel_id: str | None, whatif: WhatIf) -> WhatIfView:
        """The allocation under the what-if beside today's."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            return self._whatif(tenant, portfolio, whatif, None)

    def save(
        self, actor: Actor, channel_id: str | None, name: str, whatif: WhatIf, text: str
    ) -> WhatIfView:
        """Save a what-if under a name (a second save of the name replaces the first)."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "save scenarios")
            view = self._whatif(tenant, portfolio, whatif, None)
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            old = self._find(tenant, portfolio, name)
            replaced = _meta(old) if old is not None else None
            if old is not None:
                tenant.delete(old)
                tenant.flush()
            row = Scenario(
                portfolio_id=portfolio.id,
                name=name,
                slug=name.casefold(),
                text=text,
                changes=whatif_json(whatif),
                author_id=actor.user_id,
                created_at=self.clock(),
            )
            tenant.add(row)
            tenant.flush()
            return _with_meta(view, _meta(row), replaced)

    def scenarios(
        self, actor: Actor, channel_id: str | None
    ) -> tuple[str, tuple[ScenarioMeta, ...]]:
        """The portfolio's name and its saved scenarios, by name."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            rows = tenant.all(
                tenant.select(Scenario)
                .where(Scenario.portfolio_id == portfolio.id)
                .order_by(Scenario.slug)
            )
            return portfolio.name, tuple(_meta(r) for r in rows)

    def show(self, actor: Actor, channel_id: str | None, name: str) -> WhatIfView:
        """A saved scenario's allocation beside today's."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            row = self._named(tenant, portfolio, name)
            whatif = whatif_from_json(row.changes)
            view = self._whatif(tenant, portfolio, whatif, row.name)
            return _with_meta(view, _meta(row), None)

    def compare(self, actor: Actor, channel_id: str | None, names: Sequence[str]) -> ComparisonView:
        """One or two scenarios side by side, and the live portfolio beside them."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            rows = [self._named(tenant, portfolio, name) for name in names]
            views = [
                self._whatif(tenant, portfolio, whatif_from_json(r.changes), r.name) for r in rows
            ]
            sides = (views[0].today, *(v.scenario for v in views))
            return ComparisonView(
                portfolio.name, portfolio.currency, sides, tuple(_meta(r) for r in rows)
            )

    def apply(self, actor: Actor, channel_id: str | None, name: str) -> AppliedView:
        """Make a scenario's product changes live, each through the products service."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "apply scenarios")
            row = self._named(tenant, portfolio, name)
            whatif = whatif_from_json(row.changes)
            inputs = queries.product_facts(tenant, portfolio, cashflows=False)
            self._check_keys(tenant, portfolio, inputs, whatif, row.name)
            scenario_name = row.name
            budget = self._budgets(portfolio, whatif)[1]
        if not whatif.changes:
            raise InvalidInput(
                f"Scenario `{scenario_name}` changes no product, only the allocation: run it "
                f"with `/portfolio scenario show {scenario_name}`, or allocate with its budget "
                "and rules."
            )
        results = [
            self.products.set_product(actor, key, fields)
            for key, fields in _fields_by_product(whatif.changes)
        ]
        return AppliedView(scenario_name, whatif, tuple(results), budget)

    def drop(self, actor: Actor, channel_id: str | None, name: str) -> ScenarioMeta:
        """Delete a saved scenario."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "drop scenarios")
            row = self._named(tenant, portfolio, name)
            meta = _meta(row)
            tenant.delete(row)
            return meta

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _find(tenant: Tenant, portfolio: Portfolio, name: str) -> Scenario | None:
        return tenant.first(
            tenant.select(Scenario).where(
                Scenario.portfolio_id == portfolio.id, Scenario.slug == name.casefold()
            )
        )

    def _named(self, tenant: Tenant, portfolio: Portfolio, name: str) -> Scenario:
        row = self._find(tenant, portfolio, name)
        if row is not None:
            return row
        names = tenant.scalars(select(Scenario.name).where(Scenario.portfolio_id == portfolio.id))
        hint = did_you_mean(name, names)
        suggestion = f" Did you mean `{hint}`?" if hint else ""
        known = ", ".join(f"`{n}`" for n in sorted(names, key=str.casefold)) or "none yet"
        raise NotFound(
            f"{portfolio.name} has no scenario `{name}`.{suggestion} Scenarios: {known}. "
            "Save one with `/portfolio scenario save lean 1.7m | drop CHK`."
        )

    def _whatif(
        self, tenant: Tenant, portfolio: Portfolio, whatif: WhatIf, name: str | None
    ) -> WhatIfView:
        inputs = queries.product_facts(tenant, portfolio, cashflows=False)
        self._check_keys(tenant, portfolio, inputs, whatif, name)
        for change in whatif.changes:
            if isinstance(change.value, tuple):
                check_currency(portfolio, change.value[1], f"`set {change.key} {change.field}`")
        today_budget, scenario_budget = self._budgets(portfolio, whatif)
        if not inputs:
            raise InvalidInput(
                f"{portfolio.name} has no products yet. Add one with "
                "`/portfolio add CHK Checkout | investment 120k | return 400k | confidence 70%`."
            )
        bets = bets_of(inputs)
        by_key = {i.key: i for i in inputs}
        lines = tuple(
            ChangeLine(
                c.key,
                c.field,
                getattr(by_key[c.key], FIELD_OF[c.field]),
                c.value[0] if isinstance(c.value, tuple) else c.value,
            )
            for c in whatif.changes
        )
        today = _side("today", bets, today_budget, portfolio.currency, WhatIf())
        moved = changed(bets, whatif.changes)
        mine = _side(name or "what-if", moved, scenario_budget, portfolio.currency, whatif)
        return WhatIfView(
            portfolio=portfolio.name,
            currency=portfolio.currency,
            today=today,
            scenario=mine,
            whatif=whatif,
            changes=lines,
            names={i.key: i.name for i in inputs},
        )

    @staticmethod
    def _budgets(portfolio: Portfolio, whatif: WhatIf) -> tuple[Decimal, Decimal]:
        if whatif.budget is not None:
            check_currency(portfolio, whatif.budget[1], "the budget")
        base = portfolio.budget
        if base is None and whatif.budget is None:
            raise InvalidInput(
                f"{portfolio.name} has no budget yet, so there is nothing to change from: give "
                "one, e.g. `/portfolio whatif allocate 1.7m`, or set it with "
                "`/portfolio setup | budget 2m`."
            )
        if whatif.budget is not None:
            return (base if base is not None else whatif.budget[0]), whatif.budget[0]
        assert base is not None
        if whatif.budget_change is not None:
            moved = (base * (1 + whatif.budget_change)).quantize(CENT, ROUND_HALF_EVEN)
            return base, moved
        return base, base

    @staticmethod
    def _check_keys(
        tenant: Tenant,
        portfolio: Portfolio,
        inputs: Sequence[RankInput],
        whatif: WhatIf,
        name: str | None,
    ) -> None:
        """Every key the what-if names is an active product of this portfolio."""
        active = {i.key for i in inputs}
        named = [c.key for c in whatif.changes] + list(whatif.keep) + list(whatif.drop)
        for key in dict.fromkeys(named):
            if key in active:
                continue
            where = f"Scenario `{name}` names {key}, but " if name else ""
            try:
                product = product_by_key(tenant, key)
            except NotFound as missing:
                raise NotFound(f"{where}{missing.message}" if where else missing.message) from None
            other = tenant.get(Portfolio, product.portfolio_id)
            raise NotFound(
                f"{where or ''}{key} is in portfolio {other.name if other else '?'}, not "
                f"{portfolio.name}; a what-if changes this channel's portfolio only."
            )


def _side(label: str, bets: list[Bet], budget: Decimal, currency: str, whatif: WhatIf) -> Side:
    try:
        result = plan(
            bets,
            budget,
            rules=whatif.rules,
            keep=whatif.keep,
            drop=whatif.drop,
            time_limit=TIME_LIMIT,
            currency=currency,
        )
    except AllocationRefused as refused:
        return Side(label, budget, None, refused.reasons)
    return Side(label, budget, result)


def _with_meta(view: WhatIfView, meta: ScenarioMeta, replaced: ScenarioMeta | None) -> WhatIfView:
    return WhatIfView(
        view.portfolio,
        view.currency,
        view.today,
        Side(meta.name, view.scenario.budget, view.scenario.plan, view.scenario.refused),
        view.whatif,
        view.changes,
        view.names,
        meta,
        replaced,
    )


def _fields_by_product(changes: Sequence[Change]) -> list[tuple[str, ProductFields]]:
    """The changes as one set of product fields per product, in the order first named."""
    grouped: dict[str, ProductFields] = {}
    for change in changes:
        fields = grouped.get(change.key, ProductFields())
        value = change.value
        if change.field == "investment" and isinstance(value, tuple):
            fields = replace(fields, investment=value)
        elif change.field == "return" and isinstance(value, tuple):
            fields = replace(fields, expected_return=value)
        elif change.field == "confidence" and isinstance(value, Decimal):
            fields = replace(fields, confidence=value)
        elif change.field == "category" and isinstance(value, str):
            fields = replace(fields, category=value)
        grouped[change.key] = fields
    return list(grouped.items())
