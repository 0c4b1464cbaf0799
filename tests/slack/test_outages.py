"""Slack's Web API or PostgreSQL going away under Folio (proxies the tests cut): no event
answered 200 is lost.

While the database is down, an event cannot be written to the inbox, so it is answered 500
and Slack delivers it again; an event whose processing meets either outage stays in the
inbox and is processed once the outage is over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import Settings, create_app, create_wsgi_app
from console.loopback import FakeSlack
from domain.models import Update
from tests.conftest import TEAM, Clock, Database
from tests.slack.conftest import SlackDriver, TrackingExecutor
from tests.support.slack_requests import SIGNING_SECRET, event_body, message_event, sign
from tests.support.tcp_proxy import TcpProxy

postgres_only = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def db_proxy(database: Database) -> Iterator[TcpProxy]:
    url = make_url(database.url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture
def api_proxy(fake_slack: FakeSlack) -> Iterator[TcpProxy]:
    with TcpProxy("127.0.0.1", fake_slack.port or 0) as proxy:
        yield proxy


def driver(database_url: str, api_url: str, fake: FakeSlack, clock: Clock) -> SlackDriver:
    """Folio on these URLs, set up with CHK (owned by bob) and its item CHK-1."""
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=api_url,
        database_url=database_url,
    )
    folio = create_app(settings, clock=clock, executor=TrackingExecutor())
    slack = SlackDriver(folio=folio, fake=fake, client=create_wsgi_app(folio).test_client())
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob>")
    slack.command("add CHK Checkout v2", command="/roadmap")
    return slack


def close(slack: SlackDriver) -> None:
    slack.drain()
    slack.folio.executor.shutdown(wait=True)
    slack.folio.store.engine.dispose()


@pytest.fixture
def slack(
    database: Database, db_proxy: TcpProxy, fake_slack: FakeSlack, clock: Clock
) -> Iterator[SlackDriver]:
    """Folio whose database connections go through db_proxy."""
    url = make_url(database.url).set(host="127.0.0.1", port=db_proxy.port)
    slack = driver(
        url.render_as_string(hide_password=False), fake_slack.base_url, fake_slack, clock
    )
    yield slack
    close(slack)


@pytest.fixture
def slack_via_proxy(
    database: Database, api_proxy: TcpProxy, fake_slack: FakeSlack, clock: Clock
) -> Iterator[SlackDriver]:
    """Folio whose Web API calls go through api_proxy (response_url answers do not)."""
    api_url = fake_slack.base_url.replace(
        f":{urlsplit(fake_slack.base_url).port}/", f":{api_proxy.port}/"
    )
    slack = driver(database.url, api_url, fake_slack, clock)
    yield slack
    close(slack)


def stored_updates(slack: SlackDriver) -> int:
    with slack.folio.services.store.read(TEAM) as tenant:
        return tenant.scalar(select(func.count()).select_from(Update)) or 0


def deliver(slack: SlackDriver, n: int, *, retry: bool = False) -> int:
    """Bob's n-th chat update as Slack delivers it; the HTTP status Folio answered."""
    ts = f"1790000000.{n:06d}"
    if not retry:
        slack.fake.add_message("C0ROADMAP", user="U0BOB", text=f"CHK: note {n}", ts=ts)
    event = message_event(f"CHK: note {n}", user="U0BOB", channel="C0ROADMAP", ts=ts, team=TEAM)
    body = event_body(event, team_id=TEAM, event_id=f"Ev0OUT{n:04d}")
    headers = sign(body)
    if retry:
        headers |= {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    return int(slack.post(body, headers).status_code)


@postgres_only
def test_no_acknowledged_event_is_lost_to_a_database_outage(
    slack: SlackDriver, db_proxy: TcpProxy, clock: Clock
) -> None:
    before = [deliver(slack, n) for n in range(10)]
    slack.drain()
    db_proxy.cut()
    during = [deliver(slack, n) for n in range(10, 20)]
    db_proxy.restore()
    retried = [deliver(slack, n, retry=True) for n in range(10, 20) if during[n - 10] != 200]
    slack.drain()
    clock.advance(minutes=2)  # past any lease an outage left behind
    slack.folio.inbox.run_once()
    acknowledged = before.count(200) + during.count(200) + retried.count(200)
    assert before == [200] * 10
    assert during == [500] * 10  # never 200 for an event that was not written down
    assert retried == [200] * 10
    assert acknowledged == stored_updates(slack) == 20
    assert len([p for p in slack.fake.posts if p.kind == "reaction"]) == 20


@postgres_only
def test_processing_that_meets_a_database_outage_resumes_from_the_inbox(
    slack: SlackDriver, db_proxy: TcpProxy, clock: Clock
) -> None:
    inbox = slack.folio.services.inbox
    ts = "1790000001.000001"
    slack.fake.add_message("C0ROADMAP", user="U0BOB", text="CHK-1: testing 70%", ts=ts)
    event = message_event("CHK-1: testing 70%", user="U0BOB", channel="C0ROADMAP", ts=ts, team=TEAM)
    body = json.loads(event_body(event, team_id=TEAM, event_id="Ev0MIDWAY"))
    assert inbox.receive(TEAM, "Ev0MIDWAY", "message", body)
    claimed = inbox.claim_event(TEAM, "Ev0MIDWAY", slack.folio.inbox.runner)
    assert claimed is not None
    slack.folio.directory.person(slack.folio.app.client, TEAM, "U0BOB")  # known already
    db_proxy.cut()
    assert slack.folio.inbox.process(claimed, slack.folio.app.client) == "retry"
    db_proxy.restore()
    assert stored_updates(slack) == 0
    clock.advance(minutes=2)  # the claim's lease ran out: the row is due again
    assert slack.folio.inbox.run_once() == 1
    assert stored_updates(slack) == 1
    assert [p.ts for p in slack.fake.posts if p.kind == "reaction"] == [ts]


def test_no_acknowledged_event_is_lost_to_a_web_api_outage(
    slack_via_proxy: SlackDriver, api_proxy: TcpProxy, clock: Clock
) -> None:
    slack = slack_via_proxy
    slack.folio.directory.person(slack.folio.app.client, TEAM, "U0ALICE")  # known: no lookup
    slack.folio.directory.forget(TEAM, "U0BOB")  # not known yet: his updates need users.info
    api_proxy.cut()  # users.info, reactions.add: connections dropped
    answered = [deliver(slack, n) for n in range(6)]
    alice = [
        slack.post(body, sign(body)).status_code
        for n in range(6, 10)
        for body in [alice_update(slack, n)]
    ]
    slack.drain()
    stored_during = stored_updates(slack)
    api_proxy.restore()
    clock.advance(seconds=2)  # past the first backoff
    slack.folio.inbox.run_once()
    assert answered + alice == [200] * 10
    assert stored_during == 4  # alice's: recorded, only their ✅ waited for Slack
    assert stored_updates(slack) == 10
    assert len([p for p in slack.fake.posts if p.kind == "reaction"]) == 10
    assert slack.folio.services.inbox.backlog().pending == 0


def alice_update(slack: SlackDriver, n: int) -> str:
    """Alice (an admin, already known) posts her n-th update; its event_callback body."""
    ts = f"1790000000.{n:06d}"
    slack.fake.add_message("C0ROADMAP", user="U0ALICE", text=f"CHK: note {n}", ts=ts)
    event = message_event(f"CHK: note {n}", user="U0ALICE", channel="C0ROADMAP", ts=ts, team=TEAM)
    return event_body(event, team_id=TEAM, event_id=f"Ev0API{n:04d}")
