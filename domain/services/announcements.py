"""Where proposals were announced, so every copy of an announcement follows their decision.

An owner's proposal is announced by DM to each portfolio manager (or in the portfolio's
channels) with Accept and Reject. The handlers remember each message here; once the
proposals are decided (by a button, a command or App Home) `settle` says which messages to
update and how each proposal ended. `still_pending` is the check a button makes before it
decides: a proposal of another workspace, of another product, or already decided is not
pending, so an old or foreign button changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from domain.errors import NotFound
from domain.models import Announcement, Portfolio, Product, Proposal
from domain.services.access import product_by_key
from domain.services.clock import Clock
from domain.services.proposals import PENDING, pending_rows, proposal_view
from domain.store import Store, Tenant
from domain.views import ProposalView

MAX_REMEMBERED = 20  # proposals one announcement names (one per funding input at most)


@dataclass(frozen=True)
class AnnouncedProposal:
    """One proposal of an announcement: what it asked and where it stands now."""

    proposal_id: int
    view: ProposalView  # before: the value when it was proposed
    status: str  # pending, accepted, rejected, withdrawn, replaced, superseded
    decided_by: str | None


@dataclass(frozen=True)
class PostedAnnouncement:
    """A message Folio posted about proposals, and the proposals' state now."""

    channel_id: str
    ts: str
    key: str
    name: str
    proposals: tuple[AnnouncedProposal, ...]

    @property
    def pending(self) -> tuple[int, ...]:
        """The proposals of this message still waiting for a decision."""
        return tuple(p.proposal_id for p in self.proposals if p.status == PENDING)


class AnnouncementService:
    """Remembers announcements and tells which are decided."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def pending_ids(self, team_id: str, key: str, fields: Sequence[str]) -> tuple[int, ...]:
        """The product's pending proposals for these fields (right after a set: the new ones)."""
        with self.store.read(team_id) as tenant:
            try:
                product = product_by_key(tenant, key)
            except NotFound:
                return ()
            return tuple(row.id for row in pending_rows(tenant, product, fields))

    def remember(self, team_id: str, proposal_ids: Sequence[int], channel_id: str, ts: str) -> bool:
        """Keep where an announcement of these proposals was posted; False if none is known."""
        ids = list(dict.fromkeys(proposal_ids))[:MAX_REMEMBERED]
        with self.store.transaction(team_id) as tenant:
            rows = [row for row in (tenant.get(Proposal, i) for i in ids) if row is not None]
            if not rows:
                return False
            tenant.add(
                Announcement(
                    product_id=rows[0].product_id,
                    proposal_ids=[row.id for row in rows if row.product_id == rows[0].product_id],
                    channel_id=channel_id,
                    message_ts=ts,
                    posted_at=self.clock(),
                )
            )
            return True

    def still_pending(self, team_id: str, key: str, proposal_ids: Sequence[int]) -> tuple[str, ...]:
        """The fields of these proposals that still wait, on this product in this workspace."""
        with self.store.read(team_id) as tenant:
            product = tenant.first(tenant.select(Product).where(Product.key == key))
            if product is None or product.archived_at is not None:
                return ()
            fields = [
                row.field
                for row in (tenant.get(Proposal, i) for i in dict.fromkeys(proposal_ids))
                if row is not None and row.product_id == product.id and row.status == PENDING
            ]
            return tuple(fields)

    def settle(self, team_id: str, key: str) -> tuple[PostedAnnouncement, ...]:
        """The product's announcements with a decided proposal, as they stand now.

        Those with nothing left pending are marked settled: each is reported once.
        """
        now = self.clock()
        with self.store.transaction(team_id) as tenant:
            product = tenant.first(tenant.select(Product).where(Product.key == key))
            if product is None:
                return ()
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            rows = tenant.all(
                tenant.select(Announcement)
                .where(Announcement.product_id == product.id, Announcement.settled_at.is_(None))
                .order_by(Announcement.id)
            )
            posted: list[PostedAnnouncement] = []
            for row in rows:
                announced = _announced(tenant, product, portfolio, row)
                if all(p.status == PENDING for p in announced.proposals):
                    continue
                if not announced.pending:
                    row.settled_at = now
                posted.append(announced)
            return tuple(posted)


def _announced(
    tenant: Tenant, product: Product, portfolio: Portfolio, row: Announcement
) -> PostedAnnouncement:
    proposals = tenant.all(
        select(Proposal)
        .where(Proposal.id.in_([int(i) for i in row.proposal_ids]))
        .order_by(Proposal.id)
    )
    return PostedAnnouncement(
        channel_id=row.channel_id,
        ts=row.message_ts,
        key=product.key,
        name=product.name,
        proposals=tuple(
            AnnouncedProposal(
                proposal_id=p.id,
                view=proposal_view(tenant, product, portfolio, p, now=False),
                status=p.status,
                decided_by=p.decided_by,
            )
            for p in proposals
        ),
    )
