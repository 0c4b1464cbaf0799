"""The console: a terminal that plays Slack against the real Bolt app.

Typed slash commands and messages become signed Slack requests (the same shapes Slack
sends) dispatched to the Bolt app; what the bot sends to the Web API goes to a loopback
stand-in for Slack, which prints it here.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TextIO

from console.buttons import ConsoleButtons
from console.clock import SavedClock, SimClock, resume_clock
from console.commands import ColonCommands
from console.demo import seed_demo
from console.loopback import FakeSlack, Post
from console.requests import SlackRequests
from console.text import render_post
from console.views import ConsoleViews
from console.workspace import (
    CHANNELS,
    CONSOLE_TOKEN,
    DEMO_PEOPLE,
    TEAM_ID,
    USERS,
    ConsoleState,
)
from domain.uncertainty.sweep import silence_solver_output

GREETING = "Folio console — you are alice (a portfolio manager) in #general."
HINT = (
    "Try /portfolio rank roi, /portfolio show CHK, /roadmap CHK, "
    "CHK-3: testing 80%. Type :help for more, :quit to leave."
)


class Console:
    """Turns typed lines into signed Slack requests and prints what the bot answers."""

    def __init__(
        self,
        folio: Any,
        fake: FakeSlack,
        secret: str,
        out: TextIO,
        color: bool,
        clock: SimClock | None = None,
    ) -> None:
        self.folio = folio
        self.fake = fake
        self.out = out
        self.color = color
        self.state = ConsoleState(user=USERS[0], channel=CHANNELS[0])
        self._print_lock = threading.Lock()
        self.slack = SlackRequests(
            folio.app, fake, secret, self.state, show=self.show, say=self.say
        )
        self.commands = ColonCommands(self.state, self.slack, self.say, folio=folio, clock=clock)
        self.views = ConsoleViews(self.slack, fake, self.state, say=self.say, color=color)
        self.commands.verbs.update(home=self.views.home, shortcut=self.views.shortcut)
        self.buttons = ConsoleButtons(self.slack, fake, self.state, say=self.say)
        self.commands.verbs.update(press=self.buttons.press)

    def show(self, post: Post) -> None:
        """Print one thing the bot did in 'Slack' (views are shown by ConsoleViews)."""
        if post.kind == "view":
            self.views.observe(post)
            return
        text = render_post(
            post,
            users=self.fake.user_names(),
            channels=self.fake.channel_names(),
            color=self.color,
            number=self.buttons.numberer(post),
        )
        with self._print_lock:
            print(text, file=self.out, flush=True)

    def say(self, text: str) -> None:
        """Print a console note."""
        with self._print_lock:
            print(text, file=self.out, flush=True)

    @property
    def prompt(self) -> str:
        """`alice@#general> `, or the field being filled in."""
        if self.views.active:
            return self.views.prompt
        return f"{self.state.user.name}@#{self.state.channel.name}> "

    def handle(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        if self.views.active:
            return self.views.answer(line)
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            going_on = self.commands.run(line)
            self.views.settle()
            return going_on
        if line.startswith("/"):
            self.slack.slash_command(line)
        else:
            self.slack.message(line)
        self.views.settle(away=True)
        return True


def run_console(
    settings: Any,
    *,
    create_app: Callable[..., Any],
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Start the loopback Slack, the app and the demo data, then read lines until EOF."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    silence_solver_output()  # HiGHS' stray printf would land in the transcript
    holder: dict[str, Console] = {}

    def on_post(post: Post) -> None:
        if "console" in holder:
            holder["console"].show(post)

    fake = FakeSlack(
        team_id=TEAM_ID,
        users=USERS,
        channels=CHANNELS,
        on_post=on_post,
        token=CONSOLE_TOKEN,
        files_dir="charts",
    ).start()
    secret = secrets.token_hex(16)
    console_settings = replace(
        settings,
        bot_token=CONSOLE_TOKEN,
        signing_secret=secret,
        app_token=None,
        client_id=None,
        client_secret=None,
        api_url=fake.base_url,
    )
    clock = SimClock(datetime.now(UTC).replace(second=0, microsecond=0))
    folio = create_app(console_settings, process_before_response=True, clock=clock)
    # The data lives in simulated time: go on from where the last session left the clock.
    clock_note = resume_clock(clock, SavedClock(folio.store.engine))
    seeded = seed_demo(folio.store, TEAM_ID, DEMO_PEOPLE, clock())
    console = Console(folio, fake, secret, stdout, stdout.isatty(), clock=clock)
    holder["console"] = console
    folio.scheduler.start()
    folio.inbox.start()  # retries and leftovers; each event is processed as it is typed
    if clock_note:
        console.say(clock_note)
    if interactive:
        console.say(GREETING + (" Demo portfolio loaded." if seeded else ""))
        console.say(HINT)
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history at the prompt)
    try:
        _read_lines(console, stdin, interactive)
    except KeyboardInterrupt:
        console.say("")
    finally:
        folio.scheduler.shutdown()
        folio.inbox.shutdown()
        fake.stop()
    return 0


def _read_lines(console: Console, stdin: TextIO, interactive: bool) -> None:
    while True:
        if interactive:
            try:
                line = input(console.prompt)
            except EOFError:
                return
        else:
            raw = stdin.readline()
            if not raw:
                return
            line = raw.rstrip("\n")
            if line.strip() or console.views.active:
                console.say(console.prompt + line)
        if not console.handle(line):
            return
