"""Keeping products' stored sort keys true: derived from their inputs on every write.

ORM flushes set the keys in `before_insert`/`before_update` (every changed product, whichever
service changed it); a Core INSERT (the CSV importer's bulk insert) gets them from the
columns' defaults, computed from the row's own parameters. The NPV key also depends on the
portfolio's discount rate, read as the database holds it (share-locked on PostgreSQL, so a
concurrent rate change waits for this transaction or this one for it), and an ORM change of
a portfolio's rate re-keys its products in the same transaction, a chunk at a time
(`rekey_portfolio`). A Core UPDATE of investment, expected return, confidence, cash flows, a
product's portfolio or a portfolio's discount rate would bypass all of this: there is none,
and there must be none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Integer,
    Table,
    bindparam,
    column,
    event,
    inspect,
    select,
    table,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified

from domain.models.base import FRACTION
from domain.ranking.keys import npv_key, stored_keys

INPUTS = ("investment", "expected_return", "confidence")
REKEY_CHUNK = 5_000  # products re-keyed per SELECT and per UPDATE batch

_RATES = "folio_discount_rates"  # session.info: portfolio id -> stored rate, for one flush
_PORTFOLIOS = table("portfolios", column("id", Integer), column("discount_rate", FRACTION))
_STATEMENT_RATES: WeakKeyDictionary[Any, dict[Any, Decimal | None]] = WeakKeyDictionary()


def _keys_of_parameters(context: Any) -> tuple[int, int]:
    values = context.get_current_parameters()
    return stored_keys(
        {name: values.get(name) for name in INPUTS},
        sqlite=context.dialect.name == "sqlite",
    )


def roi_key_default(context: Any) -> int:
    """The ROI key of a row inserted with Core, from its own parameters."""
    return _keys_of_parameters(context)[0]


def risk_key_default(context: Any) -> int:
    """The risk-adjusted ROI key of a row inserted with Core, from its own parameters."""
    return _keys_of_parameters(context)[1]


def stored_rate(connection: Connection, portfolio_id: int | None) -> Decimal | None:
    """A portfolio's discount rate as the database holds it (None: no such portfolio).

    On PostgreSQL the row is share-locked until commit: a transaction changing the rate
    (and re-keying the products) waits for this one, or this one waits and reads its rate.
    """
    if portfolio_id is None:
        return None
    query = select(_PORTFOLIOS.c.discount_rate).where(_PORTFOLIOS.c.id == portfolio_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    rate: Decimal | None = connection.execute(query).scalar()
    return rate


def npv_key_default(context: Any) -> int:
    """The NPV key of a row inserted with Core: its cash flows at its portfolio's rate."""
    values = context.get_current_parameters()
    rates = _STATEMENT_RATES.setdefault(context, {})  # one lookup per portfolio per statement
    portfolio_id = values.get("portfolio_id")
    if portfolio_id not in rates:
        rates[portfolio_id] = stored_rate(context.connection, portfolio_id)
    return npv_key(values.get("cashflows"), rates[portfolio_id])


def _rate_of(connection: Connection, product: Any) -> Decimal | None:
    """The product's portfolio's stored rate, read once per portfolio per flush."""
    session = object_session(product)
    rates: dict[Any, Decimal | None] = session.info.setdefault(_RATES, {}) if session else {}
    if product.portfolio_id not in rates:
        rates[product.portfolio_id] = stored_rate(connection, product.portfolio_id)
    return rates[product.portfolio_id]


def _refresh(_mapper: Any, connection: Connection, product: Any) -> None:
    sqlite = connection.dialect.name == "sqlite"
    product.roi_key, product.risk_key = stored_keys(
        {name: getattr(product, name) for name in INPUTS}, sqlite=sqlite
    )
    product.npv_key = npv_key(product.cashflows, _rate_of(connection, product))


def _refresh_update(mapper: Any, connection: Connection, product: Any) -> None:
    _refresh(mapper, connection, product)
    # Written even when it equals the key loaded: a re-key may have moved the row since.
    flag_modified(product, "npv_key")


def _forget_rates(session: Session, *_args: Any) -> None:
    session.info.pop(_RATES, None)


def watch_measures(model: type[Any]) -> None:
    """Derive the model's sort keys from its inputs whenever the ORM writes a row."""
    event.listen(model, "before_insert", _refresh)
    event.listen(model, "before_update", _refresh_update)


def rekey_portfolio(connection: Connection, products: Table, portfolio_id: int) -> int:
    """Recompute the NPV key of every product of a portfolio (its rate changed); how many moved.

    A chunk of products at a time, walking `ix_products_portfolio_roi` by (ROI key, product
    key), an order the re-key leaves alone: each SELECT binds the portfolio and where the
    last chunk ended, each UPDATE one product's id and key per row of an executemany.
    """
    rate = stored_rate(connection, portfolio_id)
    c = products.c
    after: tuple[int, str] | None = None
    moved = 0
    while True:
        where = [c.portfolio_id == portfolio_id]
        if after is not None:
            where.append(tuple_(c.roi_key, c.key) > tuple_(*after))
        rows = connection.execute(
            select(c.id, c.cashflows, c.npv_key, c.roi_key, c.key)
            .where(*where)
            .order_by(c.roi_key, c.key)
            .limit(REKEY_CHUNK)
        ).all()
        if not rows:
            return moved
        keys = [
            {"row_id": row_id, "npv": key}
            for row_id, flows, old, _roi, _key in rows
            if (key := npv_key(flows, rate)) != old
        ]
        if keys:
            connection.execute(
                update(products)
                .where(c.id == bindparam("row_id"))
                .values(npv_key=bindparam("npv")),
                keys,
            )
            moved += len(keys)
        after = (rows[-1][3], rows[-1][4])


def watch_discount_rate(portfolio_model: type[Any], product_model: type[Any]) -> None:
    """Re-key a portfolio's products in the flush that changes its discount rate."""
    products: Table = product_model.__table__

    def rekey(_mapper: Any, connection: Connection, portfolio: Any) -> None:
        if not inspect(portfolio).attrs.discount_rate.history.has_changes():
            return
        session = object_session(portfolio)
        if session is not None:
            session.info.get(_RATES, {}).pop(portfolio.id, None)
        rekey_portfolio(connection, products, portfolio.id)

    event.listen(portfolio_model, "after_update", rekey)


event.listen(Session, "before_flush", _forget_rates)
event.listen(Session, "after_flush", _forget_rates)
