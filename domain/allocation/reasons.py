"""Why an allocation cannot be made, and what would fund one more product: typed reasons.

The solver returns these values; handlers word them. Amounts are exact Decimals in the
portfolio's currency (a `DropFunded.value` is in whatever the allocation maximised).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.allocation.rules import ShareRule
from domain.errors import InvalidInput

# -- what would fund the best unfunded product ----------------------------------------------


@dataclass(frozen=True)
class RaiseBudget:
    """The budget would need `amount` more."""

    amount: Decimal


@dataclass(frozen=True)
class AllowMore:
    """A `max` rule would need to allow `amount` more."""

    rule: ShareRule
    amount: Decimal


@dataclass(frozen=True)
class DropFunded:
    """Funding the product means leaving out these funded ones, worth `value` together."""

    keys: tuple[str, ...]
    value: Decimal


@dataclass(frozen=True)
class Advice:
    """What would fund product `key`: every raise together, or else the drop.

    With neither, only loosening a `min` rule makes room for it.
    """

    key: str
    raises: tuple[RaiseBudget | AllowMore, ...] = ()
    drop: DropFunded | None = None


# -- rules that cannot be used as given -----------------------------------------------------


@dataclass(frozen=True)
class ShareOutOfRange:
    """A rule's share is below 0 % or above 100 % of the budget."""

    rule: ShareRule


@dataclass(frozen=True)
class UnknownCategory:
    """No product is in the rule's category; `categories` are those that exist."""

    rule: ShareRule
    categories: tuple[str, ...]


@dataclass(frozen=True)
class DuplicateRule:
    """Two rules of the same kind for one category."""

    first: ShareRule
    second: ShareRule


@dataclass(frozen=True)
class MinimumAboveMaximum:
    """A category's `min` share is above its `max` share."""

    minimum: ShareRule
    maximum: ShareRule


@dataclass(frozen=True)
class MinimumsOverWhole:
    """The `min` shares add up to `total`, more than the whole budget."""

    total: Decimal


# -- conflicts seen without solving ---------------------------------------------------------


@dataclass(frozen=True)
class KeptOverBudget:
    """The kept products alone cost more than the budget."""

    keys: tuple[str, ...]
    cost: Decimal
    budget: Decimal
    over: Decimal


@dataclass(frozen=True)
class KeptOverMaximum:
    """A `max` rule allows less of its category than the kept products in it cost."""

    rule: ShareRule
    allowed: Decimal
    keys: tuple[str, ...]
    cost: Decimal
    over: Decimal


@dataclass(frozen=True)
class MinimumOutOfReach:
    """A `min` rule needs more than all usable products of its category cost together.

    `left_out` are the category's products that cannot count (dropped, or worth nothing
    and not kept).
    """

    rule: ShareRule
    needed: Decimal
    available: Decimal
    short: Decimal
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class MinimumsOverBudget:
    """The `min` rules and the kept products together need more than the budget."""

    rules: tuple[ShareRule, ...]
    needed: Decimal
    budget: Decimal
    over: Decimal


# -- conflicts found by loosening one constraint at a time ----------------------------------


@dataclass(frozen=True)
class BudgetShort:
    """Meeting every rule costs at least `needed`, more than the budget."""

    needed: Decimal
    budget: Decimal
    over: Decimal


@dataclass(frozen=True)
class RuleUnreachable:
    """A `min` rule: within the budget and the other rules at most `reachable` can be funded."""

    rule: ShareRule
    needed: Decimal
    reachable: Decimal
    short: Decimal


@dataclass(frozen=True)
class RuleExceeded:
    """A `max` rule: the budget and the other rules need at least `needed` of its category."""

    rule: ShareRule
    allowed: Decimal
    needed: Decimal
    over: Decimal


@dataclass(frozen=True)
class KeptTogetherInfeasible:
    """The kept products cannot all be funded together with the budget and the rules."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class LoosenSeveral:
    """Loosening any single constraint is not enough; `rules` (and the budget, keep) are."""

    rules: tuple[ShareRule, ...]
    keep: bool


@dataclass(frozen=True)
class TimedOut:
    """No allocation was found within `seconds`."""

    seconds: float


RuleProblem = (
    ShareOutOfRange | UnknownCategory | DuplicateRule | MinimumAboveMaximum | MinimumsOverWhole
)
Conflict = KeptOverBudget | KeptOverMaximum | MinimumOutOfReach | MinimumsOverBudget
Relaxation = BudgetShort | RuleUnreachable | RuleExceeded | KeptTogetherInfeasible
Reason = RuleProblem | Conflict | Relaxation | LoosenSeveral | TimedOut


class AllocationRefused(InvalidInput):
    """No allocation can be made as asked; `reasons` say why, amounts in `currency`."""

    def __init__(self, *reasons: Reason, currency: str | None = None) -> None:
        super().__init__("This allocation cannot be made as asked.")
        self.reasons: tuple[Reason, ...] = reasons
        self.currency = currency
