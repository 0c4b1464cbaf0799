"""Signatures, mrkdwn injection, workspaces: nothing forged, unescaped or shared."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.listener import thread_runner
from sqlalchemy import func, select

from domain.models import Product
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.slack_requests import event_body, message_event, sign, slash_command_body


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
