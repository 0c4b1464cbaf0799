"""Why no allocation exists, and what would fund the best unfunded product, as typed reasons."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from domain.allocation.program import Constraint, Program, keys, same_category, solve
from domain.allocation.reasons import (
    Advice,
    AllowMore,
    BudgetShort,
    Conflict,
    DropFunded,
    KeptOverBudget,
    KeptOverMaximum,
    KeptTogetherInfeasible,
    LoosenSeveral,
    MinimumOutOfReach,
    MinimumsOverBudget,
    RaiseBudget,
    Reason,
    Relaxation,
    RuleExceeded,
    RuleUnreachable,
)


def advice(
    program: Program, chosen: set[int], best: int, left: Decimal, time_limit: float
) -> Advice:
    """What would fund the best unfunded product: raise the limits, or drop funded ones."""
    candidate = program.candidates[best]
    raises: list[RaiseBudget | AllowMore] = []
    if candidate.cost > left:
        raises.append(RaiseBudget(candidate.cost - left))
    for constraint in program.constraints:
        rule = constraint.rule
        if rule is None or rule.kind != "max" or best not in constraint.members:
            continue
        spent = sum(
            (program.candidates[i].cost for i in constraint.members if i in chosen), Decimal(0)
        )
        room = rule.share * program.budget - spent
        if candidate.cost > room:
            raises.append(AllowMore(rule, candidate.cost - room))
    fixed = program.fixed()
    fixed[best] = 1
    forced = solve(program, program.constraints, fixed, program.objective, time_limit)
    drop = None
    if forced.chosen is not None:
        leaving = sorted(
            (program.candidates[i] for i in chosen - forced.chosen), key=lambda c: c.key
        )
        if leaving:
            drop = DropFunded(keys(leaving), sum((c.value for c in leaving), Decimal(0)))
    return Advice(candidate.key, tuple(raises), drop)


def diagnose(program: Program, time_limit: float) -> tuple[Reason, ...]:
    """Why no allocation exists: simple necessary conditions, then one relaxation at a time."""
    simple = _simple_conflicts(program)
    if simple:
        return simple
    found: list[Relaxation] = []
    for index, constraint in enumerate(program.constraints):
        others = program.constraints[:index] + program.constraints[index + 1 :]
        reason = _relaxed(program, constraint, others, time_limit)
        if reason is not None:
            found.append(reason)
    if program.kept:
        fixed = program.fixed(with_keep=False)
        fixed.update({i: 0 for i in program.kept if program.candidates[i].value <= 0})
        trial = solve(program, program.constraints, fixed, program.objective, time_limit)
        if trial.chosen is not None:
            kept = sorted((program.candidates[i] for i in program.kept), key=lambda c: c.key)
            found.append(KeptTogetherInfeasible(keys(kept)))
    if found:
        return tuple(found)
    rules = tuple(c.rule for c in program.constraints if c.rule is not None)
    return (LoosenSeveral(rules, keep=bool(program.kept)),)


def _simple_conflicts(program: Program) -> tuple[Conflict, ...]:
    candidates = program.candidates
    kept = sorted((candidates[i] for i in program.kept), key=lambda c: c.key)
    kept_cost = sum((c.cost for c in kept), Decimal(0))
    budget = program.budget
    if kept_cost > budget:
        return (KeptOverBudget(keys(kept), kept_cost, budget, kept_cost - budget),)
    found: list[Conflict] = []
    floor = Decimal(0)
    floor_categories: set[str] = set()
    for constraint in program.constraints:
        rule = constraint.rule
        if rule is None:
            continue
        limit = rule.share * budget
        members = [candidates[i] for i in constraint.members]
        kept_here = [c for c in kept if same_category(c.category, rule.category)]
        kept_here_cost = sum((c.cost for c in kept_here), Decimal(0))
        if rule.kind == "max" and kept_here_cost > limit:
            found.append(
                KeptOverMaximum(
                    rule, limit, keys(kept_here), kept_here_cost, kept_here_cost - limit
                )
            )
        if rule.kind == "min":
            usable = [
                c
                for i, c in zip(constraint.members, members, strict=True)
                if i not in program.dropped and (c.value > 0 or i in program.kept)
            ]
            usable_cost = sum((c.cost for c in usable), Decimal(0))
            if usable_cost < limit:
                left_out = sorted((c for c in members if c not in usable), key=lambda c: c.key)
                found.append(
                    MinimumOutOfReach(rule, limit, usable_cost, limit - usable_cost, keys(left_out))
                )
            floor += max(limit, kept_here_cost)
            floor_categories.add(rule.category.strip().casefold())
    if found:
        return tuple(found)
    floor += sum(
        (c.cost for c in kept if c.category.strip().casefold() not in floor_categories), Decimal(0)
    )
    if floor > budget:
        mins = tuple(
            c.rule for c in program.constraints if c.rule is not None and c.rule.kind == "min"
        )
        return (MinimumsOverBudget(mins, floor, budget, floor - budget),)
    return ()


def _relaxed(
    program: Program, constraint: Constraint, others: list[Constraint], time_limit: float
) -> Relaxation | None:
    """If dropping this constraint makes the problem feasible, by how much it is missed."""
    members = np.zeros(len(program.candidates))
    for i in constraint.members:
        members[i] = program.costs[i]
    fixed = program.fixed()
    wants_more = constraint.lower is not None
    trial = solve(program, others, fixed, members if wants_more else -members, time_limit)
    if trial.chosen is None:
        return None
    reached = (
        Decimal(sum(program.costs[i] for i in constraint.members if i in trial.chosen))
        / program.scale
    )
    rule = constraint.rule
    if rule is None:
        return BudgetShort(reached, program.budget, reached - program.budget)
    limit = rule.share * program.budget
    if rule.kind == "min":
        return RuleUnreachable(rule, limit, reached, limit - reached)
    return RuleExceeded(rule, limit, reached, reached - limit)
