"""kill -9 in the middle of a burst of chat updates: every event answered 200 is stored.

`python bot.py http` (gunicorn, two workers) against the loopback Slack. A burst of signed
chat updates arrives from several threads; the whole process group is killed with SIGKILL
part-way; Folio is started again on the same database, and every event Slack saw answered
200 must end up stored, once. Events that got no answer are what Slack would deliver again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from console.loopback import FakeChannel, FakeSlack, FakeUser
from domain.models import Update
from domain.store import make_engine
from tests.e2e.conftest import PYTHON, ROOT, clean_env, free_port
from tests.support.slack_requests import (
    SIGNING_SECRET,
    event_body,
    message_event,
    sign,
    slash_command_body,
)

TEAM = "T0E2E"
BURST = 80
KILL_AFTER = 30  # acknowledged events before the kill


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    users = [FakeUser("U0ALICE", "alice", "Alice", is_admin=True)]
    with FakeSlack(
        team_id=TEAM, users=users, channels=[FakeChannel("C0GEN", "general")], token="xoxb-e2e"
    ) as fake:
        yield fake


class Server:
    """`python bot.py http` in its own process group, so SIGKILL takes master and workers."""

    def __init__(self, tmp_path: Path, fake: FakeSlack) -> None:
        self.tmp_path = tmp_path
        self.fake = fake
        self.database_url = f"sqlite:///{tmp_path / 'folio.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.starts = 0

    def start(self) -> None:
        port = free_port()
        self.starts += 1
        env = clean_env(
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN="xoxb-e2e",
            SLACK_API_URL=self.fake.base_url,
            PORT=str(port),
            WEB_CONCURRENCY="2",
            DATABASE_URL=self.database_url,
            FOLIO_INBOX_LEASE_SECONDS="3",
            FOLIO_INBOX_POLL_SECONDS="0.5",
        )
        log = (self.tmp_path / f"server-{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            [PYTHON, str(ROOT / "bot.py"), "http"],
            cwd=self.tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(self.log()) from None
                time.sleep(0.2)

    def kill_9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("server-*.log")))

    def post(self, body: str) -> int | None:
        """POST a signed body; the status, or None when no answer came (refused, cut off)."""
        request = urllib.request.Request(
            self.base + "/slack/events", data=body.encode(), headers=sign(body), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return None


@pytest.fixture
def server(tmp_path: Path, fake: FakeSlack) -> Iterator[Server]:
    server = Server(tmp_path, fake)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def command(server: Server, text: str, command: str = "/portfolio") -> None:
    before = len(server.fake.posts)
    body = slash_command_body(
        command,
        text,
        team_id=TEAM,
        user_id="U0ALICE",
        channel_id="C0GEN",
        response_url=server.fake.new_response_url(),
    )
    assert server.post(body) == 200
    assert server.fake.wait_for(
        lambda f: any(p.kind == "response" for p in f.posts[before:]), timeout=20
    )


def stored(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [ts for (ts,) in conn.execute(select(Update.message_ts)) if ts]
    finally:
        engine.dispose()


def test_every_event_answered_200_is_stored_after_kill_9(server: Server, fake: FakeSlack) -> None:
    command(server, "setup Products")
    command(server, "add CHK Checkout")
    acknowledged: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def send(n: int) -> None:
        ts = f"1790000000.{n:06d}"
        fake.add_message("C0GEN", user="U0ALICE", text=f"CHK: note {n}", ts=ts)
        event = message_event(f"CHK: note {n}", user="U0ALICE", channel="C0GEN", ts=ts, team=TEAM)
        status = server.post(event_body(event, team_id=TEAM, event_id=f"Ev0K{n:06d}"))
        if status == 200:
            with lock:
                acknowledged.append(ts)
                if len(acknowledged) == KILL_AFTER and not killed.is_set():
                    killed.set()
                    server.kill_9()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(BURST)))
    assert killed.is_set(), server.log()
    answered = set(acknowledged)
    stored_at_kill = set(stored(server.database_url)) & answered
    server.start()
    deadline = time.monotonic() + 60
    while not answered <= set(stored(server.database_url)) and time.monotonic() < deadline:
        time.sleep(0.5)
    after_restart = stored(server.database_url)
    print(  # the figures for the note
        f"\nkill -9: {len(answered)} of {BURST} answered 200; stored when killed "
        f"{len(stored_at_kill)}, after the restart {len(answered & set(after_restart))}"
    )
    assert answered <= set(after_restart), server.log()
    assert len(after_restart) == len(set(after_restart))  # each once
