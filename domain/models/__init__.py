"""The database schema: SQLAlchemy 2 typed models. Every workspace-owned row carries team_id.

One module per concept; every model is importable from here (Alembic reads Base.metadata).
"""

from __future__ import annotations

from domain.models.activity import (
    Feedback,
    MetricSnapshot,
    ProcessedEvent,
    RoleGrant,
    Update,
    UserPreference,
)
from domain.models.base import FRACTION, MEASURE, MONEY, NAMING, Base, UTCDateTime, utcnow
from domain.models.digest_snapshots import DigestSnapshot
from domain.models.digests import DigestPosting, DigestReminder, DigestSubscription
from domain.models.governance import Announcement, InputChange, Proposal
from domain.models.inbox import InboxEvent
from domain.models.pace import SendPace
from domain.models.portfolio import (
    ChannelLink,
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
    Workspace,
)
from domain.models.totals import PortfolioTotals
from domain.models.uncertainty import Outcome, Scenario

__all__ = [
    "FRACTION",
    "MEASURE",
    "MONEY",
    "NAMING",
    "Announcement",
    "Base",
    "ChannelLink",
    "DigestPosting",
    "DigestReminder",
    "DigestSnapshot",
    "DigestSubscription",
    "Feedback",
    "InboxEvent",
    "InputChange",
    "MetricSnapshot",
    "Objective",
    "Outcome",
    "Portfolio",
    "PortfolioTotals",
    "ProcessedEvent",
    "Product",
    "ProductObjective",
    "Proposal",
    "RoadmapItem",
    "RoleGrant",
    "Scenario",
    "SendPace",
    "UTCDateTime",
    "Update",
    "UserPreference",
    "Workspace",
    "utcnow",
]
