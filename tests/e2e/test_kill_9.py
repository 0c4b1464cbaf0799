"""kill -9 in the middle of a burst of chat updates and slash commands: nothing answered
200 is lost.

`python bot.py http` (gunicorn, two workers) against the loopback Slack. A burst of signed
chat updates and `/portfolio add` commands arrives from several threads; the whole process
group is killed with SIGKILL part-way; Folio is started again on the same database. Every
chat update Slack saw answered 200 must end up stored, once (the ones that got no answer are
what Slack would deliver again); every command answered 200 must have run, once, and its
answer must reach its response_url (Slack never sends a command again, so a command that got
no answer is one the person sees fail and sends again).
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
from domain.models import Product, Update
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


def products(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [key for (key,) in conn.execute(select(Product.key))]
    finally:
        engine.dispose()


def answered_keys(fake: FakeSlack, urls: dict[str, str]) -> set[str]:
    """The keys whose command got its answer at its own response_url."""
    keys = {url.rsplit("/", 1)[-1]: key for key, url in urls.items()}
    return {
        keys[post.extra["response_url"]]
        for post in fake.posts
        if post.kind == "response"
        and post.extra.get("response_url") in keys
        and keys[post.extra["response_url"]] in post.text
    }


def test_nothing_answered_200_is_lost_to_kill_9(server: Server, fake: FakeSlack) -> None:
    command(server, "setup Products")
    command(server, "add CHK Checkout")
    updates: list[str] = []
    commands: dict[str, str] = {}  # key -> the response_url of a command answered 200
    lock = threading.Lock()
    killed = threading.Event()

    def send(n: int) -> None:
        if n % 2:
            key = f"K{n:03d}"
            url = fake.new_response_url(channel="C0GEN", user="U0ALICE")
            body = slash_command_body(
                "/portfolio",
                f"add {key} Product {n}",
                team_id=TEAM,
                user_id="U0ALICE",
                channel_id="C0GEN",
                response_url=url,
            )
            if server.post(body) == 200:
                with lock:
                    commands[key] = url
                    acknowledged()
            return
        ts = f"1790000000.{n:06d}"
        fake.add_message("C0GEN", user="U0ALICE", text=f"CHK: note {n}", ts=ts)
        event = message_event(f"CHK: note {n}", user="U0ALICE", channel="C0GEN", ts=ts, team=TEAM)
        if server.post(event_body(event, team_id=TEAM, event_id=f"Ev0K{n:06d}")) == 200:
            with lock:
                updates.append(ts)
                acknowledged()

    def acknowledged() -> None:  # under the lock
        if len(updates) + len(commands) == KILL_AFTER and not killed.is_set():
            killed.set()
            server.kill_9()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(BURST)))
    assert killed.is_set(), server.log()
    answered = set(updates)
    stored_at_kill = set(stored(server.database_url)) & answered
    added_at_kill = set(products(server.database_url)) & set(commands)
    replied_at_kill = answered_keys(fake, commands)
    server.start()

    def done() -> bool:
        return (
            answered <= set(stored(server.database_url))
            and set(commands) <= set(products(server.database_url))
            and set(commands) <= answered_keys(fake, commands)
        )

    deadline = time.monotonic() + 60
    while not done() and time.monotonic() < deadline:
        time.sleep(0.5)
    after_restart = stored(server.database_url)
    added = products(server.database_url)
    print(  # the figures for the note
        f"\nkill -9: {len(answered)} chat updates and {len(commands)} commands of {BURST} "
        f"answered 200; when killed {len(stored_at_kill)} updates stored, "
        f"{len(added_at_kill)} commands run, {len(replied_at_kill)} answered; after the "
        f"restart {len(answered & set(after_restart))} stored, "
        f"{len(set(commands) & set(added))} run, {len(answered_keys(fake, commands))} answered"
    )
    assert answered <= set(after_restart), server.log()
    assert len(after_restart) == len(set(after_restart))  # each once
    assert set(commands) <= set(added), server.log()
    assert len(added) == len(set(added))
    assert set(commands) <= answered_keys(fake, commands), server.log()
