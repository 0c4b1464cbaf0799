"""`python bot.py http` as a real gunicorn process receiving signed requests."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.loopback import FakeChannel, FakeSlack, FakeUser
from tests.e2e.conftest import PYTHON, ROOT, clean_env, free_port
from tests.support.slack_requests import SIGNING_SECRET, sign, slash_command_body


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    users = [FakeUser("U0ALICE", "alice", "Alice", is_admin=True)]
    with FakeSlack(
        team_id="T0E2E", users=users, channels=[FakeChannel("C0GEN", "general")], token="xoxb-e2e"
    ) as fake:
        yield fake


@pytest.fixture
def server(tmp_path: Path, fake: FakeSlack) -> Iterator[str]:
    port = free_port()
    env = clean_env(
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_API_URL=fake.base_url,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'folio.db'}",
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "bot.py")], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        assert "SIGNING" not in (tmp_path / "server.log").read_text().upper().replace(
            "SLACK_SIGNING_SECRET", ""
        )  # no secret is ever logged
        assert SIGNING_SECRET not in (tmp_path / "server.log").read_text()


def post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_signed_command_is_answered_through_response_url(server: str, fake: FakeSlack) -> None:
    body = slash_command_body(
        "/portfolio",
        "setup Products | budget 2m",
        team_id="T0E2E",
        user_id="U0ALICE",
        channel_id="C0GEN",
        response_url=fake.new_response_url(),
    )
    assert post(server + "/slack/events", body, sign(body)) == 200
    assert fake.wait_for(lambda f: any(p.kind == "response" for p in f.posts), timeout=15)
    answer = next(p for p in fake.posts if p.kind == "response")
    assert "Created portfolio *Products*" in answer.text


def test_forged_request_is_refused(server: str, fake: FakeSlack) -> None:
    body = slash_command_body(
        "/portfolio",
        "setup Forged",
        team_id="T0E2E",
        user_id="U0ALICE",
        channel_id="C0GEN",
        response_url=fake.new_response_url(),
    )
    assert post(server + "/slack/events", body, sign(body, secret="wrong")) == 401
    time.sleep(0.5)
    assert fake.posts == []
