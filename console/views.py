"""App Home, modals and the message shortcut at the console, through the real listeners.

`:home` sends `app_home_opened` and prints the published tab with its buttons numbered;
`:home N` presses button N (a signed `block_actions`). A modal Folio opens (from a slash
command, a button or the shortcut) becomes a form filled in at the prompt and is sent back
as a signed `view_submission`; Slack's `response_action: errors` is shown next to the
fields, which are asked again. `:shortcut N` uses "Log as roadmap update" on the Nth most
recent message of the channel (a signed `message_action`).
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from console.blockkit import Renderer
from console.forms import KEEP_HINT, Form
from console.loopback import FakeSlack, Post
from console.mrkdwn import DIM, style
from console.requests import SlackRequests
from console.workspace import TEAM_ID, ConsoleState

SHORTCUT = "log_update"
QUIT_WORDS = (":quit", ":q", ":exit")
RECENT = 5


def _trigger() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**9)}"


class ConsoleViews:
    """The console's views: the App Home tab, the form being filled in, the shortcut."""

    def __init__(
        self,
        slack: SlackRequests,
        fake: FakeSlack,
        state: ConsoleState,
        *,
        say: Callable[[str], None],
        color: bool,
    ) -> None:
        self.slack = slack
        self.fake = fake
        self.state = state
        self.say = say
        self.color = color
        self.form: Form | None = None
        self.form_view_id: str | None = None
        self.changed: list[str] = []  # modal view ids opened or updated since last looked at
        self.home_changed: set[str] = set()  # people whose App Home was republished
        self.home_buttons: list[tuple[dict[str, Any], str]] = []
        self.on_home = False  # the person is looking at App Home (their last :home)
        self.home_user = ""

    # -- what the loopback Slack shows (called on its thread: record only) -------------------

    def observe(self, post: Post) -> None:
        """A view Folio opened, updated or published."""
        view = post.extra.get("view") or {}
        if view.get("type") == "home":
            if post.user:
                self.home_changed.add(post.user)
        elif view.get("id"):
            self.changed.append(str(view["id"]))

    # -- after each typed line ---------------------------------------------------------------

    def settle(self, *, away: bool = False) -> None:
        """After a request: start the form for a modal just opened, show a republished home.

        The tab is shown again when the person is on it (they last used :home), else noted;
        `away`: they typed in a channel, so they are no longer looking at App Home.
        """
        self.on_home = self.on_home and not away and self.home_user == self.state.user.id
        if self.state.user.id in self.home_changed and not self.form and not self.changed:
            if self.on_home:
                self.show_home()
            else:
                self.say(style("  (your App Home was updated: :home shows it)", DIM, self.color))
        self.home_changed.clear()
        if not self.changed:
            return
        view_id = self.changed[-1]
        self.changed.clear()
        with self.fake.lock:
            view = copy.deepcopy(self.fake.views.get(view_id) or {})
        if view:
            self.start(view_id, view)

    def start(self, view_id: str, view: dict[str, Any]) -> None:
        """Show a modal; with inputs it becomes the form being filled in."""
        form = Form(view, self.suggest)
        title = form.title or "modal"
        others = [b for b in view.get("blocks") or [] if b.get("type") != "input"]
        self.say(f"┌ {title} " + "─" * max(4, 36 - len(title)))
        if others:
            body = self._renderer().render(others)
            self.say("\n".join("│ " + line for line in body.split("\n")))
        if not form.fields:
            self.say("└ (closed)")
            self._send(self._closed(view))
            return
        self.say(style("│ " + KEEP_HINT, DIM, self.color))
        self.form, self.form_view_id = form, view_id
        self._describe()

    @property
    def active(self) -> bool:
        """Whether a form is being filled in (typed lines are its answers)."""
        return self.form is not None

    @property
    def prompt(self) -> str:
        """The current field's prompt."""
        return self.form.prompt() if self.form else ""

    def answer(self, line: str) -> bool:
        """One typed line for the form: a field's value, :cancel, or :quit; False: quit."""
        form = self.form
        assert form is not None
        if line.strip() in (":cancel", *QUIT_WORDS):
            self.form = None
            self.say("└ (form closed)")
            self._send(self._closed(form.view))
            return line.strip() == ":cancel"
        if line.strip().startswith(":"):
            self.say("  Finish the form first, or :cancel it.")
            return True
        problem = form.answer(line)
        if problem is not None:
            self.say(f"  ⚠ {problem}")
            self._describe()
        elif form.done:
            self.submit(form)
        else:
            self._describe()
        return True

    def submit(self, form: Form) -> None:
        """Send the filled-in form as Slack would, and act on the answer."""
        self.form = None
        view = {**form.view, "state": form.state()}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "console"},
            "user": self._user(),
            "api_app_id": self.fake.app_id,
            "token": "console",
            "trigger_id": _trigger(),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        response = self._send(payload)
        body = str(getattr(response, "body", "") or "")
        answer = json.loads(body) if body.startswith("{") else {}
        if answer.get("response_action") == "errors":
            if not form.refuse(answer.get("errors") or {}):  # errors on nothing we can ask
                self.say("  ⚠ " + "; ".join(map(str, (answer.get("errors") or {}).values())))
                self.say("└ (form closed)")
                return
            self.form = form
            for item in form.fields:
                if item.error:
                    self.say(f"│ ⚠ {item.label}: {item.error}")
            self.say("│ Fix the fields marked ⚠ (Enter keeps the others):")
            self._describe()
            return
        if answer.get("response_action") in ("update", "push") and answer.get("view"):
            self.start(self.form_view_id or "", dict(answer["view"]))
            return
        self.say("└ (submitted)")
        self.settle()

    def suggest(self, block_id: str, typed: str) -> list[tuple[str, str]]:
        """What an external_select offers for the typed text (a signed block_suggestion)."""
        assert self.form is not None
        item = next(f for f in self.form.fields if f.block_id == block_id)
        payload = {
            "type": "block_suggestion",
            "user": self._user(),
            "container": {"type": "view", "view_id": self.form_view_id},
            "api_app_id": self.fake.app_id,
            "token": "console",
            "action_id": item.action_id,
            "block_id": block_id,
            "value": typed,
            "team": {"id": TEAM_ID, "domain": "console"},
            "view": self.form.view,
        }
        response = self._send(payload)
        body = str(getattr(response, "body", "") or "")
        options = (json.loads(body) if body.startswith("{") else {}).get("options") or []
        return [(str(o["value"]), str(o["text"]["text"])) for o in options]

    # -- :home and :shortcut -----------------------------------------------------------------

    def home(self, rest: str) -> None:
        """`:home` shows your App Home; `:home N` presses its button N."""
        self.on_home, self.home_user = True, self.state.user.id
        if rest.strip():
            self.press_home(rest.strip())
            return
        user = self.state.user
        self.slack.event(
            {
                "type": "app_home_opened",
                "user": user.id,
                "channel": f"D{user.id}",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
        )
        self.home_changed.discard(user.id)
        self.show_home()

    def show_home(self) -> None:
        """Print the current person's App Home, its buttons numbered."""
        user = self.state.user
        with self.fake.lock:
            view_id = self.fake.home_views.get(user.id)
            view = copy.deepcopy(self.fake.views.get(view_id or "") or {})
        if not view:
            self.say("  (no App Home yet)")
            return
        blocks = view.get("blocks") or []
        self.home_buttons = []
        for block in blocks:
            for element in block.get("elements") or [] if block.get("type") == "actions" else []:
                if element.get("type") == "button":
                    self.home_buttons.append((dict(element), str(block.get("block_id", ""))))
                    label = f"{len(self.home_buttons)} {element['text']['text']}"
                    element["text"] = {**element["text"], "text": label}
        self.say(f"[App Home: @{user.name}]")
        self.say(self._renderer().render(blocks))
        if self.home_buttons:
            self.say(style("  (:home N presses button N)", DIM, self.color))

    def press_home(self, number: str) -> None:
        """Press App Home button N."""
        if not number.isdigit() or not 1 <= int(number) <= len(self.home_buttons):
            self.say("  No such button: :home shows the tab with its buttons numbered.")
            return
        element, block_id = self.home_buttons[int(number) - 1]
        user = self.state.user
        with self.fake.lock:
            view = copy.deepcopy(self.fake.views.get(self.fake.home_views.get(user.id, ""), {}))
        action = {
            "action_id": element["action_id"],
            "block_id": block_id,
            "type": "button",
            "value": element.get("value", ""),
            "text": element["text"],
            "action_ts": f"{time.time():.6f}",
        }
        self._send(
            {
                "type": "block_actions",
                "user": self._user(),
                "api_app_id": self.fake.app_id,
                "token": "console",
                "container": {"type": "view", "view_id": view.get("id")},
                "trigger_id": _trigger(),
                "team": {"id": TEAM_ID, "domain": "console"},
                "is_enterprise_install": False,
                "view": view,
                "actions": [action],
            }
        )

    def shortcut(self, rest: str) -> None:
        """`:shortcut` lists recent messages; `:shortcut N` logs the Nth newest as an update."""
        channel = self.state.channel
        messages = [m for m in reversed(self.fake.messages(channel.id)) if m.get("text")]
        names = self.fake.user_names()
        if not rest.strip().isdigit():
            if not messages:
                self.say("  No messages here yet.")
            for number, message in enumerate(messages[:RECENT], 1):
                who = "Folio" if message.get("bot_id") else "@" + names.get(message["user"], "?")
                self.say(f"  {number}) {who}: {str(message['text'])[:80]}")
            if messages:
                self.say("  :shortcut N logs message N as a roadmap update.")
            return
        number = int(rest.strip())
        if not 1 <= number <= len(messages):
            self.say(f"  There are {len(messages)} messages here: :shortcut lists them.")
            return
        message = messages[number - 1]
        user = self.state.user
        self._send(
            {
                "type": "message_action",
                "token": "console",
                "action_ts": f"{time.time():.6f}",
                "team": {"id": TEAM_ID, "domain": "console"},
                "user": self._user(),
                "channel": {"id": channel.id, "name": channel.name},
                "is_enterprise_install": False,
                "callback_id": SHORTCUT,
                "trigger_id": _trigger(),
                "response_url": self.fake.new_response_url(channel=channel.id, user=user.id),
                "message_ts": message["ts"],
                "message": {
                    "type": "message",
                    "user": message.get("user"),
                    "ts": message["ts"],
                    "text": message["text"],
                },
            }
        )

    # -- plumbing ----------------------------------------------------------------------------

    def _describe(self) -> None:
        if self.form is not None:
            for line in self.form.describe():
                self.say(line)

    def _user(self) -> dict[str, str]:
        user = self.state.user
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}

    def _closed(self, view: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "view_closed",
            "team": {"id": TEAM_ID, "domain": "console"},
            "user": self._user(),
            "api_app_id": self.fake.app_id,
            "token": "console",
            "view": view,
            "is_cleared": False,
        }

    def _send(self, payload: dict[str, Any]) -> Any:
        body = urlencode({"payload": json.dumps(payload)})
        return self.slack.dispatch(body, "application/x-www-form-urlencoded")

    def _renderer(self) -> Renderer:
        return Renderer(self.fake.user_names(), self.fake.channel_names(), self.color, 100)
