"""`python bot.py` with SLACK_APP_TOKEN starts Socket Mode against SLACK_API_URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from console.loopback import FakeSlack
from tests.e2e.conftest import PYTHON, ROOT, clean_env


def test_socket_mode_opens_its_connection_through_slack_api_url(tmp_path: Path) -> None:
    with FakeSlack(team_id="T0E2E") as fake:
        env = clean_env(
            SLACK_APP_TOKEN="xapp-1-A0FOLIO-e2e",
            SLACK_BOT_TOKEN="xoxb-e2e",
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'folio.db'}",
        )
        process = subprocess.Popen(
            [PYTHON, str(ROOT / "bot.py")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            opened = fake.wait_for(lambda f: bool(f.calls_to("apps.connections.open")), timeout=60)
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=20)
        assert opened, output
        call = fake.calls_to("apps.connections.open")[0]
        assert call.token == "xapp-1-A0FOLIO-e2e"
        assert "xapp-1-A0FOLIO-e2e" not in output  # the token is never logged
        assert "xoxb-e2e" not in output
