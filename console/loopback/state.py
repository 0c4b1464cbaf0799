"""The loopback Slack's memory: members, conversations, messages, and what was called and shown.

Every method here runs with ``lock`` held (the HTTP entry in ``fake.py`` takes it).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.loopback.records import ApiError, Call, FakeChannel, FakeUser, Post, required

PERMALINK_HOST = "https://console.slack.invalid"
MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50

Method = Callable[["SlackState", dict[str, Any]], dict[str, Any]]
"""A Web API method: the fake's state and the call's parameters in, the answer's fields out."""


@dataclass
class Failure:
    """A failure queued by ``fail_next``."""

    status: int
    retry_after: int
    times: int
    error: str | None
    extra: dict[str, Any] | None = None


@dataclass
class ResponseTarget:
    """Where a response_url answer lands."""

    channel: str | None
    user: str | None
    message_ts: str | None


@dataclass
class Upload:
    """A file announced by files.getUploadURLExternal, with its bytes once uploaded."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None


class SlackState:
    """Members, conversations and messages, plus the records tests and the console read."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        on_post: Callable[[Post], None] | None,
        channel_rate_per_second: float | None,
        workspace_rate_per_second: float | None,
        token: str | None,
        files_dir: str | Path | None,
        strict_messages: bool,
        clock: Callable[[], float],
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
        self.token = token
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.users: dict[str, FakeUser] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.call_log: list[Call] = []
        self.post_log: list[Post] = []
        self.unshown: list[Post] = []
        self.error_log: list[str] = []
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.by_ts: dict[tuple[str, str], dict[str, Any]] = {}
        self.reactions: set[tuple[str, str, str]] = set()
        self.failures: dict[str, deque[Failure]] = {}
        self.response_urls: dict[str, ResponseTarget] = {}
        self.uploads: dict[str, Upload] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}
        self.rotated_tokens: list[str] = []  # bot tokens oauth.v2.access gave by refresh
        self.socket_url: str | None = None  # what apps.connections.open answers (Socket Mode)
        self.sent_by_channel: dict[str, int] = {}
        self.refused_by_channel: dict[str, int] = {}
        self.port: int | None = None
        self._channel_windows: dict[str, deque[float]] = {}
        self._workspace_window: deque[float] = deque()
        self._last_ts_us = 0
        self._counter = 0

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running fake."""
        if self.port is None:
            raise RuntimeError(
                "FakeSlack is not started; call start() or use it as a context manager."
            )
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ records

    def record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        """Remember one request."""
        self.call_log.append(Call(method, params, token, self.clock()))

    def emit(self, post: Post) -> None:
        """Record a visible effect and hand it to on_post (whose exceptions are recorded)."""
        self.post_log.append(post)
        if self.on_post is None:
            return
        try:
            self.on_post(post)
        except Exception:
            self.error_log.append(traceback.format_exc())

    def next_ts(self) -> str:
        """A message ts: the clock's time, strictly increasing even if the clock stands still."""
        now_us = int(self.clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh id such as F00000003 or V00000004."""
        self._counter += 1
        return f"{prefix}{self._counter:08d}"

    # ------------------------------------------------------------------ conversations

    def add_channel(self, channel: FakeChannel) -> FakeChannel:
        """Add or replace a conversation."""
        self.channels[channel.id] = channel
        self.history.setdefault(channel.id, [])
        return channel

    def resolve_channel(self, ref: str) -> FakeChannel | None:
        """A channel by id, by name (``#general``), or a user id meaning the DM with them."""
        channel = self.channels.get(ref)
        if channel is not None:
            return channel
        if ref in self.users:
            return self.dm_with(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def dm_with(self, user_id: str) -> FakeChannel:
        """The bot's DM with a member, opened if needed."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        user = self.users[user_id]
        return self.add_channel(
            FakeChannel(f"D{user_id}", user.name, is_im=True, is_private=True, user=user_id)
        )

    def writable_channel(self, params: dict[str, Any], key: str = "channel") -> FakeChannel:
        """The channel a post goes to, refused as Slack refuses it."""
        channel = self.resolve_channel(required(params, key))
        if channel is None:
            raise ApiError("channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.is_member:
            raise ApiError("not_in_channel")
        return channel

    def known_channel(self, params: dict[str, Any], key: str = "channel") -> FakeChannel:
        """A channel the bot can see (private ones only as a member)."""
        channel = self.resolve_channel(required(params, key))
        if channel is None or (channel.is_private and not channel.is_member):
            raise ApiError("channel_not_found")
        return channel

    # ------------------------------------------------------------------ messages

    def store_message(
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
        """Keep a message in a channel's history (a reply also updates its parent's thread)."""
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
            parent = self.by_ts.get((channel, thread_ts))
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent["latest_reply"] = ts
                users = parent.setdefault("reply_users", [])
                if message["user"] not in users:
                    users.append(message["user"])
        self.history.setdefault(channel, []).append(message)
        self.by_ts[(channel, ts)] = message
        return message

    def remove_message(self, channel: str, message: dict[str, Any]) -> None:
        """Take a message out of a channel's history."""
        self.history[channel].remove(message)
        del self.by_ts[(channel, message["ts"])]

    def bot_message(self, channel: str, ts: str, not_mine_error: str) -> dict[str, Any]:
        """A message the bot may change: its own."""
        message = self.by_ts.get((channel, ts))
        if message is None:
            raise ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise ApiError(not_mine_error)
        return message

    def check_target(self, channel: str, ts: str) -> None:
        """With ``strict_messages``, a message named by ts must exist."""
        if self.strict_messages and (channel, ts) not in self.by_ts:
            raise ApiError("message_not_found")

    def thread_problem(self, channel: str, thread_ts: str | None) -> str | None:
        """Why an ephemeral sent with this thread_ts would be shown to no one, or None.

        Slack shows an ephemeral in a thread only if that thread already exists: the
        thread_ts must be a parent's ts and the parent must have replies.
        """
        if thread_ts is None:
            return None
        message = self.by_ts.get((channel, thread_ts))
        if message is None:
            return "unknown_message"
        if message.get("thread_ts") not in (None, thread_ts):
            return "reply_ts"
        if not int(message.get("reply_count", 0)):
            return "no_thread"
        return None

    def message_content(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
        """A message's text and blocks, checked against Slack's limits."""
        text = str(params.get("text") or "")
        blocks = params.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        if not text and not blocks and not params.get("attachments"):
            raise ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None and len(blocks) > MAX_MESSAGE_BLOCKS:
            raise ApiError("invalid_blocks")
        return text, blocks

    def permalink(self, channel: str, ts: str) -> str:
        """A message's permalink (on a host that never resolves)."""
        link = f"{PERMALINK_HOST}/archives/{channel}/p{ts.replace('.', '')}"
        message = self.by_ts.get((channel, ts))
        if message is not None and message.get("thread_ts") not in (None, ts):
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return link

    def check_rate(self, channel: str) -> None:
        """Answer 429 past the configured posts per second (per channel, per workspace)."""
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
                raise ApiError("ratelimited", status=429, retry_after=1)
        for window, _ in limits:
            window.append(now)
