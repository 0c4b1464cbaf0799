"""Analytics use cases: objectives, score weights, allocation, balance, charts, CSV, trends.

Each use case checks permissions and tenancy and runs in one transaction. The numbers come
from the pure modules (finance, ranking, prioritisation, allocation, balance, csv_format);
this module loads plain values for them and turns their answers into views.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from sqlalchemy import delete, func, insert, select

from domain.allocation import Candidate, ShareRule, allocate
from domain.balance import BalanceInput, BalanceReport, balance
from domain.csv_format import CsvErrors, ProductRow, parse_products_csv, write_products_csv
from domain.errors import Conflict, InvalidInput, NotFound
from domain.finance import roi
from domain.grammar import did_you_mean
from domain.models import (
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
    Workspace,
)
from domain.prioritisation import ItemScore, Score, rank_items, rice, wsjf
from domain.ranking import RankInput, Weights, rank
from domain.services.common import (
    Clock,
    check_currency,
    ensure_workspace,
    objective_by_key,
    portfolio_for,
    portfolio_named,
    product_by_key,
    require_manager,
)
from domain.services.portfolios import OPEN_STATUSES, PortfolioService, weights_of
from domain.store import Store, Tenant
from domain.views import Actor, MetricView

AllocateBy = Literal["value", "score"]
Grouping = Literal["category", "stage", "health"]
Method = Literal["rice", "wsjf"]
Amount = tuple[Decimal, "str | None"]

CENT = Decimal("0.01")
OBJECTIVE_TITLE_MAX = 200
ALLOCATION_TIME_LIMIT = 10.0
_BULK = 500  # rows per INSERT/DELETE batch in an import

# The period a change is labelled with, by the gap between the two readings: the label whose
# length is nearest (on a log scale) to the gap. Below half a day there is no period to name.
_PERIODS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(days=2.65), "d/d"),  # √(1 × 7)
    (timedelta(days=14.5), "w/w"),  # √(7 × 30)
    (timedelta(days=52), "m/m"),  # √(30 × 91)
    (timedelta(days=182), "q/q"),  # √(91 × 365)
)


# -- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricTrend(MetricView):
    """A metric's latest value with its change since the previous reading and that period."""

    period: str | None = None


@dataclass(frozen=True)
class ObjectiveView:
    key: str
    title: str
    weight: Decimal
    products: tuple[str, ...] = ()
    items: int = 0


@dataclass(frozen=True)
class ObjectiveChange:
    objective: ObjectiveView
    created: bool = False
    changed: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class WeightsView:
    portfolio: str
    weights: tuple[tuple[str, Decimal], ...]  # (measure, fraction); empty when unset
    changed: bool = False


@dataclass(frozen=True)
class AllocateRequest:
    """`/portfolio allocate [BUDGET] | min … | max … | keep … | drop … | by value|score`."""

    budget: Amount | None = None
    rules: tuple[ShareRule, ...] = ()
    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    by: AllocateBy = "value"


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
    to_fund_best: str | None
    rules: tuple[str, ...]
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


@dataclass(frozen=True)
class ExportFile:
    portfolio: str
    filename: str
    text: str
    count: int


@dataclass(frozen=True)
class ImportResult:
    team_id: str
    portfolio: str
    created: tuple[str, ...]
    updated: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many products the file created or changed."""
        return len(self.created) + len(self.updated)


@dataclass(frozen=True)
class ItemRankRow:
    position: int | None  # None: not scored (inputs missing)
    ref: str
    title: str
    status: str
    value: Decimal | None
    missing: tuple[str, ...]
    inputs: tuple[tuple[str, str], ...]  # (name, value as written) of the inputs present


@dataclass(frozen=True)
class RoadmapRanking:
    key: str
    name: str
    method: Method
    rows: tuple[ItemRankRow, ...]

    @property
    def unscored(self) -> int:
        """How many open items still miss an input."""
        return sum(1 for row in self.rows if row.value is None)


# -- pure helpers -----------------------------------------------------------------------


def period_label(gap: timedelta) -> str | None:
    """`d/d`, `w/w`, `m/m`, `q/q` or `y/y` for the gap between two readings; None under 12 h."""
    if gap < timedelta(hours=12):
        return None
    for limit, label in _PERIODS:
        if gap < limit:
            return label
    return "y/y"


def risk_adjusted_value(item: RankInput) -> Decimal:
    """Confidence × expected return − investment, to the cent (what an allocation maximises)."""
    value = item.confidence * item.expected_return - item.investment
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "none"
    text = format(value.normalize(), "f")
    return text


def _csv_column(cell: str) -> str:
    """A header cell as csv_format names it: `Expected Return` is `expected_return`."""
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _file_index(text: str) -> tuple[frozenset[str], dict[str, int]]:
    """The columns a (valid) products CSV has, and the line each key's row starts on."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [_csv_column(cell) for cell in next(reader, [])]
    position = header.index("key") if "key" in header else None
    lines: dict[str, int] = {}
    start = reader.line_num + 1
    for cells in reader:
        if position is not None and position < len(cells):
            key = cells[position].strip()
            lines.setdefault(key, start)
        start = reader.line_num + 1
    return frozenset(header), lines


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "portfolio"


def _chunks(values: Sequence[int], size: int = _BULK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- the service ------------------------------------------------------------------------


class AnalyticsService:
    """What portfolio managers ask of the numbers: scores, allocations, balance, files."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # -- objectives -----------------------------------------------------------------------

    def add_objective(
        self, actor: Actor, key: str, title: str, weight: Decimal | None
    ) -> ObjectiveChange:
        """Create a company objective (KEY, title, weight) that products and items link to."""
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            require_manager(tenant, actor, "add objectives")
            clash = tenant.first(tenant.select(Objective).where(Objective.key == key))
            if clash is not None:
                raise Conflict(
                    f"Objective {key} already exists: {clash.title} (weight "
                    f"{_plain(clash.weight)}). Change it with "
                    f"`/portfolio objective set {key} | weight 2 | title New title`."
                )
            objective = Objective(
                key=key, title=title, weight=weight or Decimal(1), created_at=self.clock()
            )
            tenant.add(objective)
            tenant.session.flush()
            return ObjectiveChange(self._objective_view(tenant, objective), created=True)

    def set_objective(
        self, actor: Actor, key: str, *, title: str | None, weight: Decimal | None
    ) -> ObjectiveChange:
        """Change an objective's title or weight."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "change objectives")
            objective = objective_by_key(tenant, key)
            changed: list[tuple[str, str, str]] = []
            if title is not None and title != objective.title:
                changed.append(("title", objective.title, title))
                objective.title = title
            if weight is not None and weight != objective.weight:
                changed.append(("weight", _plain(objective.weight), _plain(weight)))
                objective.weight = weight
            tenant.session.flush()
            return ObjectiveChange(self._objective_view(tenant, objective), changed=tuple(changed))

    def objectives(self, actor: Actor) -> tuple[ObjectiveView, ...]:
        """The workspace's objectives with the products and open items linked to each."""
        with self.store.transaction(actor.team_id) as tenant:
            rows = tenant.all(tenant.select(Objective).order_by(Objective.key))
            products = self._linked_products(tenant)
            items = self._linked_items(tenant)
            return tuple(
                ObjectiveView(
                    key=o.key,
                    title=o.title,
                    weight=o.weight,
                    products=tuple(products.get(o.id, ())),
                    items=items.get(o.id, 0),
                )
                for o in rows
            )

    def _objective_view(self, tenant: Tenant, objective: Objective) -> ObjectiveView:
        return ObjectiveView(
            key=objective.key,
            title=objective.title,
            weight=objective.weight,
            products=tuple(self._linked_products(tenant, objective.id).get(objective.id, ())),
            items=self._linked_items(tenant, objective.id).get(objective.id, 0),
        )

    @staticmethod
    def _linked_products(tenant: Tenant, only: int | None = None) -> dict[int, list[str]]:
        stmt = (
            select(ProductObjective.objective_id, Product.key)
            .join(Product, Product.id == ProductObjective.product_id)
            .where(ProductObjective.team_id == tenant.team_id, Product.archived_at.is_(None))
            .order_by(Product.key)
        )
        if only is not None:
            stmt = stmt.where(ProductObjective.objective_id == only)
        found: dict[int, list[str]] = defaultdict(list)
        for objective_id, key in tenant.session.execute(stmt):
            found[objective_id].append(key)
        return found

    @staticmethod
    def _linked_items(tenant: Tenant, only: int | None = None) -> dict[int, int]:
        stmt = (
            select(RoadmapItem.objective_id, func.count())
            .where(
                RoadmapItem.team_id == tenant.team_id,
                RoadmapItem.objective_id.is_not(None),
                RoadmapItem.status.in_(OPEN_STATUSES),
            )
            .group_by(RoadmapItem.objective_id)
        )
        if only is not None:
            stmt = stmt.where(RoadmapItem.objective_id == only)
        return {oid: count for oid, count in tenant.session.execute(stmt).all() if oid}

    # -- weights --------------------------------------------------------------------------

    def set_weights(self, actor: Actor, channel_id: str | None, weights: Weights) -> WeightsView:
        """Store the weighted score's weights on the channel's portfolio."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "set the score's weights")
            portfolio.weights = {name: str(value) for name, value in weights.items()}
            return WeightsView(portfolio.name, self._weights(portfolio), changed=True)

    def weights(self, actor: Actor, channel_id: str | None) -> WeightsView:
        """The channel's portfolio's score weights (empty when not set)."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            return WeightsView(portfolio.name, self._weights(portfolio))

    @staticmethod
    def _weights(portfolio: Portfolio) -> tuple[tuple[str, Decimal], ...]:
        weights = weights_of(portfolio)
        if weights is None:
            return ()
        return tuple((name, value) for name, value in weights.items() if value)

    # -- allocation -----------------------------------------------------------------------

    def allocate(
        self, actor: Actor, channel_id: str | None, request: AllocateRequest
    ) -> AllocationView:
        """The set of products that maximises total value within a budget and share rules."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            inputs = PortfolioService.rank_inputs(
                tenant, portfolio, cashflows=request.by == "score"
            )
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
            values = self._values(portfolio, inputs, request.by)
        if not inputs:
            raise InvalidInput(
                f"{portfolio.name} has no products to fund yet. Add one with "
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
        )

        def line(candidate: Candidate) -> AllocationLine:
            item = by_key[candidate.key]
            return AllocationLine(
                item.key, item.name, item.category, candidate.cost, candidate.value
            )

        return AllocationView(
            portfolio=portfolio.name,
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
            rules=tuple(rule.label() for rule in request.rules),
            kept=tuple(sorted(k.upper() for k in request.keep)),
            dropped=tuple(sorted(k.upper() for k in request.drop)),
            optimal=result.gap == 0,
            bound=result.bound,
        )

    @staticmethod
    def _values(portfolio: Portfolio, inputs: Sequence[RankInput], by: AllocateBy) -> list[Decimal]:
        if by == "value":
            return [risk_adjusted_value(item) for item in inputs]
        weights = weights_of(portfolio)
        if weights is None:
            raise InvalidInput(
                "Allocating by score needs the score's weights first, e.g. "
                "`/portfolio weights roi 40% risk 30% alignment 30%`; or allocate by value "
                "(leave out `| by score`)."
            )
        ranked = rank(inputs, "score", discount_rate=portfolio.discount_rate, weights=weights)
        score = {r.item.key: r.value or Decimal(0) for r in ranked}
        return [score[item.key] for item in inputs]

    # -- balance and charts ---------------------------------------------------------------

    def balance(self, actor: Actor, channel_id: str | None, by: Grouping) -> BalanceView:
        """Investment and expected value by category, stage or health, with warning flags."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            inputs = PortfolioService.rank_inputs(tenant, portfolio, cashflows=False)
        report = balance(
            [
                BalanceInput(
                    key=i.key,
                    category=i.category,
                    stage=i.stage,
                    health=i.health,
                    investment=i.investment,
                    expected_return=i.expected_return,
                    confidence=i.confidence,
                )
                for i in inputs
            ],
            by,
        )
        return BalanceView(portfolio.name, portfolio.currency, len(inputs), report)

    def chart_points(self, actor: Actor, channel_id: str | None) -> ChartData:
        """Each product's confidence, ROI and investment, for the risk–return chart."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            inputs = PortfolioService.rank_inputs(tenant, portfolio, cashflows=False)
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
        return ChartData(portfolio.name, portfolio.currency, points)

    # -- CSV export and import ------------------------------------------------------------

    def export(self, actor: Actor, channel_id: str | None) -> ExportFile:
        """The channel's portfolio as a products CSV (every column; importable as it is)."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            products = tenant.all(
                tenant.select(Product)
                .where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
                .order_by(Product.key)
            )
            links: dict[int, list[str]] = defaultdict(list)
            for product_id, key in tenant.session.execute(
                select(ProductObjective.product_id, Objective.key)
                .join(Objective, Objective.id == ProductObjective.objective_id)
                .join(Product, Product.id == ProductObjective.product_id)
                .where(
                    ProductObjective.team_id == tenant.team_id,
                    Product.portfolio_id == portfolio.id,
                )
                .order_by(Objective.key)
            ):
                links[product_id].append(key)
            rows = [
                ProductRow(
                    key=p.key,
                    name=p.name,
                    owner_id=p.owner_id,
                    category=p.category,
                    stage=p.stage,
                    health=p.health,
                    investment=p.investment,
                    expected_return=p.expected_return,
                    confidence=p.confidence,
                    cashflows=tuple(Decimal(c) for c in p.cashflows or ()),
                    objectives=tuple(links.get(p.id, ())),
                )
                for p in products
            ]
            day = self.clock().date().isoformat()
            return ExportFile(
                portfolio=portfolio.name,
                filename=f"{_slug(portfolio.name)}-{day}.csv",
                text=write_products_csv(rows),
                count=len(rows),
            )

    def sole_workspace(self) -> str:
        """The team id of the only workspace in the database (for the command-line import)."""
        with self.store.system_transaction() as session:
            teams = list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))
        if len(teams) == 1:
            return teams[0]
        if not teams:
            raise NotFound(
                "This database has no workspace yet: run `/portfolio setup` in Slack (or the "
                "console) first, or name one with `--team T0123ABC`."
            )
        raise InvalidInput(
            f"This database holds {len(teams)} workspaces ({', '.join(teams[:10])}"
            f"{' …' if len(teams) > 10 else ''}); choose one with `--team {teams[0]}`."
        )

    def import_csv(self, actor: Actor, text: str, *, portfolio: str | None) -> ImportResult:
        """Create or update products from a products CSV, all or nothing (managers only).

        Products already in the portfolio are updated in the columns the file has; products
        not in the file are left alone. A bad file raises CsvErrors naming every bad line.
        """
        with self.store.transaction(actor.team_id) as tenant:
            if tenant.session.get(Workspace, tenant.team_id) is None:
                raise NotFound(
                    f"There is no workspace {tenant.team_id} in this database; check `--team`."
                )
            target = (
                portfolio_named(tenant, portfolio)
                if portfolio is not None
                else portfolio_for(tenant, None)
            )
            require_manager(tenant, actor, "import products")
            rows = parse_products_csv(text, currency=target.currency)
            columns, line_of = _file_index(text)
            existing = {p.key: p for p in tenant.all(tenant.select(Product))}
            objectives = {o.key: o for o in tenant.all(tenant.select(Objective))}
            names = {p.id: p.name for p in tenant.all(tenant.select(Portfolio))}
            self._check_rows(rows, line_of, existing, objectives, target, names)
            now = self.clock()
            created: list[ProductRow] = []
            updated: list[Product] = []
            for row in rows:
                product = existing.get(row.key)
                if product is None:
                    created.append(row)
                    continue
                self._update_product(product, row, columns, now)
                updated.append(product)
            self._insert_products(tenant, target, created, now)
            tenant.session.flush()
            if "objectives" in columns:
                self._relink(tenant, rows, objectives)
            return ImportResult(
                team_id=tenant.team_id,
                portfolio=target.name,
                created=tuple(r.key for r in created),
                updated=tuple(p.key for p in updated),
            )

    @staticmethod
    def _check_rows(
        rows: Sequence[ProductRow],
        line_of: dict[str, int],
        existing: dict[str, Product],
        objectives: dict[str, Objective],
        target: Portfolio,
        portfolio_names: dict[int, str],
    ) -> None:
        problems: list[tuple[int, str]] = []
        for row in rows:
            line = line_of.get(row.key, 0)
            product = existing.get(row.key)
            if product is not None and product.archived_at is not None:
                problems.append(
                    (
                        line,
                        f"key: {row.key} was removed (archived) and keeps its history; an import "
                        "doesn't bring it back. Give the product a new key.",
                    )
                )
            elif product is not None and product.portfolio_id != target.id:
                other = portfolio_names.get(product.portfolio_id, "another portfolio")
                problems.append(
                    (
                        line,
                        f"key: {row.key} is already a product of portfolio {other}; keys are "
                        f"unique in the workspace. Import it there with `--portfolio {other}`, "
                        "or give it another key.",
                    )
                )
            for key in row.objectives:
                if key not in objectives:
                    hint = did_you_mean(key, list(objectives))
                    suggestion = f" (did you mean `{hint}`?)" if hint else ""
                    problems.append(
                        (
                            line,
                            f"objectives: there is no objective `{key}`{suggestion}. Add it "
                            f"first with `/portfolio objective add {key} Title | weight 1`, "
                            "or leave it out.",
                        )
                    )
        if problems:
            raise CsvErrors(problems)

    @staticmethod
    def _update_product(
        product: Product, row: ProductRow, columns: frozenset[str], now: datetime
    ) -> None:
        fields = {
            "name": row.name,
            "owner": row.owner_id,
            "category": row.category,
            "stage": row.stage,
            "health": row.health,
            "investment": row.investment,
            "expected_return": row.expected_return,
            "confidence": row.confidence,
            "cashflows": [str(c) for c in row.cashflows],
        }
        attributes = {"owner": "owner_id"}
        for column, value in fields.items():
            if column in columns:
                setattr(product, attributes.get(column, column), value)
        product.updated_at = now

    @staticmethod
    def _insert_products(
        tenant: Tenant, portfolio: Portfolio, rows: Sequence[ProductRow], now: datetime
    ) -> None:
        values = [
            {
                "team_id": tenant.team_id,
                "portfolio_id": portfolio.id,
                "key": row.key,
                "name": row.name,
                "owner_id": row.owner_id,
                "category": row.category,
                "stage": row.stage,
                "health": row.health,
                "investment": row.investment,
                "expected_return": row.expected_return,
                "confidence": row.confidence,
                "cashflows": [str(c) for c in row.cashflows],
                "next_item_number": 1,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ]
        for start in range(0, len(values), _BULK):
            tenant.session.execute(insert(Product), values[start : start + _BULK])

    @staticmethod
    def _relink(
        tenant: Tenant, rows: Sequence[ProductRow], objectives: dict[str, Objective]
    ) -> None:
        """Replace the objective links of every imported product with the file's."""
        ids = {
            key: product_id
            for key, product_id in tenant.session.execute(
                select(Product.key, Product.id).where(Product.team_id == tenant.team_id)
            )
        }
        touched = [ids[r.key] for r in rows]
        for chunk in _chunks(touched):
            tenant.session.execute(
                delete(ProductObjective).where(
                    ProductObjective.team_id == tenant.team_id,
                    ProductObjective.product_id.in_(chunk),
                )
            )
        links = [
            {
                "product_id": ids[row.key],
                "objective_id": objectives[key].id,
                "team_id": tenant.team_id,
            }
            for row in rows
            for key in row.objectives
        ]
        for start in range(0, len(links), _BULK):
            tenant.session.execute(insert(ProductObjective), links[start : start + _BULK])

    # -- roadmap prioritisation -----------------------------------------------------------

    def roadmap_rank(self, actor: Actor, key: str, method: Method) -> RoadmapRanking:
        """A product's open roadmap items ranked by RICE or WSJF; missing inputs are named."""
        with self.store.transaction(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            items = tenant.all(
                tenant.select(RoadmapItem).where(
                    RoadmapItem.product_id == product.id,
                    RoadmapItem.status.in_(OPEN_STATUSES),
                )
            )
            by_ref = {f"{product.key}-{item.number}": item for item in items}
            scored = [
                ItemScore(ref, item.title, _score(item, method)) for ref, item in by_ref.items()
            ]
            rows: list[ItemRankRow] = []
            position = 0
            for entry in rank_items(scored):
                item = by_ref[entry.ref]
                if entry.score.value is not None:
                    position += 1
                rows.append(
                    ItemRankRow(
                        position=position if entry.score.value is not None else None,
                        ref=entry.ref,
                        title=entry.title,
                        status=item.status,
                        value=entry.score.value,
                        missing=entry.score.missing,
                        inputs=_inputs(item, method),
                    )
                )
            return RoadmapRanking(product.key, product.name, method, tuple(rows))


def _score(item: RoadmapItem, method: Method) -> Score:
    if method == "rice":
        return rice(item.reach, item.impact, item.rice_confidence, item.effort)
    return wsjf(item.business_value, item.time_criticality, item.risk_reduction, item.job_size)


def _inputs(item: RoadmapItem, method: Method) -> tuple[tuple[str, str], ...]:
    if method == "rice":
        named: list[tuple[str, Decimal | None, str]] = [
            ("reach", item.reach, ""),
            ("impact", item.impact, ""),
            ("confidence", item.rice_confidence, "%"),
            ("effort", item.effort, ""),
        ]
    else:
        named = [
            ("value", item.business_value, ""),
            ("criticality", item.time_criticality, ""),
            ("risk", item.risk_reduction, ""),
            ("size", item.job_size, ""),
        ]
    shown: list[tuple[str, str]] = []
    for name, value, unit in named:
        if value is None:
            continue
        if unit == "%":
            shown.append((name, f"{_plain(value * 100)}%"))
        else:
            shown.append((name, _plain(value)))
    return tuple(shown)
