"""What the ranking takes and gives, and the exact value of one product's measure."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from domain import finance
from domain.errors import InvalidInput
from domain.vocabulary import MEASURES, WEIGHT_PARTS

# Display precision of each measure: ROI, risk, alignment and score to 4 places, NPV to cents.
PLACES = {"roi": 4, "risk": 4, "npv": 2, "alignment": 4, "score": 4}
CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
SCORE_QUANTUM = Decimal(1).scaleb(-PLACES["score"])
NOT_AVAILABLE = {
    "roi": "n/a: no investment",
    "risk": "n/a: no investment",
    "npv": "n/a: no cash flows",
    "alignment": "n/a",
}
WEIGHTS_EXAMPLE = "Example: `/portfolio weights roi 40% risk 30% alignment 30%`."


@dataclass(frozen=True, slots=True)
class RankInput:
    """One product as the ranking sees it; confidence is a fraction 0..1."""

    key: str
    name: str
    owner_id: str | None
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    cashflows: tuple[Decimal, ...] = ()
    alignment: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score's measures, fractions summing to 1."""

    roi: Decimal = Decimal(0)
    risk: Decimal = Decimal(0)
    npv: Decimal = Decimal(0)
    alignment: Decimal = Decimal(0)

    def items(self) -> tuple[tuple[str, Decimal], ...]:
        """The (measure, weight) pairs in a fixed order."""
        return tuple((part, getattr(self, part)) for part in WEIGHT_PARTS)


DEFAULT_WEIGHTS = Weights(
    roi=Decimal("0.25"), risk=Decimal("0.25"), npv=Decimal("0.25"), alignment=Decimal("0.25")
)


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One measure's share of a score; `note` says when the measure was n/a (contributing 0)."""

    measure: str
    weight: Decimal
    normalised: Decimal
    contribution: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Ranked:
    """A ranked product; value None is shown as "n/a" and ranked last."""

    position: int
    item: RankInput
    value: Decimal | None
    parts: tuple[ScorePart, ...] = ()


def check_measure(measure: str) -> str:
    """The measure's canonical name (roi, risk, npv, score), else an error with a suggestion."""
    name = measure.strip().lower()
    if name in MEASURES:
        return name
    close = difflib.get_close_matches(name, MEASURES, n=1, cutoff=0.5)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise InvalidInput(
        f"There is no measure `{measure}`.{hint} Rank by one of: {', '.join(MEASURES)}. "
        "Example: `/portfolio rank roi top 10`."
    )


def measure_value(item: RankInput, measure: str, *, discount_rate: Decimal) -> Decimal | None:
    """The exact, display-rounded value of roi, risk, npv or alignment for one product."""
    if measure == "roi":
        return finance.roi(item.investment, item.expected_return)
    if measure == "risk":
        return finance.risk_adjusted_roi(item.investment, item.expected_return, item.confidence)
    if measure == "npv":
        return finance.npv(discount_rate, item.cashflows) if item.cashflows else None
    if measure == "alignment":
        with localcontext(CONTEXT):
            return item.alignment.quantize(Decimal(1).scaleb(-PLACES["alignment"]))
    if measure.strip().lower() == "score":
        raise InvalidInput(
            "A score compares products with each other, so it exists only in a ranking. "
            "Example: `/portfolio rank score`."
        )
    check_measure(measure)
    raise InvalidInput(f"`{measure}` is not a measure of one product.")
