"""The funding inputs: their values as stored, what a `set` asks of them, and their history.

The inputs of every measure that ranks or funds a product are vocabulary.FUNDING_INPUTS
(and the portfolio's score weights). Every change to one, at `add`, direct, an accepted
proposal or an import, is appended to InputChange; domain.services.proposals decides who
may change them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import queries
from domain.commands.portfolio import ProductFields
from domain.models import InputChange, Portfolio, Product, Proposal
from domain.services.access import check_currency, objective_by_key
from domain.store import Tenant
from domain.views import FieldChange, FieldValue, HistoryValue
from domain.vocabulary import FUNDING_INPUTS, WEIGHTS_INPUT

MONEY_INPUTS = frozenset({"investment", "expected return", "confidence"})


# -- values as stored: {"value": …} with amounts as strings -------------------------------------


def encode(value: HistoryValue) -> dict[str, Any]:
    """A funding input's value as JSON: amounts as strings, lists for tuples."""
    if value is None:
        return {"value": None}
    if isinstance(value, Decimal | str):
        return {"value": str(value)}
    if value and isinstance(value[0], tuple):
        return {"value": {str(part[0]): str(part[1]) for part in value if isinstance(part, tuple)}}
    return {"value": [str(v) for v in value]}


def decode(field: str, data: dict[str, Any]) -> HistoryValue:
    """A stored value back as what services compare: Decimal, text, or a tuple of them."""
    value = data.get("value")
    if value is None:
        return None
    if field == WEIGHTS_INPUT:
        return tuple((name, Decimal(weight)) for name, weight in dict(value).items())
    if field in MONEY_INPUTS:
        return Decimal(value)
    if field == "cash flows":
        return tuple(Decimal(v) for v in value)
    if field == "objectives":
        return tuple(str(v) for v in value)
    return str(value)


def field_value(field: str, data: dict[str, Any]) -> FieldValue:
    """A stored product input (never the weights) as a FieldValue."""
    value = decode(field, data)
    assert not (isinstance(value, tuple) and value and isinstance(value[0], tuple))
    return value  # type: ignore[return-value]


# -- what a `set` asks of the funding inputs -----------------------------------------------------


def given_inputs(fields: ProductFields) -> tuple[str, ...]:
    """The funding inputs a `set` names."""
    given = {
        "investment": fields.investment,
        "expected return": fields.expected_return,
        "confidence": fields.confidence,
        "cash flows": fields.cashflows,
        "objectives": fields.objectives,
        "category": fields.category,
    }
    return tuple(name for name in FUNDING_INPUTS if given[name] is not None)


def without_inputs(fields: ProductFields) -> ProductFields:
    """The fields an owner changes directly: the `set` without its funding inputs."""
    return replace(
        fields,
        investment=None,
        expected_return=None,
        confidence=None,
        cashflows=None,
        objectives=None,
        category=None,
    )


def current_value(tenant: Tenant, product: Product, field: str) -> FieldValue:
    """A product's funding input as it is now."""
    if field == "investment":
        return product.investment
    if field == "expected return":
        return product.expected_return
    if field == "confidence":
        return product.confidence
    if field == "cash flows":
        return tuple(Decimal(c) for c in product.cashflows)
    if field == "objectives":
        return tuple(queries.product_objective_keys(tenant, product.id))
    return product.category


def input_changes(
    tenant: Tenant, portfolio: Portfolio, product: Product, fields: ProductFields
) -> tuple[FieldChange, ...]:
    """The funding inputs a `set` names, checked (currency, objectives) but not applied."""
    proposed: dict[str, FieldValue] = {}
    if fields.investment is not None:
        check_currency(portfolio, fields.investment[1], "the investment")
        proposed["investment"] = fields.investment[0]
    if fields.expected_return is not None:
        check_currency(portfolio, fields.expected_return[1], "the expected return")
        proposed["expected return"] = fields.expected_return[0]
    if fields.confidence is not None:
        proposed["confidence"] = fields.confidence
    if fields.cashflows is not None:
        for amount in fields.cashflows:
            check_currency(portfolio, amount[1], "a cash flow")
        proposed["cash flows"] = tuple(a[0] for a in fields.cashflows)
    if fields.objectives is not None:
        keys = {objective_by_key(tenant, key).key for key in fields.objectives}
        proposed["objectives"] = tuple(sorted(keys))
    if fields.category is not None:
        proposed["category"] = fields.category
    return tuple(
        FieldChange(name, current_value(tenant, product, name), proposed[name])
        for name in FUNDING_INPUTS
        if name in proposed
    )


def as_fields(field: str, value: FieldValue) -> ProductFields:
    """One accepted funding input as the `set` fields that write it."""
    items = value if isinstance(value, tuple) else ()
    if field == "investment" and isinstance(value, Decimal):
        return ProductFields(investment=(value, None))
    if field == "expected return" and isinstance(value, Decimal):
        return ProductFields(expected_return=(value, None))
    if field == "confidence" and isinstance(value, Decimal):
        return ProductFields(confidence=value)
    if field == "cash flows":
        return ProductFields(cashflows=tuple((Decimal(v), None) for v in items))
    if field == "objectives":
        return ProductFields(objectives=tuple(str(v) for v in items))
    return ProductFields(category=str(value))


# -- proposals and history inside a use case's transaction ---------------------------------------


def record(
    tenant: Tenant,
    portfolio: Portfolio,
    product: Product | None,
    change: FieldChange | tuple[str, HistoryValue, HistoryValue],
    *,
    by: str,
    via: str,
    now: datetime,
    author: str | None = None,
    proposal: Proposal | None = None,
) -> None:
    """Append one change of a funding input (or of the score weights) to the history."""
    field, before, after = (
        (change.field, change.before, change.after) if isinstance(change, FieldChange) else change
    )
    tenant.add(
        InputChange(
            portfolio_id=portfolio.id,
            product_id=None if product is None else product.id,
            field=field,
            old_value=encode(before),
            new_value=encode(after),
            changed_by=by,
            author_id=author or by,
            via=via,
            proposal_id=None if proposal is None else proposal.id,
            changed_at=now,
        )
    )


def record_all(
    tenant: Tenant,
    portfolio: Portfolio,
    product: Product,
    changed: Sequence[FieldChange],
    *,
    by: str,
    via: str,
    now: datetime,
) -> None:
    """Append the funding inputs among a command's changes to the history."""
    for change in changed:
        if change.field in FUNDING_INPUTS:
            record(tenant, portfolio, product, change, by=by, via=via, now=now)


def row_inputs(product: Product) -> dict[str, FieldValue]:
    """The funding inputs kept on the product row itself (all but the objective links)."""
    return {
        "investment": product.investment,
        "expected return": product.expected_return,
        "confidence": product.confidence,
        "cash flows": tuple(Decimal(c) for c in product.cashflows),
        "category": product.category,
    }


def record_row_changes(
    tenant: Tenant,
    portfolio: Portfolio,
    product: Product,
    before: dict[str, FieldValue],
    *,
    by: str,
    via: str,
    now: datetime,
) -> None:
    """Append what changed on the product row since `before` (row_inputs) to the history."""
    for field, after in row_inputs(product).items():
        old = before[field]
        if old != after:
            record(
                tenant, portfolio, product, FieldChange(field, old, after), by=by, via=via, now=now
            )
