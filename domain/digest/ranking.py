"""The ranking digest: the ranking now, how each product moved, and why the movers moved.

Pure: plain values in, plain values out. Movement and its reasons are values (positions,
the inputs before and after); handlers and templates word them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from domain.digest.snapshot import ranking_row, same_cashflows, stored_decimal
from domain.finance import roi
from domain.ranking import RankInput, Weights, rank
from domain.uncertainty.calibration import Bias

MOVERS = 3


@dataclass(frozen=True, slots=True)
class Movement:
    """Where a product moved since the previous digest: up or down by places, new, or same."""

    kind: Literal["up", "down", "new", "same", "first"]
    places: int = 0


@dataclass(frozen=True, slots=True)
class RankingLine:
    """One ranked product with its movement (slots: a digest holds one per product)."""

    position: int
    key: str
    name: str
    owner_id: str | None
    health: str
    category: str
    value: Decimal | None
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    roi: Decimal | None
    movement: Movement


@dataclass(frozen=True)
class MeasureChanged:
    """The ranking measure itself changed between the two digests."""

    before: str
    after: str


@dataclass(frozen=True)
class InputChanged:
    """A ranking input changed: investment or expected return (money), or confidence (0..1)."""

    name: Literal["investment", "expected return", "confidence"]
    before: Decimal
    after: Decimal

    @property
    def is_money(self) -> bool:
        """Whether the input is an amount of money (else a fraction)."""
        return self.name != "confidence"


@dataclass(frozen=True)
class InputsChanged:
    """Inputs without a single value changed: the cash flows or the objective alignment."""

    what: Literal["cash flows", "objective alignment"]


@dataclass(frozen=True)
class OthersMoved:
    """The product's own inputs are unchanged: others fell or left (`up`), or rose or joined."""

    up: bool


MoveReason = MeasureChanged | InputChanged | InputsChanged | OthersMoved


@dataclass(frozen=True)
class Mover:
    """A product that moved, from which position to which, and why (which input changed)."""

    key: str
    name: str
    before: int
    after: int
    reasons: tuple[MoveReason, ...]

    @property
    def places(self) -> int:
        """Places gained (positive) or lost (negative)."""
        return self.before - self.after


@dataclass(frozen=True)
class RankingDigest:
    """The ROI ranking digest of one portfolio."""

    portfolio: str
    currency: str
    measure: str
    lines: tuple[RankingLine, ...]
    movers: tuple[Mover, ...]
    left: tuple[str, ...]  # keys ranked last time and gone now
    total_investment: Decimal
    total_return: Decimal
    portfolio_roi: Decimal | None
    budget: Decimal | None
    budget_used: Decimal | None
    compared_with: datetime | None
    snapshot: dict[str, Any]
    since_subscribed: bool = False  # compared with the subscription's start
    biases: tuple[Bias, ...] = ()  # large, sustained biases of the confidences (calibration)


def compose_ranking(
    inputs: Sequence[RankInput],
    *,
    portfolio: str,
    currency: str,
    measure: str,
    discount_rate: Decimal,
    weights: Weights | None,
    budget: Decimal | None,
    previous: Mapping[str, Any] | None,
    compared_with: datetime | None,
    since_subscribed: bool = False,
    keep_snapshot: bool = True,
) -> RankingDigest:
    """Rank the products and say how each moved since the previous digest's snapshot.

    Without `keep_snapshot` (a preview, never stored) the digest's own snapshot is left
    empty: a row of the portfolio's every product that nothing would read.
    """
    ranked = rank(inputs, measure, discount_rate=discount_rate, weights=weights)
    before: Mapping[str, Any] = previous.get("rows", {}) if previous else {}
    measure_before = previous.get("measure") if previous else None
    lines: list[RankingLine] = []
    movers: list[Mover] = []
    rows: dict[str, Any] = {}
    for entry in ranked:
        item = entry.item
        old = before.get(item.key)
        movement = _movement(bool(previous), old, entry.position)
        lines.append(
            RankingLine(
                position=entry.position,
                key=item.key,
                name=item.name,
                owner_id=item.owner_id,
                health=item.health,
                category=item.category,
                value=entry.value,
                investment=item.investment,
                expected_return=item.expected_return,
                confidence=item.confidence,
                roi=roi(item.investment, item.expected_return),
                movement=movement,
            )
        )
        if movement.kind in ("up", "down") and old is not None:
            movers.append(
                Mover(
                    key=item.key,
                    name=item.name,
                    before=int(old["position"]),
                    after=entry.position,
                    reasons=_reasons(item, old, measure, measure_before, movement),
                )
            )
        rows[item.key] = ranking_row(item, entry.position, entry.value) if keep_snapshot else None
    movers.sort(key=lambda m: (-abs(m.places), m.after, m.key))
    total_investment = sum((i.investment for i in inputs), Decimal(0))
    total_return = sum((i.expected_return for i in inputs), Decimal(0))
    return RankingDigest(
        portfolio=portfolio,
        currency=currency,
        measure=measure,
        lines=tuple(lines),
        movers=tuple(movers[:MOVERS]),
        left=tuple(sorted(set(before) - set(rows))),
        total_investment=total_investment,
        total_return=total_return,
        portfolio_roi=roi(total_investment, total_return),
        budget=budget,
        budget_used=total_investment / budget if budget else None,
        compared_with=compared_with,
        snapshot={"measure": measure, "rows": rows} if keep_snapshot else {},
        since_subscribed=since_subscribed,
    )


_FIRST, _NEW, _SAME = Movement("first"), Movement("new"), Movement("same")  # shared


def _movement(has_previous: bool, old: Mapping[str, Any] | None, position: int) -> Movement:
    if not has_previous:
        return _FIRST
    if old is None:
        return _NEW
    places = int(old["position"]) - position
    if places > 0:
        return Movement("up", places)
    if places < 0:
        return Movement("down", -places)
    return _SAME


def _reasons(
    item: RankInput,
    old: Mapping[str, Any],
    measure: str,
    measure_before: str | None,
    movement: Movement,
) -> tuple[MoveReason, ...]:
    """Which inputs changed, with their values before and after."""
    reasons: list[MoveReason] = []
    if measure_before is not None and measure_before != measure:
        reasons.append(MeasureChanged(measure_before, measure))
    money: tuple[tuple[Literal["investment", "expected return"], Decimal], ...] = (
        ("investment", item.investment),
        ("expected return", item.expected_return),
    )
    for name, now in money:
        was = stored_decimal(old.get(name.replace(" ", "_")))
        if was is not None and was != now:
            reasons.append(InputChanged(name, was, now))
    was_confidence = stored_decimal(old.get("confidence"))
    if (
        measure in ("risk", "score")
        and was_confidence is not None
        and was_confidence != item.confidence
    ):
        reasons.append(InputChanged("confidence", was_confidence, item.confidence))
    if measure in ("npv", "score") and not same_cashflows(old.get("cashflows"), item.cashflows):
        reasons.append(InputsChanged("cash flows"))
    if measure == "score":
        was_alignment = stored_decimal(old.get("alignment"))
        if was_alignment is not None and was_alignment != item.alignment:
            reasons.append(InputsChanged("objective alignment"))
    if not reasons:
        reasons.append(OthersMoved(up=movement.kind == "up"))
    return tuple(reasons)
