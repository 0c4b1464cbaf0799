"""Slash commands: /portfolio and /roadmap. Each subcommand's docstring is its help text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.commands import portfolio as parse
from domain.commands import roadmap as roadmap_parse
from domain.errors import FolioError, InvalidInput
from domain.grammar import (
    CommandText,
    check_fields,
    did_you_mean,
    parse_item_ref,
    parse_key,
    split_command,
)
from domain.services import Services
from domain.views import Actor
from handlers import messages
from handlers.blocks import Message
from handlers.directory import Directory

log = logging.getLogger("folio.commands")


@dataclass(frozen=True)
class Request:
    """One slash command as the subcommands see it."""

    actor: Actor
    channel_id: str
    cmd: CommandText
    services: Services
    client: WebClient
    directory: Directory


@dataclass(frozen=True)
class Reply:
    """A message and whether the channel sees it (changes) or only the asker (reads, errors)."""

    message: Message
    in_channel: bool = False


Handler = Callable[[Request], Reply]


@dataclass
class CommandSet:
    """A slash command's subcommands, with their usage and help text."""

    name: str
    intro: str
    subcommands: dict[str, tuple[str, Handler]] = field(default_factory=dict)
    default: str | None = None

    def sub(self, verb: str, usage: str) -> Callable[[Handler], Handler]:
        """Register a subcommand; its docstring's first line is its help."""

        def register(fn: Handler) -> Handler:
            self.subcommands[verb] = (usage, fn)
            return fn

        return register

    def help(self) -> Message:
        """Every subcommand with an example."""
        entries = [
            (usage, (fn.__doc__ or "").strip().splitlines()[0])
            for usage, fn in self.subcommands.values()
        ]
        return messages.help_message(self.name, entries, self.intro)

    def handler_for(self, cmd: CommandText, text: str) -> tuple[Handler | None, CommandText]:
        """The subcommand for a verb (help when empty); the default takes an unknown verb."""
        if cmd.verb in ("", "help"):
            return None, cmd
        if cmd.verb in self.subcommands:
            return self.subcommands[cmd.verb][1], cmd
        if self.default is not None:
            head = text.split("|", 1)[0].strip()
            return self.subcommands[self.default][1], CommandText(
                verb=self.default, head=head, fields=cmd.fields
            )
        hint = did_you_mean(cmd.verb, list(self.subcommands))
        suggestion = f" Did you mean `{self.name} {hint}`?" if hint else ""
        raise InvalidInput(
            f"`{self.name} {cmd.verb}` isn't a command I know.{suggestion} "
            f"`{self.name} help` lists them."
        )


PORTFOLIO = CommandSet(
    "/portfolio",
    "Portfolios, products, rankings and roles. Fields after `|` are `field value`.",
)
ROADMAP = CommandSet(
    "/roadmap",
    "Roadmaps: items numbered per product (CHK-1, CHK-2 …). Post updates in chat too: "
    "`CHK-3: testing, 80% — blocked by the vendor`.",
)


@PORTFOLIO.sub("setup", parse.SETUP_USAGE)
def setup(req: Request) -> Reply:
    """Create the workspace's portfolio (the first person becomes its manager) or change one."""
    view = req.services.portfolios.setup(req.actor, parse.parse_setup(req.cmd))
    return Reply(messages.setup(view), in_channel=view.created)


@PORTFOLIO.sub("add", parse.ADD_USAGE)
def add_product(req: Request) -> Reply:
    """Add a product with a KEY (2–10 upper-case letters and digits) and a name."""
    request = parse.parse_add(req.cmd)
    change = req.services.products.add_product(
        req.actor, req.channel_id, request.key, request.fields
    )
    return Reply(messages.product_change(change), in_channel=True)


@PORTFOLIO.sub("set", parse.SET_USAGE)
def set_product(req: Request) -> Reply:
    """Change fields: name, owner, investment, return, confidence, category, stage, health …"""
    key, fields = parse.parse_set(req.cmd)
    change = req.services.products.set_product(req.actor, key, fields)
    return Reply(messages.product_change(change), in_channel=bool(change.changed))


@PORTFOLIO.sub("show", "/portfolio show CHK")
def show_product(req: Request) -> Reply:
    """A product card: owner, money, ROI, metrics, open items and the latest updates."""
    key = parse.parse_single_key(req.cmd, "/portfolio show CHK")
    return Reply(messages.card(req.services.products.show(req.actor, key)))


@PORTFOLIO.sub("list", "/portfolio list")
def list_products(req: Request) -> Reply:
    """The products of this channel's portfolio."""
    check_fields(req.cmd, (), usage="/portfolio list")
    if req.cmd.head:
        raise InvalidInput("`/portfolio list` takes nothing after it.")
    return Reply(
        messages.product_list(req.services.products.list_products(req.actor, req.channel_id))
    )


@PORTFOLIO.sub("rank", parse.RANK_USAGE)
def show_ranking(req: Request) -> Reply:
    """Rank products by ROI, risk-adjusted ROI, NPV or the weighted score."""
    view = req.services.ranking.rank(req.actor, req.channel_id, parse.parse_rank(req.cmd))
    return Reply(messages.ranking(view))


@PORTFOLIO.sub("remove", "/portfolio remove CHK")
def remove_product(req: Request) -> Reply:
    """Archive a product (its history is kept)."""
    key = parse.parse_single_key(req.cmd, "/portfolio remove CHK")
    return Reply(messages.removed(req.services.products.remove(req.actor, key)), in_channel=True)


@PORTFOLIO.sub("grant", parse.GRANT_USAGE)
def grant_role(req: Request) -> Reply:
    """Make someone a portfolio manager (`none` takes the role away)."""
    user_id, role = parse.parse_grant(req.cmd)
    return Reply(
        messages.grant(req.services.portfolios.grant(req.actor, user_id, role)), in_channel=True
    )


@PORTFOLIO.sub("use", "/portfolio use NAME")
def use_portfolio(req: Request) -> Reply:
    """Link this channel to a portfolio; commands here then act on it."""
    check_fields(req.cmd, (), usage="/portfolio use NAME")
    if not req.cmd.head:
        raise InvalidInput("Name the portfolio, e.g. `/portfolio use Consumer`.")
    view = req.services.portfolios.use(req.actor, req.channel_id, req.cmd.head)
    return Reply(messages.linked(view), in_channel=True)


@ROADMAP.sub("show", "/roadmap CHK")
def show_roadmap(req: Request) -> Reply:
    """A product's roadmap: items with status, progress, target and blockers."""
    words = req.cmd.head.split()
    if len(words) != 1 or req.cmd.fields:
        hint = did_you_mean(words[0].lower(), list(ROADMAP.subcommands)) if words else None
        suggestion = f" Did you mean `/roadmap {hint}`?" if hint else ""
        raise InvalidInput(f"Name one product, e.g. `/roadmap CHK`.{suggestion}")
    word = words[0]
    key = parse_item_ref(word)[0] if "-" in word else parse_key(word)  # /roadmap CHK-3 too
    return Reply(messages.roadmap(req.services.roadmap.roadmap(req.actor, key)))


@ROADMAP.sub("add", roadmap_parse.ROADMAP_ADD_USAGE)
def add_item(req: Request) -> Reply:
    """Add an item to a product's roadmap."""
    key, fields = roadmap_parse.parse_roadmap_add(req.cmd)
    return Reply(
        messages.item_change(req.services.roadmap.add(req.actor, key, fields)), in_channel=True
    )


@ROADMAP.sub("update", roadmap_parse.ROADMAP_UPDATE_USAGE)
def update_item(req: Request) -> Reply:
    """Update an item's status, progress, note, blocker, target, or RICE/WSJF inputs."""
    key, number, fields = roadmap_parse.parse_roadmap_update(req.cmd)
    change = req.services.roadmap.update(req.actor, key, number, fields)
    return Reply(messages.item_change(change), in_channel=True)


ROADMAP.default = "show"


def run_command(
    commands: CommandSet,
    text: str,
    *,
    actor: Actor,
    channel_id: str,
    services: Services,
    client: WebClient,
    directory: Directory,
) -> Reply:
    """Parse and run one slash command; a person's mistake becomes an ephemeral answer."""
    try:
        cmd = split_command(text)
        handler, cmd = commands.handler_for(cmd, text)
        if handler is None:
            return Reply(commands.help())
        return handler(
            Request(
                actor=actor,
                channel_id=channel_id,
                cmd=cmd,
                services=services,
                client=client,
                directory=directory,
            )
        )
    except FolioError as exc:
        return Reply(messages.problem(exc))


def answer_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    *,
    commands: CommandSet,
    services: Services,
    directory: Directory,
) -> None:
    """Acknowledge at once, then run the command and answer through response_url."""
    ack()
    team_id = body.get("team_id") or ""
    user_id = body.get("user_id") or ""
    log.info(
        "command team=%s user=%s command=%s verb=%s",
        team_id,
        user_id,
        commands.name,
        (body.get("text") or "").split(" ", 1)[0][:20],
    )
    actor = directory.actor(client, team_id, user_id)
    reply = run_command(
        commands,
        body.get("text") or "",
        actor=actor,
        channel_id=body.get("channel_id") or "",
        services=services,
        client=client,
        directory=directory,
    )
    respond(
        **reply.message.payload(response_type="in_channel" if reply.in_channel else "ephemeral")
    )


def register(app: App, services: Services, directory: Directory) -> None:
    """Route /portfolio and /roadmap to their subcommands."""
    # These modules add their subcommands to PORTFOLIO and ROADMAP when imported.
    from handlers import analytics, digests  # noqa: F401

    for commands in (PORTFOLIO, ROADMAP):
        app.command(commands.name)(
            partial(answer_command, commands=commands, services=services, directory=directory)
        )
