"""Plain, already-loaded results that services return and templates render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.prioritisation import Score
from domain.uncertainty.calibration import Adjusted


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
    currency_was: str | None = None  # a currency change relabels amounts; it never converts
    relabelled: int = 0  # products whose amounts now read in the new currency
    renamed_from: str | None = None
    deleted: bool = False
    new_default: str | None = None  # the workspace default after the default was deleted


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
    pending: tuple[ProposalView, ...] = ()  # funding inputs an owner proposed, not yet decided


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
    proposed: Proposed | None = None  # what an owner's set proposed instead of changing


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
    products: tuple[ProductLine, ...]  # the first ones by key (all, or more than a message holds)
    total_investment: Decimal = Decimal(0)
    total_return: Decimal = Decimal(0)
    count: int | None = None  # active products in the portfolio (None: all are listed)


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
    start: int = 1  # the position of the first row (`from 101`)
    unavailable: int = 0  # listed products whose measure is n/a (no investment, no cash flows)
    calibration: tuple[Adjusted, ...] | None = None  # `calibrated`: each confidence used

    @property
    def listed(self) -> int:
        """How many products the ranking lists in all (top N, else every one)."""
        return min(self.top or self.total, self.total)

    @property
    def next_start(self) -> int | None:
        """The position the next page starts at, None when this page is the last."""
        following = self.start + len(self.rows)
        return following if self.rows and following <= self.listed else None


@dataclass(frozen=True)
class RoadmapView:
    key: str
    name: str
    owner_id: str | None
    items: tuple[ItemView, ...]
    today: date


@dataclass(frozen=True)
class ItemDetail:
    """One roadmap item in full: why, target, RICE and WSJF inputs and scores, its history."""

    product_key: str
    product_name: str
    owner_id: str | None
    item: ItemView
    rice_inputs: tuple[tuple[str, Decimal, bool], ...]  # (name, value, is a percentage) set
    wsjf_inputs: tuple[tuple[str, Decimal, bool], ...]
    rice: Score
    wsjf: Score
    updates: tuple[UpdateView, ...]  # newest first: chat updates and /roadmap update changes
    update_count: int
    created_at: datetime
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
    workspace_admin: bool = False  # Slack says admin or owner: always a portfolio manager


@dataclass(frozen=True)
class ChatOutcome:
    """What happened to a chat message: ignored, recorded, or a problem to reply about."""

    status: str  # "ignored" | "recorded" | "duplicate" | "problem"
    problem: str | None = None
    who: tuple[str, ...] = ()
    summary: str | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposalView:
    """A proposed change to one funding input of a product (money in the portfolio's currency)."""

    product_key: str
    product_name: str
    field: str  # one of vocabulary.FUNDING_INPUTS
    before: FieldValue  # the value now (on a card or list) or when it was decided
    after: FieldValue
    author_id: str
    reason: str | None
    proposed_at: datetime
    currency: str


@dataclass(frozen=True)
class Proposed:
    """What a `set` did to proposals: what an owner proposed and whom to tell, what it closed."""

    proposals: tuple[ProposalView, ...]
    replaced: tuple[ProposalView, ...] = ()  # earlier pending proposals for the same fields
    withdrawn: tuple[ProposalView, ...] = ()  # pending ones whose field was set back to its value
    unchanged: tuple[str, ...] = ()  # fields that already had the proposed value
    superseded: tuple[ProposalView, ...] = ()  # pending ones a manager's direct set closed
    managers: tuple[str, ...] = ()  # granted portfolio managers, each told by DM
    channels: tuple[str, ...] = ()  # the portfolio's linked channels, told when no one is granted


@dataclass(frozen=True)
class Decision:
    """A portfolio manager's accept or reject (or an author's withdrawal) of proposals."""

    product_key: str
    product_name: str
    verdict: str  # accepted | rejected | withdrawn
    decided_by: str
    proposals: tuple[ProposalView, ...]  # before: the value when decided
    applied: tuple[FieldChange, ...] = ()  # what accepting changed (empty: already so)
    reason: str | None = None
    card: ProductCard | None = None


@dataclass(frozen=True)
class ProposalList:
    """The pending proposals of a portfolio, oldest first."""

    portfolio: str
    currency: str
    proposals: tuple[ProposalView, ...]


HistoryValue = FieldValue | tuple[tuple[str, Decimal], ...]  # score weights: (part, fraction)


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a funding input: who, when, old → new, and how."""

    at: datetime
    field: str  # a funding input, or vocabulary.WEIGHTS_INPUT for the portfolio's weights
    before: HistoryValue
    after: HistoryValue
    changed_by: str
    author_id: str
    via: str  # added | direct | proposal


@dataclass(frozen=True)
class HistoryView:
    """A product's funding-input history, newest first, with how many more there are."""

    key: str
    name: str
    portfolio: str
    currency: str
    entries: tuple[HistoryEntry, ...]
    total: int
