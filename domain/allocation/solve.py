"""Exact budget allocation: which products to fund, within the budget and the share rules.

Maximise Σ value·x subject to Σ cost·x ≤ budget; for each `min` rule the category's funded
cost ≥ share × budget, for each `max` rule ≤ share × budget; x = 1 for kept products and
x = 0 for dropped ones. A product whose value (confidence × return − investment) is zero or
negative is funded only when it is kept: it never earns its place otherwise, not even to
meet a `min` rule.

The answer is verified against every constraint in Decimal before it is returned. A request
that cannot be met raises AllocationRefused with typed reasons (the constraint at fault and
by how much); handlers word them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext

import numpy as np

from domain.allocation.explain import advice, diagnose
from domain.allocation.model import Allocation, Candidate
from domain.allocation.program import (
    EXACT_LIMIT,
    Constraint,
    FloatArray,
    Program,
    Solution,
    same_category,
    solve,
)
from domain.allocation.reasons import (
    AllocationRefused,
    DuplicateRule,
    MinimumAboveMaximum,
    MinimumsOverWhole,
    ShareOutOfRange,
    TimedOut,
    UnknownCategory,
)
from domain.allocation.rules import ShareRule
from domain.errors import InvalidInput

_CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP)


def allocate(
    candidates: Sequence[Candidate],
    budget: Decimal,
    *,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    time_limit: float = 10.0,
    currency: str | None = None,
) -> Allocation:
    """Choose the products that maximise total value within the budget and the share rules.

    `currency` is what the amounts are in; a refusal carries it, so it can be worded.
    """
    try:
        program = build_program(candidates, budget, rules, keep, drop)
        solution = solve(
            program, program.constraints, program.fixed(), program.objective, time_limit
        )
        if solution.chosen is None:
            if solution.status == 2:
                raise AllocationRefused(*diagnose(program, time_limit))
            raise AllocationRefused(TimedOut(time_limit))
    except AllocationRefused as refused:
        refused.currency = currency
        raise
    verify(program, solution.chosen)
    return _result(program, solution, time_limit)


def build_program(
    candidates: Sequence[Candidate],
    budget: Decimal,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
) -> Program:
    """The checked integer programme of an allocation: the budget row and one row per rule."""
    if budget < 0:
        raise InvalidInput(
            f"A budget cannot be negative; you wrote `{budget}`. Example: `/portfolio allocate 2m`."
        )
    index: dict[str, int] = {}
    for i, candidate in enumerate(candidates):
        if candidate.key.upper() in index:
            raise InvalidInput(
                f"Product `{candidate.key}` appears twice; each product can be funded once."
            )
        if candidate.cost < 0:
            raise InvalidInput(
                f"`{candidate.key}` has a negative investment ({candidate.cost}); set it with "
                f"`/portfolio set {candidate.key} | investment 120k`."
            )
        index[candidate.key.upper()] = i
    kept = _lookup(keep, index, "keep")
    dropped = _lookup(drop, index, "drop")
    both = sorted(candidates[i].key for i in kept & dropped)
    if both:
        raise InvalidInput(
            f"{', '.join(f'`{k}`' for k in both)} cannot be both kept and dropped; choose one."
        )
    _check_rules(candidates, rules)
    places = max([_places(c.cost) for c in candidates] + [_places(budget)])
    scale = 10**places
    costs = [int(c.cost * scale) for c in candidates]
    if sum(costs) >= EXACT_LIMIT or budget * scale >= EXACT_LIMIT:
        raise InvalidInput(
            "The amounts are too large or too precise to allocate exactly; round them to cents."
        )
    with localcontext(_CONTEXT):
        constraints = [Constraint(list(range(len(candidates))), None, int(budget * scale))]
        for rule in rules:
            members = [
                i for i, c in enumerate(candidates) if same_category(c.category, rule.category)
            ]
            amount = rule.share * budget * scale
            if rule.kind == "min":
                bound = int(amount.to_integral_value(rounding=ROUND_CEILING))
                constraints.append(Constraint(members, bound, None, rule))
            else:
                bound = int(amount.to_integral_value(rounding=ROUND_FLOOR))
                constraints.append(Constraint(members, None, bound, rule))
    objective, value_scale = _objective(candidates)
    return Program(
        list(candidates), costs, scale, budget, constraints, kept, dropped, objective, value_scale
    )


def _objective(candidates: Sequence[Candidate]) -> tuple[FloatArray, Decimal]:
    """Values as floats scaled to exact integers where possible, and that scale."""
    places = min(4, max((_places(c.value) for c in candidates), default=0))
    scale = Decimal(10) ** places
    scaled = [(c.value * scale).to_integral_value(rounding=ROUND_HALF_UP) for c in candidates]
    if sum(abs(v) for v in scaled) >= EXACT_LIMIT:
        return np.array([float(c.value) for c in candidates], dtype=np.float64), Decimal(1)
    return np.array([float(v) for v in scaled], dtype=np.float64), scale


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _lookup(keys: Collection[str], index: dict[str, int], verb: str) -> set[int]:
    unknown = [k for k in keys if k.upper() not in index]
    if unknown:
        known = ", ".join(sorted(index)) or "none"
        raise InvalidInput(
            f"`{verb}` names {', '.join(f'`{k}`' for k in unknown)}, which "
            f"{'is not a product' if len(unknown) == 1 else 'are not products'} "
            f"of this portfolio. Products: {known}."
        )
    return {index[k.upper()] for k in keys}


def _check_rules(candidates: Sequence[Candidate], rules: Sequence[ShareRule]) -> None:
    categories = tuple(sorted({c.category.strip() for c in candidates}, key=str.casefold))
    seen: dict[tuple[str, str], ShareRule] = {}
    for rule in rules:
        if rule.kind not in ("min", "max"):
            raise InvalidInput(
                f"A share rule is `min` or `max`, not `{rule.kind}`. Example: `min Growth 30%`."
            )
        if not 0 <= rule.share <= 1:
            raise AllocationRefused(ShareOutOfRange(rule))
        if not any(same_category(c.category, rule.category) for c in candidates):
            raise AllocationRefused(UnknownCategory(rule, categories))
        marker = (rule.kind, rule.category.strip().casefold())
        if marker in seen:
            raise AllocationRefused(DuplicateRule(seen[marker], rule))
        seen[marker] = rule
    for (kind, category), rule in seen.items():
        other = seen.get(("max", category))
        if kind == "min" and other is not None and rule.share > other.share:
            raise AllocationRefused(MinimumAboveMaximum(rule, other))
    total_min = sum((r.share for r in rules if r.kind == "min"), Decimal(0))
    if total_min > 1:
        raise AllocationRefused(MinimumsOverWhole(total_min))


def verify(program: Program, chosen: set[int]) -> None:
    """Check the answer against every constraint in Decimal; a failure is a bug, not bad input."""
    picked = [program.candidates[i] for i in sorted(chosen)]
    used = sum((c.cost for c in picked), Decimal(0))
    problems: list[str] = []
    if used > program.budget:
        problems.append("budget")
    for constraint in program.constraints:
        rule = constraint.rule
        if rule is None:
            continue
        spent = sum(
            (c.cost for c in picked if same_category(c.category, rule.category)), Decimal(0)
        )
        limit = rule.share * program.budget
        if (rule.kind == "min" and spent < limit) or (rule.kind == "max" and spent > limit):
            problems.append(f"{rule.kind} {rule.category} {rule.share}")
    if not program.kept <= chosen or program.dropped & chosen:
        problems.append("keep/drop")
    if problems:
        raise AssertionError(f"allocation violates {', '.join(problems)}")


def _result(program: Program, solution: Solution, time_limit: float) -> Allocation:
    assert solution.chosen is not None
    chosen = solution.chosen

    def order(c: Candidate) -> tuple[Decimal, str]:
        return (c.value.copy_negate(), c.key)

    funded = sorted((program.candidates[i] for i in chosen), key=order)
    unfunded = sorted((c for i, c in enumerate(program.candidates) if i not in chosen), key=order)
    used = sum((c.cost for c in funded), Decimal(0))
    total = sum((c.value for c in funded), Decimal(0))
    best_index = _best_unfunded(program, chosen)
    best = program.candidates[best_index] if best_index is not None else None
    to_fund = (
        advice(program, chosen, best_index, program.budget - used, time_limit)
        if best_index is not None
        else None
    )
    bound = None
    if solution.bound is not None and math.isfinite(solution.bound):
        bound = (Decimal(repr(solution.bound)) / program.value_scale).quantize(Decimal("0.01"))
        bound = max(bound, total.quantize(Decimal("0.01")))
    return Allocation(
        funded=tuple(funded),
        unfunded=tuple(unfunded),
        budget=program.budget,
        used=used,
        left=program.budget - used,
        total_value=total,
        best_unfunded=best,
        to_fund_best=to_fund,
        gap=solution.gap,
        bound=bound,
    )


def _best_unfunded(program: Program, chosen: set[int]) -> int | None:
    """The unfunded, not dropped product with the highest positive value (ties by key)."""
    options = [
        i
        for i, c in enumerate(program.candidates)
        if i not in chosen and i not in program.dropped and c.value > 0
    ]
    if not options:
        return None
    return min(
        options,
        key=lambda i: (program.candidates[i].value.copy_negate(), program.candidates[i].key),
    )
