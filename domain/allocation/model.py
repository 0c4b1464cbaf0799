"""What an allocation takes and gives: candidates, share rules, and the chosen selection."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.allocation.reasons import Advice


@dataclass(frozen=True)
class Candidate:
    """A product that may be funded; value = confidence × return − investment (caller computes)."""

    key: str
    category: str
    cost: Decimal
    value: Decimal


@dataclass(frozen=True)
class Allocation:
    """Funded and unfunded products, money used and left, and what would fund one more.

    `bound` is the solver's proven upper bound on the total value (equal to it when optimal).
    """

    funded: tuple[Candidate, ...]
    unfunded: tuple[Candidate, ...]
    budget: Decimal
    used: Decimal
    left: Decimal
    total_value: Decimal
    best_unfunded: Candidate | None
    to_fund_best: Advice | None
    gap: float
    bound: Decimal | None = None
