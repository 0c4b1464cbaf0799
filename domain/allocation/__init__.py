"""Exact budget allocation as a 0/1 integer programme (HiGHS via SciPy), with typed reasons.

`allocate` returns an Allocation (with Advice on funding the best unfunded product) or
raises AllocationRefused carrying the reasons no allocation can be made as asked.
"""

from __future__ import annotations

from domain.allocation.model import Allocation, Candidate
from domain.allocation.reasons import (
    Advice,
    AllocationRefused,
    AllowMore,
    BudgetShort,
    DropFunded,
    DuplicateRule,
    KeptOverBudget,
    KeptOverMaximum,
    KeptTogetherInfeasible,
    LoosenSeveral,
    MinimumAboveMaximum,
    MinimumOutOfReach,
    MinimumsOverBudget,
    MinimumsOverWhole,
    RaiseBudget,
    Reason,
    RuleExceeded,
    RuleUnreachable,
    ShareOutOfRange,
    TimedOut,
    UnknownCategory,
)
from domain.allocation.rules import ShareRule
from domain.allocation.solve import allocate

__all__ = [
    "Advice",
    "Allocation",
    "AllocationRefused",
    "AllowMore",
    "BudgetShort",
    "Candidate",
    "DropFunded",
    "DuplicateRule",
    "KeptOverBudget",
    "KeptOverMaximum",
    "KeptTogetherInfeasible",
    "LoosenSeveral",
    "MinimumAboveMaximum",
    "MinimumOutOfReach",
    "MinimumsOverBudget",
    "MinimumsOverWhole",
    "RaiseBudget",
    "Reason",
    "RuleExceeded",
    "RuleUnreachable",
    "ShareOutOfRange",
    "ShareRule",
    "TimedOut",
    "UnknownCategory",
    "allocate",
]
