"""/portfolio allocate, balance and chart: planning the portfolio's money.

allocation (the budget's best selection, and why none can be made), balance (shares and
warnings) and chart (the PNG charts posted to the channel) each hold their subcommand and
its wording.
"""

from __future__ import annotations

from domain.balance import GROUPINGS
from domain.commands.planning import ALLOCATE_USAGE, BALANCE_USAGE, CHART_KINDS, CHART_USAGE
from domain.vocabulary import MEASURES
from handlers.commands import CommandSet
from handlers.planning.allocation import allocate_budget
from handlers.planning.balance import show_balance
from handlers.planning.chart import post_chart


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio allocate, balance and chart."""
    portfolio.add(
        "allocate",
        ALLOCATE_USAGE,
        allocate_budget,
        examples=("/portfolio allocate 2m", "/portfolio allocate 1.5m | min Growth 30% | keep CHK"),
        words=(("fields", ("min", "max", "keep", "drop", "by")), ("by", ("value", "score"))),
    )
    portfolio.add(
        "balance",
        BALANCE_USAGE,
        show_balance,
        examples=("/portfolio balance", "/portfolio balance by stage"),
        words=(("by", GROUPINGS),),
    )
    portfolio.add(
        "chart",
        CHART_USAGE,
        post_chart,
        examples=("/portfolio chart", "/portfolio chart ranking npv"),
        words=(("charts", CHART_KINDS), ("measures", MEASURES)),
    )
