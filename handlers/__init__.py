"""Slack in and out, cut by concept; `register` wires every surface to a Bolt app.

Each feature module adds its subcommands to the two slash commands (add_subcommands); help
lists them in the order PORTFOLIO_HELP and ROADMAP_HELP give, which need not follow the
modules (rank sits between list and remove).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from domain.services import Services
from handlers import (
    chat,
    commands,
    errors,
    objectives,
    planning,
    portfolios,
    products,
    ranking,
    roadmap,
    transfer,
)
from handlers.commands import CommandSet
from handlers.digests import commands as digests
from handlers.directory import Directory

PORTFOLIO_INTRO = "Portfolios, products, rankings and roles. Fields after `|` are `field value`."
ROADMAP_INTRO = (
    "Roadmaps: items numbered per product (CHK-1, CHK-2 …). Post updates in chat too: "
    "`CHK-3: testing, 80% — blocked by the vendor`."
)
PORTFOLIO_HELP = (
    "setup",
    "add",
    "set",
    "show",
    "list",
    "rank",
    "remove",
    "grant",
    "use",
    "digest",
    "objective",
    "weights",
    "allocate",
    "balance",
    "chart",
    "export",
)
ROADMAP_HELP = ("show", "add", "update", "remind", "rank")
SUBCOMMANDS: tuple[Callable[[CommandSet, CommandSet], None], ...] = (
    portfolios.add_subcommands,
    products.add_subcommands,
    ranking.add_subcommands,
    roadmap.add_subcommands,
    digests.add_subcommands,
    objectives.add_subcommands,
    planning.add_subcommands,
    transfer.add_subcommands,
)


def command_sets() -> tuple[CommandSet, CommandSet]:
    """/portfolio and /roadmap, each with every feature's subcommands."""
    portfolio_set = CommandSet("/portfolio", PORTFOLIO_INTRO, order=PORTFOLIO_HELP)
    roadmap_set = CommandSet("/roadmap", ROADMAP_INTRO, order=ROADMAP_HELP)
    for add_subcommands in SUBCOMMANDS:
        add_subcommands(portfolio_set, roadmap_set)
    return portfolio_set, roadmap_set


def register(app: App, services: Services, directory: Directory) -> None:
    """Listen to the slash commands and chat messages, and answer any failure with an apology."""
    commands.register(app, command_sets(), services, directory)
    chat.register(app, services, directory)
    errors.register(app)
