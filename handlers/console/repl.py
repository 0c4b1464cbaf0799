"""The console: a terminal that plays Slack against the real Bolt app.

Typed slash commands and messages become signed Slack requests (the same shapes Slack
sends) dispatched to the Bolt app; what the bot sends to the Web API goes to a loopback
stand-in for Slack, which prints it here.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from slack_bolt.request import BoltRequest

from domain.demo import DemoPeople, seed_demo
from handlers.console.fake_slack import FakeChannel, FakeSlack, FakeUser, Post
from handlers.console.text import render_post

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
MENTION = re.compile(r"(?<![<\w])@([a-z][a-z0-9._-]*)")
HELP = """\
Type as you would in Slack:
  /portfolio help, /portfolio rank roi, /portfolio show CHK, /roadmap CHK …
  CHK-3: testing, 80% — blocked by the vendor     (an update in chat)
  :user bob        be someone else (alice is a portfolio manager; bob and dan own products)
  :channel roadmap move to another channel
  :edit TEXT       edit your last message here      :delete   delete it
  :clock           the simulated time; :clock +3d (or +2h, +1w), :clock 2027-03-29 09:00
                   moves it forward and posts the digests and reminders due on the way
  :users  :channels  :help  :quit"""


CLOCK_STEP = re.compile(r"^\+(\d+)\s*([mhdw])$")
CLOCK_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_CLOCK_STOPS = 400


class SimClock:
    """The console's simulated time: starts at the real time and moves only when asked."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        """Move to an instant (timezone-aware)."""
        with self._lock:
            self._now = moment.astimezone(UTC)


@dataclass
class ConsoleState:
    """Who and where the person at the keyboard is."""

    user: FakeUser
    channel: FakeChannel
    last_message: dict[tuple[str, str], str] = field(default_factory=dict)


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
        self.clock = clock
        self.fake = fake
        self.secret = secret
        self.out = out
        self.color = color
        self.state = ConsoleState(user=USERS[0], channel=CHANNELS[0])
        self._events = 0
        self._print_lock = threading.Lock()

    # -- output -------------------------------------------------------------------------

    def show(self, post: Post) -> None:
        """Print one thing the bot did in 'Slack'."""
        text = render_post(
            post, users=self.fake.user_names(), channels=self.fake.channel_names(), color=self.color
        )
        with self._print_lock:
            print(text, file=self.out, flush=True)

    def say(self, text: str) -> None:
        """Print a console note."""
        with self._print_lock:
            print(text, file=self.out, flush=True)

    @property
    def prompt(self) -> str:
        """`alice@#general> `."""
        return f"{self.state.user.name}@#{self.state.channel.name}> "

    # -- input --------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return self.console_command(line)
        if line.startswith("/"):
            self.slash_command(line)
        else:
            self.message(line)
        return True

    def console_command(self, line: str) -> bool:
        """`:user`, `:channel`, `:edit`, `:delete`, `:help`, `:quit`."""
        verb, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "help":
            self.say(HELP)
        elif verb == "user":
            user = next((u for u in USERS if u.name == rest.lstrip("@").lower()), None)
            if user is None:
                self.say(f"No user `{rest}`. Users: " + ", ".join(u.name for u in USERS))
            else:
                self.state.user = user
        elif verb == "channel":
            channel = next((c for c in CHANNELS if c.name == rest.lstrip("#").lower()), None)
            if channel is None:
                self.say(
                    f"No channel `{rest}`. Channels: " + ", ".join("#" + c.name for c in CHANNELS)
                )
            else:
                self.state.channel = channel
        elif verb == "users":
            for user in USERS:
                role = "portfolio manager (admin)" if user.is_admin else "member"
                self.say(f"  {user.name:<6} {user.real_name:<12} {role}, {user.tz}")
        elif verb == "channels":
            self.say("  " + "  ".join("#" + c.name for c in CHANNELS))
        elif verb == "edit":
            self.edit(rest)
        elif verb == "delete":
            self.delete()
        elif verb == "clock":
            self.move_clock(rest)
        else:
            self.say(f"Unknown console command `:{verb}`. Type :help.")
        return True

    def move_clock(self, text: str) -> None:
        """`:clock` shows the simulated time; `:clock +3d` or `:clock 2027-03-29 09:00` moves it.

        Moving stops at every digest and reminder due on the way and runs the scheduler's job
        there, so a week of digests posts in order, each at its own time.
        """
        if self.clock is None:
            self.say("This console runs on the real clock.")
            return
        zone = ZoneInfo(self.state.user.tz)
        if not text:
            self.say(self.clock_text())
            return
        now = self.clock()
        target = self.parse_clock(text, now, zone)
        if target is None:
            return
        if target < now:
            self.say("The clock only moves forward; give a later time or `+1d`.")
            return
        digests = self.folio.services.digests
        jobs = self.folio.scheduler.jobs
        stops = 0
        while stops < MAX_CLOCK_STOPS:
            moment = digests.next_event_after(self.clock())
            if moment is None or moment > target:
                break
            self.clock.set(moment)
            jobs.run_once()
            stops += 1
        if stops == MAX_CLOCK_STOPS:
            self.say(f"(Stopped after {MAX_CLOCK_STOPS} scheduled posts.)")
        else:
            self.clock.set(target)
            jobs.run_once()
        self.say(self.clock_text())

    def clock_text(self) -> str:
        """The simulated time in the current person's zone and in UTC."""
        assert self.clock is not None
        now = self.clock()
        local = now.astimezone(ZoneInfo(self.state.user.tz))
        return (
            f"  (simulated time: {local:%a %d %b %Y, %H:%M} {self.state.user.tz} · {now:%H:%M} UTC)"
        )

    def parse_clock(self, text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
        """`+3d`, `+2h`, `+30m`, `+1w`, or a local `YYYY-MM-DD HH:MM` (the person's zone)."""
        step = CLOCK_STEP.match(text.replace(" ", ""))
        if step:
            return now + timedelta(**{CLOCK_UNITS[step.group(2)]: int(step.group(1))})
        try:
            local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            try:
                local = datetime.strptime(text.strip(), "%Y-%m-%d")
            except ValueError:
                self.say(
                    f"`{text}` isn't a time I can move to. Write `:clock +3d` (m, h, d or w) or "
                    "`:clock 2027-03-29 09:00` (your time zone)."
                )
                return None
        return local.replace(tzinfo=zone).astimezone(UTC)

    def slash_command(self, line: str) -> None:
        """Send a slash command the way Slack does (form-encoded, signed)."""
        command, _, text = line.partition(" ")
        if command not in ("/portfolio", "/roadmap"):
            self.say(f"{command} isn't a Folio command. Try /portfolio help or /roadmap help.")
            return
        user, channel = self.state.user, self.state.channel
        body = urlencode(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "team_domain": "console",
                "channel_id": channel.id,
                "channel_name": channel.name,
                "user_id": user.id,
                "user_name": user.name,
                "command": command,
                "text": slack_escape(self.mentions(text)),
                "api_app_id": "A0FOLIO",
                "is_enterprise_install": "false",
                "response_url": self.fake.new_response_url(channel=channel.id, user=user.id),
                "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**9)}",
            }
        )
        self.dispatch(body, "application/x-www-form-urlencoded")

    def message(self, text: str) -> None:
        """Post a message in the current channel and deliver the `message` event."""
        user, channel = self.state.user, self.state.channel
        escaped = slack_escape(self.mentions(text))
        ts = self.fake.add_message(channel.id, user=user.id, text=escaped)
        self.state.last_message[(user.id, channel.id)] = ts
        self.event(
            {
                "type": "message",
                "user": user.id,
                "text": escaped,
                "ts": ts,
                "channel": channel.id,
                "channel_type": "channel",
                "event_ts": ts,
                "team": TEAM_ID,
            }
        )

    def edit(self, text: str) -> None:
        """Edit the last message: a `message_changed` event."""
        user, channel = self.state.user, self.state.channel
        ts = self.state.last_message.get((user.id, channel.id))
        if ts is None or not text:
            self.say("Nothing to edit: post a message first, then `:edit NEW TEXT`.")
            return
        escaped = slack_escape(self.mentions(text))
        now = f"{time.time():.6f}"
        self.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel.id,
                "ts": now,
                "event_ts": now,
                "message": {
                    "type": "message",
                    "user": user.id,
                    "text": escaped,
                    "ts": ts,
                    "edited": {"user": user.id, "ts": now},
                },
                "previous_message": {"type": "message", "user": user.id, "ts": ts},
            }
        )
        self.say("  (edited)")

    def delete(self) -> None:
        """Delete the last message: a `message_deleted` event."""
        user, channel = self.state.user, self.state.channel
        ts = self.state.last_message.pop((user.id, channel.id), None)
        if ts is None:
            self.say("Nothing to delete here.")
            return
        now = f"{time.time():.6f}"
        self.event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": channel.id,
                "ts": now,
                "deleted_ts": ts,
                "event_ts": now,
                "previous_message": {"type": "message", "user": user.id, "ts": ts},
            }
        )
        self.say("  (message deleted)")

    def event(self, event: dict[str, Any]) -> None:
        """Wrap an event in Slack's event_callback envelope and dispatch it."""
        self._events += 1
        body = json.dumps(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "api_app_id": "A0FOLIO",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{self._events:08d}CONSOLE",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": TEAM_ID,
                        "user_id": self.fake.bot_user_id,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )
        self.dispatch(body, "application/json")

    def mentions(self, text: str) -> str:
        """`@bob` becomes `<@U0BOB>`, as Slack does when you pick a person."""
        names = {u.name: u.id for u in USERS}
        return MENTION.sub(
            lambda m: f"<@{names[m.group(1)]}>" if m.group(1) in names else m.group(0), text
        )

    def dispatch(self, body: str, content_type: str) -> None:
        """Sign the body with the app's signing secret and hand it to Bolt."""
        timestamp = str(int(time.time()))
        base = f"v0:{timestamp}:{body}".encode()
        signature = "v0=" + hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
        request = BoltRequest(
            body=body,
            headers={
                "content-type": [content_type],
                "x-slack-request-timestamp": [timestamp],
                "x-slack-signature": [signature],
            },
        )
        response = self.folio.app.dispatch(request)
        if response.status != 200:
            self.say(f"(Slack would have seen HTTP {response.status}: {response.body})")
        elif response.body:
            payload = (
                json.loads(response.body)
                if response.body.startswith("{")
                else {"text": response.body}
            )
            if payload.get("text") or payload.get("blocks"):
                self.show(
                    Post(
                        kind="response",
                        channel=self.state.channel.id,
                        user=self.state.user.id,
                        text=payload.get("text", ""),
                        blocks=payload.get("blocks"),
                        extra={"response_type": payload.get("response_type")},
                    )
                )


def slack_escape(text: str) -> str:
    """Escape &, < and > outside mentions, as Slack does in message and command text."""
    parts = re.split(r"(<@[UW][A-Z0-9]+>)", text)
    return "".join(
        p
        if p.startswith("<@")
        else p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for p in parts
    )


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
    color = stdout.isatty()
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
    people = DemoPeople(alice="U0ALICE", bob="U0BOB", dan="U0DAN", carol="U0CAROL")
    seeded = seed_demo(folio.store, TEAM_ID, people, clock())
    console = Console(folio, fake, secret, stdout, color, clock=clock)
    holder["console"] = console
    folio.scheduler.start()
    if interactive:
        console.say(
            "Folio console — you are alice (a portfolio manager) in #general."
            + (" Demo portfolio loaded." if seeded else "")
        )
        console.say(
            "Try /portfolio rank roi, /portfolio show CHK, /roadmap CHK, "
            "CHK-3: testing 80%. Type :help for more, :quit to leave."
        )
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history at the prompt)
    try:
        while True:
            if interactive:
                try:
                    line = input(console.prompt)
                except EOFError:
                    break
            else:
                raw = stdin.readline()
                if not raw:
                    break
                line = raw.rstrip("\n")
                if line.strip():
                    console.say(console.prompt + line)
            if not console.handle(line):
                break
    except KeyboardInterrupt:
        console.say("")
    finally:
        folio.scheduler.shutdown()
        fake.stop()
    return 0
