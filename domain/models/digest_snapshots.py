"""What a digest showed, stored once per portfolio, kind and state for the next digest to compare.

Every channel posted the same composed digest in a tick refers to one snapshot row (a posting's
`snapshot` is then `{"ref": id}`, a subscription's baseline `{"ranking": {"ref": id}, ...}`);
a snapshot with the same content (its fingerprint) is reused, not stored again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, utcnow


class DigestSnapshot(Base):
    """A portfolio's state as one kind of digest compares it: only what the comparison needs."""

    __tablename__ = "digest_snapshots"
    __table_args__ = (
        Index("ix_digest_snapshots_portfolio_kind", "portfolio_id", "kind", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical JSON
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
