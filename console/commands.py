"""The console's own commands: `:user`, `:channel`, `:edit`, `:delete`, `:clock` and friends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from console.clock import SimClock, move_clock
from console.requests import SlackRequests
from console.workspace import CHANNELS, USERS, ConsoleState

HELP = """\
Type as you would in Slack:
  /portfolio help, /portfolio rank roi, /portfolio show CHK, /roadmap CHK …
  CHK-3: testing, 80% — blocked by the vendor     (an update in chat)
  :user bob        be someone else (alice is a portfolio manager; bob and dan own products)
  :channel roadmap move to another channel
  :edit TEXT       edit your last message here      :delete   delete it
  :clock           the simulated time; :clock +3d (or +2h, +1w), :clock 2027-03-29 09:00
                   moves it forward and posts the digests and reminders due on the way
  :home            your App Home tab; :home N presses its button N
  :shortcut [N]    "Log as roadmap update" on the Nth newest message here (lists them)
  :press N         press button [N] on a message Folio posted; :press N PAY picks in a menu
  /portfolio add or /roadmap add alone opens a form: one field per line, :cancel closes it
  :users  :channels  :help  :quit"""
QUIT = ("quit", "q", "exit")


class ColonCommands:
    """Runs a `:command` line against the console's state, its Slack side and its clock."""

    def __init__(
        self,
        state: ConsoleState,
        slack: SlackRequests,
        say: Callable[[str], None],
        *,
        folio: Any,
        clock: SimClock | None,
    ) -> None:
        self.state = state
        self.slack = slack
        self.say = say
        self.folio = folio
        self.clock = clock
        self.verbs: dict[str, Callable[[str], None]] = {
            "help": lambda _rest: self.say(HELP),
            "user": self.switch_user,
            "channel": self.switch_channel,
            "users": lambda _rest: self.list_users(),
            "channels": lambda _rest: self.say("  " + "  ".join("#" + c.name for c in CHANNELS)),
            "edit": self.slack.edit,
            "delete": lambda _rest: self.slack.delete(),
            "clock": self.move_clock,
        }

    def run(self, line: str) -> bool:
        """Act on one `:command` line; False means quit."""
        verb, _, rest = line[1:].partition(" ")
        if verb in QUIT:
            return False
        action = self.verbs.get(verb)
        if action is None:
            self.say(f"Unknown console command `:{verb}`. Type :help.")
        else:
            action(rest.strip())
        return True

    def switch_user(self, name: str) -> None:
        """`:user bob`: type as someone else."""
        user = next((u for u in USERS if u.name == name.lstrip("@").lower()), None)
        if user is None:
            self.say(f"No user `{name}`. Users: " + ", ".join(u.name for u in USERS))
        else:
            self.state.user = user

    def switch_channel(self, name: str) -> None:
        """`:channel roadmap`: type in another channel."""
        channel = next((c for c in CHANNELS if c.name == name.lstrip("#").lower()), None)
        if channel is None:
            names = ", ".join("#" + c.name for c in CHANNELS)
            self.say(f"No channel `{name}`. Channels: {names}")
        else:
            self.state.channel = channel

    def list_users(self) -> None:
        """`:users`: who is who, with their role and time zone."""
        for user in USERS:
            role = "portfolio manager (admin)" if user.is_admin else "member"
            self.say(f"  {user.name:<6} {user.real_name:<12} {role}, {user.tz}")

    def move_clock(self, text: str) -> None:
        """`:clock [+3d | 2027-03-29 09:00]`: show or move the simulated time."""
        move_clock(self.clock, self.folio, text, self.state.user.tz, self.say)
