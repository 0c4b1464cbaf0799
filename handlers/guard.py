"""The door of HTTP mode: a request to /slack/events is checked before Bolt reads it.

In this order, each answered at once with nothing done (no Slack call, no write, one short
log line from the caller):

1. size: a body over MAX_BODY_BYTES is 413. Slack caps a message at 40,000 characters; the
   largest request it sends Folio is a `message_changed` event carrying a message and its
   previous version, each as `text` and again in its rich_text block, under 200,000
   characters, which stays under 1 MiB even with every character \\u-escaped (6 bytes).
   A slash command's text is far shorter still.
2. signature: X-Slack-Request-Timestamp must be whole seconds in ASCII digits within five
   minutes of now, X-Slack-Signature `v0=` and 64 hex digits, and the HMAC-SHA256 of
   `v0:{timestamp}:{body}` with the signing secret must match. Anything else is 401 (Bolt's
   own check raised on `yesterday`, `1e9` or a non-ASCII signature: 500 and an apology to
   the body's response_url).
3. shape: a signed request must be one Slack sends: UTF-8; `application/json` with an
   Events API envelope (`event_callback` with an event, `url_verification`,
   `app_rate_limited`), or `application/x-www-form-urlencoded` with a slash command
   (`command` starting with `/`, `team_id`, `user_id`), an interaction (`payload` holding a
   JSON object with a `type`) or `ssl_check`; each field once. Else 415 or 400.

Bolt then checks the signature again (it cannot raise on what passed here) and runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

log = logging.getLogger("folio.guard")
MAX_BODY_BYTES = 1024 * 1024
MAX_AGE_SECONDS = 5 * 60
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_SIGNATURE_RE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: the HTTP status, and a short reason for the log."""

    status: int
    reason: str


def too_large(content_length: int | None) -> Refusal | None:
    """413 for a declared body over the cap (checked before the body is read)."""
    if content_length is not None and content_length > MAX_BODY_BYTES:
        return Refusal(413, "body_too_large")
    return None


def check(
    headers: Mapping[str, str], body: bytes, *, secret: str | None, now: float
) -> Refusal | None:
    """None for a request Slack sent and signed; else why it is refused."""
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, "body_too_large")
    if not secret or not signed(headers, body, secret=secret, now=now):
        return Refusal(401, "invalid_signature")
    return shape(headers.get("Content-Type") or "", body)


def signed(headers: Mapping[str, str], body: bytes, *, secret: str, now: float) -> bool:
    """Whether the body carries Slack's signature, made with this secret less than 5 min ago."""
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    signature = headers.get("X-Slack-Signature") or ""
    if not (_TIMESTAMP_RE.fullmatch(timestamp) and _SIGNATURE_RE.fullmatch(signature)):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))


def shape(content_type: str, body: bytes) -> Refusal | None:
    """None for a body in a shape Slack sends; else 415 (media type) or 400 (content)."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    charset = params.strip().lower().removeprefix("charset=").strip('"') if params else "utf-8"
    if media not in (FORM, JSON) or charset not in ("utf-8", "utf8"):
        return Refusal(415, "unsupported_media_type")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "not_utf8")
    if media == JSON:
        return _json_shape(text)
    return _form_shape(text)


def _json_shape(text: str) -> Refusal | None:
    try:
        data = json.loads(text)
    except ValueError:
        return Refusal(400, "invalid_json")
    if not isinstance(data, dict) or data.get("type") not in EVENT_TYPES:
        return Refusal(400, "not_an_events_api_request")
    if data["type"] == "event_callback" and not isinstance(data.get("event"), dict):
        return Refusal(400, "event_callback_without_event")
    return None


def _form_shape(text: str) -> Refusal | None:
    pairs = parse_qsl(text, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        return Refusal(400, "repeated_field")
    fields = dict(pairs)
    if "payload" in fields:
        try:
            payload = json.loads(fields["payload"])
        except ValueError:
            return Refusal(400, "invalid_payload")
        if "command" in fields or not (
            isinstance(payload, dict) and isinstance(payload.get("type"), str)
        ):
            return Refusal(400, "invalid_payload")
        return None
    if "command" in fields:
        if not fields["command"].startswith("/") or not (
            fields.get("team_id") and fields.get("user_id")
        ):
            return Refusal(400, "invalid_command")
        return None
    if "ssl_check" in fields:
        return None
    return Refusal(400, "not_a_slack_request")


def refuse(request: Any, secret: str | None) -> tuple[dict[str, Any], int] | None:
    """For a Flask request to /slack/events: the answer to refuse it with, or None to go on.

    Logs one short line per refusal: the reason, the status, the size, never the body.
    """
    refusal = too_large(request.content_length)
    if refusal is None:
        body = request.get_data(cache=True)
        refusal = check(request.headers, body, secret=secret, now=time.time())
    if refusal is None:
        return None
    log.warning(
        "refused a request: %s (HTTP %s, %s bytes, %s)",
        refusal.reason,
        refusal.status,
        request.content_length if request.content_length is not None else "unknown",
        request.headers.get("Content-Type", "no content type")[:60],
    )
    return {"ok": False, "error": refusal.reason}, refusal.status
