"""The shared send pace: each workspace's next free chat.postMessage slot, for every runner.

Slack limits chat.postMessage per app per workspace, whichever process or host sends, so the
runners of one database keep one timeline per workspace here (domain.services.digests.pace).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class SendPace(Base):
    """A workspace's next free send slot, in microseconds since the epoch (the runner's clock,
    read after taking the row's lock: runners' hosts keep NTP time).

    Runners reserve slots by moving `next_at_us` on (one statement); a slot before it is taken.
    """

    __tablename__ = "send_pace"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id"), primary_key=True
    )
    next_at_us: Mapped[int] = mapped_column(BigInteger)
