"""The 0/1 integer programme behind an allocation, solved with HiGHS (SciPy's milp).

Costs and the budget are scaled to exact integers, so every constraint is an integer
inequality that floating point represents exactly; the solver's answer is rounded to 0/1
and checked against every constraint, with a no-good cut when a tolerance let one slip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from domain.allocation.model import Candidate
from domain.allocation.rules import ShareRule

EXACT_LIMIT = 2**52
_MAX_REPAIRS = 20
_GAP = 0.0

FloatArray = npt.NDArray[np.float64]


@dataclass
class Constraint:
    """An integer row: lower ≤ Σ_{members} coefficient · x ≤ upper.

    The coefficients are the scaled costs unless `weights` gives others (one per candidate,
    exact integers, as a risk limit does); no rule and no weights means the budget.
    """

    members: list[int]
    lower: int | None
    upper: int | None
    rule: ShareRule | None = None
    weights: list[int] | None = None

    def coefficient(self, program: Program, i: int) -> int:
        """Candidate i's coefficient in this row."""
        return program.costs[i] if self.weights is None else self.weights[i]


@dataclass
class Program:
    """Candidates with scaled integer costs, the constraints, keeps, drops and the objective."""

    candidates: list[Candidate]
    costs: list[int]
    scale: int
    budget: Decimal
    constraints: list[Constraint]
    kept: set[int]
    dropped: set[int]
    objective: FloatArray
    value_scale: Decimal

    def fixed(self, *, with_keep: bool = True) -> dict[int, int]:
        """Variables with a forced value: dropped (0), kept (1), and not worth funding (0)."""
        result = {i: 0 for i in self.dropped}
        for i, candidate in enumerate(self.candidates):
            if i in self.kept and with_keep:
                result[i] = 1
            elif candidate.value <= 0 and i not in self.kept:
                result[i] = 0
        return result


@dataclass
class Solution:
    """The chosen indices (None when none was found), HiGHS' status, gap and bound."""

    chosen: set[int] | None
    status: int
    gap: float
    bound: float | None


def solve(
    program: Program,
    constraints: Sequence[Constraint],
    fixed: dict[int, int],
    objective: FloatArray,
    time_limit: float,
) -> Solution:
    """Maximise objective·x over the free binaries; repair tolerance slips with no-good cuts."""
    free = [i for i in range(len(program.candidates)) if i not in fixed]
    position = {i: p for p, i in enumerate(free)}
    rows: list[FloatArray] = []
    lower: list[float] = []
    upper: list[float] = []
    for constraint in constraints:
        offset = sum(
            constraint.coefficient(program, i) for i in constraint.members if fixed.get(i) == 1
        )
        row = np.zeros(len(free))
        for i in constraint.members:
            if i in position:
                row[position[i]] = constraint.coefficient(program, i)
        rows.append(row)
        lower.append(-math.inf if constraint.lower is None else constraint.lower - offset)
        upper.append(math.inf if constraint.upper is None else constraint.upper - offset)
    base = {i for i, v in fixed.items() if v == 1}
    if not free:
        ok = all(lo <= 0 <= up for lo, up in zip(lower, upper, strict=True))
        return Solution(
            base if ok else None,
            0 if ok else 2,
            0.0,
            float(objective[list(base)].sum()) if ok else None,
        )
    from scipy.optimize import Bounds, LinearConstraint, milp  # loads SciPy on first use

    cost = -objective[free]
    for _attempt in range(_MAX_REPAIRS):
        result = milp(
            cost,
            integrality=np.ones(len(free)),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(np.array(rows), lower, upper) if rows else (),
            options={"time_limit": time_limit, "mip_rel_gap": _GAP, "presolve": False},
        )
        if result.x is None:
            return Solution(None, int(result.status), math.inf, None)
        picked = np.flatnonzero(np.round(result.x) == 1)
        chosen = base | {free[p] for p in picked.tolist()}
        gap = float(result.mip_gap) if result.mip_gap is not None else 0.0
        bound = -float(result.mip_dual_bound) if result.mip_dual_bound is not None else None
        fixed_value = float(objective[list(base)].sum()) if base else 0.0
        if all(holds(program, constraint, chosen) for constraint in constraints):
            return Solution(
                chosen, int(result.status), gap, None if bound is None else bound + fixed_value
            )
        cut = np.where(np.isin(np.arange(len(free)), picked), 1.0, -1.0)
        rows.append(cut)
        lower.append(-math.inf)
        upper.append(float(len(picked) - 1))
    return Solution(None, 4, math.inf, None)


def holds(program: Program, constraint: Constraint, chosen: set[int]) -> bool:
    """Whether the chosen products meet one constraint, in exact integers."""
    total = sum(constraint.coefficient(program, i) for i in constraint.members if i in chosen)
    if constraint.lower is not None and total < constraint.lower:
        return False
    return constraint.upper is None or total <= constraint.upper


def same_category(left: str, right: str) -> bool:
    """Categories compare without case or surrounding spaces."""
    return left.strip().casefold() == right.strip().casefold()


def keys(candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """The candidates' keys, in the order given."""
    return tuple(c.key for c in candidates)
