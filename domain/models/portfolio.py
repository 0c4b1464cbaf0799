"""Workspaces, portfolios, channel links, objectives, products and roadmap items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import FRACTION, MEASURE, MONEY, Base, utcnow
from domain.models.measures import (
    npv_key_default,
    risk_key_default,
    roi_key_default,
    watch_discount_rate,
    watch_measures,
)


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Portfolio(Base):
    __tablename__ = "portfolios"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    budget: Mapped[Decimal | None] = mapped_column(MONEY)
    discount_rate: Mapped[Decimal] = mapped_column(FRACTION, default=Decimal("0.08"))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    ranking_measure: Mapped[str] = mapped_column(String(16), default="risk")
    weights: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelLink(Base):
    """A channel linked to a portfolio with `/portfolio use NAME`."""

    __tablename__ = "channel_links"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))


class Objective(Base):
    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    key: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    weight: Mapped[Decimal] = mapped_column(MEASURE, default=Decimal(1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductObjective(Base):
    __tablename__ = "product_objectives"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32), index=True)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_products_portfolio_active", "portfolio_id", "archived_at"),
        Index("ix_products_portfolio_roi", "portfolio_id", "roi_key", "key"),
        Index("ix_products_portfolio_risk", "portfolio_id", "risk_key", "key"),
        Index("ix_products_portfolio_npv", "portfolio_id", "npv_key", "key"),
        Index("ix_products_portfolio_alignment", "portfolio_id", "alignment_key", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"))
    key: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(40), default="General")
    stage: Mapped[str] = mapped_column(String(16), default="ideation")
    health: Mapped[str] = mapped_column(String(16), default="on track")
    investment: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    expected_return: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    confidence: Mapped[Decimal] = mapped_column(FRACTION, default=Decimal("0.5"))
    cashflows: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Sort keys of ROI, risk-adjusted ROI and NPV (domain.ranking.keys), derived on every
    # write; the NPV key at the portfolio's discount rate (re-keyed when the rate changes).
    roi_key: Mapped[int] = mapped_column(BigInteger, default=roi_key_default)
    risk_key: Mapped[int] = mapped_column(BigInteger, default=risk_key_default)
    npv_key: Mapped[int] = mapped_column(BigInteger, default=npv_key_default)
    # The summed weight of the linked objectives × 10^4, kept by database triggers on the
    # links and objectives (domain.models.alignment): 0 until linked. Only a server default,
    # so no INSERT names it (nor, as a Python default would, fails on a schema without it).
    alignment_key: Mapped[int] = mapped_column(BigInteger, server_default="0")
    next_item_number: Mapped[int] = mapped_column(Integer, default=1)
    last_update_at: Mapped[datetime | None] = mapped_column()
    archived_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    portfolio: Mapped[Portfolio] = relationship(lazy="raise")
    objectives: Mapped[list[Objective]] = relationship(
        secondary="product_objectives", lazy="raise", viewonly=True
    )


watch_measures(Product)
watch_discount_rate(Portfolio, Product)


class RoadmapItem(Base):
    __tablename__ = "roadmap_items"
    __table_args__ = (
        UniqueConstraint("product_id", "number"),
        Index("ix_roadmap_items_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    why: Mapped[str | None] = mapped_column(Text)
    target_label: Mapped[str | None] = mapped_column(String(16))
    target_due: Mapped[date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="planned")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    blocker: Mapped[str | None] = mapped_column(Text)
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objectives.id", ondelete="SET NULL")
    )
    reach: Mapped[Decimal | None] = mapped_column(MEASURE)
    impact: Mapped[Decimal | None] = mapped_column(MEASURE)
    rice_confidence: Mapped[Decimal | None] = mapped_column(FRACTION)
    effort: Mapped[Decimal | None] = mapped_column(MEASURE)
    business_value: Mapped[Decimal | None] = mapped_column(MEASURE)
    time_criticality: Mapped[Decimal | None] = mapped_column(MEASURE)
    risk_reduction: Mapped[Decimal | None] = mapped_column(MEASURE)
    job_size: Mapped[Decimal | None] = mapped_column(MEASURE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
