"""Slash commands: the router from `/portfolio …` and `/roadmap …` to their subcommands.

The features add their subcommands to a CommandSet (handlers.register builds the sets and
calls each feature's add_subcommands); a subcommand's docstring is its help text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.errors import FolioError, InvalidInput
from domain.grammar import CommandText, did_you_mean, split_command
from domain.services import Services
from domain.views import Actor
from handlers.blocks import Message
from handlers.directory import Directory
from handlers.replies import help_message, problem

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
    commands: CommandSet


@dataclass(frozen=True)
class Reply:
    """A message and whether the channel sees it (changes) or only the asker (reads, errors)."""

    message: Message
    in_channel: bool = False


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Subcommand:
    """A verb's usage example and the function that runs it."""

    usage: str
    run: Handler

    @property
    def summary(self) -> str:
        """The help line: the first line of the function's docstring."""
        return (self.run.__doc__ or "").strip().splitlines()[0]


class CommandSet:
    """A slash command's subcommands, with their usage and help text."""

    def __init__(self, name: str, intro: str, *, order: Sequence[str] = ()) -> None:
        self.name = name
        self.intro = intro
        self.order = tuple(order)  # verbs help lists first, in this order; the rest follow
        self.default: str | None = None  # the verb that takes an unknown first word
        self.subcommands: dict[str, Subcommand] = {}

    def add(self, verb: str, usage: str, run: Handler, *, default: bool = False) -> None:
        """Add a subcommand; its docstring's first line is its help (default: the catch-all)."""
        if verb in self.subcommands:
            raise ValueError(f"{self.name} {verb} is added twice")
        if not (run.__doc__ or "").strip():
            raise ValueError(f"{self.name} {verb} needs a docstring: it is the help text")
        self.subcommands[verb] = Subcommand(usage, run)
        if default:
            self.default = verb

    @property
    def verbs(self) -> tuple[str, ...]:
        """The verbs, in help order."""
        first = [verb for verb in self.order if verb in self.subcommands]
        return (*first, *(verb for verb in self.subcommands if verb not in first))

    def help(self) -> Message:
        """Every subcommand with an example."""
        entries = [
            (self.subcommands[verb].usage, self.subcommands[verb].summary) for verb in self.verbs
        ]
        return help_message(self.name, entries, self.intro)

    def handler_for(self, cmd: CommandText, text: str) -> tuple[Handler | None, CommandText]:
        """The subcommand for a verb (help when empty); the default takes an unknown verb."""
        if cmd.verb in ("", "help"):
            return None, cmd
        if cmd.verb in self.subcommands:
            return self.subcommands[cmd.verb].run, cmd
        if self.default is not None:
            head = text.split("|", 1)[0].strip()
            return self.subcommands[self.default].run, CommandText(
                verb=self.default, head=head, fields=cmd.fields
            )
        hint = did_you_mean(cmd.verb, list(self.subcommands))
        suggestion = f" Did you mean `{self.name} {hint}`?" if hint else ""
        raise InvalidInput(
            f"`{self.name} {cmd.verb}` isn't a command I know.{suggestion} "
            f"`{self.name} help` lists them."
        )


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
                commands=commands,
            )
        )
    except FolioError as exc:
        return Reply(problem(exc))


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


def register(
    app: App, sets: Sequence[CommandSet], services: Services, directory: Directory
) -> None:
    """Route each slash command (/portfolio, /roadmap) to its subcommands."""
    for commands in sets:
        app.command(commands.name)(
            partial(answer_command, commands=commands, services=services, directory=directory)
        )
