"""Ranking use cases: rank a portfolio by a measure, and the score weights."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from domain import finance, queries
from domain.commands.portfolio import RANK_PAGE, RankRequest
from domain.errors import InvalidInput, NotFound
from domain.finance import roi
from domain.grammar import did_you_mean
from domain.models import (
    Portfolio,
)
from domain.queries import scored
from domain.ranking import Ranked, RankInput, Weights, measure_value, rank
from domain.ranking.keys import CLAMPED, KEYED_MEASURES, order_key
from domain.services.access import (
    portfolio_for,
    require_manager,
)
from domain.services.calibration import calibrate
from domain.services.clock import Clock
from domain.services.inputs import record
from domain.store import Store, Tenant
from domain.uncertainty.calibration import Adjusted
from domain.views import (
    Actor,
    RankingView,
    RankRow,
)
from domain.vocabulary import WEIGHTS_INPUT

log = logging.getLogger("folio.ranking")

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
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            measure = request.measure or portfolio.ranking_measure
            view = None
            if measure in KEYED_MEASURES and not request.calibrated:
                view = self._rank_by_key(tenant, portfolio, measure, request)
            elif measure == "score" and not request.calibrated:
                view = self._rank_by_score(tenant, portfolio, request)
            if view is not None:
                return view
            return self._rank_in_full(tenant, portfolio, measure, request)

    def _rank_by_key(
        self, tenant: Tenant, portfolio: Portfolio, measure: str, request: RankRequest
    ) -> RankingView | None:
        """ROI, risk or NPV: only the page, by the stored keys' index (None: rank in full).

        The keys are the display-rounded values themselves (NPV's at the portfolio's rate),
        so the page is exactly the full ranking's. Clamped keys (values beyond ±2^62 buckets)
        sort before or after every other value, as their values do, only in the wrong order
        among themselves: a page holding one, or a key that disagrees with its product's
        inputs, ranks in full.
        """
        chosen, listed_in = _categories(tenant, portfolio, request)
        totals = queries.keyed_totals(tenant, portfolio, measure, chosen)
        top = _page_size(request, totals.count)
        if totals.count:
            finance.npv(portfolio.discount_rate, ())  # checked whatever the measure, as in full
        rows: tuple[RankRow, ...] = ()
        if top is not None and totals.count:
            page = queries.keyed_page(
                tenant,
                portfolio,
                measure,
                skip=request.start - 1,
                limit=top,
                categories=listed_in,
                postgresql=self.store.engine.dialect.name == "postgresql",
            )
            if any(key in CLAMPED for key, _ in page):
                return None
            values = [
                measure_value(item, measure, discount_rate=portfolio.discount_rate)
                for _, item in page
            ]
            if any(
                order_key(value, measure) != key
                for (key, _), value in zip(page, values, strict=True)
            ):
                log.warning("stored %s keys disagree with inputs; ranking in full", measure)
                return None
            rows = tuple(
                _row(position, item, value)
                for position, (_, item), value in zip(
                    range(request.start, request.start + len(page)), page, values, strict=True
                )
            )
        return _view(portfolio, measure, request, rows, totals)

    def _rank_by_score(
        self, tenant: Tenant, portfolio: Portfolio, request: RankRequest
    ) -> RankingView | None:
        """The weighted score: each product scored in SQL, only the page read (None: in full).

        The database orders by each float score's display bucket; rows too near a rounding
        boundary are read apart and placed by their exact score (`merge_page`), and every
        row shown is scored again in Decimal, as the full ranking scores it. Scores over
        buckets too large for floats, stale keys or a flood of boundary cases rank in full.
        """
        weights = queries.score_weights(portfolio)
        if weights is None or not _valid(weights):
            return None  # the full ranking says what is wrong
        chosen, listed_in = _categories(tenant, portfolio, request)
        totals = queries.keyed_totals(tenant, portfolio, "roi", chosen)
        top = _page_size(request, totals.count)
        rows: tuple[RankRow, ...] = ()
        if top is not None and totals.count:
            finance.npv(portfolio.discount_rate, ())  # checked as the full ranking checks it
            page = scored.score_page(
                tenant,
                portfolio,
                weights,
                skip=request.start - 1,
                limit=top,
                categories=listed_in,
                postgresql=self.store.engine.dialect.name == "postgresql",
            )
            if page is None:
                return None
            rows = _ranked_rows(page)
        return _view(portfolio, "score", request, rows, replace(totals, unavailable=0))

    def _rank_in_full(
        self, tenant: Tenant, portfolio: Portfolio, measure: str, request: RankRequest
    ) -> RankingView:
        """Any measure: every product's facts, ranked in Python (the score, calibrated)."""
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
                raise _no_such_category(request.category, [i.category for i in inputs])
        chosen = [
            i
            for i in inputs
            if request.category is None or i.category.lower() == request.category.lower()
        ]
        top = _page_size(request, len(chosen))
        ranked = rank(
            inputs,
            measure,
            discount_rate=portfolio.discount_rate,
            weights=weights,
            top=top,
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
        totals = queries.Totals(
            len(chosen),
            unavailable,
            sum((i.investment for i in chosen), Decimal(0)),
            sum((i.expected_return for i in chosen), Decimal(0)),
        )
        return _view(portfolio, measure, request, _ranked_rows(ranked), totals, adjusted)

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
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            return WeightsView(portfolio.name, self._weights(portfolio))

    @staticmethod
    def _weights(portfolio: Portfolio) -> tuple[tuple[str, Decimal], ...]:
        weights = queries.score_weights(portfolio)
        if weights is None:
            return ()
        return tuple((name, value) for name, value in weights.items() if value)


def _view(
    portfolio: Portfolio,
    measure: str,
    request: RankRequest,
    rows: tuple[RankRow, ...],
    totals: queries.Totals,
    calibration: tuple[Adjusted, ...] | None = None,
) -> RankingView:
    """The ranking as the handlers word it: its page, and the totals of what it ranks."""
    return RankingView(
        portfolio=portfolio.name,
        currency=portfolio.currency,
        measure=measure,
        rows=rows,
        total=totals.count,
        category=request.category,
        top=request.top,
        start=request.start,
        unavailable=totals.unavailable,
        total_investment=totals.investment,
        total_return=totals.expected_return,
        portfolio_roi=roi(totals.investment, totals.expected_return),
        calibration=calibration,
    )


def _ranked_rows(ranked: Iterable[Ranked]) -> tuple[RankRow, ...]:
    """Ranked products as view rows, a score's parts as (measure, weight, contribution)."""
    return tuple(
        _row(
            r.position,
            r.item,
            r.value,
            tuple((p.measure, p.weight, p.contribution) for p in r.parts),
        )
        for r in ranked
    )


def _page_size(request: RankRequest, count: int) -> int | None:
    """How many rows the page lists (None: to the end), or an error past the last one."""
    listed = min(request.top or count, count)
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
    top = min(listed - request.start + 1, DISPLAY_LIMIT) or None
    if top is not None and top < 1:
        raise InvalidInput(
            f"`top` needs a whole number of at least 1; you wrote `top {top}`. Example: `top 10`."
        )
    return top


def _categories(
    tenant: Tenant, portfolio: Portfolio, request: RankRequest
) -> tuple[list[str] | None, list[str] | None]:
    """The categories whose money a ranking totals, and those it lists (None: all).

    Totals match the category's name case-insensitively, as the full ranking does; the
    rows listed match it casefolded, as `rank`'s `category` does.
    """
    if request.category is None:
        return None, None
    known = queries.categories(tenant, portfolio)
    wanted = request.category.lower()
    chosen = [c for c in known if c.lower() == wanted]
    if not chosen:
        raise _no_such_category(request.category, known)
    folded = request.category.strip().casefold()
    return chosen, [c for c in known if c.casefold() == folded]


def _valid(weights: Weights) -> bool:
    """Weights the ranking accepts: none negative, summing to more than 0."""
    values = [weight for _, weight in weights.items()]
    return all(weight >= 0 for weight in values) and sum(values, Decimal(0)) > 0


def _no_such_category(category: str, known: list[str]) -> NotFound:
    names = sorted(set(known))
    hint = did_you_mean(category, names)
    listed = ", ".join(names) or "none yet"
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    return NotFound(f"No products in category `{category}`.{suggestion} Categories: {listed}.")


def _row(
    position: int,
    item: RankInput,
    value: Decimal | None,
    parts: tuple[tuple[str, Decimal, Decimal], ...] = (),
) -> RankRow:
    return RankRow(
        position=position,
        key=item.key,
        name=item.name,
        owner_id=item.owner_id,
        health=item.health,
        category=item.category,
        value=value,
        investment=item.investment,
        expected_return=item.expected_return,
        parts=parts,
    )
