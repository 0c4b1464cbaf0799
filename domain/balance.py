"""Portfolio balance: investment and expected value by category, stage or health, and flags.

Expected value = confidence × expected return. Shares are fractions to 4 places; the HHI
(Herfindahl–Hirschman index) of investment shares runs from near 0 (spread) to 1 (all in
one group). Flags are typed values (handlers word them) and do not depend on the grouping
asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any, Literal

from domain.errors import InvalidInput
from domain.vocabulary import GOOD_HEALTH, HEALTHS, PIPELINE_STAGES, STAGES

GROUPINGS = ("category", "stage", "health")

CONCENTRATION_LIMIT = Decimal("0.6")
TROUBLE_LIMIT = Decimal(1) / 3  # compared exactly as 3 × troubled > total

_SHARE = Decimal("0.0001")
_MONEY = Decimal("0.01")
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Group:
    """One group of the portfolio with its totals and shares (fractions 0..1)."""

    name: str
    count: int
    investment: Decimal
    investment_share: Decimal
    expected_value: Decimal
    value_share: Decimal


@dataclass(frozen=True)
class EmptyPortfolio:
    """No products: there is nothing to balance."""


@dataclass(frozen=True)
class NoInvestment:
    """No investment recorded: shares and concentration cannot be judged."""


@dataclass(frozen=True)
class Concentrated:
    """More than `limit` of investment is in one category."""

    category: str
    share: Decimal
    limit: Decimal


@dataclass(frozen=True)
class NoPipeline:
    """Nothing is in the early `stages` (ideation or research)."""

    stages: tuple[str, ...]


@dataclass(frozen=True)
class Troubled:
    """More than `limit` of investment is in products at risk or off track."""

    share: Decimal
    limit: Decimal


Flag = EmptyPortfolio | NoInvestment | Concentrated | NoPipeline | Troubled


@dataclass(frozen=True)
class BalanceReport:
    """The portfolio grouped one way, its HHI of investment shares, and its warning flags."""

    by: str
    groups: tuple[Group, ...]
    hhi: Decimal
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class BalanceInput:
    """One product as the balance sees it; confidence is a fraction 0..1."""

    key: str
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal


def _word(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).lower()


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole else Decimal(0)


@dataclass(frozen=True)
class BalanceCell:
    """The products sharing one category, stage and health (as stored): count and sums.

    `expected_value` is the exact sum of confidence × expected return.
    """

    category: str
    stage: str
    health: str
    count: int
    investment: Decimal
    expected_value: Decimal


def cells_of(items: Sequence[BalanceInput]) -> list[BalanceCell]:
    """Products summed per (category, stage, health): what the database's GROUP BY returns."""
    sums: dict[tuple[str, str, str], list[Any]] = {}
    with localcontext(_CONTEXT):
        for item in items:
            cell = sums.setdefault((item.category, item.stage, item.health), [0, _ZERO, _ZERO])
            cell[0] += 1
            cell[1] += item.investment
            cell[2] += item.confidence * item.expected_return
    return [BalanceCell(*names, *cell) for names, cell in sums.items()]


def _category(cell: BalanceCell) -> str:
    return cell.category.strip() or "(none)"


def _grouper(by: str) -> tuple[Callable[[BalanceCell], str], Callable[[str], tuple[int, str]]]:
    if by == "category":
        return _category, (lambda name: (0, name.casefold()))
    if by == "stage":
        return (lambda cell: _word(cell.stage)), (
            lambda name: (STAGES.index(name) if name in STAGES else len(STAGES), name)
        )
    return (lambda cell: _word(cell.health)), (
        lambda name: (HEALTHS.index(name) if name in HEALTHS else len(HEALTHS), name)
    )


def balance(
    items: Sequence[BalanceInput], by: Literal["category", "stage", "health"]
) -> BalanceReport:
    """Group the portfolio by category, stage or health, with its HHI and warning flags."""
    return balance_of(cells_of(items), by)


def balance_of(
    cells: Sequence[BalanceCell], by: Literal["category", "stage", "health"]
) -> BalanceReport:
    """The balance report from the portfolio's cells (`cells_of`, or the database's sums)."""
    if by not in GROUPINGS:
        raise InvalidInput(
            f"Balance can be shown by {', '.join(GROUPINGS)}; you wrote `{by}`. "
            "Example: `/portfolio balance by stage`."
        )
    cells = [cell for cell in cells if cell.count]
    if not cells:
        return BalanceReport(by, (), Decimal(0), (EmptyPortfolio(),))
    with localcontext(_CONTEXT):
        name_of, sort_key = _grouper(by)
        members: dict[str, list[BalanceCell]] = {}
        for cell in cells:
            members.setdefault(name_of(cell), []).append(cell)
        total_investment = sum((cell.investment for cell in cells), _ZERO)
        total_value = sum((cell.expected_value for cell in cells), _ZERO)
        groups: list[Group] = []
        hhi = Decimal(0)
        for name, group in members.items():
            investment = sum((cell.investment for cell in group), _ZERO)
            value = sum((cell.expected_value for cell in group), _ZERO)
            share = _share(investment, total_investment)
            hhi += share * share
            groups.append(
                Group(
                    name=name,
                    count=sum(cell.count for cell in group),
                    investment=investment.quantize(_MONEY),
                    investment_share=share.quantize(_SHARE),
                    expected_value=value.quantize(_MONEY),
                    value_share=_share(value, total_value).quantize(_SHARE),
                )
            )
        if by == "category":
            groups.sort(key=lambda g: (g.investment.copy_negate(), sort_key(g.name)))
        else:
            groups.sort(key=lambda g: sort_key(g.name))
        return BalanceReport(
            by, tuple(groups), hhi.quantize(_SHARE), _flags(cells, total_investment)
        )


def _flags(cells: Sequence[BalanceCell], total: Decimal) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if total > 0:
        by_category: dict[str, Decimal] = {}
        for cell in cells:
            name = _category(cell)
            by_category[name] = by_category.get(name, _ZERO) + cell.investment
        for name, investment in sorted(
            by_category.items(), key=lambda pair: (pair[1].copy_negate(), pair[0])
        ):
            if investment > CONCENTRATION_LIMIT * total:
                flags.append(Concentrated(name, investment / total, CONCENTRATION_LIMIT))
    else:
        flags.append(NoInvestment())
    if not any(_word(cell.stage) in PIPELINE_STAGES for cell in cells):
        flags.append(NoPipeline(PIPELINE_STAGES))
    if total > 0:
        troubled = sum(
            (cell.investment for cell in cells if _troubled(_word(cell.health))),
            _ZERO,
        )
        if troubled * 3 > total:
            flags.append(Troubled(troubled / total, TROUBLE_LIMIT))
    return tuple(flags)


def _troubled(health: str) -> bool:
    """At risk or off track: a known health other than the good one."""
    return health in HEALTHS and health != GOOD_HEALTH
