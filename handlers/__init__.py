"""Slack in and out, cut by concept; `register` wires every surface to a Bolt app.

Each feature module adds its subcommands to the two slash commands (add_subcommands); help
lists them in the order PORTFOLIO_HELP and ROADMAP_HELP give, which need not follow the
modules (rank sits between list and remove).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from slack_bolt import App

from domain.services import Services
from handlers import (
    actions,
    chat,
    commands,
    errors,
    home,
    inbox,
    installs,
    mentions,
    objectives,
    planning,
    portfolios,
    products,
    proposals,
    ranking,
    roadmap,
    shortcuts,
    transfer,
    uncertainty,
)
from handlers.commands import CommandSet
from handlers.digests import commands as digests
from handlers.directory import Directory
from handlers.help import chat_guide
from handlers.modals import listeners as modals

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
    "restore",
    "grant",
    "use",
    "rename",
    "delete",
    "proposals",
    "accept",
    "reject",
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
    proposals.add_subcommands,
    ranking.add_subcommands,
    roadmap.add_subcommands,
    digests.add_subcommands,
    objectives.add_subcommands,
    planning.add_subcommands,
    transfer.add_subcommands,
    uncertainty.add_subcommands,
)


def command_sets() -> tuple[CommandSet, CommandSet]:
    """/portfolio and /roadmap, each with every feature's subcommands."""
    portfolio_set = CommandSet("/portfolio", PORTFOLIO_INTRO, order=PORTFOLIO_HELP)
    roadmap_set = CommandSet("/roadmap", ROADMAP_INTRO, order=ROADMAP_HELP)
    for add_subcommands in SUBCOMMANDS:
        add_subcommands(portfolio_set, roadmap_set)
    portfolio_set.reserve(roadmap_set.verbs)  # `/roadmap KEY` reads a key where a verb may be
    roadmap_set.reserve(portfolio_set.verbs)
    roadmap_set.guide = (chat_guide(),)
    return portfolio_set, roadmap_set


def register(
    app: App, services: Services, directory: Directory, *, listener_threads: int = 8
) -> inbox.Processor:
    """Listen to the slash commands and chat messages, and answer any failure with an apology.

    `listener_threads` is the size of Bolt's listener pool: a command that finds every thread
    taken is acknowledged with "Folio is busy" (handlers.inbox). Returns the inbox's processor
    (chat updates, slash commands and mentions), for the worker that resumes what a crash or
    an outage left (bot.py starts it).
    """
    sets = command_sets()
    modals.register(app, services, directory, sets)  # before commands: bare `add` opens a form
    processor = inbox.Routed(
        chat.ChatUpdates(services, directory),
        commands.SlashCommands(
            sets,
            services,
            directory,
            after_change=partial(
                home.republish_after_command, services=services, directory=directory
            ),
            takes=lambda body: not modals.opens_form(body),
        ),
        mentions.Mentions(
            portfolio=sets[0],
            roadmap=sets[1],
            services=services,
            directory=directory,
        ),
    )
    worker = inbox.InboxWorker(services, processor, pending=inbox.Pending(listener_threads))
    listener = inbox.register(app, worker)
    commands.register(app, sets, listener)
    chat.register(app, listener)
    home.register(app, services, directory)
    shortcuts.register(app, services, directory)
    actions.register(app, sets, services, directory)  # buttons on what Folio posts (msg_…)
    mentions.register(app, listener)  # @Folio help, @Folio CHK
    installs.register(app, services)  # app_uninstalled, tokens_revoked, app_rate_limited
    errors.register(app)
    return processor
