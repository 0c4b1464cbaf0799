"""Outcome and calibration use cases: record what happened, and judge the estimates by it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain import queries
from domain.commands.uncertainty import OutcomeRequest
from domain.errors import InvalidInput
from domain.models import Outcome, Portfolio, Update
from domain.money import plain_decimal
from domain.ranking import RankInput
from domain.services.access import (
    check_currency,
    portfolio_for,
    product_by_key,
    require_product_editor,
)
from domain.services.clock import Clock
from domain.store import Store, Tenant
from domain.uncertainty.calibration import (
    Adjusted,
    Bias,
    Delivered,
    Report,
    Resolved,
    adjust,
    report,
)
from domain.views import Actor

HISTORY = 10  # outcomes listed in the calibration answer


@dataclass(frozen=True)
class OutcomeView:
    """A recorded outcome, with the estimate it judges."""

    key: str
    name: str
    success: bool
    realised: Decimal | None
    on: date
    confidence: Decimal
    expected_return: Decimal
    investment: Decimal
    recorded_by: str


@dataclass(frozen=True)
class OutcomeRecorded:
    currency: str
    outcome: OutcomeView
    replaced: OutcomeView | None


@dataclass(frozen=True)
class CalibrationView:
    portfolio: str
    currency: str
    report: Report
    recent: tuple[OutcomeView, ...]
    outcomes: int


def _resolved(facts: queries.OutcomeFacts) -> Resolved:
    return Resolved(
        key=facts.key,
        owner_id=facts.owner_id,
        category=facts.category,
        confidence=facts.confidence,
        success=facts.success,
        expected_return=facts.expected_return,
        realised=facts.realised,
        on=facts.happened_on,
    )


def _view(key: str, name: str, row: Outcome) -> OutcomeView:
    return OutcomeView(
        key,
        name,
        row.success,
        row.realised,
        row.happened_on,
        row.confidence,
        row.expected_return,
        row.investment,
        row.recorded_by,
    )


def calibration_report(tenant: Tenant, portfolio: Portfolio) -> Report:
    """The calibration report of a portfolio's outcomes and finished items (any use case)."""
    outcomes = [_resolved(o) for o in queries.portfolio_outcomes(tenant, portfolio)]
    delivered = [
        Delivered(i.ref, i.owner_id, i.category, i.target_due, i.done_at.date())
        for i in queries.item_progress(tenant, portfolio)
        if i.status == "done" and i.target_due is not None and i.done_at is not None
    ]
    return report(outcomes, delivered)


class CalibrationService:
    """Outcomes recorded by managers or owners; calibration read by anyone."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def record(self, actor: Actor, request: OutcomeRequest) -> OutcomeRecorded:
        """Record a product's outcome (a second one replaces the first), in its history."""
        with self.store.transaction(actor.team_id) as tenant:
            product = product_by_key(tenant, request.key, include_archived=True)
            require_product_editor(tenant, actor, product)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            if request.realised is not None:
                check_currency(portfolio, request.realised[1], "the realised amount")
            now = self.clock()
            on = request.on or now.date()
            if on > now.date():
                raise InvalidInput(
                    f"An outcome is what happened; {on.isoformat()} is still to come. "
                    "Record it on the day, or leave out `| on` for today."
                )
            old = tenant.first(tenant.select(Outcome).where(Outcome.product_id == product.id))
            replaced = _view(product.key, product.name, old) if old is not None else None
            row = old or Outcome(product_id=product.id)
            row.success = request.success
            row.realised = request.realised[0] if request.realised is not None else None
            row.happened_on = on
            row.confidence = product.confidence
            row.expected_return = product.expected_return
            row.investment = product.investment
            row.owner_id = product.owner_id
            row.category = product.category
            row.recorded_by = actor.user_id
            row.recorded_at = now
            if old is None:
                tenant.add(row)
            word = "success" if request.success else "failure"
            amount = (
                ""
                if row.realised is None
                else f", realised {plain_decimal(row.realised)} {portfolio.currency}"
            )
            tenant.add(
                Update(
                    product_id=product.id,
                    kind="outcome",
                    author_id=actor.user_id,
                    text=f"{product.key}: outcome {word}{amount} on {on.isoformat()}"
                    + (" (replaces the earlier outcome)" if old is not None else ""),
                    changes={"outcome": {"success": request.success, "on": on.isoformat()}},
                    created_at=now,
                )
            )
            product.last_update_at = now
            tenant.flush()
            return OutcomeRecorded(
                portfolio.currency, _view(product.key, product.name, row), replaced
            )

    def calibration(self, actor: Actor, channel_id: str | None) -> CalibrationView:
        """How good the confidences, returns and targets were, per owner and category."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            facts = queries.portfolio_outcomes(tenant, portfolio)
            result = calibration_report(tenant, portfolio)
            name, currency = portfolio.name, portfolio.currency
        recent = sorted(facts, key=lambda f: (f.happened_on, f.key), reverse=True)[:HISTORY]
        return CalibrationView(
            portfolio=name,
            currency=currency,
            report=result,
            recent=tuple(
                OutcomeView(
                    f.key,
                    f.name,
                    f.success,
                    f.realised,
                    f.happened_on,
                    f.confidence,
                    f.expected_return,
                    f.investment,
                    f.recorded_by,
                )
                for f in recent
            ),
            outcomes=len(facts),
        )


def digest_biases(tenant: Tenant, portfolio: Portfolio) -> tuple[Bias, ...]:
    """The large, sustained biases of a portfolio's confidences (for the ranking digest)."""
    if not queries.portfolio_outcomes(tenant, portfolio):
        return ()
    return calibration_report(tenant, portfolio).biases


def calibrate(
    tenant: Tenant, portfolio: Portfolio, inputs: list[RankInput], measure: str
) -> tuple[list[RankInput], tuple[Adjusted, ...]]:
    """Ranking inputs with calibrated confidence (`rank risk calibrated`), and each change."""
    if measure not in ("risk", "score"):
        raise InvalidInput(
            "`calibrated` corrects confidence, which only risk-adjusted ROI and the score use: "
            "`/portfolio rank risk calibrated`."
        )
    result = calibration_report(tenant, portfolio)
    changes = tuple(adjust(i.key, i.confidence, i.owner_id, i.category, result) for i in inputs)
    return [replace(i, confidence=c.after) for i, c in zip(inputs, changes, strict=True)], changes
