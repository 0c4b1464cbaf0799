"""/portfolio allocate, balance and chart: planning the portfolio's money.

allocation (the budget's best selection, and why none can be made), balance (shares and
warnings) and chart (the PNG charts posted to the channel) each hold their subcommand and
its wording.
"""

from __future__ import annotations

from domain.commands.planning import ALLOCATE_USAGE, BALANCE_USAGE, CHART_USAGE
from handlers.commands import CommandSet
from handlers.planning.allocation import allocate_budget
from handlers.planning.balance import show_balance
from handlers.planning.chart import post_chart


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio allocate, balance and chart."""
    portfolio.add("allocate", ALLOCATE_USAGE, allocate_budget)
    portfolio.add("balance", BALANCE_USAGE, show_balance)
    portfolio.add("chart", CHART_USAGE, post_chart)
