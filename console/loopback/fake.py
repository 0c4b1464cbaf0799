"""FakeSlack: the loopback Slack Web API's public face (start, records, setup, failures)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any

from console.loopback.dispatch import handle, method_of
from console.loopback.records import Call, FakeChannel, FakeUser, Post
from console.loopback.respond import new_target
from console.loopback.server import Reply, Server
from console.loopback.state import Failure, SlackState


@dataclass
class Delay:
    """A delay queued by ``slow_down``: how long, and for how many more calls (None: all)."""

    seconds: float
    times: int | None


class FakeSlack(SlackState):
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
        super().__init__(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            on_post=on_post,
            channel_rate_per_second=channel_rate_per_second,
            workspace_rate_per_second=workspace_rate_per_second,
            token=token,
            files_dir=files_dir,
            strict_messages=strict_messages,
            clock=clock,
        )
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._delays: dict[str, Delay] = {}
        self._stopping = threading.Event()
        self._holds: dict[str, threading.Event] = {}
        self._waiting: dict[str, int] = {}
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
        self._stopping.clear()
        self._server = Server(self._serve)
        self.port = self._server.server_address[1]
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
        self._server, self._thread, self.port = None, None, None
        self._stopping.set()  # a delayed answer stops waiting
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
    def base_url(self) -> str:
        """The Web API base URL to pass to ``WebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A fresh response_url for a slash command or interaction payload."""
        with self.lock:
            return new_target(self, channel, user, message_ts)

    # ------------------------------------------------------------------ records

    @property
    def calls(self) -> list[Call]:
        """A copy of every request received, oldest first."""
        with self.lock:
            return list(self.call_log)

    @property
    def posts(self) -> list[Post]:
        """A copy of every visible effect, oldest first."""
        with self.lock:
            return list(self.post_log)

    @property
    def not_shown(self) -> list[Post]:
        """Ephemerals Slack accepted but shows to no one (``extra["not_shown"]`` says why)."""
        with self.lock:
            return list(self.unshown)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised inside the fake or by on_post (should stay empty)."""
        with self.lock:
            return list(self.error_log)

    @property
    def posts_by_channel(self) -> dict[str, int]:
        """How many chat.postMessage calls succeeded, per channel id."""
        with self.lock:
            return dict(self.sent_by_channel)

    @property
    def rejected_by_channel(self) -> dict[str, int]:
        """How many chat.postMessage attempts were answered 429, per channel."""
        with self.lock:
            return dict(self.refused_by_channel)

    @property
    def rejected_total(self) -> int:
        """How many chat.postMessage attempts were answered 429 in all."""
        with self.lock:
            return sum(self.refused_by_channel.values())

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to one method (``response_url`` and ``upload`` name the others)."""
        with self.lock:
            return [call for call in self.call_log if call.method == method]

    def posts_in(self, channel: str) -> list[Post]:
        """The visible effects in one channel, oldest first."""
        with self.lock:
            return [post for post in self.post_log if post.channel == channel]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages stored in a channel's history (top level and replies), oldest first."""
        with self.lock:
            return [dict(message) for message in self.history.get(channel, [])]

    def file_content(self, file_id: str) -> bytes:
        """The bytes uploaded for a file id."""
        with self.lock:
            upload = self.uploads.get(file_id)
            if upload is None or upload.data is None:
                raise KeyError(file_id)
            return upload.data

    def wait_for(self, predicate: Callable[[FakeSlack], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate(fake)`` holds (re-checked on every change); False on timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if predicate(self):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)

    # ------------------------------------------------------------------ setup

    def add_user(self, user: FakeUser | None = None, **fields: Any) -> FakeUser:
        """Add or replace a workspace member (a FakeUser or its fields as keywords)."""
        member = user if user is not None else FakeUser(**fields)
        with self.lock:
            self.users[member.id] = member
            self.changed.notify_all()
        return member

    def add_channel(self, channel: FakeChannel | None = None, **fields: Any) -> FakeChannel:
        """Add or replace a conversation (a FakeChannel or its fields as keywords)."""
        conversation = channel if channel is not None else FakeChannel(**fields)
        with self.lock:
            super().add_channel(conversation)
            self.changed.notify_all()
        return conversation

    def remove_bot_from(self, channel_id: str) -> None:
        """Take the bot out of a channel: later posts there answer not_in_channel."""
        with self.lock:
            self.channels[channel_id].is_member = False

    def archive(self, channel_id: str) -> None:
        """Archive a channel: later posts there answer is_archived."""
        with self.lock:
            self.channels[channel_id].is_archived = True

    def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with a user, created if needed."""
        with self.lock:
            if user_id not in self.users:
                raise KeyError(user_id)
            return self.dm_with(user_id).id

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
        """Store a message a person wrote (reactions, permalinks and threads then find it)."""
        with self.lock:
            message_ts = ts or self.next_ts()
            self.store_message(channel, message_ts, text, blocks, thread_ts, author=user, extra={})
            self.changed.notify_all()
            return message_ts

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail: 429 ratelimited, 5xx, or 200+error.

        ``extra`` adds fields to the answer; a ``missing_scope`` says which scope is
        ``needed`` (the one the method needs) unless ``extra`` says otherwise, as Slack does.
        """
        if status == 200 and not error:
            raise ValueError("A failure with HTTP 200 needs an error, e.g. error='not_in_channel'.")
        with self.lock:
            queue = self.failures.setdefault(method, deque())
            queue.append(Failure(status, retry_after, times, error, extra))

    def slow_down(self, method: str, seconds: float, *, times: int | None = None) -> None:
        """Answer ``method`` only after ``seconds`` (a Slack that hangs): the next ``times``
        calls, or every call until ``slow_down(method, 0)``. The wait holds no lock."""
        with self.lock:
            if seconds <= 0:
                self._delays.pop(method, None)
            else:
                self._delays[method] = Delay(seconds, times)

    def hold(self, method: str) -> threading.Event:
        """Hold every call of ``method`` (recorded, not answered) until the returned event is
        set: a Slack that hangs exactly as long as a test needs, with no timing to race."""
        with self.lock:
            gate = self._holds.setdefault(method, threading.Event())
            gate.clear()
            return gate

    def waiting(self, method: str) -> int:
        """How many calls of ``method`` a ``hold`` keeps waiting right now."""
        with self.lock:
            return self._waiting.get(method, 0)

    def _wait_if_held(self, method: str) -> None:
        with self.lock:
            gate = self._holds.get(method)
            if gate is None or gate.is_set():
                return
            self._waiting[method] = self._waiting.get(method, 0) + 1
            self.changed.notify_all()
        try:
            while not gate.is_set() and not self._stopping.is_set():
                gate.wait(0.05)
        finally:
            with self.lock:
                self._waiting[method] -= 1
                self.changed.notify_all()

    def _delay_for(self, method: str) -> float:
        with self.lock:
            delay = self._delays.get(method)
            if delay is None:
                return 0.0
            if delay.times is not None:
                delay.times -= 1
                if delay.times <= 0:
                    del self._delays[method]
            return delay.seconds

    def user_names(self) -> dict[str, str]:
        """User id -> handle, for rendering mentions."""
        with self.lock:
            return {uid: user.name for uid, user in self.users.items()}

    def channel_names(self) -> dict[str, str]:
        """Channel id -> name, with DMs as ``@handle``, for rendering."""
        with self.lock:
            names: dict[str, str] = {}
            for cid, channel in self.channels.items():
                if channel.is_im and channel.user is not None:
                    other = self.users.get(channel.user)
                    names[cid] = f"@{other.name if other else channel.user}"
                else:
                    names[cid] = channel.name
            return names

    def _serve(self, raw_path: str, headers: Message, body: bytes) -> Reply:
        method = method_of(raw_path)
        delay = self._delay_for(method)

        def pause() -> None:
            self._wait_if_held(method)
            if delay:
                self._stopping.wait(delay)

        return handle(self, raw_path, headers, body, pause)
