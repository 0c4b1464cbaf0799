"""Transfer use cases: export a portfolio as CSV and import one (all or nothing)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, insert, select

from domain import queries
from domain.csv_format import CsvErrors, ProductRow, read_products_csv, write_products_csv
from domain.errors import InvalidInput, NotFound
from domain.grammar import did_you_mean
from domain.models import (
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    Workspace,
)
from domain.services import inputs
from domain.services.access import (
    portfolio_for,
    portfolio_named,
    require_manager,
)
from domain.services.clock import Clock
from domain.store import Store, Tenant
from domain.views import Actor

CENT = Decimal("0.01")
_BULK = 500  # rows per INSERT/DELETE batch in an import


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


class TransferService:
    """CSV export and import."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def export(self, actor: Actor, channel_id: str | None) -> ExportFile:
        """The channel's portfolio as a products CSV (every column; importable as it is)."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            links: dict[int, list[str]] = defaultdict(list)
            for product_id, key in tenant.execute(
                select(ProductObjective.product_id, Objective.key)
                .join(Objective, Objective.id == ProductObjective.objective_id)
                .join(Product, Product.id == ProductObjective.product_id)
                .where(
                    Product.portfolio_id == portfolio.id,
                )
                .order_by(Objective.key)
            ):
                links[product_id].append(key)
            # Plain rows, written as they are read: no ORM object (nor row list) per product.
            found = tenant.execute(
                select(Product.id, *queries.INPUT_COLUMNS, Product.cashflows)
                .where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
                .order_by(Product.key)
                .execution_options(yield_per=2_000)  # PostgreSQL streams them too
            )
            count = 0

            def rows() -> Iterator[ProductRow]:
                nonlocal count
                for row in found:
                    count += 1
                    yield ProductRow(
                        key=row.key,
                        name=row.name,
                        owner_id=row.owner_id,
                        category=row.category,
                        stage=row.stage,
                        health=row.health,
                        investment=row.investment,
                        expected_return=row.expected_return,
                        confidence=row.confidence,
                        cashflows=tuple(Decimal(c) for c in row.cashflows or ()),
                        objectives=tuple(links.pop(row.id, ())),
                    )

            text = write_products_csv(rows())
            day = self.clock().date().isoformat()
            return ExportFile(
                portfolio=portfolio.name,
                filename=f"{_slug(portfolio.name)}-{day}.csv",
                text=text,
                count=count,
            )

    def sole_workspace(self) -> str:
        """The team id of the only workspace in the database (for the command-line import)."""
        with self.store.system() as session:
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
            if tenant.get(Workspace, tenant.team_id) is None:
                raise NotFound(
                    f"There is no workspace {tenant.team_id} in this database; check `--team`."
                )
            target = (
                portfolio_named(tenant, portfolio)
                if portfolio is not None
                else portfolio_for(tenant, None)
            )
            require_manager(tenant, actor, "import products")
            rows, problems = read_products_csv(text, currency=target.currency)
            columns, line_of = _file_index(text)
            existing = {p.key: p for p in tenant.all(tenant.select(Product))}
            objectives = {o.key: o for o in tenant.all(tenant.select(Objective))}
            names = {p.id: p.name for p in tenant.all(tenant.select(Portfolio))}
            self._check_rows(rows, line_of, existing, objectives, target, names, problems)
            now = self.clock()
            created: list[ProductRow] = []
            updated: list[Product] = []
            for row in rows:
                product = existing.get(row.key)
                if product is None:
                    created.append(row)
                    continue
                before = inputs.row_inputs(product)
                self._update_product(product, row, columns, now)
                inputs.record_row_changes(
                    tenant, target, product, before, by=actor.user_id, via="import", now=now
                )
                updated.append(product)
            self._insert_products(tenant, target, created, now)
            tenant.flush()
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
        found: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Raise CsvErrors with the problems already found and those of the rows that parsed."""
        problems: list[tuple[int, str]] = list(found)
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
            tenant.execute(insert(Product), values[start : start + _BULK])

    @staticmethod
    def _relink(
        tenant: Tenant, rows: Sequence[ProductRow], objectives: dict[str, Objective]
    ) -> None:
        """Replace the objective links of every imported product with the file's."""
        ids = {
            key: product_id for key, product_id in tenant.execute(select(Product.key, Product.id))
        }
        touched = [ids[r.key] for r in rows]
        for chunk in _chunks(touched):
            tenant.execute(
                delete(ProductObjective).where(
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
            tenant.execute(insert(ProductObjective), links[start : start + _BULK])
