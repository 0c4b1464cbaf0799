"""/portfolio setup, use and grant: the workspace's portfolios, their channels and managers."""

from __future__ import annotations

from domain.commands import portfolio as parse
from domain.errors import InvalidInput
from domain.grammar import check_fields
from domain.views import Grant, PortfolioView
from handlers.blocks import Message
from handlers.commands import CommandSet, Reply, Request
from handlers.render import escape, mention, render
from handlers.replies import text_message

USE_USAGE = "/portfolio use NAME"


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio setup, grant and use."""
    portfolio.add("setup", parse.SETUP_USAGE, set_up_portfolio)
    portfolio.add("grant", parse.GRANT_USAGE, grant_role)
    portfolio.add("use", USE_USAGE, use_portfolio)


def set_up_portfolio(req: Request) -> Reply:
    """Create the workspace's portfolio (the first person becomes its manager) or change one."""
    view = req.services.portfolios.setup(req.actor, parse.parse_setup(req.cmd))
    return Reply(setup_message(view), in_channel=view.created)


def grant_role(req: Request) -> Reply:
    """Make someone a portfolio manager (`none` takes the role away)."""
    user_id, role = parse.parse_grant(req.cmd)
    result = req.services.portfolios.grant(req.actor, user_id, role)
    return Reply(grant_message(result), in_channel=True)


def use_portfolio(req: Request) -> Reply:
    """Link this channel to a portfolio; commands here then act on it."""
    check_fields(req.cmd, (), usage=USE_USAGE)
    if not req.cmd.head:
        raise InvalidInput("Name the portfolio, e.g. `/portfolio use Consumer`.")
    view = req.services.portfolios.use(req.actor, req.channel_id, req.cmd.head)
    return Reply(linked_message(view), in_channel=True)


def setup_message(view: PortfolioView) -> Message:
    """The answer to /portfolio setup."""
    return text_message(render("portfolio/setup.mrkdwn.j2", view=view))


def grant_message(result: Grant) -> Message:
    """The answer to /portfolio grant."""
    who = mention(result.user_id)
    if result.role == "none":
        text = (
            f"{who} wasn't a portfolio manager."
            if result.already
            else f"{who} is no longer a portfolio manager."
        )
    elif result.already:
        text = f"{who} is already a {result.role}."
    else:
        text = f":white_check_mark: {who} is now a {result.role}."
    return text_message(text)


def linked_message(view: PortfolioView) -> Message:
    """The answer to /portfolio use."""
    return text_message(
        f":link: This channel now uses portfolio *{escape(view.name)}* "
        f"({view.product_count} products). Commands here act on it."
    )
