"""Use cases: each checks permissions and tenancy and runs in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from domain.services.announcements import AnnouncementService
from domain.services.calibration import CalibrationService
from domain.services.choices import ChoiceService
from domain.services.clock import Clock, system_clock
from domain.services.digests import Outbox, Reminders, Subscriptions
from domain.services.forecasts import ForecastService
from domain.services.home import HomeService
from domain.services.inbox import InboxService
from domain.services.installs import InstallService
from domain.services.objectives import ObjectiveService
from domain.services.planning import PlanningService
from domain.services.portfolios import PortfolioService
from domain.services.posting import PostingService
from domain.services.products import ProductService
from domain.services.proposals import ProposalService
from domain.services.ranking import RankingService
from domain.services.roadmap import RoadmapService
from domain.services.scenarios import ScenarioService
from domain.services.transfer import TransferService
from domain.services.updates import UpdateService
from domain.store import Store


@dataclass
class Services:
    """Every use case Folio offers, sharing one store and one clock."""

    store: Store
    clock: Clock
    portfolios: PortfolioService
    products: ProductService
    ranking: RankingService
    roadmap: RoadmapService
    updates: UpdateService
    subscriptions: Subscriptions
    outbox: Outbox
    reminders: Reminders
    objectives: ObjectiveService
    planning: PlanningService
    transfer: TransferService
    inbox: InboxService
    proposals: ProposalService
    scenarios: ScenarioService
    forecasts: ForecastService
    calibration: CalibrationService
    announcements: AnnouncementService
    installs: InstallService
    home: HomeService
    choices: ChoiceService
    posting: PostingService


def build_services(store: Store, clock: Clock = system_clock, *, timezone: str = "UTC") -> Services:
    """Wire the use cases to a store and a clock."""
    outbox = Outbox(store, clock)
    products = ProductService(store, clock)
    return Services(
        store=store,
        clock=clock,
        portfolios=PortfolioService(store, clock),
        products=products,
        ranking=RankingService(store, clock),
        roadmap=RoadmapService(store, clock),
        updates=UpdateService(store, clock),
        subscriptions=Subscriptions(store, clock, outbox, default_timezone=timezone),
        outbox=outbox,
        reminders=Reminders(store, clock),
        objectives=ObjectiveService(store, clock),
        planning=PlanningService(store, clock),
        transfer=TransferService(store, clock),
        inbox=InboxService(store, clock),
        proposals=ProposalService(store, clock, apply=products.apply_fields, card=products.card),
        scenarios=ScenarioService(store, clock, ProductService(store, clock)),
        forecasts=ForecastService(store, clock),
        calibration=CalibrationService(store, clock),
        announcements=AnnouncementService(store, clock),
        installs=InstallService(store, clock),
        home=HomeService(store, clock),
        choices=ChoiceService(store, clock),
        posting=PostingService(store, clock),
    )
