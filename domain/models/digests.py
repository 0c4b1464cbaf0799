"""Digest subscriptions, the postings outbox (claims) and the reminder ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, utcnow


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
