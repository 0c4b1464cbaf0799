"""The database schema: SQLAlchemy 2 typed models. Every workspace-owned row carries team_id."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MONEY = Numeric(18, 2)
FRACTION = Numeric(7, 4)
MEASURE = Numeric(20, 4)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant in UTC (for column defaults only; services pass their clock's time)."""
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: MONEY,
        date: Date(),
    }


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
    next_item_number: Mapped[int] = mapped_column(Integer, default=1)
    last_update_at: Mapped[datetime | None] = mapped_column()
    archived_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    portfolio: Mapped[Portfolio] = relationship(lazy="raise")
    objectives: Mapped[list[Objective]] = relationship(
        secondary="product_objectives", lazy="raise", viewonly=True
    )


class RoadmapItem(Base):
    __tablename__ = "roadmap_items"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

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


class Update(Base):
    """One dated statement about a product or roadmap item (appended, never overwritten)."""

    __tablename__ = "updates"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_updates_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("roadmap_items.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column()
    retracted_at: Mapped[datetime | None] = mapped_column()


class MetricSnapshot(Base):
    __tablename__ = "metric_snapshots"
    __table_args__ = (
        Index("ix_metric_snapshots_product_name", "product_id", "name", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    update_id: Mapped[int | None] = mapped_column(ForeignKey("updates.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(MEASURE)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    update_id: Mapped[int | None] = mapped_column(ForeignKey("updates.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleGrant(Base):
    __tablename__ = "role_grants"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(Base):
    """The ledger of Slack event ids already handled, so a retried delivery is recorded once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSubscription(Base):
    """A channel's scheduled digests of one portfolio (`/portfolio digest weekly mon 09:00`)."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "portfolio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(8))
    weekday: Mapped[int | None] = mapped_column(Integer)
    local_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    tz: Mapped[str] = mapped_column(String(64))
    kinds: Mapped[str] = mapped_column(String(8))
    subscriber_id: Mapped[str] = mapped_column(String(32))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(64))
    paused_at: Mapped[datetime | None] = mapped_column()
    removed_at: Mapped[datetime | None] = mapped_column()
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    baseline_at: Mapped[datetime | None] = mapped_column()
    schedule_from: Mapped[datetime] = mapped_column()  # occurrences before this never post
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestPosting(Base):
    """One digest claimed for (subscription, period, kind) before it is sent: the exactly-once key.

    status: claimed (a sender holds it since claimed_at), sent, or failed (retried at
    next_attempt_at while attempts remain; never when next_attempt_at is empty).
    snapshot: what the digest showed, so the next one can say what moved.
    """

    __tablename__ = "digest_postings"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period", "kind"),
        Index("ix_digest_postings_subscription_status", "subscription_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="claimed")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column()
    claimed_by: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DigestReminder(Base):
    """The ledger of owner reminders: one direct message per product per digest period."""

    __tablename__ = "digest_reminders"
    __table_args__ = (UniqueConstraint("product_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()


class UserPreference(Base):
    """A person's own settings in a workspace (`/roadmap remind off`)."""

    __tablename__ = "user_preferences"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxEvent(Base):
    """A Slack event written before Slack is answered 200, then processed exactly once.

    Pending while processed_at is empty: due at next_attempt_at, held by claimed_by until
    claimed_at + the lease. outcome: what processing decided, kept so a retry after a failure
    on the Slack side (the ✅) does not decide twice. processed_at: settled, for good; with
    failed_reason when it failed for good. last_error: the latest failure that was retried.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        Index("ix_inbox_events_pending", "processed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    processed_at: Mapped[datetime | None] = mapped_column()
    failed_reason: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
