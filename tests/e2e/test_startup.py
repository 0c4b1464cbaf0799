"""Starting `python bot.py`: a setting it cannot start with is one line naming the variable and
what to do, exit status 2, no traceback (unless FOLIO_LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from console.loopback import FakeSlack
from tests.e2e.conftest import PYTHON, ROOT, clean_env, free_port
from tests.support.slack_requests import SIGNING_SECRET

pytestmark = pytest.mark.e2e


def start(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(ROOT / "bot.py"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(**env),
        timeout=60,
        check=False,
    )


def one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The single line bot.py printed, after checking the exit status and that it is alone."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


HTTP = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": "xoxb-start"}


def test_http_with_nothing_set_names_the_signing_secret(tmp_path: Path) -> None:
    line = one_line_refusal(start(tmp_path, "http"))
    assert "SLACK_SIGNING_SECRET" in line and "SLACK_BOT_TOKEN" in line
    assert not (tmp_path / "folio.db").exists()  # nothing was created on the way


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PORT", "abc", "PORT=abc is not a port number"),
        ("PORT", "70000", "PORT=70000 is not a port number"),
        ("WEB_CONCURRENCY", "many", "WEB_CONCURRENCY=many is not a number of workers"),
        ("FOLIO_LOG_LEVEL", "LOUD", "FOLIO_LOG_LEVEL=LOUD is not a log level"),
        ("FOLIO_TIMEZONE", "Mars/Olympus", "FOLIO_TIMEZONE=Mars/Olympus is not a time zone"),
        ("FOLIO_INBOX_POLL_SECONDS", "-1", "FOLIO_INBOX_POLL_SECONDS=-1 is not a number"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL=slack.com/api is not an http(s) URL"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    assert said in one_line_refusal(start(tmp_path, "http", **HTTP, **{name: value}))


def test_a_database_that_cannot_be_reached_is_named_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://folio:hunter2@127.0.0.1:{free_port()}/folio"
    line = one_line_refusal(start(tmp_path, "http", **HTTP, DATABASE_URL=url))
    assert "Could not open the database at DATABASE_URL=" in line and "Connection refused" in line
    assert "hunter2" not in line and "127.0.0.1" in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nonsense", "DATABASE_URL is not a database URL"),
        ("mysql://u@h/db", "names a database Folio doesn't support"),
        ("sqlite:////nonexistent/folder/folio.db", "(unable to open database file)"),
    ],
)
def test_a_bad_database_url_is_one_line(tmp_path: Path, url: str, said: str) -> None:
    assert said in one_line_refusal(start(tmp_path, "http", **HTTP, DATABASE_URL=url))


def test_an_unreachable_slack_api_url_is_one_line(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{free_port()}/api/"
    line = one_line_refusal(start(tmp_path, "http", **HTTP, SLACK_API_URL=api))
    assert f"Could not reach Slack at SLACK_API_URL={api} (connection refused)" in line


def test_a_token_slack_rejects_is_one_line_without_the_token(tmp_path: Path) -> None:
    with FakeSlack(team_id="T0START", token="xoxb-the-right-one") as fake:
        result = start(
            tmp_path,
            "http",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN="xoxb-a-wrong-one",
            SLACK_API_URL=fake.base_url,
        )
    line = one_line_refusal(result)
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in line and "OAuth & Permissions" in line
    assert "xoxb-a-wrong-one" not in result.stderr + result.stdout


def test_at_debug_the_traceback_is_there_too(tmp_path: Path) -> None:
    result = start(tmp_path, "http", **HTTP, PORT="abc", FOLIO_LOG_LEVEL="DEBUG")
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("PORT=abc is not a port number")


def test_help_lists_the_modes_the_environment_and_examples(tmp_path: Path) -> None:
    result = start(tmp_path, "--help")
    assert result.returncode == 0
    for mode in ("console", "http", "socket", "migrate", "import"):
        assert f"\n  {mode} " in result.stdout
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"):
        assert name in result.stdout
    assert "PORT" in result.stdout and "FOLIO_LOG_LEVEL" in result.stdout
    examples = result.stdout.split("examples:")[1].strip().splitlines()
    assert len(examples) == 2 and all("python bot.py" in line for line in examples)


def test_a_start_logs_no_warning_about_the_token_and_no_token(tmp_path: Path) -> None:
    with FakeSlack(team_id="T0START", token="xoxb-start") as fake:
        port = free_port()
        log = (tmp_path / "server.log").open("w")
        process = subprocess.Popen(
            [PYTHON, str(ROOT / "bot.py"), "http"],
            cwd=tmp_path,
            env=clean_env(**HTTP, SLACK_API_URL=fake.base_url, PORT=str(port), WEB_CONCURRENCY="1"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        break
                except OSError:
                    assert process.poll() is None, (tmp_path / "server.log").read_text()
                    time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
    output = (tmp_path / "server.log").read_text()
    assert "Booting worker" in output  # gunicorn started a worker, which built the Bolt app
    assert "will be unused" not in output
    assert "xoxb-start" not in output and SIGNING_SECRET not in output


def test_an_app_token_slack_rejects_is_one_line(tmp_path: Path) -> None:
    with FakeSlack(team_id="T0START", token="xoxb-start") as fake:
        fake.fail_next("apps.connections.open", status=200, error="invalid_auth")
        result = start(
            tmp_path,
            "socket",
            SLACK_APP_TOKEN="xapp-1-A0FOLIO-revoked",
            SLACK_BOT_TOKEN="xoxb-start",
            SLACK_API_URL=fake.base_url,
        )
    line = one_line_refusal(result)
    assert "Slack rejected SLACK_APP_TOKEN (invalid_auth)" in line and "connections:write" in line
    assert "xapp-1-A0FOLIO-revoked" not in result.stderr + result.stdout
