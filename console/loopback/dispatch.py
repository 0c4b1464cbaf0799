"""The HTTP entry: route a request to a Web API method, a response_url or an upload."""

from __future__ import annotations

import json
import traceback
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
from console.loopback.state import Method, SlackState
from console.loopback.views import METHODS as VIEWS

RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "upload"
METHODS: dict[str, Method] = {**PEOPLE, **CHAT, **REACTIONS, **FILES, **VIEWS}


def handle(slack: SlackState, raw_path: str, headers: Message, body: bytes) -> Reply:
    """Serve one HTTP request (any exception is recorded in errors and answered 500)."""
    path = urlsplit(raw_path).path
    try:
        if path.startswith("/api/"):
            return _api(slack, path[len("/api/") :], raw_path, headers, body)
        if path.startswith(RESPOND_PATH):
            return _response_url(slack, path[len(RESPOND_PATH) :], body)
        if path.startswith(UPLOAD_PATH):
            return _upload(slack, path[len(UPLOAD_PATH) :], body)
    except Exception:
        with slack.lock:
            slack.error_log.append(traceback.format_exc())
        return json_reply({"ok": False, "error": "fatal_error"}, status=500)
    return json_reply({"ok": False, "error": "not_found"}, status=404)


def _api(slack: SlackState, method: str, raw_path: str, headers: Message, body: bytes) -> Reply:
    query = urlsplit(raw_path).query
    params, parse_error = parse_params(headers.get("Content-Type", ""), body, query)
    token = bearer(headers.get("Authorization")) or optional(params, "token")
    with slack.lock:
        slack.record(method, params, token)
        try:
            _raise_queued_failure(slack, method)
            if parse_error is not None:
                raise ApiError(parse_error)
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
    if failure.status == 429:
        raise ApiError(failure.error or "ratelimited", status=429, retry_after=failure.retry_after)
    default = {500: "fatal_error", 503: "service_unavailable"}.get(failure.status, "request_failed")
    raise ApiError(failure.error or default, status=failure.status)


def _check_token(slack: SlackState, token: str | None) -> None:
    if slack.token is None:
        return
    if token is None:
        raise ApiError("not_authed")
    if token != slack.token:
        raise ApiError("invalid_auth")
