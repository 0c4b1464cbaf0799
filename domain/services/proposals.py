"""Governance of the funding inputs: owners propose, portfolio managers decide.

The inputs of every measure that ranks or funds a product (vocabulary.FUNDING_INPUTS, and
the portfolio's score weights) change directly only when a portfolio manager sets them.
A product owner's `set` of one becomes a pending Proposal (one per product and field; a
newer one replaces it), applied only when a portfolio manager accepts it. Every change,
direct or accepted, is appended to the history (domain.services.inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from domain.commands.portfolio import ProductFields
from domain.errors import NotFound, PermissionDenied
from domain.models import ChannelLink, InputChange, Portfolio, Product, Proposal
from domain.services.access import (
    is_manager,
    managers,
    portfolio_for,
    product_by_key,
    require_manager,
)
from domain.services.clock import Clock
from domain.services.inputs import (
    as_fields,
    current_value,
    decode,
    encode,
    field_value,
    record,
    record_all,
)
from domain.store import Store, Tenant, retried
from domain.views import (
    Actor,
    Decision,
    FieldChange,
    HistoryEntry,
    HistoryView,
    ProductCard,
    ProposalList,
    ProposalView,
    Proposed,
)
from domain.vocabulary import FUNDING_INPUTS

HISTORY_LIMIT = 20
PENDING = "pending"

CardMaker = Callable[[Tenant, Product, Portfolio], ProductCard]
FieldApplier = Callable[[Tenant, Portfolio, Product, ProductFields], tuple[FieldChange, ...]]


def pending_rows(
    tenant: Tenant, product: Product, fields: Collection[str] | None = None
) -> list[Proposal]:
    """A product's pending proposals (of some fields), in the order of FUNDING_INPUTS."""
    stmt = tenant.select(Proposal).where(
        Proposal.product_id == product.id, Proposal.status == PENDING
    )
    if fields is not None:
        stmt = stmt.where(Proposal.field.in_(list(fields)))
    rows = tenant.all(stmt.order_by(Proposal.id))
    return sorted(rows, key=lambda p: FUNDING_INPUTS.index(p.field))


def proposal_view(
    tenant: Tenant, product: Product, portfolio: Portfolio, row: Proposal, *, now: bool = True
) -> ProposalView:
    """A proposal as plain values; `before` is the value now (or when it was proposed)."""
    return ProposalView(
        product_key=product.key,
        product_name=product.name,
        field=row.field,
        before=current_value(tenant, product, row.field)
        if now
        else field_value(row.field, row.old_value),
        after=field_value(row.field, row.new_value),
        author_id=row.author_id,
        reason=row.reason,
        proposed_at=row.created_at,
        currency=portfolio.currency,
    )


def pending_views(
    tenant: Tenant, product: Product, portfolio: Portfolio
) -> tuple[ProposalView, ...]:
    """A product's pending proposals for its card: the value now → the value proposed."""
    return tuple(
        proposal_view(tenant, product, portfolio, p) for p in pending_rows(tenant, product)
    )


def _close(row: Proposal, status: str, by: str, now: datetime, reason: str | None = None) -> None:
    row.status = status
    row.decided_by = by
    row.decided_at = now
    row.decision_reason = reason


def announce_to(tenant: Tenant, portfolio: Portfolio, author: str) -> tuple[tuple[str, ...], ...]:
    """Whom a proposal is announced to: granted managers by DM, else the linked channels."""
    people = tuple(m for m in managers(tenant) if m != author)
    channels: tuple[str, ...] = ()
    if not people:
        channels = tuple(
            tenant.scalars(
                select(ChannelLink.channel_id)
                .where(ChannelLink.portfolio_id == portfolio.id)
                .order_by(ChannelLink.channel_id)
            )
        )
    return people, channels


def propose(
    tenant: Tenant,
    actor: Actor,
    portfolio: Portfolio,
    product: Product,
    changes: Sequence[FieldChange],
    *,
    reason: str | None,
    now: datetime,
) -> Proposed | None:
    """An owner's funding inputs, pending until a manager decides (None when none was given)."""
    if not changes:
        return None
    pending = {p.field: p for p in pending_rows(tenant, product, [c.field for c in changes])}
    made: list[ProposalView] = []
    replaced: list[ProposalView] = []
    withdrawn: list[ProposalView] = []
    unchanged: list[str] = []
    for change in changes:
        earlier = pending.get(change.field)
        if earlier is not None:
            closed = "withdrawn" if change.before == change.after else "replaced"
            (withdrawn if closed == "withdrawn" else replaced).append(
                proposal_view(tenant, product, portfolio, earlier)
            )
            _close(earlier, closed, actor.user_id, now)
        if change.before == change.after:
            unchanged.append(change.field)
            continue
        row = Proposal(
            product_id=product.id,
            field=change.field,
            old_value=encode(change.before),
            new_value=encode(change.after),
            author_id=actor.user_id,
            reason=reason,
            status=PENDING,
            created_at=now,
        )
        tenant.add(row)
        made.append(proposal_view(tenant, product, portfolio, row))
    tenant.flush()
    people, channels = announce_to(tenant, portfolio, actor.user_id) if made else ((), ())
    return Proposed(
        proposals=tuple(made),
        replaced=tuple(replaced),
        withdrawn=tuple(withdrawn),
        unchanged=tuple(unchanged),
        managers=people,
        channels=channels,
    )


def decide_directly(
    tenant: Tenant,
    actor: Actor,
    portfolio: Portfolio,
    product: Product,
    given: Collection[str],
    changed: Sequence[FieldChange],
    *,
    now: datetime,
) -> Proposed | None:
    """A manager's direct `set`: history for what changed; pending proposals it settles close."""
    record_all(tenant, portfolio, product, changed, by=actor.user_id, via="direct", now=now)
    settled = pending_rows(tenant, product, given) if given else []
    views = tuple(proposal_view(tenant, product, portfolio, p) for p in settled)
    for row in settled:
        _close(row, "superseded", actor.user_id, now)
    return Proposed(proposals=(), superseded=views) if views else None


@dataclass(frozen=True)
class _Found:
    product: Product
    portfolio: Portfolio
    rows: list[Proposal]


class ProposalService:
    """Pending proposals, the decisions on them, and the history of the funding inputs."""

    def __init__(self, store: Store, clock: Clock, *, apply: FieldApplier, card: CardMaker) -> None:
        self.store = store
        self.clock = clock
        self._apply = apply
        self._card = card

    def proposals(self, actor: Actor, channel_id: str | None) -> ProposalList:
        """The pending proposals of the channel's portfolio, oldest first."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            rows = tenant.execute(
                tenant.select(Proposal)
                .add_columns(Product)
                .join(Product, Product.id == Proposal.product_id)
                .where(
                    Proposal.status == PENDING,
                    Product.portfolio_id == portfolio.id,
                    Product.archived_at.is_(None),
                )
                .order_by(Proposal.created_at, Proposal.id)
            ).all()
            views = tuple(proposal_view(tenant, product, portfolio, row) for row, product in rows)
            return ProposalList(portfolio.name, portfolio.currency, views)

    @retried
    def accept(self, actor: Actor, key: str, field: str | None = None) -> Decision:
        """Apply a product's pending proposals (or one field's); only portfolio managers may."""
        with self.store.transaction(actor.team_id) as tenant:
            found = self._pending(tenant, key, field)
            require_manager(tenant, actor, "accept proposals")
            product, portfolio, now = found.product, found.portfolio, self.clock()
            decided = tuple(proposal_view(tenant, product, portfolio, p) for p in found.rows)
            applied: list[FieldChange] = []
            for row in found.rows:
                fields = as_fields(row.field, field_value(row.field, row.new_value))
                for change in self._apply(tenant, portfolio, product, fields):
                    record(
                        tenant,
                        portfolio,
                        product,
                        change,
                        by=actor.user_id,
                        author=row.author_id,
                        via="proposal",
                        proposal=row,
                        now=now,
                    )
                    applied.append(change)
                _close(row, "accepted", actor.user_id, now)
            product.updated_at = now
            tenant.flush()
            return Decision(
                product_key=product.key,
                product_name=product.name,
                verdict="accepted",
                decided_by=actor.user_id,
                proposals=decided,
                applied=tuple(applied),
                card=self._card(tenant, product, portfolio),
            )

    @retried
    def reject(
        self, actor: Actor, key: str, field: str | None = None, reason: str | None = None
    ) -> Decision:
        """Turn down a product's pending proposals; their author may withdraw their own."""
        with self.store.transaction(actor.team_id) as tenant:
            found = self._pending(tenant, key, field)
            product, portfolio = found.product, found.portfolio
            if is_manager(tenant, actor):
                verdict = "rejected"
            elif all(row.author_id == actor.user_id for row in found.rows):
                verdict = "withdrawn"
            else:
                raise PermissionDenied(
                    "Only portfolio managers can reject proposals (their author can withdraw "
                    f"their own with `/portfolio reject {product.key}`).",
                    who=managers(tenant),
                )
            decided = tuple(proposal_view(tenant, product, portfolio, p) for p in found.rows)
            for row in found.rows:
                _close(row, verdict, actor.user_id, self.clock(), reason)
            return Decision(
                product_key=product.key,
                product_name=product.name,
                verdict=verdict,
                decided_by=actor.user_id,
                proposals=decided,
                reason=reason,
            )

    def _pending(self, tenant: Tenant, key: str, field: str | None) -> _Found:
        product = tenant.lock(product_by_key(tenant, key))
        portfolio = tenant.get(Portfolio, product.portfolio_id)
        assert portfolio is not None
        rows = pending_rows(tenant, product, None if field is None else (field,))
        if not rows:
            what = f"a pending proposal for its {field}" if field else "pending proposals"
            others = pending_rows(tenant, product) if field else []
            hint = (
                " It has one for " + ", ".join(p.field for p in others) + "."
                if others
                else " `/portfolio proposals` lists the pending ones."
            )
            raise NotFound(f"{product.key} has no {what}.{hint}")
        return _Found(product, portfolio, rows)

    def history(self, actor: Actor, key: str, limit: int = HISTORY_LIMIT) -> HistoryView:
        """A product's funding-input changes (and its portfolio's weights), newest first."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key, include_archived=True)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            mine = or_(
                InputChange.product_id == product.id,
                (InputChange.product_id.is_(None))
                & (InputChange.portfolio_id == portfolio.id)
                & (InputChange.changed_at >= product.created_at),
            )
            total = tenant.scalar(select(func.count()).select_from(InputChange).where(mine)) or 0
            rows = tenant.all(
                tenant.select(InputChange)
                .where(mine)
                .order_by(InputChange.changed_at.desc(), InputChange.id.desc())
                .limit(limit)
            )
            entries = tuple(
                HistoryEntry(
                    at=row.changed_at,
                    field=row.field,
                    before=decode(row.field, row.old_value),
                    after=decode(row.field, row.new_value),
                    changed_by=row.changed_by,
                    author_id=row.author_id,
                    via=row.via,
                )
                for row in rows
            )
            return HistoryView(
                key=product.key,
                name=product.name,
                portfolio=portfolio.name,
                currency=portfolio.currency,
                entries=entries,
                total=total,
            )
