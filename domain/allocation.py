"""Exact budget allocation: which products to fund, as a 0/1 integer programme (HiGHS via SciPy).

Maximise Σ value·x subject to Σ cost·x ≤ budget; for each `min` rule the category's funded
cost ≥ share × budget, for each `max` rule ≤ share × budget; x = 1 for kept products and
x = 0 for dropped ones. A product whose value (confidence × return − investment) is zero or
negative is funded only when it is kept: it never earns its place otherwise, not even to
meet a `min` rule.

Amounts are scaled to exact integers (costs and budget by a common power of ten, so every
constraint is an integer inequality that floating point represents exactly); the solver's
answer is rounded to 0/1 and verified against every constraint in Decimal before it is
returned. An infeasible request raises InvalidInput naming the constraint at fault and by
how much.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from domain.errors import InvalidInput

_CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP)
_EXACT_LIMIT = 2**52
_MAX_REPAIRS = 20
_GAP = 0.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Candidate:
    """A product that may be funded; value = confidence × return − investment (caller computes)."""

    key: str
    category: str
    cost: Decimal
    value: Decimal


@dataclass(frozen=True)
class ShareRule:
    """A minimum or maximum share of the budget to spend on one category."""

    category: str
    share: Decimal
    kind: Literal["min", "max"]

    def label(self) -> str:
        """How a person wrote the rule, e.g. `min Growth 30%`."""
        return f"`{self.kind} {self.category} {_percent(self.share)}`"


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
    to_fund_best: str | None
    gap: float
    bound: Decimal | None = None


def _percent(share: Decimal) -> str:
    text = f"{(share * 100).normalize():f}"
    return f"{text}%"


def format_amount(amount: Decimal) -> str:
    """An amount the way people write it: 2.4m, 600k, 150k, 1,234.50 (exact, never rounded)."""
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    for unit, step in (("bn", Decimal(10) ** 9), ("m", Decimal(10) ** 6), ("k", Decimal(1000))):
        if size >= step:
            scaled = size / step
            if scaled == scaled.quantize(Decimal("0.001")):
                return f"{sign}{scaled.normalize():f}{unit}"
            break
    if size == size.to_integral_value():
        return f"{sign}{size:,.0f}"
    return f"{sign}{size:,.2f}" if size == size.quantize(Decimal("0.01")) else f"{sign}{size:,f}"


def _keys(candidates: Sequence[Candidate]) -> str:
    return ", ".join(c.key for c in candidates)


@dataclass
class _Constraint:
    """An integer row: lower ≤ Σ_{members} scaled cost · x ≤ upper."""

    label: str
    members: list[int]
    lower: int | None
    upper: int | None
    rule: ShareRule | None = None


@dataclass
class _Model:
    candidates: list[Candidate]
    costs: list[int]
    scale: int
    budget: Decimal
    constraints: list[_Constraint]
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
class _Solution:
    chosen: set[int] | None
    status: int
    gap: float
    bound: float | None


def allocate(
    candidates: Sequence[Candidate],
    budget: Decimal,
    *,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    time_limit: float = 10.0,
) -> Allocation:
    """Choose the products that maximise total value within the budget and the share rules."""
    model = _build(candidates, budget, rules, keep, drop)
    solution = _solve(model, model.constraints, model.fixed(), model.objective, time_limit)
    if solution.chosen is None:
        if solution.status == 2:
            raise InvalidInput(_diagnose(model, time_limit))
        raise InvalidInput(
            f"No allocation was found within {time_limit:g} s. Try with fewer products "
            "(for example one category at a time) or fewer rules."
        )
    _verify(model, solution.chosen)
    return _result(model, solution, time_limit)


def _build(
    candidates: Sequence[Candidate],
    budget: Decimal,
    rules: Sequence[ShareRule],
    keep: Collection[str],
    drop: Collection[str],
) -> _Model:
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
    if sum(costs) >= _EXACT_LIMIT or budget * scale >= _EXACT_LIMIT:
        raise InvalidInput(
            "The amounts are too large or too precise to allocate exactly; round them to cents."
        )
    with localcontext(_CONTEXT):
        constraints = [
            _Constraint("the budget", list(range(len(candidates))), None, int(budget * scale))
        ]
        for rule in rules:
            members = [i for i, c in enumerate(candidates) if _same(c.category, rule.category)]
            amount = rule.share * budget * scale
            if rule.kind == "min":
                bound = int(amount.to_integral_value(rounding=ROUND_CEILING))
                constraints.append(_Constraint(rule.label(), members, bound, None, rule))
            else:
                bound = int(amount.to_integral_value(rounding=ROUND_FLOOR))
                constraints.append(_Constraint(rule.label(), members, None, bound, rule))
    objective, value_scale = _objective(candidates)
    return _Model(
        list(candidates), costs, scale, budget, constraints, kept, dropped, objective, value_scale
    )


def _objective(candidates: Sequence[Candidate]) -> tuple[FloatArray, Decimal]:
    """Values as floats scaled to exact integers where possible, and that scale."""
    places = min(4, max((_places(c.value) for c in candidates), default=0))
    scale = Decimal(10) ** places
    scaled = [(c.value * scale).to_integral_value(rounding=ROUND_HALF_UP) for c in candidates]
    if sum(abs(v) for v in scaled) >= _EXACT_LIMIT:
        return np.array([float(c.value) for c in candidates], dtype=np.float64), Decimal(1)
    return np.array([float(v) for v in scaled], dtype=np.float64), scale


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _same(left: str, right: str) -> bool:
    return left.strip().casefold() == right.strip().casefold()


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
    categories = sorted({c.category.strip() for c in candidates}, key=str.casefold)
    seen: dict[tuple[str, str], ShareRule] = {}
    for rule in rules:
        if rule.kind not in ("min", "max"):
            raise InvalidInput(
                f"A share rule is `min` or `max`, not `{rule.kind}`. Example: `min Growth 30%`."
            )
        if not 0 <= rule.share <= 1:
            raise InvalidInput(
                f"{rule.label()}: a share must be between 0 % and 100 % of the budget. "
                "Example: `min Growth 30%`."
            )
        if not any(_same(c.category, rule.category) for c in candidates):
            raise InvalidInput(
                f"{rule.label()}: no product is in category {rule.category}. "
                f"Categories: {', '.join(categories) or 'none'}."
            )
        marker = (rule.kind, rule.category.strip().casefold())
        if marker in seen:
            raise InvalidInput(
                f"{seen[marker].label()} and {rule.label()} are both given; keep one."
            )
        seen[marker] = rule
    for (kind, category), rule in seen.items():
        other = seen.get(("max", category))
        if kind == "min" and other is not None and rule.share > other.share:
            raise InvalidInput(
                f"{rule.label()} asks for more than {other.label()} allows; make the minimum "
                "at most the maximum."
            )
    total_min = sum((r.share for r in rules if r.kind == "min"), Decimal(0))
    if total_min > 1:
        raise InvalidInput(
            f"The `min` rules add up to {_percent(total_min)} of the budget, "
            "more than 100%; lower them."
        )


def _solve(
    model: _Model,
    constraints: Sequence[_Constraint],
    fixed: dict[int, int],
    objective: FloatArray,
    time_limit: float,
) -> _Solution:
    """Maximise objective·x over the free binaries; repair tolerance slips with no-good cuts."""
    free = [i for i in range(len(model.candidates)) if i not in fixed]
    position = {i: p for p, i in enumerate(free)}
    rows: list[FloatArray] = []
    lower: list[float] = []
    upper: list[float] = []
    for constraint in constraints:
        offset = sum(model.costs[i] for i in constraint.members if fixed.get(i) == 1)
        row = np.zeros(len(free))
        for i in constraint.members:
            if i in position:
                row[position[i]] = model.costs[i]
        rows.append(row)
        lower.append(-math.inf if constraint.lower is None else constraint.lower - offset)
        upper.append(math.inf if constraint.upper is None else constraint.upper - offset)
    base = {i for i, v in fixed.items() if v == 1}
    if not free:
        ok = all(lo <= 0 <= up for lo, up in zip(lower, upper, strict=True))
        return _Solution(
            base if ok else None,
            0 if ok else 2,
            0.0,
            float(objective[list(base)].sum()) if ok else None,
        )
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
            return _Solution(None, int(result.status), math.inf, None)
        picked = np.flatnonzero(np.round(result.x) == 1)
        chosen = base | {free[p] for p in picked.tolist()}
        gap = float(result.mip_gap) if result.mip_gap is not None else 0.0
        bound = -float(result.mip_dual_bound) if result.mip_dual_bound is not None else None
        fixed_value = float(objective[list(base)].sum()) if base else 0.0
        if all(_holds(model, constraint, chosen) for constraint in constraints):
            return _Solution(
                chosen, int(result.status), gap, None if bound is None else bound + fixed_value
            )
        cut = np.where(np.isin(np.arange(len(free)), picked), 1.0, -1.0)
        rows.append(cut)
        lower.append(-math.inf)
        upper.append(float(len(picked) - 1))
    return _Solution(None, 4, math.inf, None)


def _holds(model: _Model, constraint: _Constraint, chosen: set[int]) -> bool:
    total = sum(model.costs[i] for i in constraint.members if i in chosen)
    if constraint.lower is not None and total < constraint.lower:
        return False
    return constraint.upper is None or total <= constraint.upper


def _verify(model: _Model, chosen: set[int]) -> None:
    """Check the answer against every constraint in Decimal; a failure is a bug, not bad input."""
    picked = [model.candidates[i] for i in sorted(chosen)]
    used = sum((c.cost for c in picked), Decimal(0))
    problems: list[str] = []
    if used > model.budget:
        problems.append("budget")
    for constraint in model.constraints:
        rule = constraint.rule
        if rule is None:
            continue
        spent = sum((c.cost for c in picked if _same(c.category, rule.category)), Decimal(0))
        limit = rule.share * model.budget
        if (rule.kind == "min" and spent < limit) or (rule.kind == "max" and spent > limit):
            problems.append(rule.label())
    if not model.kept <= chosen or model.dropped & chosen:
        problems.append("keep/drop")
    if problems:
        raise AssertionError(f"allocation violates {', '.join(problems)}")


def _result(model: _Model, solution: _Solution, time_limit: float) -> Allocation:
    assert solution.chosen is not None
    chosen = solution.chosen

    def order(c: Candidate) -> tuple[Decimal, str]:
        return (c.value.copy_negate(), c.key)

    funded = sorted((model.candidates[i] for i in chosen), key=order)
    unfunded = sorted((c for i, c in enumerate(model.candidates) if i not in chosen), key=order)
    used = sum((c.cost for c in funded), Decimal(0))
    total = sum((c.value for c in funded), Decimal(0))
    best_index = _best_unfunded(model, chosen)
    best = model.candidates[best_index] if best_index is not None else None
    advice = (
        _advice(model, chosen, best_index, model.budget - used, time_limit)
        if best_index is not None
        else None
    )
    bound = None
    if solution.bound is not None and math.isfinite(solution.bound):
        bound = (Decimal(repr(solution.bound)) / model.value_scale).quantize(Decimal("0.01"))
        bound = max(bound, total.quantize(Decimal("0.01")))
    return Allocation(
        funded=tuple(funded),
        unfunded=tuple(unfunded),
        budget=model.budget,
        used=used,
        left=model.budget - used,
        total_value=total,
        best_unfunded=best,
        to_fund_best=advice,
        gap=solution.gap,
        bound=bound,
    )


def _best_unfunded(model: _Model, chosen: set[int]) -> int | None:
    """The unfunded, not dropped product with the highest positive value (ties by key)."""
    options = [
        i
        for i, c in enumerate(model.candidates)
        if i not in chosen and i not in model.dropped and c.value > 0
    ]
    if not options:
        return None
    return min(
        options, key=lambda i: (model.candidates[i].value.copy_negate(), model.candidates[i].key)
    )


def _advice(model: _Model, chosen: set[int], best: int, left: Decimal, time_limit: float) -> str:
    """Plain words for what would fund the best unfunded product."""
    candidate = model.candidates[best]
    options: list[str] = []
    raises: list[str] = []
    if candidate.cost > left:
        raises.append(f"raise the budget by {format_amount(candidate.cost - left)}")
    for constraint in model.constraints:
        rule = constraint.rule
        if rule is None or rule.kind != "max" or best not in constraint.members:
            continue
        spent = sum(
            (model.candidates[i].cost for i in constraint.members if i in chosen), Decimal(0)
        )
        room = rule.share * model.budget - spent
        if candidate.cost > room:
            raises.append(f"allow {format_amount(candidate.cost - room)} more under {rule.label()}")
    if raises:
        options.append(" and ".join(raises))
    fixed = model.fixed()
    fixed[best] = 1
    forced = _solve(model, model.constraints, fixed, model.objective, time_limit)
    if forced.chosen is not None:
        leaving = sorted((model.candidates[i] for i in chosen - forced.chosen), key=lambda c: c.key)
        if leaving:
            lost = sum((c.value for c in leaving), Decimal(0))
            options.append(f"drop {_keys(leaving)} (value {format_amount(lost)})")
    if not options:
        return (
            f"{candidate.key} cannot be funded with these rules; loosen a `min` rule to make room"
        )
    return ", or ".join(options)


def _diagnose(model: _Model, time_limit: float) -> str:
    """Why no allocation exists: simple necessary conditions, then one relaxation at a time."""
    simple = _simple_conflicts(model)
    if simple:
        return " ".join(simple)
    found: list[str] = []
    for index, constraint in enumerate(model.constraints):
        others = model.constraints[:index] + model.constraints[index + 1 :]
        message = _relaxed(model, constraint, others, time_limit)
        if message:
            found.append(message)
    if model.kept:
        fixed = model.fixed(with_keep=False)
        fixed.update({i: 0 for i in model.kept if model.candidates[i].value <= 0})
        trial = _solve(model, model.constraints, fixed, model.objective, time_limit)
        if trial.chosen is not None:
            kept = sorted((model.candidates[i] for i in model.kept), key=lambda c: c.key)
            found.append(
                f"`keep` {_keys(kept)} cannot all be funded together with the budget and "
                "the rules; "
                "keep fewer of them."
            )
    if found:
        return "No selection meets the budget and all the rules. " + " ".join(found)
    labels = [c.label for c in model.constraints]
    return (
        "No selection meets the budget and all the rules, and loosening any single one is not "
        f"enough: loosen several of {', '.join(labels)}" + (", `keep`" if model.kept else "") + "."
    )


def _simple_conflicts(model: _Model) -> list[str]:
    candidates = model.candidates
    kept = sorted((candidates[i] for i in model.kept), key=lambda c: c.key)
    kept_cost = sum((c.cost for c in kept), Decimal(0))
    budget_text = format_amount(model.budget)
    if kept_cost > model.budget:
        return [
            f"`keep` {_keys(kept)} cost {format_amount(kept_cost)}, more than the {budget_text} "
            f"budget ({format_amount(kept_cost - model.budget)} over)."
        ]
    messages: list[str] = []
    floor = Decimal(0)
    floor_categories: set[str] = set()
    for constraint in model.constraints:
        rule = constraint.rule
        if rule is None:
            continue
        limit = rule.share * model.budget
        members = [candidates[i] for i in constraint.members]
        kept_here = [c for c in kept if _same(c.category, rule.category)]
        kept_here_cost = sum((c.cost for c in kept_here), Decimal(0))
        if rule.kind == "max" and kept_here_cost > limit:
            messages.append(
                f"{rule.label()} allows {format_amount(limit)} of {rule.category} products, "
                f"but the kept "
                f"ones ({_keys(kept_here)}) cost {format_amount(kept_here_cost)} "
                f"({format_amount(kept_here_cost - limit)} over)."
            )
        if rule.kind == "min":
            usable = [
                c
                for i, c in zip(constraint.members, members, strict=True)
                if i not in model.dropped and (c.value > 0 or i in model.kept)
            ]
            usable_cost = sum((c.cost for c in usable), Decimal(0))
            if usable_cost < limit:
                left_out = sorted((c for c in members if c not in usable), key=lambda c: c.key)
                note = (
                    f" Left out: {_keys(left_out)} "
                    "(dropped, or with no positive value and not kept)."
                    if left_out
                    else ""
                )
                messages.append(
                    f"{rule.label()} needs {format_amount(limit)} of {rule.category} products, "
                    "but all "
                    f"{rule.category} products together cost {format_amount(usable_cost)} "
                    f"({format_amount(limit - usable_cost)} short).{note}"
                )
            floor += max(limit, kept_here_cost)
            floor_categories.add(rule.category.strip().casefold())
    if messages:
        return messages
    floor += sum(
        (c.cost for c in kept if c.category.strip().casefold() not in floor_categories), Decimal(0)
    )
    if floor > model.budget:
        mins = ", ".join(
            c.label for c in model.constraints if c.rule is not None and c.rule.kind == "min"
        )
        return [
            f"The minimums ({mins}) and the kept products need at least {format_amount(floor)}, "
            f"more than the {budget_text} budget ({format_amount(floor - model.budget)} over)."
        ]
    return []


def _relaxed(
    model: _Model, constraint: _Constraint, others: list[_Constraint], time_limit: float
) -> str | None:
    """If dropping this constraint makes the problem feasible, say by how much it is missed."""
    members = np.zeros(len(model.candidates))
    for i in constraint.members:
        members[i] = model.costs[i]
    fixed = model.fixed()
    wants_more = constraint.lower is not None
    trial = _solve(model, others, fixed, members if wants_more else -members, time_limit)
    if trial.chosen is None:
        return None
    reached = (
        Decimal(sum(model.costs[i] for i in constraint.members if i in trial.chosen)) / model.scale
    )
    rule = constraint.rule
    if rule is None:
        return (
            f"Meeting the rules costs at least {format_amount(reached)}, more than the "
            f"{format_amount(model.budget)} budget ({format_amount(reached - model.budget)} over)."
        )
    limit = rule.share * model.budget
    if rule.kind == "min":
        return (
            f"{rule.label()} needs {format_amount(limit)} of {rule.category} products, "
            "but within the "
            f"budget and the other rules at most {format_amount(reached)} of them can be funded "
            f"({format_amount(limit - reached)} short)."
        )
    return (
        f"{rule.label()} allows {format_amount(limit)} of {rule.category} products, "
        "but the budget and "
        f"the other rules need at least {format_amount(reached)} of them "
        f"({format_amount(reached - limit)} over)."
    )
