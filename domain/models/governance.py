"""Proposals for decision inputs, their append-only history, and posted announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, utcnow


class Proposal(Base):
    """A product owner's proposed change to a funding input, applied only if a manager accepts.

    `field` is one of vocabulary.FUNDING_INPUTS; `old_value` (when proposed) and `new_value`
    are {"value": …} with amounts as strings. status: pending, then accepted,
    rejected, withdrawn (by its author), replaced (by a newer proposal for the same field)
    or superseded (a manager set the field directly). At most one is pending per field.
    """

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_product_status", "product_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(24))
    old_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    new_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)


class InputChange(Base):
    """One change to a funding input, appended and never overwritten: who, when, old → new.

    product_id is empty for the portfolio-wide score weights. via: added (set when the
    product was added), direct (a portfolio manager set it), proposal (accepted; author_id
    proposed it, changed_by accepted it) or import (a CSV import updated it).
    """

    __tablename__ = "input_changes"
    __table_args__ = (
        Index("ix_input_changes_product_at", "product_id", "changed_at"),
        Index("ix_input_changes_portfolio_at", "portfolio_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(24))
    old_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    new_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(12))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Announcement(Base):
    """Where Folio posted proposals' announcement (a manager's DM or a channel) with buttons.

    Kept so that a decision taken anywhere (a button, a command, App Home) updates every
    copy in place. `proposal_ids` are the proposals it announced; `settled_at` is set once
    none of them is pending and the message says how each was decided.
    """

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_product_settled", "product_id", "settled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    proposal_ids: Mapped[list[int]] = mapped_column(JSON)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column()
