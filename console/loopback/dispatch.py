"""The HTTP entry: route a request to a Web API method, a response_url or an upload."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from email.message import Message
from urllib.parse import urlsplit

from console.loopback.chat import METHODS as CHAT
from console.loopback.files import METHODS as FILES
from console.loopback.files import UPLOAD_PATH, receive_upload
from console.loopback.people import METHODS as PEOPLE
from console.loopback.reactions import METHODS as REACTIONS
from console.loopback.records import ApiError, optional
from console.loopback.respond import RESPOND_PATH, respond
from console.loopback.server import Reply, bearer, error_reply, json_reply, parse_params
from console.loopback.sockets import APP_TOKEN_METHODS, check_app_token
from console.loopback.sockets import METHODS as SOCKETS
from console.loopback.state import Method, SlackState
from console.loopback.views import METHODS as VIEWS

RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "upload"
METHODS: dict[str, Method] = {**PEOPLE, **CHAT, **REACTIONS, **FILES, **VIEWS, **SOCKETS}
TOKENLESS = frozenset({"oauth.v2.access"})  # the app's client id and secret authenticate it
SCOPES = {
    "users.info": "users:read",
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "conversations.info": "channels:read",
}
"""The scope a missing_scope answer says is needed, by method (else chat:write)."""


def method_of(raw_path: str) -> str:
    """The method a request path names (``response_url`` and ``upload`` for those two)."""
    path = urlsplit(raw_path).path
    if path.startswith("/api/"):
        return path[len("/api/") :]
    if path.startswith(RESPOND_PATH):
        return RESPONSE_URL_METHOD
    return UPLOAD_METHOD if path.startswith(UPLOAD_PATH) else path


def handle(
    slack: SlackState,
    raw_path: str,
    headers: Message,
    body: bytes,
    pause: Callable[[], object] = lambda: None,
) -> Reply:
    """Serve one HTTP request (any exception is recorded in errors and answered 500).

    `pause` runs before the answer is made (for a Web API call, once the call is recorded).
    """
    path = urlsplit(raw_path).path
    try:
        if path.startswith("/api/"):
            return _api(slack, path[len("/api/") :], raw_path, headers, body, pause)
        pause()
        if path.startswith(RESPOND_PATH):
            return _response_url(slack, path[len(RESPOND_PATH) :], body)
        if path.startswith(UPLOAD_PATH):
            return _upload(slack, path[len(UPLOAD_PATH) :], body)
    except Exception:
        with slack.lock:
            slack.error_log.append(traceback.format_exc())
        return json_reply({"ok": False, "error": "fatal_error"}, status=500)
    return json_reply({"ok": False, "error": "not_found"}, status=404)


def _api(
    slack: SlackState,
    method: str,
    raw_path: str,
    headers: Message,
    body: bytes,
    pause: Callable[[], object],
) -> Reply:
    query = urlsplit(raw_path).query
    params, parse_error = parse_params(headers.get("Content-Type", ""), body, query)
    token = bearer(headers.get("Authorization")) or optional(params, "token")
    with slack.lock:
        slack.record(method, params, token)
        slack.changed.notify_all()
    pause()  # a Slack that hangs (slow_down): the call is on record, its answer comes late
    with slack.lock:
        try:
            _raise_queued_failure(slack, method)
            if parse_error is not None:
                raise ApiError(parse_error)
            if method in APP_TOKEN_METHODS:
                check_app_token(token)
            elif method not in TOKENLESS:
                _check_token(slack, token)
            handler = METHODS.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            result = handler(slack, params)
        except ApiError as error:
            if error.status == 429 and method == "chat.postMessage":
                _count_refusal(slack, optional(params, "channel") or "")
            return error_reply(error)
        finally:
            slack.changed.notify_all()
    return json_reply({"ok": True, **result})


def _response_url(slack: SlackState, key: str, body: bytes) -> Reply:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    with slack.lock:
        params = payload if isinstance(payload, dict) else {"raw": body.decode("utf-8", "replace")}
        slack.record(RESPONSE_URL_METHOD, params, None)
        try:
            _raise_queued_failure(slack, RESPONSE_URL_METHOD)
            if key not in slack.response_urls:
                raise ApiError("expired_url", status=404)
            if not isinstance(payload, dict):
                raise ApiError("invalid_payload", status=400)
            respond(slack, key, payload)
        except ApiError as error:
            return error_reply(error)
        finally:
            slack.changed.notify_all()
    return json_reply({"ok": True})


def _upload(slack: SlackState, file_id: str, body: bytes) -> Reply:
    with slack.lock:
        slack.record(UPLOAD_METHOD, {"file_id": file_id, "length": len(body)}, None)
        try:
            _raise_queued_failure(slack, UPLOAD_METHOD)
            receive_upload(slack, file_id, body)
        except ApiError as error:
            return error_reply(error)
        finally:
            slack.changed.notify_all()
    return Reply(200, f"OK - {len(body)}".encode(), content_type="text/plain; charset=utf-8")


def _count_refusal(slack: SlackState, ref: str) -> None:
    channel = slack.resolve_channel(ref)
    key = channel.id if channel is not None else ref
    slack.refused_by_channel[key] = slack.refused_by_channel.get(key, 0) + 1


def _raise_queued_failure(slack: SlackState, method: str) -> None:
    queue = slack.failures.get(method)
    if not queue:
        return
    failure = queue[0]
    failure.times -= 1
    if failure.times <= 0:
        queue.popleft()
    extra = dict(failure.extra or {})
    if failure.error == "missing_scope" and "needed" not in extra:
        extra.update(needed=SCOPES.get(method, "chat:write"), provided="commands")
    if failure.status == 429:
        error = failure.error or "ratelimited"
        raise ApiError(error, status=429, retry_after=failure.retry_after, extra=extra)
    default = {500: "fatal_error", 503: "service_unavailable"}.get(failure.status, "request_failed")
    raise ApiError(failure.error or default, status=failure.status, extra=extra)


def _check_token(slack: SlackState, token: str | None) -> None:
    if slack.token is None:
        return
    if token is None:
        raise ApiError("not_authed")
    if token != slack.token:
        raise ApiError("invalid_auth")
