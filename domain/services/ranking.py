"""Ranking use cases: rank a portfolio by a measure, and the score weights."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import queries
from domain.commands.portfolio import RANK_PAGE, RankRequest
from domain.errors import InvalidInput, NotFound
from domain.finance import roi
from domain.models import (
    Portfolio,
)
from domain.ranking import Weights, measure_value, rank
from domain.services.access import (
    portfolio_for,
    require_manager,
)
from domain.services.calibration import calibrate
from domain.services.clock import Clock
from domain.services.inputs import record
from domain.store import Store
from domain.views import (
    Actor,
    RankingView,
    RankRow,
)
from domain.vocabulary import WEIGHTS_INPUT

DISPLAY_LIMIT = RANK_PAGE  # rows a ranking message shows; `from N` reaches the rest


@dataclass(frozen=True)
class WeightsView:
    portfolio: str
    weights: tuple[tuple[str, Decimal], ...]  # (measure, fraction); empty when unset
    changed: bool = False


class RankingService:
    """Rankings by ROI, risk-adjusted ROI, NPV or the weighted score."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def rank(self, actor: Actor, channel_id: str | None, request: RankRequest) -> RankingView:
        """Rank the channel's portfolio by a measure (default: the portfolio's chosen one)."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            measure = request.measure or portfolio.ranking_measure
            weights = queries.score_weights(portfolio) if measure == "score" else None
            inputs = queries.product_facts(
                tenant,
                portfolio,
                cashflows=measure == "npv" or (weights is not None and weights.npv != 0),
            )
            if measure == "score" and weights is None:
                raise InvalidInput(
                    "Set the score's weights first, e.g. "
                    "`/portfolio weights roi 40% risk 30% alignment 30%`."
                )
            adjusted = None
            if request.calibrated:
                inputs, adjusted = calibrate(tenant, portfolio, inputs, measure)
            if request.category is not None:
                categories = {i.category.lower() for i in inputs}
                if request.category.lower() not in categories:
                    from domain.grammar import did_you_mean

                    hint = did_you_mean(request.category, sorted({i.category for i in inputs}))
                    known = ", ".join(sorted({i.category for i in inputs})) or "none yet"
                    suggestion = f" Did you mean `{hint}`?" if hint else ""
                    raise NotFound(
                        f"No products in category `{request.category}`.{suggestion} "
                        f"Categories: {known}."
                    )
            chosen = [
                i
                for i in inputs
                if request.category is None or i.category.lower() == request.category.lower()
            ]
            listed = min(request.top or len(chosen), len(chosen))
            if request.start > max(listed, 1):
                last_page = ((listed - 1) // DISPLAY_LIMIT) * DISPLAY_LIMIT + 1
                where = (
                    "it fits on one page (leave out `from` and `page`)"
                    if last_page == 1
                    else f"its last page starts at `from {last_page:,}`"
                )
                raise InvalidInput(
                    f"The ranking lists {listed:,} product{'s' if listed != 1 else ''}, so there "
                    f"is nothing from position {request.start:,}: {where}."
                )
            ranked = rank(
                inputs,
                measure,
                discount_rate=portfolio.discount_rate,
                weights=weights,
                top=min(listed - request.start + 1, DISPLAY_LIMIT) or None,
                category=request.category,
                skip=request.start - 1,
            )
            unavailable = (
                0
                if measure == "score"
                else sum(
                    1
                    for i in chosen
                    if measure_value(i, measure, discount_rate=portfolio.discount_rate) is None
                )
            )
            total_inv = sum((i.investment for i in chosen), Decimal(0))
            total_ret = sum((i.expected_return for i in chosen), Decimal(0))
            rows = tuple(
                RankRow(
                    position=r.position,
                    key=r.item.key,
                    name=r.item.name,
                    owner_id=r.item.owner_id,
                    health=r.item.health,
                    category=r.item.category,
                    value=r.value,
                    investment=r.item.investment,
                    expected_return=r.item.expected_return,
                    parts=tuple((p.measure, p.weight, p.contribution) for p in r.parts),
                )
                for r in ranked
            )
            return RankingView(
                portfolio=portfolio.name,
                currency=portfolio.currency,
                measure=measure,
                rows=rows,
                total=len(chosen),
                category=request.category,
                top=request.top,
                start=request.start,
                unavailable=unavailable,
                total_investment=total_inv,
                total_return=total_ret,
                portfolio_roi=roi(total_inv, total_ret),
                calibration=adjusted,
            )

    def set_weights(self, actor: Actor, channel_id: str | None, weights: Weights) -> WeightsView:
        """Store the weighted score's weights on the channel's portfolio."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(
                tenant,
                actor,
                "set the score's weights",
                note="The weights rank the whole portfolio, so owners make no proposals for "
                "them: ask a portfolio manager.",
            )
            before = self._weights(portfolio)
            portfolio.weights = {name: str(value) for name, value in weights.items()}
            after = self._weights(portfolio)
            if before != after:
                change = (WEIGHTS_INPUT, before, after)
                now = self.clock()
                record(tenant, portfolio, None, change, by=actor.user_id, via="direct", now=now)
            return WeightsView(portfolio.name, after, changed=True)

    def weights(self, actor: Actor, channel_id: str | None) -> WeightsView:
        """The channel's portfolio's score weights (empty when not set)."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            return WeightsView(portfolio.name, self._weights(portfolio))

    @staticmethod
    def _weights(portfolio: Portfolio) -> tuple[tuple[str, Decimal], ...]:
        weights = queries.score_weights(portfolio)
        if weights is None:
            return ()
        return tuple((name, value) for name, value in weights.items() if value)
