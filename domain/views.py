"""Plain, already-loaded results that services return and templates render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Slack user in a workspace; is_admin when Slack says admin or owner."""

    team_id: str
    user_id: str
    is_admin: bool = False


@dataclass(frozen=True)
class PortfolioView:
    name: str
    currency: str
    budget: Decimal | None
    discount_rate: Decimal
    is_default: bool
    product_count: int = 0
    created: bool = False
    became_manager: bool = False
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricView:
    name: str
    value: Decimal
    recorded_at: datetime
    previous: Decimal | None = None
    is_money: bool = False
    period: str | None = None  # the span of the change: d/d, w/w, m/m, q/q, y/y

    @property
    def change(self) -> Decimal | None:
        """Relative change since the previous snapshot, or None."""
        if self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True)
class ItemView:
    ref: str
    title: str
    status: str
    progress: int
    target_label: str | None
    target_due: date | None
    blocker: str | None
    why: str | None = None
    objective: str | None = None


@dataclass(frozen=True)
class UpdateView:
    at: datetime
    author_id: str
    text: str
    permalink: str | None
    edited: bool = False


@dataclass(frozen=True)
class ProductCard:
    key: str
    name: str
    owner_id: str | None
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    roi: Decimal | None
    risk_roi: Decimal | None
    currency: str
    portfolio: str
    archived: bool = False
    objectives: tuple[str, ...] = ()
    cashflows: tuple[Decimal, ...] = ()
    npv: Decimal | None = None
    irr: Decimal | None = None
    payback: Decimal | None = None
    metrics: tuple[MetricView, ...] = ()
    open_items: tuple[ItemView, ...] = ()
    open_item_count: int = 0
    updates: tuple[UpdateView, ...] = ()
    feedback_count: int = 0
    latest_feedback: tuple[str, ...] = ()


FieldValue = Decimal | str | tuple[Decimal, ...] | tuple[str, ...] | None


@dataclass(frozen=True)
class FieldChange:
    """One field a command changed, as values (money in the portfolio's currency)."""

    field: str  # name, owner, investment, expected return, confidence, category, stage …
    before: FieldValue
    after: FieldValue


@dataclass(frozen=True)
class ProductChange:
    """What a command did to a product: the card after, and the fields that changed."""

    card: ProductCard
    changed: tuple[FieldChange, ...] = ()
    created: bool = False


@dataclass(frozen=True)
class ProductLine:
    key: str
    name: str
    owner_id: str | None
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    open_items: int = 0


@dataclass(frozen=True)
class ProductList:
    portfolio: str
    currency: str
    products: tuple[ProductLine, ...]
    total_investment: Decimal = Decimal(0)
    total_return: Decimal = Decimal(0)


@dataclass(frozen=True)
class RankRow:
    position: int
    key: str
    name: str
    owner_id: str | None
    health: str
    category: str
    value: Decimal | None
    investment: Decimal
    expected_return: Decimal
    parts: tuple[tuple[str, Decimal, Decimal], ...] = ()  # (measure, weight, contribution)


@dataclass(frozen=True)
class RankingView:
    portfolio: str
    currency: str
    measure: str
    rows: tuple[RankRow, ...]
    total: int
    category: str | None = None
    top: int | None = None
    total_investment: Decimal = Decimal(0)
    total_return: Decimal = Decimal(0)
    portfolio_roi: Decimal | None = None


@dataclass(frozen=True)
class RoadmapView:
    key: str
    name: str
    owner_id: str | None
    items: tuple[ItemView, ...]
    today: date


@dataclass(frozen=True)
class ItemChange:
    product_key: str
    item: ItemView
    changed: tuple[FieldChange, ...] = ()
    created: bool = False


@dataclass(frozen=True)
class Grant:
    user_id: str
    role: str
    already: bool = False


@dataclass(frozen=True)
class ChatOutcome:
    """What happened to a chat message: ignored, recorded, or a problem to reply about."""

    status: str  # "ignored" | "recorded" | "duplicate" | "problem"
    problem: str | None = None
    who: tuple[str, ...] = ()
    summary: str | None = None
    details: dict[str, str] = field(default_factory=dict)
