"""Inputs and secrets: what people type reaches Slack escaped, disguised or broken text is bad
input (never an unexpected error), and no log line at any level holds a token."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot import Folio, Settings, configure_logging, create_app, create_wsgi_app
from console.loopback import Call, FakeSlack
from handlers.log_safety import SafeLogs
from tests.conftest import Clock, Database
from tests.slack.conftest import SlackDriver, TrackingExecutor, payload_text
from tests.support.logs import safe_logs
from tests.support.slack_requests import SIGNING_SECRET, event_body, message_event, sign

CONTROL = ("<!channel>", "<!here>", "<@U0EVIL1>", "<http://evil.example")
TEXT_PARAMS = ("text", "initial_comment")


def slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_strings(call: Call) -> list[str]:
    """Every string Slack reads as mrkdwn in a call: text, a file's comment, mrkdwn blocks."""
    found = [str(call.params[name]) for name in TEXT_PARAMS if call.params.get(name)]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.params.get("blocks"))
    return found


def unescaped(calls: list[Call]) -> list[str]:
    """`method: text` for each mrkdwn string in these calls that holds raw control syntax."""
    return [
        f"{call.method}: {text}"
        for call in calls
        for text in mrkdwn_strings(call)
        if any(syntax in text for syntax in CONTROL)
    ]


def test_no_web_api_call_carries_unescaped_control_syntax(slack: SlackDriver) -> None:
    name = "<!channel> <!here> <@U0EVIL1> <http://evil.example> & co"
    slack.command("setup " + slack_escaped(name))
    slack.command("add CHK " + slack_escaped(name))
    slack.say("CHK: at risk, " + name, user="U0ALICE")
    slack.settle(1)
    slack.command("export")
    slack.drain()
    (complete,) = slack.fake.calls_to("files.completeUploadExternal")
    assert "&lt;!channel&gt;" in complete.params["initial_comment"]  # the comment is checked
    assert unescaped(slack.fake.calls) == []


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_a_direction_override_in_a_name_is_refused(slack: SlackDriver, mark: str) -> None:
    slack.command("setup Products")
    answer = slack.command(f"add EXE Invoice{mark}gnp.exe")
    assert f"invisible direction mark U+{ord(mark):04X}" in answer.text
    assert "EXE" not in payload_text(slack.command("list"))
    assert "invisible direction mark" in slack.command(f"setup Other{mark}name").text


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob>")
    slack.command("add CHK Checkout v2", command="/roadmap")
    return slack


def deliver_raw(slack: SlackDriver, body: str) -> int:
    return int(slack.post(body, sign(body)).status_code)


BROKEN = {
    "a lone surrogate": ("CHK: at risk, vendor \ud800 late", "broken character (U+D800"),
    "a NUL byte": ("CHK: at risk, vendor\x00late", "control characters such as U+0000"),
    "a direction override": ("CHK: at risk, Invoice\u202egnp.exe", "direction mark U+202E"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_text_in_a_chat_update_is_answered_as_bad_input(
    ready: SlackDriver, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    text, said = BROKEN[case]
    ts = ready.next_ts()
    ready.fake.add_message("C0ROADMAP", user="U0BOB", text="(unreadable)", ts=ts)
    event = message_event(text, user="U0BOB", channel="C0ROADMAP", ts=ts, team=ready.team)
    body = event_body(event, team_id=ready.team, event_id="Ev0BROKEN")  # JSON escapes it all
    assert deliver_raw(ready, body) == 200
    (told,) = ready.settle(1, kinds=("ephemeral",))
    assert told.user == "U0BOB" and said in told.text
    assert [p for p in ready.fake.posts if p.kind == "reaction"] == []
    assert "unexpected" not in caplog.text and "failed for good" not in caplog.text
    assert "vendor" not in payload_text(ready.command("show CHK"))


# ------------------------------------------------------------ no token in any log line


@pytest.fixture
def oauth_fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0TEST") as fake:
        fake.add_user(id="U0ALICE", name="alice", real_name="Alice", is_admin=True)
        yield fake


@pytest.fixture
def oauth_folio(database: Database, oauth_fake: FakeSlack, clock: Clock) -> Iterator[Folio]:
    settings = Settings(
        signing_secret=SIGNING_SECRET,
        client_id="1.2",
        client_secret="client-secret-shh",
        api_url=oauth_fake.base_url,
        database_url=database.url,
    )
    folio = create_app(settings, clock=clock, executor=TrackingExecutor())
    yield folio
    folio.executor.drain()  # type: ignore[attr-defined]
    folio.executor.shutdown(wait=True)
    folio.store.engine.dispose()


def test_an_install_logs_no_token_even_at_debug(oauth_folio: Folio, oauth_fake: FakeSlack) -> None:
    web = create_wsgi_app(oauth_folio).test_client()
    with safe_logs(["client-secret-shh", SIGNING_SECRET]) as logs:
        page = web.get("/slack/install").get_data(as_text=True)
        state = re.search(r"state=([A-Za-z0-9-]+)", page)
        assert state is not None, page
        done = web.get(f"/slack/oauth_redirect?code=the-code&state={state.group(1)}")
        assert done.status_code == 200, done.get_data(as_text=True)
        store = oauth_folio.app.installation_store
        assert store is not None
        installed = store.find_installation(enterprise_id=None, team_id="T0TEST")
        assert installed is not None and installed.bot_token
        token = installed.bot_token
        body = '{"token": "xoxb-in-a-body-1234", "access_token": "xoxe.xoxp-1-abc"}'
        assert oauth_fake.calls_to("oauth.v2.access")  # the exchange happened, on the fake
        logging.getLogger("folio.test").debug("echo %s", body)
    logged = logs.getvalue()
    assert "oauth.v2.access" in logged and "DEBUG slack_sdk" in logged  # it was logged …
    assert token not in logged  # … without the token it answered with
    assert "client-secret-shh" not in logged
    assert "xoxb-in-a-body-1234" not in logged and "xoxe.xoxp-1-abc" not in logged
    assert "(redacted)" in logged


def test_configure_logging_puts_the_filter_on_every_handler() -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    extra = logging.StreamHandler(stream)
    root.addHandler(extra)
    try:
        configure_logging(Settings(bot_token="xoxb-secret-one", log_level="DEBUG"), console=False)
        logging.getLogger("slack_sdk.web.base_client").debug(
            'Received the following response - body: {"ok": true, "access_token": "%s"}',
            "xoxb-secret-one",
        )
    finally:
        root.removeHandler(extra)
        for handler in root.handlers:
            for safe in [f for f in handler.filters if isinstance(f, SafeLogs)]:
                handler.removeFilter(safe)
    assert "xoxb-secret-one" not in stream.getvalue()
    assert '"access_token": "(redacted)"' in stream.getvalue()
