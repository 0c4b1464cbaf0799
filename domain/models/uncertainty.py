"""Named what-if scenarios and recorded product outcomes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import FRACTION, MONEY, Base, utcnow


class Scenario(Base):
    """A named what-if of a portfolio (`/portfolio scenario save NAME …`); never live data.

    `changes` is the parsed what-if (budget, rules, keeps, drops, product changes) as JSON
    strings; `text` is how it was written; `slug` is the name folded, unique per portfolio.
    """

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("portfolio_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(Base):
    """What happened to a product (`/portfolio outcome CHK success`), one per product.

    The estimate it judges (confidence, expected return, investment, owner, category) is
    kept as it was when the outcome was recorded; a second outcome replaces the first.
    """

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    success: Mapped[bool] = mapped_column(Boolean)
    realised: Mapped[Decimal | None] = mapped_column(MONEY)
    happened_on: Mapped[date] = mapped_column()
    confidence: Mapped[Decimal] = mapped_column(FRACTION)
    expected_return: Mapped[Decimal] = mapped_column(MONEY)
    investment: Mapped[Decimal] = mapped_column(MONEY)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
