"""The console's pretend workspace: its people, its channels, and who is typing where."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.demo import DemoPeople
from console.loopback import FakeChannel, FakeUser

TEAM_ID = "T0CONSOLE"
CONSOLE_TOKEN = "xoxb-console"  # noqa: S105  (a dummy for the loopback Slack)
USERS = (
    FakeUser("U0ALICE", "alice", "Alice Park", is_admin=True, tz="Europe/Berlin"),
    FakeUser("U0BOB", "bob", "Bob Stone", tz="Europe/London"),
    FakeUser("U0DAN", "dan", "Dan Reyes", tz="America/New_York"),
    FakeUser("U0CAROL", "carol", "Carol Diaz", tz="UTC"),
)
CHANNELS = (
    FakeChannel("C0GENERAL", "general"),
    FakeChannel("C0ROADMAP", "roadmap"),
    FakeChannel("C0PORTFOLIO", "portfolio"),
)
DEMO_PEOPLE = DemoPeople(alice="U0ALICE", bob="U0BOB", dan="U0DAN", carol="U0CAROL")


@dataclass
class ConsoleState:
    """Who and where the person at the keyboard is."""

    user: FakeUser
    channel: FakeChannel
    last_message: dict[tuple[str, str], str] = field(default_factory=dict)
