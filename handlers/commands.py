"""Slash commands: the router from `/portfolio …` and `/roadmap …` to their subcommands.

The features add their subcommands to a CommandSet (handlers.register builds the sets and
calls each feature's add_subcommands); a subcommand's docstring is its help text, and the
examples and accepted words given to `add` complete it. `help`, `help VERB` and `VERB help`
are answered here, before any subcommand runs, so asking for help never changes data.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from domain.errors import FolioError, InvalidInput
from domain.grammar import CommandText, did_you_mean, split_command
from domain.services import Services
from domain.views import Actor
from handlers import help as helptext
from handlers.advice import failure_text
from handlers.blocks import Message
from handlers.delivery.respond import Asker, ResponseUrl
from handlers.directory import Directory
from handlers.errors import log_failure
from handlers.replies import problem

log = logging.getLogger("folio.commands")
AfterChange = Callable[[WebClient, str, str, tuple[str, ...]], None]
KEY_WORD = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})(?:-[0-9]+)?")
HELP = "help"


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
Words = Sequence[tuple[str, Sequence[str]]]


@dataclass(frozen=True)
class Subcommand:
    """A verb's usage, the function that runs it, and the rest of its help."""

    usage: str
    run: Handler
    examples: tuple[str, ...] = ()
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (what, the words it accepts)

    @property
    def summary(self) -> str:
        """The help line: the first line of the function's docstring."""
        return (self.run.__doc__ or "").strip().splitlines()[0]

    @property
    def details(self) -> str:
        """The rest of the docstring, its paragraphs each on one line (Slack wraps them)."""
        lines = (self.run.__doc__ or "").strip().splitlines()[1:]
        paragraphs = inspect.cleandoc("\n".join(lines)).split("\n\n") if lines else []
        return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


class CommandSet:
    """A slash command's subcommands, with their usage and help text."""

    def __init__(self, name: str, intro: str, *, order: Sequence[str] = ()) -> None:
        self.name = name
        self.intro = intro
        self.order = tuple(order)  # verbs help lists first, in this order; the rest follow
        self.default: str | None = None  # the verb that takes an unknown first word
        self.subcommands: dict[str, Subcommand] = {}
        self.guide: tuple[str, ...] = ()  # mrkdwn sections the general help ends with
        self._reserved: set[str] = {HELP}

    def add(
        self,
        verb: str,
        usage: str,
        run: Handler,
        *,
        default: bool = False,
        examples: Sequence[str] = (),
        words: Words = (),
    ) -> None:
        """Add a subcommand: its docstring is its help, with examples and the words it accepts.

        `default` makes it the catch-all for an unknown first word (`/roadmap CHK`).
        """
        if verb in self.subcommands:
            raise ValueError(f"{self.name} {verb} is added twice")
        if not (run.__doc__ or "").strip():
            raise ValueError(f"{self.name} {verb} needs a docstring: it is the help text")
        accepted = tuple((what, tuple(choices)) for what, choices in words)
        self.subcommands[verb] = Subcommand(usage, run, tuple(examples), accepted)
        if default:
            self.default = verb

    def reserve(self, words: Iterable[str]) -> None:
        """Also refuse these words as names and keys (the other command's verbs)."""
        self._reserved.update(word.lower() for word in words)

    @property
    def reserved(self) -> frozenset[str]:
        """Words never taken as a name or key: `help` and the verbs."""
        return frozenset(self._reserved | set(self.subcommands))

    def refuse_reserved(self, word: str | None, what: str) -> None:
        """Refuse a command word as a name or key: it would read as the command."""
        if word is not None and word.strip().lower() in self.reserved:
            raise InvalidInput(
                f"`{word.strip()}` is one of Folio's command words, so it can't be {what} "
                "(it would read as the command). Pick another."
            )

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
        return helptext.command_help(self.name, entries, self.intro, self.guide)

    def verb_help(self, verb: str) -> Message:
        """One subcommand's help: usage, what it does, examples, the words it accepts."""
        sub = self.subcommands[verb]
        return helptext.verb_help(
            self.name,
            verb,
            usage=sub.usage,
            summary=sub.summary,
            details=sub.details,
            examples=sub.examples,
            words=sub.words,
        )

    def help_for(self, cmd: CommandText) -> Message | None:
        """The help a command asks for (`help`, `help VERB`, `VERB help`), else None."""
        asked = cmd.head.split()[0].lower() if cmd.head.split() else ""
        if cmd.verb == "" or (cmd.verb == HELP and asked in ("", HELP)):
            return self.help()
        if cmd.verb == HELP:
            if asked in self.subcommands:
                return self.verb_help(asked)
            hint = did_you_mean(asked, list(self.subcommands))
            suggestion = f" Did you mean `{self.name} help {hint}`?" if hint else ""
            raise InvalidInput(
                f"`{self.name} {asked}` isn't a command I know.{suggestion} "
                f"`{self.name} help` lists them."
            )
        if cmd.verb in self.subcommands and cmd.head.strip().lower() == HELP:
            return self.verb_help(cmd.verb)
        return None

    def handler_for(self, cmd: CommandText, text: str) -> tuple[Handler | None, CommandText]:
        """The subcommand for a verb (help when empty); the default takes an unknown verb."""
        if cmd.verb in ("", HELP):
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
        asked = commands.help_for(cmd)
        if asked is not None:
            return Reply(asked)
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


class SlashCommands:
    """The inbox's processor for /portfolio and /roadmap: run the command, then answer it.

    `decide` runs the command against the database and returns the answer; the inbox keeps
    that answer, so `acknowledge` (posting it to the response_url, then refreshing App Home
    after a change) can be repeated without running the command again. A person's mistake or
    a failure is an answer too, in the error handler's words ("Sorry, something went wrong…",
    "I could not check your role…"): the person is waiting for it, so a command that failed
    is not run again later behind their back. What the inbox resumes is a command a crash cut
    off before it was answered.
    """

    def __init__(
        self,
        sets: Sequence[CommandSet],
        services: Services,
        directory: Directory,
        *,
        after_change: AfterChange | None = None,
        takes: Callable[[dict[str, Any]], bool] = lambda body: True,
    ) -> None:
        self.sets = {commands.name: commands for commands in sets}
        self.services = services
        self.directory = directory
        self.after_change = after_change
        self.takes = takes  # False for what another listener answers (a bare `add` form)

    def accepts(self, body: dict[str, Any]) -> bool:
        """A /portfolio or /roadmap command that is not answered by a form."""
        return body.get("command") in self.sets and self.takes(body)

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        """Run the command once; return its answer and where it goes, as JSON."""
        commands = self.sets[str(body.get("command"))]
        team_id = str(body.get("team_id") or "")
        user_id = str(body.get("user_id") or "")
        text = str(body.get("text") or "")
        verb = text.split(" ", 1)[0][:20]
        log.info(
            "command team=%s user=%s command=%s verb=%s", team_id, user_id, commands.name, verb
        )
        try:
            actor = self.directory.actor(client, team_id, user_id)
            reply = run_command(
                commands,
                text,
                actor=actor,
                channel_id=str(body.get("channel_id") or ""),
                services=self.services,
                client=client,
                directory=self.directory,
            )
        except Exception as error:  # the person is waiting: tell them now, never retry quietly
            log_failure(error, (team_id, user_id, commands.name, None))
            reply = Reply(Message(text=failure_text(error)))
        return {
            "response_url": str(body.get("response_url") or ""),
            "team_id": team_id,
            "channel_id": str(body.get("channel_id") or ""),
            "user_id": user_id,
            "what": f"{commands.name} {verb}".strip(),
            "message": reply.message.payload(
                response_type="in_channel" if reply.in_channel else "ephemeral"
            ),
            "keys": list(named_keys(text)) if reply.in_channel else [],
            "changed": reply.in_channel,
            # An answer for the asker only is a read or a refusal: it changed nothing, so
            # the inbox need not keep it before posting it (a crash just runs it again).
            "replayable": not reply.in_channel,
        }

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        """Post the answer at the response_url (falling back to an ephemeral message)."""
        team_id, user_id = decision["team_id"], decision["user_id"]
        respond = ResponseUrl(
            response_url=decision["response_url"],
            client=client,
            asker=Asker(team_id, decision["channel_id"] or None, user_id, decision["what"]),
        )
        respond(dict(decision["message"]))
        if decision["changed"] and self.after_change is not None:
            try:  # a change: refresh what it shows on (best effort, the answer is out)
                self.after_change(client, team_id, user_id, tuple(decision["keys"]))
            except Exception:
                log.exception("could not refresh App Home after a command team=%s", team_id)


def named_keys(text: str) -> tuple[str, ...]:
    """The product key a command names after its verb (`set CHK |…`, `update CHK-3 …`)."""
    words = text.split("|", 1)[0].split()
    match = KEY_WORD.fullmatch(words[1]) if len(words) > 1 else None
    return (match.group(1).upper(),) if match else ()


def register(app: App, sets: Sequence[CommandSet], listener: Callable[..., None]) -> None:
    """Route each slash command (/portfolio, /roadmap) to the inbox's listener.

    The command was acknowledged in the middleware (handlers.errors) once its inbox row was
    written (handlers.inbox); the listener runs it through `SlashCommands`.
    """
    for commands in sets:
        app.command(commands.name)(listener)
