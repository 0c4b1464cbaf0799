"""Use cases: each checks permissions and tenancy and runs in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from domain.services.analytics import AnalyticsService
from domain.services.common import Clock, system_clock
from domain.services.digests import DigestService
from domain.services.portfolios import PortfolioService
from domain.services.roadmap import RoadmapService
from domain.services.updates import UpdateService
from domain.store import Store


@dataclass
class Services:
    """Every use case Folio offers, sharing one store and one clock."""

    store: Store
    clock: Clock
    portfolios: PortfolioService
    roadmap: RoadmapService
    updates: UpdateService
    digests: DigestService
    analytics: AnalyticsService


def build_services(store: Store, clock: Clock = system_clock, *, timezone: str = "UTC") -> Services:
    """Wire the use cases to a store and a clock."""
    return Services(
        store=store,
        clock=clock,
        portfolios=PortfolioService(store, clock),
        roadmap=RoadmapService(store, clock),
        updates=UpdateService(store, clock),
        digests=DigestService(store, clock, default_timezone=timezone),
        analytics=AnalyticsService(store, clock),
    )
