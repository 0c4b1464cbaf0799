"""Signatures, mrkdwn injection, workspaces: nothing forged, unescaped or shared."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.models import Base, Product
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
    assert "isn't set up" in payload_text(other) or "no product" in payload_text(other).lower()
    listing = slack.command("list", team="T0OTHER")
    assert "Checkout" not in payload_text(listing)


def test_unexpected_failure_gets_an_apology_not_a_traceback(slack: SlackDriver) -> None:
    slack.command("setup Products")
    slack.folio.store.engine.dispose()
    with slack.folio.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TABLE roadmap_items"
            + (" CASCADE" if slack.folio.store.engine.dialect.name == "postgresql" else "")
        )
    try:
        answer = slack.command("list")
    finally:
        Base.metadata.create_all(slack.folio.store.engine)  # leave the schema whole
    assert "Sorry, something went wrong" in answer.text
    assert "Traceback" not in payload_text(answer)
    assert "roadmap_items" not in payload_text(answer)
