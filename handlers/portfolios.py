"""/portfolio setup, use and grant: the workspace's portfolios, their channels and managers."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import portfolio as parse
from domain.errors import InvalidInput
from domain.grammar import check_fields
from domain.views import Grant, PortfolioView
from domain.vocabulary import PORTFOLIO_MANAGER, ROLE_LABELS
from handlers.blocks import Message
from handlers.commands import CommandSet, Reply, Request
from handlers.render import escape, mention, render
from handlers.replies import text_message

USE_USAGE = "/portfolio use NAME"


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio setup, grant and use."""
    portfolio.add(
        "setup",
        parse.SETUP_USAGE,
        set_up_portfolio,
        examples=(
            "/portfolio setup Consumer | currency EUR | budget 2m",
            "/portfolio setup | discount 10%",
        ),
    )
    portfolio.add(
        "grant",
        parse.GRANT_USAGE,
        grant_role,
        examples=("/portfolio grant @bob portfolio manager", "/portfolio grant @bob none"),
        words=(("roles", (ROLE_LABELS[PORTFOLIO_MANAGER], "none")),),
    )
    portfolio.add(
        "use",
        USE_USAGE,
        use_portfolio,
        examples=("/portfolio use Consumer",),
    )
    portfolio.add("rename", parse.RENAME_USAGE, rename_portfolio, examples=(parse.RENAME_USAGE,))
    portfolio.add("delete", parse.DELETE_USAGE, delete_portfolio, examples=(parse.DELETE_USAGE,))


def rename_portfolio(req: Request) -> Reply:
    """Rename a portfolio (channels linked to it stay linked)."""
    name, new_name = parse.parse_rename(req.cmd)
    req.commands.refuse_reserved(new_name, "a portfolio's name")
    view = req.services.portfolios.rename(req.actor, name, new_name)
    return Reply(
        text_message(
            f":pencil2: Renamed portfolio *{escape(view.renamed_from or name)}* to "
            f"*{escape(view.name)}*. Channels linked to it stay linked."
        ),
        in_channel=True,
    )


def delete_portfolio(req: Request) -> Reply:
    """Delete an empty portfolio (one with products can't be: rename it instead)."""
    view = req.services.portfolios.delete(req.actor, parse.parse_delete(req.cmd))
    after = (
        f" *{escape(view.new_default)}* is now the workspace default." if view.new_default else ""
    )
    return Reply(
        text_message(
            f":wastebasket: Deleted the empty portfolio *{escape(view.name)}*; channels that "
            f"used it now use the workspace default.{after}"
        ),
        in_channel=True,
    )


def set_up_portfolio(req: Request) -> Reply:
    """Create the workspace's portfolio (the first person becomes its manager) or change one.

    With no name it changes the channel's portfolio; a new name creates another portfolio.
    The currency is a three-letter code (`USD`, `EUR`, `GBP`); the discount rate is for NPV.
    """
    request = parse.parse_setup(req.cmd)
    req.commands.refuse_reserved(request.name, "a portfolio's name")
    view = req.services.portfolios.setup(req.actor, request)
    # A new currency changes how every amount reads: the channel hears it, not just the asker.
    return Reply(setup_message(view), in_channel=view.created or view.currency_was is not None)


def grant_role(req: Request) -> Reply:
    """Make someone a portfolio manager (`none` takes the role away).

    Portfolio managers add and change any product, set the score weights, accept or reject
    owners' proposals and grant the role. Slack's workspace admins and owners always are
    portfolio managers; product owners need no grant (`/portfolio set CHK | owner @bob`).
    """
    user_id, role = parse.parse_grant(req.cmd)
    person = req.directory.person(req.client, req.actor.team_id, user_id)
    result = req.services.portfolios.grant(
        req.actor, user_id, role, workspace_admin=person.is_admin
    )
    return Reply(grant_message(result), in_channel=not result.already)


def use_portfolio(req: Request) -> Reply:
    """Link this channel to a portfolio; commands here then act on it.

    Owners' proposals for its products are posted in the linked channel when no one is
    granted the portfolio manager role.
    """
    check_fields(req.cmd, (), usage=USE_USAGE)
    if not req.cmd.head:
        raise InvalidInput("Name the portfolio, e.g. `/portfolio use Consumer`.")
    view = req.services.portfolios.use(req.actor, req.channel_id, req.cmd.head)
    return Reply(linked_message(view), in_channel=True)


def setup_message(view: PortfolioView) -> Message:
    """The answer to /portfolio setup."""
    return text_message(render("portfolio/setup.mrkdwn.j2", view=view, example=Decimal(120_000)))


def grant_message(result: Grant) -> Message:
    """The answer to /portfolio grant."""
    return text_message(
        render(
            "portfolio/grant.mrkdwn.j2",
            grant=result,
            who=mention(result.user_id),
            role=ROLE_LABELS[PORTFOLIO_MANAGER],
        )
    )


def linked_message(view: PortfolioView) -> Message:
    """The answer to /portfolio use."""
    return text_message(
        f":link: This channel now uses portfolio *{escape(view.name)}* "
        f"({view.product_count:,} product{'s' if view.product_count != 1 else ''}). "
        "Commands here act on it."
    )
