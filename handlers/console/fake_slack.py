"""A fake Slack Web API on 127.0.0.1: answers like Slack, records every call, fails on demand.

Used by the console (a terminal that plays Slack) and by the tests. Point slack_sdk at it with
``WebClient(base_url=fake.base_url)``. Slash-command payloads get a ``response_url`` from
``fake.new_response_url()``; ``files_upload_v2`` is served end to end (the upload URL points back
here). Every request is recorded in ``calls``; every visible effect becomes a ``Post`` and is
handed to ``on_post`` on the server thread before the HTTP answer is sent.

``on_post`` runs while the fake's lock is held: it may read the fake (``posts``, ``user_names()``)
but must not call the fake over HTTP.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERMALINK_HOST = "https://console.slack.invalid"
FILES_HOST = "https://files.console.slack.invalid"
RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "upload"
POST_KINDS = ("message", "ephemeral", "response", "update", "reaction", "file", "delete", "view")

_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "files": "invalid_arguments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
}
_MAX_TEXT = 40_000
_MAX_MESSAGE_BLOCKS = 50
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class FakeUser:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False


@dataclass
class FakeChannel:
    """A conversation; ``is_member`` says whether the bot is in it."""

    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_im: bool = False
    is_private: bool = False
    is_mpim: bool = False
    user: str | None = None  # the other person of a DM


@dataclass
class Call:
    """One HTTP request the fake received; params merge query, form or JSON body."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float


@dataclass
class Post:
    """One visible effect: a message, ephemeral, response_url answer, edit, reaction, file..."""

    kind: str
    channel: str | None
    user: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Failure:
    status: int
    retry_after: int
    times: int
    error: str | None


@dataclass
class _ResponseTarget:
    channel: str | None
    user: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class _Upload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None


class _ApiError(Exception):
    """A Slack-style failure: HTTP status plus {"ok": false, "error": ...}."""

    def __init__(self, error: str, *, status: int = 200, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after


def _json_reply(
    data: dict[str, Any], *, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), headers=headers)


def _error_reply(error: _ApiError) -> _Reply:
    headers: tuple[tuple[str, str], ...] = ()
    if error.retry_after is not None:
        headers = (("Retry-After", str(error.retry_after)),)
    return _json_reply({"ok": False, "error": error.error}, status=error.status, headers=headers)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes"}


def _opt_str(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _required(params: dict[str, Any], key: str) -> str:
    value = _opt_str(params, key)
    if value is None:
        raise _ApiError("invalid_arguments")
    return value


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        """Serve a Web API, response_url or upload request."""
        self._serve()

    def do_GET(self) -> None:
        """Serve a Web API request sent with query parameters."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: no logging per request."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake._handle_http(self.path, self.headers, body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class FakeSlack:
    """A loopback Slack Web API that records calls and can answer 429 or 500 on demand."""

    def __init__(
        self,
        *,
        team_id: str = "T0CONSOLE",
        team_name: str = "Console",
        users: Iterable[FakeUser] = (),
        channels: Iterable[FakeChannel] = (),
        bot_user_id: str = "UFOLIOBOT",
        on_post: Callable[[Post], None] | None = None,
        channel_rate_per_second: float | None = None,
        workspace_rate_per_second: float | None = None,
        token: str | None = None,
        bot_id: str = "BFOLIOBOT",
        app_id: str = "A0FOLIO",
        bot_name: str = "folio",
        files_dir: str | Path | None = None,
        strict_messages: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.on_post = on_post
        self.channel_rate_per_second = channel_rate_per_second
        self.workspace_rate_per_second = workspace_rate_per_second
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self.strict_messages = strict_messages
        self._token = token
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._users: dict[str, FakeUser] = {}
        self._channels: dict[str, FakeChannel] = {}
        self._calls: list[Call] = []
        self._posts: list[Post] = []
        self._errors: list[str] = []
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._by_ts: dict[tuple[str, str], dict[str, Any]] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._failures: dict[str, deque[_Failure]] = {}
        self._response_urls: dict[str, _ResponseTarget] = {}
        self._uploads: dict[str, _Upload] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._posts_by_channel: dict[str, int] = {}
        self._rejected_by_channel: dict[str, int] = {}
        self._channel_windows: dict[str, deque[float]] = {}
        self._workspace_window: deque[float] = deque()
        self._last_ts_us = 0
        self._counter = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
        }
        self.add_user(FakeUser(bot_user_id, bot_name, "Folio", is_bot=True))
        for user in users:
            self.add_user(user)
        for channel in channels:
            self.add_channel(channel)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 on a free port, serving from a daemon thread."""
        if self._server is not None:
            return self
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running fake."""
        if self._server is None:
            raise RuntimeError(
                "FakeSlack is not started; call start() or use it as a context manager."
            )
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL to pass to ``WebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A fresh response_url for a slash command or interaction payload."""
        with self._lock:
            self._counter += 1
            key = str(self._counter)
            self._response_urls[key] = _ResponseTarget(channel, user, message_ts)
        return f"{self.root_url}/respond/{key}"

    # ------------------------------------------------------------------ records

    @property
    def calls(self) -> list[Call]:
        """A copy of every request received, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def posts(self) -> list[Post]:
        """A copy of every visible effect, oldest first."""
        with self._lock:
            return list(self._posts)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised inside the fake or by on_post (should stay empty)."""
        with self._lock:
            return list(self._errors)

    @property
    def posts_by_channel(self) -> dict[str, int]:
        """How many chat.postMessage calls succeeded, per channel id."""
        with self._lock:
            return dict(self._posts_by_channel)

    @property
    def rejected_by_channel(self) -> dict[str, int]:
        """How many chat.postMessage attempts were answered 429, per channel."""
        with self._lock:
            return dict(self._rejected_by_channel)

    @property
    def rejected_total(self) -> int:
        """How many chat.postMessage attempts were answered 429 in all."""
        with self._lock:
            return sum(self._rejected_by_channel.values())

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to one method (``response_url`` and ``upload`` name the others)."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def posts_in(self, channel: str) -> list[Post]:
        """The visible effects in one channel, oldest first."""
        with self._lock:
            return [post for post in self._posts if post.channel == channel]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages stored in a channel's history (top level and replies), oldest first."""
        with self._lock:
            return [dict(message) for message in self._messages.get(channel, [])]

    def file_content(self, file_id: str) -> bytes:
        """The bytes uploaded for a file id."""
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None or upload.data is None:
                raise KeyError(file_id)
            return upload.data

    def clear_records(self) -> None:
        """Forget calls, posts and counters (users, channels and history are kept)."""
        with self._lock:
            self._calls.clear()
            self._posts.clear()
            self._errors.clear()
            self._posts_by_channel.clear()
            self._rejected_by_channel.clear()

    def wait_for(self, predicate: Callable[[FakeSlack], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate(fake)`` holds (re-checked on every change); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if predicate(self):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    # ------------------------------------------------------------------ setup

    def add_user(self, user: FakeUser | None = None, **fields: Any) -> FakeUser:
        """Add or replace a workspace member (a FakeUser or its fields as keywords)."""
        member = user if user is not None else FakeUser(**fields)
        with self._lock:
            self._users[member.id] = member
            self._changed.notify_all()
        return member

    def add_channel(self, channel: FakeChannel | None = None, **fields: Any) -> FakeChannel:
        """Add or replace a conversation (a FakeChannel or its fields as keywords)."""
        conversation = channel if channel is not None else FakeChannel(**fields)
        with self._lock:
            self._channels[conversation.id] = conversation
            self._messages.setdefault(conversation.id, [])
            self._changed.notify_all()
        return conversation

    def remove_bot_from(self, channel_id: str) -> None:
        """Take the bot out of a channel: later posts there answer not_in_channel."""
        with self._lock:
            self._channels[channel_id].is_member = False

    def invite_bot(self, channel_id: str) -> None:
        """Put the bot (back) into a channel."""
        with self._lock:
            self._channels[channel_id].is_member = True

    def archive(self, channel_id: str) -> None:
        """Archive a channel: later posts there answer is_archived."""
        with self._lock:
            self._channels[channel_id].is_archived = True

    def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with a user, created if needed."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(user_id)
            return self._dm_with(user_id).id

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """Store a message a person wrote (so reactions, permalinks and history find it)."""
        with self._lock:
            message_ts = ts or self._next_ts()
            self._store_message(channel, message_ts, text, blocks, thread_ts, author=user, extra={})
            self._changed.notify_all()
            return message_ts

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail: 429 ratelimited, 5xx, or 200+error."""
        if status == 200 and not error:
            raise ValueError("A failure with HTTP 200 needs an error, e.g. error='not_in_channel'.")
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.append(_Failure(status, retry_after, times, error))

    def user_names(self) -> dict[str, str]:
        """User id -> handle, for rendering mentions."""
        with self._lock:
            return {uid: user.name for uid, user in self._users.items()}

    def channel_names(self) -> dict[str, str]:
        """Channel id -> name, with DMs as ``@handle``, for rendering."""
        with self._lock:
            names: dict[str, str] = {}
            for cid, channel in self._channels.items():
                if channel.is_im and channel.user is not None:
                    other = self._users.get(channel.user)
                    names[cid] = f"@{other.name if other else channel.user}"
                else:
                    names[cid] = channel.name
            return names

    # ------------------------------------------------------------------ HTTP entry

    def _handle_http(self, raw_path: str, headers: Message, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        try:
            if path.startswith("/api/"):
                return self._handle_api(path[len("/api/") :], parts.query, headers, body)
            if path.startswith("/respond/"):
                return self._handle_response_url(path[len("/respond/") :], headers, body)
            if path.startswith("/upload/v1/"):
                return self._handle_upload(path[len("/upload/v1/") :], headers, body)
        except Exception:
            with self._lock:
                self._errors.append(traceback.format_exc())
            return _json_reply({"ok": False, "error": "fatal_error"}, status=500)
        return _json_reply({"ok": False, "error": "not_found"}, status=404)

    def _handle_api(self, method: str, query: str, headers: Message, body: bytes) -> _Reply:
        params, parse_error = _parse_params(headers.get("Content-Type", ""), body, query)
        token = _bearer(headers.get("Authorization")) or _opt_str(params, "token")
        with self._lock:
            self._record(method, params, token)
            try:
                failure = self._take_failure(method)
                if failure is not None:
                    raise failure
                if parse_error is not None:
                    raise _ApiError(parse_error)
                self._check_token(token)
                handler = self._handlers.get(method)
                if handler is None:
                    raise _ApiError("unknown_method")
                result = handler(params)
            except _ApiError as error:
                if error.status == 429 and method == "chat.postMessage":
                    key = _opt_str(params, "channel") or ""
                    channel = self._resolve_channel(key)
                    key = channel.id if channel is not None else key
                    self._rejected_by_channel[key] = self._rejected_by_channel.get(key, 0) + 1
                return _error_reply(error)
            finally:
                self._changed.notify_all()
        return _json_reply({"ok": True, **result})

    def _handle_response_url(self, key: str, headers: Message, body: bytes) -> _Reply:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None
        with self._lock:
            params = (
                payload if isinstance(payload, dict) else {"raw": body.decode("utf-8", "replace")}
            )
            self._record(RESPONSE_URL_METHOD, params, None)
            try:
                failure = self._take_failure(RESPONSE_URL_METHOD)
                if failure is not None:
                    raise failure
                target = self._response_urls.get(key)
                if target is None:
                    raise _ApiError("expired_url", status=404)
                if not isinstance(payload, dict):
                    raise _ApiError("invalid_payload", status=400)
                self._respond(target, payload)
            except _ApiError as error:
                return _error_reply(error)
            finally:
                self._changed.notify_all()
        return _json_reply({"ok": True})

    def _handle_upload(self, file_id: str, headers: Message, body: bytes) -> _Reply:
        with self._lock:
            self._record(UPLOAD_METHOD, {"file_id": file_id, "length": len(body)}, None)
            try:
                failure = self._take_failure(UPLOAD_METHOD)
                if failure is not None:
                    raise failure
                upload = self._uploads.get(file_id)
                if upload is None:
                    raise _ApiError("file_not_found", status=404)
                upload.data = body
            except _ApiError as error:
                return _error_reply(error)
            finally:
                self._changed.notify_all()
        return _Reply(200, f"OK - {len(body)}".encode(), content_type="text/plain; charset=utf-8")

    def _record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        self._calls.append(Call(method, params, token, self._clock()))

    def _take_failure(self, method: str) -> _ApiError | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        if failure.status == 429:
            return _ApiError(
                failure.error or "ratelimited", status=429, retry_after=failure.retry_after
            )
        default = {500: "fatal_error", 503: "service_unavailable"}.get(
            failure.status, "request_failed"
        )
        return _ApiError(failure.error or default, status=failure.status)

    def _check_token(self, token: str | None) -> None:
        if self._token is None:
            return
        if token is None:
            raise _ApiError("not_authed")
        if token != self._token:
            raise _ApiError("invalid_auth")

    def _emit(self, post: Post) -> None:
        self._posts.append(post)
        if self.on_post is None:
            return
        try:
            self.on_post(post)
        except Exception:
            self._errors.append(traceback.format_exc())

    def _next_ts(self) -> str:
        now_us = int(self._clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:08d}"

    # ------------------------------------------------------------------ model helpers

    def _resolve_channel(self, ref: str) -> FakeChannel | None:
        channel = self._channels.get(ref)
        if channel is not None:
            return channel
        if ref in self._users:
            return self._dm_with(ref)
        name = ref.removeprefix("#")
        return next((c for c in self._channels.values() if c.name == name and not c.is_im), None)

    def _dm_with(self, user_id: str) -> FakeChannel:
        for channel in self._channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        user = self._users[user_id]
        return self.add_channel(
            FakeChannel(f"D{user_id}", user.name, is_im=True, is_private=True, user=user_id)
        )

    def _writable_channel(self, params: dict[str, Any], key: str = "channel") -> FakeChannel:
        channel = self._resolve_channel(_required(params, key))
        if channel is None:
            raise _ApiError("channel_not_found")
        if channel.is_archived:
            raise _ApiError("is_archived")
        if not channel.is_member:
            raise _ApiError("not_in_channel")
        return channel

    def _known_channel(self, params: dict[str, Any], key: str = "channel") -> FakeChannel:
        channel = self._resolve_channel(_required(params, key))
        if channel is None or (channel.is_private and not channel.is_member):
            raise _ApiError("channel_not_found")
        return channel

    def _store_message(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None,
        *,
        author: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "message", "text": text, "ts": ts, "team": self.team_id}
        if author is None:
            message.update(user=self.bot_user_id, bot_id=self.bot_id, app_id=self.app_id)
        else:
            message["user"] = author
        if blocks is not None:
            message["blocks"] = blocks
        message.update(extra)
        if thread_ts is not None and thread_ts != ts:
            message["thread_ts"] = thread_ts
            parent = self._by_ts.get((channel, thread_ts))
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent["latest_reply"] = ts
                users = parent.setdefault("reply_users", [])
                if message["user"] not in users:
                    users.append(message["user"])
        self._messages.setdefault(channel, []).append(message)
        self._by_ts[(channel, ts)] = message
        return message

    def _message_for_change(self, channel: str, ts: str, not_mine_error: str) -> dict[str, Any]:
        message = self._by_ts.get((channel, ts))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _ApiError(not_mine_error)
        return message

    def _check_reaction_target(self, channel: str, ts: str) -> None:
        if self.strict_messages and (channel, ts) not in self._by_ts:
            raise _ApiError("message_not_found")

    def _check_rate(self, channel: str) -> None:
        now = time.monotonic()
        limits: list[tuple[deque[float], float]] = []
        if self.channel_rate_per_second is not None:
            window = self._channel_windows.setdefault(channel, deque())
            limits.append((window, self.channel_rate_per_second))
        if self.workspace_rate_per_second is not None:
            limits.append((self._workspace_window, self.workspace_rate_per_second))
        for window, rate in limits:
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= rate:
                raise _ApiError("ratelimited", status=429, retry_after=1)
        for window, _ in limits:
            window.append(now)

    def _message_content(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
        text = str(params.get("text") or "")
        blocks = params.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise _ApiError("invalid_blocks_format")
        if not text and not blocks and not params.get("attachments"):
            raise _ApiError("no_text")
        if len(text) > _MAX_TEXT:
            raise _ApiError("msg_too_long")
        if blocks is not None and len(blocks) > _MAX_MESSAGE_BLOCKS:
            raise _ApiError("invalid_blocks")
        return text, blocks

    def _permalink(self, channel: str, ts: str) -> str:
        link = f"{PERMALINK_HOST}/archives/{channel}/p{ts.replace('.', '')}"
        message = self._by_ts.get((channel, ts))
        if message is not None and message.get("thread_ts") not in (None, ts):
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return link

    def _user_object(self, user: FakeUser) -> dict[str, Any]:
        try:
            zone = ZoneInfo(user.tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        local = datetime.fromtimestamp(self._clock(), UTC).astimezone(zone)
        offset = local.utcoffset()
        profile: dict[str, Any] = {
            "title": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "",
            "team": self.team_id,
        }
        if user.is_bot:
            profile.update(
                bot_id=self.bot_id if user.id == self.bot_user_id else "", always_active=True
            )
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
            "tz": zone.key,
            "tz_label": local.tzname() or zone.key,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": user.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "is_email_confirmed": not user.is_bot,
        }

    def _channel_object(self, channel: FakeChannel) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "created": 1700000000,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "user": channel.user,
                "is_user_deleted": False,
                "priority": 0,
                "is_archived": channel.is_archived,
            }
        private = channel.is_private or channel.is_mpim
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not private,
            "is_group": private and not channel.is_mpim,
            "is_im": False,
            "is_mpim": channel.is_mpim,
            "is_private": private,
            "created": 1700000000,
            "is_archived": channel.is_archived,
            "is_general": channel.name == "general",
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "creator": "",
            "is_member": channel.is_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    # ------------------------------------------------------------------ methods

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in params.items() if k != "token"}}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"{PERMALINK_HOST}/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.team_name.lower().replace(" ", "-")
        return {"team": {"id": self.team_id, "name": self.team_name, "domain": domain, "icon": {}}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_required(params, "user"))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": self._user_object(user)}

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        members = [self._user_object(user) for user in self._users.values()]
        return {
            "members": members,
            "cache_ts": int(self._clock()),
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._channel_object(self._known_channel(params))}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        existing = _opt_str(params, "channel")
        if existing is not None:
            channel = self._known_channel(params)
            opened = {"no_op": True, "already_open": True}
        else:
            raw = params.get("users")
            ids = (
                raw
                if isinstance(raw, list)
                else [u.strip() for u in str(raw or "").split(",") if u.strip()]
            )
            if not ids:
                raise _ApiError("users_list_not_supplied")
            for user_id in ids:
                if user_id not in self._users:
                    raise _ApiError("user_not_found")
            before = set(self._channels)
            channel = self._dm_with(ids[0]) if len(ids) == 1 else self._mpim_with(ids)
            already = channel.id in before
            opened = {"no_op": already, "already_open": already}
        body = (
            self._channel_object(channel) if _flag(params.get("return_im")) else {"id": channel.id}
        )
        return {**opened, "channel": body}

    def _mpim_with(self, user_ids: list[str]) -> FakeChannel:
        names = sorted(self._users[uid].name for uid in user_ids)
        name = "mpdm-" + "--".join(names) + "-1"
        for channel in self._channels.values():
            if channel.is_mpim and channel.name == name:
                return channel
        return self.add_channel(
            FakeChannel(self._next_id("G"), name, is_mpim=True, is_private=True)
        )

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        if not channel.is_member and not channel.is_im:
            raise _ApiError("not_in_channel")
        inclusive = _flag(params.get("inclusive"))
        oldest = _ts_key(_opt_str(params, "oldest") or "0")
        latest = _ts_key(_opt_str(params, "latest") or "9999999999.999999")
        limit = int(params.get("limit") or 100)
        offset = int((_opt_str(params, "cursor") or "o:0").removeprefix("o:"))
        top_level = [
            m
            for m in self._messages.get(channel.id, [])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]

        def in_range(ts: str) -> bool:
            key = _ts_key(ts)
            return oldest <= key <= latest if inclusive else oldest < key < latest

        chosen = [m for m in reversed(top_level) if in_range(m["ts"])]
        page = chosen[offset : offset + limit]
        more = offset + limit < len(chosen)
        return {
            "messages": [dict(m) for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": f"o:{offset + limit}" if more else ""},
        }

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        ts = _required(params, "ts")
        thread = [
            m
            for m in self._messages.get(channel.id, [])
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        if not thread:
            raise _ApiError("thread_not_found")
        thread.sort(key=lambda m: _ts_key(m["ts"]))
        return {
            "messages": [dict(m) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        ref = _required(params, "channel")
        resolved = self._resolve_channel(ref)
        self._check_rate(resolved.id if resolved is not None else ref)
        channel = self._writable_channel(params)
        text, blocks = self._message_content(params)
        thread_ts = _opt_str(params, "thread_ts")
        extra = {
            k: v
            for k, v in params.items()
            if k not in {"token", "channel", "text", "blocks", "thread_ts"}
        }
        stored_extra: dict[str, Any] = {}
        if "attachments" in params:
            stored_extra["attachments"] = params["attachments"]
        if thread_ts is not None and _flag(params.get("reply_broadcast")):
            stored_extra["subtype"] = "thread_broadcast"
        ts = self._next_ts()
        message = self._store_message(
            channel.id, ts, text, blocks, thread_ts, author=None, extra=stored_extra
        )
        self._posts_by_channel[channel.id] = self._posts_by_channel.get(channel.id, 0) + 1
        self._emit(Post("message", channel.id, None, ts, thread_ts, text, blocks, extra))
        return {"channel": channel.id, "ts": ts, "message": dict(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params)
        user = _required(params, "user")
        if user not in self._users:
            raise _ApiError("user_not_found")
        text, blocks = self._message_content(params)
        ts = self._next_ts()
        extra = {
            k: v
            for k, v in params.items()
            if k not in {"token", "channel", "user", "text", "blocks", "thread_ts"}
        }
        self._emit(
            Post(
                "ephemeral",
                channel.id,
                user,
                ts,
                _opt_str(params, "thread_ts"),
                text,
                blocks,
                extra,
            )
        )
        return {"message_ts": ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        if channel.is_archived:
            raise _ApiError("is_archived")
        ts = _required(params, "ts")
        message = self._message_for_change(channel.id, ts, "cant_update_message")
        if "text" in params:
            message["text"] = str(params.get("text") or "")
        blocks = params.get("blocks")
        if isinstance(blocks, list):
            if blocks:
                message["blocks"] = blocks
            else:
                message.pop("blocks", None)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        extra = {
            k: v for k, v in params.items() if k not in {"token", "channel", "ts", "text", "blocks"}
        }
        self._emit(
            Post(
                "update",
                channel.id,
                None,
                ts,
                message.get("thread_ts"),
                message["text"],
                message.get("blocks"),
                extra,
            )
        )
        return {"channel": channel.id, "ts": ts, "text": message["text"], "message": dict(message)}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        ts = _required(params, "ts")
        message = self._message_for_change(channel.id, ts, "cant_delete_message")
        self._messages[channel.id].remove(message)
        del self._by_ts[(channel.id, ts)]
        self._emit(Post("delete", channel.id, None, ts, message.get("thread_ts"), "", None, {}))
        return {"channel": channel.id, "ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        ts = _required(params, "message_ts")
        self._check_reaction_target(channel.id, ts)
        return {"channel": channel.id, "permalink": self._permalink(channel.id, ts)}

    def _reaction_params(self, params: dict[str, Any]) -> tuple[FakeChannel, str, str]:
        channel = self._writable_channel(params)
        ts = _required(params, "timestamp")
        name = _required(params, "name").strip(":")
        if not name:
            raise _ApiError("invalid_name")
        self._check_reaction_target(channel.id, ts)
        return channel, ts, name

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = self._reaction_params(params)
        key = (channel.id, ts, name)
        if key in self._reactions:
            raise _ApiError("already_reacted")
        self._reactions.add(key)
        message = self._by_ts.get((channel.id, ts))
        if message is not None:
            reactions = message.setdefault("reactions", [])
            reactions.append({"name": name, "users": [self.bot_user_id], "count": 1})
        self._emit(Post("reaction", channel.id, None, ts, None, name, None, {"name": name}))
        return {}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = self._reaction_params(params)
        key = (channel.id, ts, name)
        if key not in self._reactions:
            raise _ApiError("no_reaction")
        self._reactions.discard(key)
        message = self._by_ts.get((channel.id, ts))
        if message is not None:
            message["reactions"] = [r for r in message.get("reactions", []) if r["name"] != name]
        self._emit(
            Post(
                "reaction", channel.id, None, ts, None, name, None, {"name": name, "removed": True}
            )
        )
        return {}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = _required(params, "filename")
        length = _required(params, "length")
        if not length.isdigit():
            raise _ApiError("invalid_arguments")
        file_id = self._next_id("F")
        self._uploads[file_id] = _Upload(
            file_id, filename, int(length), _opt_str(params, "alt_txt")
        )
        return {"upload_url": f"{self.root_url}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _ApiError("invalid_arguments")
        uploads: list[tuple[_Upload, str]] = []
        for entry in entries:
            upload = self._uploads.get(str(entry.get("id")) if isinstance(entry, dict) else "")
            if upload is None or upload.data is None:
                raise _ApiError("file_not_found")
            uploads.append((upload, str(entry.get("title") or upload.filename)))
        targets = [c for c in str(params.get("channels") or "").split(",") if c]
        channel_id = _opt_str(params, "channel_id")
        if channel_id is not None:
            targets.insert(0, channel_id)
        channels = [self._writable_channel({"channel": target}) for target in targets]
        comment = str(params.get("initial_comment") or "")
        thread_ts = _opt_str(params, "thread_ts")
        files = [
            self._file_object(upload, title, [c.id for c in channels]) for upload, title in uploads
        ]
        for channel in channels:
            ts = self._next_ts()
            self._store_message(
                channel.id,
                ts,
                comment,
                None,
                thread_ts,
                author=None,
                extra={"files": files, "upload": True},
            )
            for file in files:
                extra = {
                    key: file[key]
                    for key in ("id", "name", "title", "size", "mimetype", "permalink")
                }
                extra["path"] = file.get("path")
                extra["url"] = file["url_private"]
                self._emit(Post("file", channel.id, None, ts, thread_ts, comment, None, extra))
        return {"files": files}

    def _file_object(self, upload: _Upload, title: str, channels: list[str]) -> dict[str, Any]:
        data = upload.data or b""
        mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        filetype = (
            upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "binary"
        )
        safe = _SAFE_NAME.sub("_", upload.filename)
        private = f"{FILES_HOST}/files-pri/{self.team_id}-{upload.file_id}"
        file: dict[str, Any] = {
            "id": upload.file_id,
            "created": int(self._clock()),
            "timestamp": int(self._clock()),
            "name": upload.filename,
            "title": title,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": self.bot_user_id,
            "user_team": self.team_id,
            "editable": False,
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{private}/{safe}",
            "url_private_download": f"{private}/download/{safe}",
            "permalink": f"{PERMALINK_HOST}/files/{self.bot_user_id}/{upload.file_id}/{safe}",
            "comments_count": 0,
            "channels": channels,
            "groups": [],
            "ims": [],
            "has_rich_preview": False,
            "alt_txt": upload.alt_txt or "",
        }
        if self.files_dir is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"{upload.file_id}-{safe}"
            path.write_bytes(data)
            file["path"] = str(path)
        self._files[upload.file_id] = file
        return file

    def _view_params(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict) or not view.get("type"):
            raise _ApiError("invalid_arguments")
        return view

    def _store_view(
        self, view: dict[str, Any], view_id: str, user: str | None, method: str
    ) -> dict[str, Any]:
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "state": {"values": {}},
            "hash": self._next_ts(),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "root_view_id": view_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        title = view.get("title")
        title_text = title.get("text", "") if isinstance(title, dict) else ""
        self._emit(
            Post(
                "view",
                None,
                user,
                None,
                None,
                str(title_text),
                view.get("blocks"),
                {"view": dict(stored), "method": method},
            )
        )
        return {"view": stored}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        _required(params, "trigger_id")
        return self._store_view(self._view_params(params), self._next_id("V"), None, "views.open")

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        _required(params, "trigger_id")
        return self._store_view(self._view_params(params), self._next_id("V"), None, "views.push")

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._view_params(params)
        view_id = _opt_str(params, "view_id")
        external_id = _opt_str(params, "external_id")
        if view_id is None and external_id is not None:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), None
            )
        if view_id is None or view_id not in self._views:
            raise _ApiError("not_found")
        return self._store_view(view, view_id, None, "views.update")

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = _required(params, "user_id")
        if user not in self._users:
            raise _ApiError("user_not_found")
        view = self._view_params(params)
        view_id = self._home_views.get(user) or self._next_id("V")
        self._home_views[user] = view_id
        return self._store_view(view, view_id, user, "views.publish")

    def _respond(self, target: _ResponseTarget, payload: dict[str, Any]) -> None:
        target.uses += 1
        text = str(payload.get("text") or "")
        blocks = payload.get("blocks") if isinstance(payload.get("blocks"), list) else None
        delete = _flag(payload.get("delete_original", False))
        replace = _flag(payload.get("replace_original", False))
        if not (text or blocks or delete):
            raise _ApiError("no_text", status=400)
        response_type = str(payload.get("response_type") or "ephemeral")
        thread_ts = _opt_str(payload, "thread_ts")
        extra = {
            "response_type": response_type,
            "replace_original": replace,
            "delete_original": delete,
            "message_ts": target.message_ts,
        }
        ts = self._next_ts()
        original = None
        if target.channel is not None and target.message_ts is not None:
            original = self._by_ts.get((target.channel, target.message_ts))
        if delete and original is not None and target.channel is not None:
            self._messages[target.channel].remove(original)
            del self._by_ts[(target.channel, original["ts"])]
        elif replace and original is not None:
            original["text"] = text
            if blocks is not None:
                original["blocks"] = blocks
            ts = original["ts"]
        elif response_type == "in_channel" and target.channel is not None:
            self._store_message(target.channel, ts, text, blocks, thread_ts, author=None, extra={})
        self._emit(
            Post("response", target.channel, target.user, ts, thread_ts, text, blocks, extra)
        )


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[len("bearer ") :].strip() or None
    return None


def _parse_params(content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], str | None]:
    """Merge query, then form or JSON body; decode JSON-valued fields. Returns (params, error)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    error: str | None = None
    if body:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                params.update(data)
            else:
                error = "invalid_json"
        elif kind == "multipart/form-data":
            error = "invalid_form_data"
        else:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key, failure in _JSON_FIELDS.items():
        value = params.get(key)
        if isinstance(value, str) and value:
            try:
                params[key] = json.loads(value)
            except ValueError:
                error = error or failure
    return params, error
