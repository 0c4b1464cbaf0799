"""Multi-workspace installs: the installation store authorizes each workspace's requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot import Settings, create_app, create_wsgi_app
from console.loopback import FakeSlack
from tests.conftest import Clock, Database
from tests.slack.conftest import TrackingExecutor
from tests.support.slack_requests import SIGNING_SECRET, sign, slash_command_body


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A Slack that accepts any workspace's token (each install has its own)."""
    with FakeSlack(team_id="T0TEST") as fake:
        fake.add_user(id="U0ALICE", name="alice", real_name="Alice", is_admin=True)
        yield fake


@pytest.fixture
def oauth_app(database: Database, fake_slack: FakeSlack, clock: Clock) -> Iterator[object]:
    settings = Settings(
        signing_secret=SIGNING_SECRET,
        client_id="1.2",
        client_secret="shh",
        api_url=fake_slack.base_url,
        database_url=database.url,
    )
    folio = create_app(settings, clock=clock, executor=TrackingExecutor())
    yield folio
    folio.executor.drain()  # type: ignore[attr-defined]
    folio.executor.shutdown(wait=True)
    folio.store.engine.dispose()


def test_install_page_is_served(oauth_app: object) -> None:
    client = create_wsgi_app(oauth_app).test_client()  # type: ignore[arg-type]
    response = client.get("/slack/install")
    assert response.status_code == 200
    assert "client_id=1.2" in response.get_data(as_text=True)


def test_installed_workspace_is_authorized_with_its_own_token(
    oauth_app: object, fake_slack: FakeSlack
) -> None:
    store = oauth_app.app.installation_store  # type: ignore[attr-defined]
    store.save(
        Installation(
            app_id="A0FOLIO",
            team_id="T0TEST",
            user_id="U0ALICE",
            bot_token="xoxb-installed",
            bot_id="B1",
            bot_user_id="UFOLIOBOT",
        )
    )
    client = create_wsgi_app(oauth_app).test_client()  # type: ignore[arg-type]
    body = slash_command_body(
        "/portfolio",
        "help",
        team_id="T0TEST",
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=fake_slack.new_response_url(),
    )
    assert client.post("/slack/events", data=body, headers=sign(body)).status_code == 200
    assert fake_slack.wait_for(lambda f: any(p.kind == "response" for p in f.posts), timeout=10)
    tokens = {c.token for c in fake_slack.calls if c.method.startswith(("users.", "auth."))}
    assert tokens == {"xoxb-installed"}
    answer = next(p for p in fake_slack.posts if p.kind == "response")
    assert "/portfolio setup" in str(answer.blocks)


def test_unknown_workspace_is_not_served(oauth_app: object, fake_slack: FakeSlack) -> None:
    client = create_wsgi_app(oauth_app).test_client()  # type: ignore[arg-type]
    body = slash_command_body(
        "/portfolio",
        "help",
        team_id="T0NOBODY",
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=fake_slack.new_response_url(),
    )
    response = client.post("/slack/events", data=body, headers=sign(body))
    oauth_app.executor.drain()  # type: ignore[attr-defined]
    assert response.status_code in (200, 401)
    assert [c.method for c in fake_slack.calls if c.method != "response_url"] == []
    assert all("/portfolio setup" not in str(p.blocks) for p in fake_slack.posts)
