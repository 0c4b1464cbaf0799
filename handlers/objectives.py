"""/portfolio objective: company objectives (KEY, title, weight) and the products they link."""

from __future__ import annotations

from domain.commands.objectives import (
    OBJECTIVE_LIST_USAGE,
    OBJECTIVE_REMOVE_USAGE,
    OBJECTIVE_SET_USAGE,
    OBJECTIVE_USAGE,
    AddObjective,
    ListObjectives,
    RemoveObjective,
    parse_objective,
)
from domain.money import plain_decimal as plain
from domain.services.objectives import ObjectiveChange, ObjectiveRemoval, ObjectiveView
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Reply, Request
from handlers.render import escape, render
from handlers.replies import text_message


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio objective."""
    portfolio.add(
        "objective",
        OBJECTIVE_USAGE,
        manage_objectives,
        examples=(
            OBJECTIVE_USAGE,
            OBJECTIVE_SET_USAGE,
            OBJECTIVE_REMOVE_USAGE,
            OBJECTIVE_LIST_USAGE,
        ),
        words=(("actions", ("add", "set", "remove", "list")),),
    )


def manage_objectives(req: Request) -> Reply:
    """Add company objectives (KEY, title, weight), change or remove them, or list them.

    Removing one unlinks the products and items linked to it; each product's history keeps
    the link it had.
    """
    request = parse_objective(req.cmd)
    if isinstance(request, ListObjectives):
        return Reply(objective_list(req.services.objectives.objectives(req.actor)))
    if isinstance(request, RemoveObjective):
        removal = req.services.objectives.remove_objective(req.actor, request.key)
        return Reply(objective_removed(removal), in_channel=True)
    if isinstance(request, AddObjective):
        req.commands.refuse_reserved(request.key, "an objective's key")
        change = req.services.objectives.add_objective(
            req.actor, request.key, request.title, request.weight
        )
        return Reply(objective_change(change), in_channel=True)
    change = req.services.objectives.set_objective(
        req.actor, request.key, title=request.title, weight=request.weight
    )
    return Reply(objective_change(change), in_channel=bool(change.changed))


def objective_removed(removal: ObjectiveRemoval) -> Message:
    """The answer to objective remove: what was unlinked, and that the history keeps it."""
    return text_message(render("objectives/removed.mrkdwn.j2", removal=removal))


def objective_change(change: ObjectiveChange) -> Message:
    """The answer to objective add or set."""
    return text_message(
        render("objectives/change.mrkdwn.j2", change=change, weight=plain(change.objective.weight))
    )


def objective_list(objectives: tuple[ObjectiveView, ...]) -> Message:
    """The workspace's objectives, one line each."""
    title = "Objectives"
    if not objectives:
        return build(
            fallback=title,
            title=title,
            body=[f"No objectives yet. Add one with `{OBJECTIVE_USAGE}`."],
        )
    lines = [render("objectives/line.mrkdwn.j2", o=o, weight=plain(o.weight)) for o in objectives]
    return build(
        fallback=escape(f"{len(objectives)} objectives: " + ", ".join(o.key for o in objectives)),
        title=title,
        lines=lines,
        more="more objectives",
        footer="Link with `/portfolio set CHK | objective GROW` · a product's alignment is the "
        "sum of its objectives' weights",
    )
