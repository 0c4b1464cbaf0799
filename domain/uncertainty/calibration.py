"""How good the estimates were: Brier scores, bias, realised returns and delivery, by group.

Each recorded outcome judges the confidence its product had when the outcome was recorded
(the probability of success). Brier score = mean (confidence − outcome)², outcome 1 for a
success and 0 for a failure: 0 is perfect, 0.25 is what always saying 50 % scores. Bias =
mean (confidence − outcome): positive means confidence ran high. A bias is *large and
sustained* when a group has at least 5 outcomes, it is at least 15 points, it is at least
two standard errors from zero had the confidences been right (z = Σ(p − o) / √Σ p(1 − p)),
and the later half of the outcomes leans the same way.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

Grouping = Literal["owner", "category"]

MIN_OUTCOMES = 5
LARGE_BIAS = Decimal("0.15")
MIN_Z = 2.0
SHRINK = 5  # outcomes of prior weight when a group's bias corrects a confidence
_FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class Resolved:
    """A recorded outcome beside the estimate it judges (realised None: amount not given)."""

    key: str
    owner_id: str | None
    category: str
    confidence: Decimal
    success: bool
    expected_return: Decimal
    realised: Decimal | None
    on: date


@dataclass(frozen=True)
class Delivered:
    """A finished roadmap item beside the target it had."""

    ref: str
    owner_id: str | None
    category: str
    target: date
    done_on: date


@dataclass(frozen=True)
class Score:
    """One group's record: Brier score, bias and realised return (fractions, to 4 places).

    `realised_ratio` is Σ realised / Σ expected return over the outcomes whose amount is
    known (a failure without an amount realised nothing); None when there are none.
    """

    group: str | None
    outcomes: int
    brier: Decimal
    bias: Decimal
    confidence: Decimal
    success_rate: Decimal
    z: float
    realised_ratio: Decimal | None
    with_amounts: int


@dataclass(frozen=True)
class DeliveryScore:
    """One group's finished items: how many were on time and the mean days late (− early)."""

    group: str | None
    items: int
    on_time: int
    mean_days_late: Decimal


@dataclass(frozen=True)
class Bias:
    """A large, sustained bias: confidence by one owner or in one category ran high or low."""

    by: Grouping
    group: str | None
    bias: Decimal
    outcomes: int


@dataclass(frozen=True)
class Report:
    """Calibration overall, per owner and per category, delivery, and the biases found."""

    overall: Score | None
    owners: tuple[Score, ...]
    categories: tuple[Score, ...]
    delivery: DeliveryScore | None
    delivery_owners: tuple[DeliveryScore, ...]
    delivery_categories: tuple[DeliveryScore, ...]
    biases: tuple[Bias, ...]


@dataclass(frozen=True)
class Adjusted:
    """A confidence corrected by its owner's (else category's) record, and from what."""

    key: str
    before: Decimal
    after: Decimal
    by: Grouping | None
    group: str | None
    outcomes: int


def report(resolved: Sequence[Resolved], delivered: Sequence[Delivered] = ()) -> Report:
    """The calibration report of every recorded outcome and finished item."""
    owners = _scores(resolved, lambda r: r.owner_id)
    categories = _scores(resolved, lambda r: r.category)
    biases: list[Bias] = []
    groupings: tuple[tuple[Grouping, tuple[Score, ...], Callable[[Resolved], str | None]], ...] = (
        ("owner", owners, _owner_key),
        ("category", categories, _category_key),
    )
    for by, scores, key in groupings:
        for found in scores:
            if _sustained(found, [r for r in resolved if key(r) == found.group]):
                biases.append(Bias(by, found.group, found.bias, found.outcomes))
    return Report(
        overall=score(resolved, None) if resolved else None,
        owners=owners,
        categories=categories,
        delivery=delivery_score(delivered, None) if delivered else None,
        delivery_owners=_delivery_scores(delivered, lambda d: d.owner_id),
        delivery_categories=_delivery_scores(delivered, lambda d: d.category),
        biases=tuple(sorted(biases, key=lambda b: (-abs(b.bias), b.by, b.group or ""))),
    )


def _owner_key(r: Resolved) -> str | None:
    return r.owner_id


def _category_key(r: Resolved) -> str | None:
    return r.category


def brier(pairs: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """Mean squared difference between each probability and its outcome (1 success, 0 not)."""
    values = [(p - (1 if happened else 0)) ** 2 for p, happened in pairs]
    if not values:
        raise ValueError("a Brier score needs at least one outcome")
    return (sum(values, Decimal(0)) / len(values)).quantize(_FOUR, rounding=ROUND_HALF_EVEN)


def score(resolved: Sequence[Resolved], group: str | None) -> Score:
    """One group's Brier score, bias, success rate and realised return."""
    n = len(resolved)
    hits = [Decimal(1 if r.success else 0) for r in resolved]
    gaps = [r.confidence - hit for r, hit in zip(resolved, hits, strict=True)]
    spread = sum((r.confidence * (1 - r.confidence) for r in resolved), Decimal(0))
    z = float(sum(gaps, Decimal(0))) / math.sqrt(float(spread)) if spread > 0 else 0.0
    known = [r for r in resolved if r.realised is not None or not r.success]
    expected = sum((r.expected_return for r in known), Decimal(0))
    realised = sum((r.realised or Decimal(0) for r in known), Decimal(0))
    return Score(
        group=group,
        outcomes=n,
        brier=brier((r.confidence, r.success) for r in resolved),
        bias=_four(sum(gaps, Decimal(0)) / n),
        confidence=_four(sum((r.confidence for r in resolved), Decimal(0)) / n),
        success_rate=_four(sum(hits, Decimal(0)) / n),
        z=z,
        realised_ratio=_four(realised / expected) if known and expected > 0 else None,
        with_amounts=len(known),
    )


def _four(value: Decimal) -> Decimal:
    return value.quantize(_FOUR, rounding=ROUND_HALF_EVEN)


def _scores(
    resolved: Sequence[Resolved], key: Callable[[Resolved], str | None]
) -> tuple[Score, ...]:
    groups: dict[str | None, list[Resolved]] = defaultdict(list)
    for r in resolved:
        groups[key(r)].append(r)
    scores = [score(rows, group) for group, rows in groups.items()]
    return tuple(sorted(scores, key=lambda s: (-s.outcomes, s.group is None, s.group or "")))


def _sustained(score: Score, rows: Sequence[Resolved]) -> bool:
    """The stated rule: enough outcomes, large, significant, and still so lately."""
    if score.outcomes < MIN_OUTCOMES or abs(score.bias) < LARGE_BIAS or abs(score.z) < MIN_Z:
        return False
    later = sorted(rows, key=lambda r: r.on)[len(rows) // 2 :]
    lean = sum((r.confidence - (1 if r.success else 0) for r in later), Decimal(0))
    return lean * score.bias > 0


def delivery_score(delivered: Sequence[Delivered], group: str | None) -> DeliveryScore:
    """How many finished items met their target, and the mean days late."""
    late = [(d.done_on - d.target).days for d in delivered]
    return DeliveryScore(
        group=group,
        items=len(delivered),
        on_time=sum(1 for days in late if days <= 0),
        mean_days_late=(Decimal(sum(late)) / len(late)).quantize(Decimal("0.1")),
    )


def _delivery_scores(
    delivered: Sequence[Delivered], key: Callable[[Delivered], str | None]
) -> tuple[DeliveryScore, ...]:
    groups: dict[str | None, list[Delivered]] = defaultdict(list)
    for d in delivered:
        groups[key(d)].append(d)
    scores = [delivery_score(rows, group) for group, rows in groups.items()]
    return tuple(sorted(scores, key=lambda s: (-s.items, s.group is None, s.group or "")))


def adjust(
    key: str, confidence: Decimal, owner_id: str | None, category: str, result: Report
) -> Adjusted:
    """The confidence less its owner's bias (else its category's), shrunk toward no change.

    The correction is bias × n / (n + 5) for a group with n outcomes, so one outcome moves
    a confidence little and many move it by nearly the whole bias; kept within 0–100 %.
    """
    choices: tuple[tuple[Grouping, tuple[Score, ...], str | None], ...] = (
        ("owner", result.owners, owner_id),
        ("category", result.categories, category),
    )
    for by, scores, group in choices:
        found = next((s for s in scores if s.group == group), None)
        if found is not None and group is not None:
            shift = found.bias * found.outcomes / (found.outcomes + SHRINK)
            after = min(Decimal(1), max(Decimal(0), confidence - shift))
            return Adjusted(key, confidence, _four(after), by, group, found.outcomes)
    return Adjusted(key, confidence, confidence, None, None, 0)
