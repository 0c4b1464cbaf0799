"""Uninstall, revocation, reinstall and token rotation, through signed requests."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.oauth.installation_store import Installation, InstallationStore

from bot import Folio, Settings, create_app, create_wsgi_app
from console.loopback import FakeSlack
from domain.services.installs import NO_TOKEN, REVOKED, UNINSTALLED
from domain.views import Actor
from handlers.digests.scheduler import DigestJobs, workspace_clients
from handlers.installs import resume_single_workspace, rotate_through
from tests.conftest import TEAM, Clock, Database
from tests.slack.conftest import SlackDriver, TrackingExecutor
from tests.support.slack_requests import (
    SIGNING_SECRET,
    app_uninstalled_event,
    tokens_revoked_event,
)

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = Actor(team_id=TEAM, user_id="U0ALICE", is_admin=True)
MONDAY_9 = datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A Slack that accepts any workspace's token (each install has its own)."""
    with FakeSlack(team_id=TEAM) as fake:
        fake.add_user(id="U0ALICE", name="alice", real_name="Alice", is_admin=True)
        fake.add_user(id="U0BOB", name="bob", real_name="Bob")
        fake.add_channel(id="C0GENERAL", name="general")
        yield fake


def installation(token: str = "xoxb-installed", **extra: object) -> Installation:  # noqa: S107
    return Installation(
        app_id="A0FOLIO",
        team_id=TEAM,
        user_id="U0ALICE",
        bot_token=token,
        bot_id="BFOLIOBOT",
        bot_user_id="UFOLIOBOT",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def multi(database: Database, fake_slack: FakeSlack, clock: Clock) -> Iterator[SlackDriver]:
    """Folio installed in one workspace through the OAuth flow's installation store."""
    clock.now = datetime(2027, 3, 20, 11, 0, tzinfo=UTC)  # a Saturday
    settings = Settings(
        signing_secret=SIGNING_SECRET,
        client_id="1.2",
        client_secret="shh",
        api_url=fake_slack.base_url,
        database_url=database.url,
    )
    folio = create_app(settings, clock=clock, executor=TrackingExecutor())
    store_of(folio).save(installation())
    driver = SlackDriver(folio=folio, fake=fake_slack, client=create_wsgi_app(folio).test_client())
    driver.command("setup Products")
    driver.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    driver.command("digest weekly mon 09:00 Europe/Berlin both")
    yield driver
    driver.drain()
    folio.executor.shutdown(wait=True)
    folio.store.engine.dispose()


def store_of(folio: Folio) -> InstallationStore:
    """The installation store of a multi-workspace Folio."""
    store = folio.app.installation_store
    assert store is not None
    return store


def jobs_of(folio: Folio) -> DigestJobs:
    """The scheduler's job with the app's own way to find each workspace's token."""
    clients = workspace_clients(
        token=folio.settings.bot_token,
        base_url=folio.settings.api_url,
        installation_store=store_of(folio),
    )
    return DigestJobs(folio.services, clients, charts=False, per_channel_interval=0.0)


def paused_with(folio: Folio) -> list[str | None]:
    return [v.paused_reason for v in folio.services.subscriptions.active(ALICE) if v.paused]


def posted_anything(fake: FakeSlack, since: int) -> list[str]:
    return [c.method for c in fake.calls[since:] if c.method.startswith(("chat.", "files."))]


def test_uninstall_deletes_the_tokens_keeps_the_data_and_stops_digests(
    multi: SlackDriver, clock: Clock
) -> None:
    folio, store = multi.folio, store_of(multi.folio)
    multi.event(app_uninstalled_event())
    multi.drain()
    assert store.find_installation(enterprise_id=None, team_id=TEAM) is None
    assert store.find_bot(enterprise_id=None, team_id=TEAM) is None
    assert paused_with(folio) == [UNINSTALLED]
    assert folio.services.products.show(ALICE, "CHK").name == "Checkout"  # the data is kept

    jobs, calls = jobs_of(folio), len(multi.fake.calls)
    clock.now = datetime(2027, 3, 21, 9, 0, tzinfo=BERLIN).astimezone(UTC)  # reminders' day
    assert jobs.run_once().reminders == 0
    clock.now = MONDAY_9
    for _ in range(12):  # the digest's time, then well past every retry's backoff
        report = jobs.run_once()
        assert (report.claimed, report.sent, report.reminders) == (0, 0, 0)
        clock.advance(minutes=30)
    assert posted_anything(multi.fake, calls) == []


def test_a_reinstall_resumes_the_digests_the_uninstall_paused(
    multi: SlackDriver, clock: Clock
) -> None:
    folio = multi.folio
    multi.event(app_uninstalled_event())
    multi.drain()
    assert paused_with(folio) == [UNINSTALLED]

    web = create_wsgi_app(folio).test_client()
    page = web.get("/slack/install")
    state = re.search(r"state=([A-Za-z0-9_-]+)", page.get_data(as_text=True))
    assert state is not None
    done = web.get(
        f"/slack/oauth_redirect?code=granted&state={state.group(1)}",
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    bot = store_of(folio).find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token.endswith("-installed")
    assert paused_with(folio) == []

    clock.now = MONDAY_9
    assert jobs_of(folio).run_once().sent == 2  # ranking and status, with the new token


def test_revoking_the_bot_token_deletes_it_and_pauses_the_digests(multi: SlackDriver) -> None:
    multi.event(tokens_revoked_event(bot=["UFOLIOBOT"]))
    multi.drain()
    assert store_of(multi.folio).find_bot(enterprise_id=None, team_id=TEAM) is None
    assert paused_with(multi.folio) == [REVOKED]


def test_revoking_only_user_tokens_keeps_the_bot_and_its_digests(multi: SlackDriver) -> None:
    multi.event(tokens_revoked_event(oauth=["U0ALICE"]))
    multi.drain()
    assert store_of(multi.folio).find_bot(enterprise_id=None, team_id=TEAM)
    assert paused_with(multi.folio) == []


def test_a_workspace_that_lost_its_token_unseen_pauses_once_and_retries_nothing(
    multi: SlackDriver, clock: Clock
) -> None:
    folio = multi.folio
    store_of(folio).delete_all(enterprise_id=None, team_id=TEAM)  # no event came
    jobs, calls = jobs_of(folio), len(multi.fake.calls)
    clock.now = MONDAY_9
    first = jobs.run_once()
    assert (first.claimed, first.sent) == (2, 0)
    assert paused_with(folio) == [NO_TOKEN]
    for _ in range(10):
        clock.advance(minutes=30)
        assert jobs.run_once().claimed == 0
    assert posted_anything(multi.fake, calls) == []
    store_of(folio).save(installation())
    assert folio.services.installs.installed(TEAM) == 1  # what an install does
    assert jobs.run_once().sent == 2  # late, once, within the grace period


def test_single_token_mode_pauses_on_uninstall_and_resumes_with_a_working_token(
    slack: SlackDriver,
) -> None:
    slack.command("setup Products")
    slack.command("digest weekly mon 09:00 Europe/Berlin both")
    slack.event(app_uninstalled_event())
    slack.drain()
    assert paused_with(slack.folio) == [UNINSTALLED]
    resume_single_workspace(slack.folio.app.client, slack.folio.services)
    assert paused_with(slack.folio) == []


def test_an_expiring_token_is_rotated_through_slack_api_url(
    multi: SlackDriver, clock: Clock
) -> None:
    store = store_of(multi.folio)
    store.save(
        installation(
            "xoxe.xoxb-old",
            bot_refresh_token="xoxe-1-refresh",
            bot_token_expires_at=int(time.time()) + 60,
        )
    )
    before = len(multi.fake.calls)
    multi.command("list")
    (rotated,) = multi.fake.rotated_tokens
    (refresh,) = [c for c in multi.fake.calls[before:] if c.method == "oauth.v2.access"]
    assert refresh.params["grant_type"] == "refresh_token"
    assert refresh.params["refresh_token"] == "xoxe-1-refresh"
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == rotated
    used = {c.token for c in multi.fake.calls[before:] if c.method.startswith(("users.", "chat."))}
    assert used <= {rotated}


def test_the_scheduler_rotates_an_expiring_token_before_posting(
    multi: SlackDriver, clock: Clock
) -> None:
    folio = multi.folio
    store = store_of(folio)
    store.save(
        installation(
            "xoxe.xoxb-old",
            bot_refresh_token="xoxe-1-refresh",
            bot_token_expires_at=int(time.time()) + 60,
        )
    )
    oauth = folio.app.oauth_flow.settings if folio.app.oauth_flow else None
    assert oauth is not None
    rotator = rotate_through(oauth, folio.app.client)
    clients = workspace_clients(
        token=None, base_url=folio.settings.api_url, installation_store=store, rotator=rotator
    )
    client = clients(TEAM)
    assert client is not None
    (rotated,) = multi.fake.rotated_tokens
    assert client.token == rotated
