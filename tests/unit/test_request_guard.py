"""The HTTP guard: what Slack signs and sends passes; anything else is refused, never raised."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest

from handlers.guard import FORM, JSON, MAX_BODY_BYTES, check, shape, signed, too_large

SECRET = "guard-secret"
NOW = 1_790_000_000.0


def headers_for(
    body: bytes, *, ts: str = str(int(NOW)), content_type: str = FORM
) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": content_type,
    }


COMMAND = urlencode(
    {"command": "/portfolio", "text": "list", "team_id": "T1", "user_id": "U1", "channel_id": "C1"}
).encode()


def test_a_signed_slash_command_passes() -> None:
    assert check(headers_for(COMMAND), COMMAND, secret=SECRET, now=NOW) is None


@pytest.mark.parametrize("ts", ["yesterday", "1e9", f"{int(NOW)}.0", "", "-1", "١٧٩٠٠٠٠٠٠٠"])
def test_a_timestamp_that_is_not_whole_ascii_seconds_is_refused(ts: str) -> None:
    headers = headers_for(COMMAND, ts=ts)
    assert not signed(headers, COMMAND, secret=SECRET, now=NOW)


def test_a_signature_older_than_five_minutes_is_refused() -> None:
    old = str(int(NOW) - 301)
    assert not signed(headers_for(COMMAND, ts=old), COMMAND, secret=SECRET, now=NOW)


@pytest.mark.parametrize("signature", ["v0=" + "é" * 64, "v1=" + "0" * 64, "v0=" + "0" * 63, ""])
def test_a_malformed_signature_is_refused_without_raising(signature: str) -> None:
    headers = headers_for(COMMAND) | {"X-Slack-Signature": signature}
    refusal = check(headers, COMMAND, secret=SECRET, now=NOW)
    assert refusal is not None and refusal.status == 401


def test_size_is_checked_first() -> None:
    assert too_large(MAX_BODY_BYTES + 1) is not None and too_large(MAX_BODY_BYTES) is None
    big = b"x" * (MAX_BODY_BYTES + 1)
    refusal = check(headers_for(big), big, secret=SECRET, now=NOW)
    assert refusal is not None and refusal.status == 413


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        (JSON, json.dumps({"type": "event_callback", "event": {"type": "message"}}), None),
        (JSON, json.dumps({"type": "url_verification", "challenge": "c"}), None),
        (f"{JSON}; charset=utf-8", json.dumps({"type": "app_rate_limited"}), None),
        (FORM, urlencode({"payload": json.dumps({"type": "block_actions"})}), None),
        (FORM, urlencode({"ssl_check": "1"}), None),
        (JSON, json.dumps({"command": "/portfolio", "text": "add X"}), 400),
        (JSON, json.dumps({"type": "event_callback"}), 400),
        (JSON, "[1, 2]", 400),
        (JSON, "{", 400),
        ("text/plain", COMMAND.decode(), 415),
        ("", COMMAND.decode(), 415),
        (FORM, urlencode({"command": "portfolio", "team_id": "T", "user_id": "U"}), 400),
        (FORM, urlencode({"command": "/portfolio"}), 400),
        (FORM, urlencode({"payload": "[]"}), 400),
        (FORM, "text=a&text=b&command=/x&team_id=T&user_id=U", 400),
    ],
)
def test_only_shapes_slack_sends_pass(content_type: str, body: str, status: int | None) -> None:
    refusal = shape(content_type, body.encode())
    assert (refusal.status if refusal else None) == status


def test_a_body_that_is_not_utf8_is_refused() -> None:
    refusal = shape(FORM, b"text=\xff\xfe")
    assert refusal is not None and refusal.status == 400
