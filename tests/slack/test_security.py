"""Signatures, request shapes, logs, mrkdwn injection, workspaces: nothing forged, unescaped
or shared, and nothing at all done for a request Slack did not sign."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt import BoltRequest
from slack_bolt.listener import thread_runner
from sqlalchemy import func, select

from domain.models import Portfolio, Product
from handlers.delivery.respond import HostPolicy
from handlers.guard import FORM, MAX_BODY_BYTES
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.logs import safe_logs
from tests.support.slack_requests import (
    SIGNING_SECRET,
    event_body,
    message_event,
    sign,
    slash_command_body,
)


def outbound(slack: SlackDriver) -> list[str]:
    """The Web API calls and answers Folio made after starting (Bolt's auth.test)."""
    return [c.method for c in slack.fake.calls if c.method != "auth.test"]


def products(slack: SlackDriver) -> int:
    with slack.folio.store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Product)) or 0


def command_body(slack: SlackDriver, text: str) -> str:
    return slash_command_body(
        "/portfolio",
        text,
        team_id=slack.team,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=slack.fake.new_response_url(),
    )


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "unsigned", "tampered"])
def test_forged_or_stale_requests_get_401_and_write_nothing(
    slack: SlackDriver, forgery: str
) -> None:
    body = command_body(slack, "setup Forged")
    if forgery == "wrong secret":
        headers = sign(body, secret="not-the-secret")
    elif forgery == "stale":
        headers = sign(body, timestamp=int(time.time()) - 60 * 10)
    elif forgery == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        headers = sign(body)
        body = body.replace("Forged", "Hacked")
    response = slack.post(body, headers)
    assert response.status_code == 401
    slack.drain()
    assert slack.fake.posts == []
    assert products(slack) == 0


def test_forged_event_is_refused(slack: SlackDriver) -> None:
    body = event_body(
        message_event(
            "CHK: off track", user="U0BOB", channel="C0ROADMAP", ts="1.000001", team=slack.team
        ),
        team_id=slack.team,
    )
    assert slack.post(body, sign(body, secret="nope")).status_code == 401


INJECTIONS = ["<!channel>", "<@U0ALICE>", "<http://evil.example|click>", "Fish & Chips"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_user_text_never_reaches_slack_unescaped(slack: SlackDriver, payload: str) -> None:
    slack.command("setup Products")
    name = payload.replace("|", " ")  # a typed | separates fields in commands
    slack.command(
        "add CHK "
        + name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        + " | owner <@U0BOB|bob>"
    )
    slack.say(f"CHK: at risk, {payload}")
    slack.say(f"CHK feedback: {payload}")
    slack.settle(2)
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped_name = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for answer in (slack.command("show CHK"), slack.command("rank roi"), slack.command("list")):
        texts = [answer.text, *mrkdwn_texts(answer.blocks or [])]
        assert not any(payload in t or name in t for t in texts)
        assert any(escaped_name in t for t in texts)
    card = [answer.text, *mrkdwn_texts(slack.command("show CHK").blocks or [])]
    assert any(escaped in t for t in card)


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn string in a block tree (plain_text is shown literally by Slack)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(mrkdwn_texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(mrkdwn_texts(value))
    return found


def test_another_workspace_sees_nothing(slack: SlackDriver) -> None:
    slack.command("setup Products")
    slack.command("add CHK Checkout")
    other = slack.command("show CHK", team="T0OTHER")
    assert "There is no product `CHK` in this workspace" in payload_text(other)
    assert "Checkout" not in payload_text(other)
    listing = slack.command("list", team="T0OTHER")
    assert "Folio isn't set up in this workspace yet" in payload_text(listing)
    assert "Checkout" not in payload_text(listing)


@pytest.fixture
def slow_ack_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt's HTTP thread looks for ack() every 0.3 s instead of every 10 ms, as on a busy machine.

    So a listener that acks and then fails has finished failing before Bolt first looks: the
    interleaving that used to lose the ack (and answer 404 "unhandled request") now happens
    on every run instead of now and then (slack_bolt.listener.thread_runner must keep `time`).
    """
    slow = SimpleNamespace(time=time.time, sleep=lambda seconds: time.sleep(max(seconds, 0.3)))
    monkeypatch.setattr(thread_runner, "time", slow)


@pytest.mark.usefixtures("slow_ack_poll")
def test_unexpected_failure_gets_an_apology_not_a_traceback(slack: SlackDriver) -> None:
    slack.command("setup Products")
    engine = slack.folio.store.engine
    engine.dispose()  # no pooled connection holds a lock on the table
    with engine.begin() as conn:  # a table gone missing: every listing fails in the database
        conn.exec_driver_sql("ALTER TABLE roadmap_items RENAME TO roadmap_items_away")
    try:
        answer = slack.command("list")  # asserts Bolt answered 200 (acknowledged), not 404
    finally:
        slack.drain()
        engine.dispose()
        with engine.begin() as conn:  # the schema exactly as it was, constraints and all
            conn.exec_driver_sql("ALTER TABLE roadmap_items_away RENAME TO roadmap_items")
    assert "Sorry, something went wrong" in answer.text
    assert "Traceback" not in payload_text(answer)
    assert "roadmap_items" not in payload_text(answer)


# -------------------------------------------------------------- nothing from an unsigned request
# Bolt's own check raised on these (int("yesterday"), hmac on non-ASCII): 500, and the error
# handler then posted its apology to the unverified body's response_url.
MALFORMED_HEADERS = {
    "a word for a timestamp": {"X-Slack-Request-Timestamp": "yesterday"},
    "a float timestamp": {"X-Slack-Request-Timestamp": "1e9"},
    "a fractional timestamp": {"X-Slack-Request-Timestamp": f"{int(time.time())}.0"},
    "a spaced timestamp": {"X-Slack-Request-Timestamp": f" {int(time.time())}"},
    "a non-ASCII signature": {"X-Slack-Signature": "v0=" + "é" * 64},
    "an upper-case signature": {"X-Slack-Signature": "v0=" + "A" * 64},
    "no signature": {"X-Slack-Signature": ""},
}


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, as bot.configure_logging writes it (SafeLogs on)."""
    with safe_logs([SIGNING_SECRET]) as stream:
        yield stream


@pytest.mark.parametrize("case", list(MALFORMED_HEADERS))
def test_malformed_signature_headers_get_401_and_cause_nothing(
    slack: SlackDriver, log_text: io.StringIO, case: str
) -> None:
    body = command_body(slack, "setup Forged")
    headers = sign(body) | MALFORMED_HEADERS[case]
    headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}  # as WSGI
    response = slack.post(body, headers)
    slack.drain()
    assert response.status_code == 401
    assert outbound(slack) == []  # no apology to its response_url, no users.info, nothing
    assert products(slack) == 0
    logged = log_text.getvalue()
    assert "Forged" not in logged and "Traceback" not in logged
    assert len(logged) < 1000  # a summary


def test_an_unverified_request_given_to_bolt_itself_is_never_answered(slack: SlackDriver) -> None:
    """Behind the web guard, Bolt's own check still must not lead to a post: the error
    handler answers only a request whose signature Bolt has checked."""
    body = command_body(slack, "setup Forged")
    headers: dict[str, str | Sequence[str]] = {
        **sign(body),
        "X-Slack-Request-Timestamp": "yesterday",
    }
    response = slack.folio.app.dispatch(BoltRequest(body=body, headers=headers))
    slack.drain()
    assert response.status != 200
    assert outbound(slack) == []
    assert products(slack) == 0


FORGED_LINE = "\n2099-01-01 00:00:00,000 ERROR folio FORGED-LOG-LINE"


@pytest.mark.parametrize("signed", [False, True])
def test_a_2_mb_body_is_refused_with_413_and_never_logged(
    slack: SlackDriver, log_text: io.StringIO, signed: bool
) -> None:
    body = command_body(slack, "setup " + "x" * 2_000_000 + FORGED_LINE)
    headers = sign(body) if signed else {"Content-Type": "application/x-www-form-urlencoded"}
    response = slack.post(body, headers)
    slack.drain()
    assert response.status_code == 413
    assert outbound(slack) == [] and products(slack) == 0
    logged = log_text.getvalue()
    assert "FORGED" not in logged and "xxxxxxxxxx" not in logged
    assert len(logged) < 1000


def test_a_bad_signature_never_logs_the_body(slack: SlackDriver, log_text: io.StringIO) -> None:
    body = command_body(slack, "setup SECRET-BODY" + FORGED_LINE)
    assert slack.post(body, sign(body, secret="not-the-secret")).status_code == 401
    logged = log_text.getvalue()
    assert "SECRET-BODY" not in logged and "FORGED" not in logged
    assert "invalid_signature" in logged  # one summary line says why


def test_text_from_a_request_cannot_forge_a_log_line(
    slack: SlackDriver, log_text: io.StringIO
) -> None:
    slack.command("setup Products")
    slack.command("add CHK Checkout")
    slack.command("show" + FORGED_LINE)  # the verb is logged with the command
    slack.say("CHK: at risk" + FORGED_LINE, user="U0ALICE")
    slack.drain()
    lines = log_text.getvalue().splitlines()
    assert lines
    assert not [line for line in lines if line.startswith("2099")]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} |    ", line) for line in lines)


def signed_as(body: str, content_type: str) -> dict[str, str]:
    return sign(body) | {"Content-Type": content_type}


def test_a_signed_command_in_a_shape_slack_never_sends_is_refused_and_writes_nothing(
    slack: SlackDriver,
) -> None:
    form = command_body(slack, "setup Shapeless")
    as_json = json.dumps(dict(parse_qsl(form)))
    shapes = {
        "a JSON command": (as_json, "application/json", 400),
        "text/plain": (form, "text/plain", 415),
        "a form with its JSON content type": (form, "application/json", 400),
        "a form without a command": (
            urlencode({"text": "setup X", "team_id": slack.team}),
            FORM,
            400,
        ),
        "a field given twice": (form + "&text=setup+Twice", FORM, 400),
        "a payload that isn't JSON": (urlencode({"payload": "{not json"}), FORM, 400),
        "an envelope of no known type": (json.dumps({"type": "command"}), "application/json", 400),
        "latin-1 text": (form, f"{FORM}; charset=latin-1", 415),
    }
    for name, (body, content_type, status) in shapes.items():
        response = slack.post(body, signed_as(body, content_type))
        assert response.status_code == status, name
    big = command_body(slack, "setup " + "y" * (MAX_BODY_BYTES + 1))
    assert slack.post(big).status_code == 413
    slack.drain()
    assert outbound(slack) == []
    assert products(slack) == 0
    with slack.folio.store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Portfolio)) == 0


def test_slacks_own_shapes_still_pass_the_guard(slack: SlackDriver) -> None:
    challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = slack.post(challenge)
    assert response.status_code == 200 and b"abc123" in response.data
    ssl_check = urlencode({"ssl_check": "1", "token": "x"})
    assert slack.post(ssl_check).status_code == 200
    assert slack.command("help").text


def test_an_answer_goes_only_to_slacks_hosts(slack: SlackDriver, caplog: Any) -> None:
    """A response_url on another host is never called; the answer goes by chat.postEphemeral."""
    real = slack.fake.new_response_url(channel="C0GENERAL", user="U0ALICE")
    elsewhere = real.replace("http://127.0.0.1:", "http://localhost:")  # the same fake, renamed
    body = slash_command_body(
        "/portfolio",
        "help",
        team_id=slack.team,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=elsewhere,
    )
    assert slack.post(body).status_code == 200
    slack.drain()
    assert slack.fake.calls_to("response_url") == []
    (ephemeral,) = [p for p in slack.fake.posts if p.kind == "ephemeral"]
    assert ephemeral.user == "U0ALICE" and "/portfolio setup" in payload_text(ephemeral)
    assert "response_url is not Slack's" in caplog.text and "host=localhost" in caplog.text


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://hooks.slack-gov.com/actions/T1/2/abc", True),
        ("http://hooks.slack.com/commands/T1/2/abc", False),
        ("https://hooks.slack.com.evil.example/commands/T1", False),
        ("https://evil.example@hooks.slack.com/commands/T1", False),
        ("https://hooks.slack.com:8443/commands/T1", False),
        ("http://127.0.0.1:9/internal/admin/delete-everything", False),
        ("https://slack.com/api/whatever", True),  # SLACK_API_URL's host
        ("not a url", False),
    ],
)
def test_the_response_url_host_policy(url: str, allowed: bool) -> None:
    assert HostPolicy("https://slack.com/api/").allows(url) is allowed
