"""The event inbox: Slack events recorded before the ack, processed exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


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
