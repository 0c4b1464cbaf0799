"""Digests through Bolt and a fake Slack: subscribe, post exactly once, retry, pause, limits."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from time import monotonic as _monotonic
from time import sleep as sleep_for
from zoneinfo import ZoneInfo

import pytest

from bot import Settings, create_app
from console.loopback import FakeChannel, Post
from domain.digest import (
    ItemState,
    ProductState,
    RankingDigest,
    StatusState,
    compose_ranking,
    compose_status,
)
from domain.ranking import RankInput
from domain.schedule import Schedule
from domain.services.digests.claims import ClaimRules
from domain.services.digests.outbox import Outbox
from handlers.digests.messages import schedule_command, schedule_words
from handlers.digests.ranking import ranking_message
from handlers.digests.scheduler import DigestJobs, DigestScheduler, workspace_clients
from handlers.digests.status import status_message
from tests.conftest import Clock, Database
from tests.slack.conftest import SlackDriver, TrackingExecutor, payload_text
from tests.support.blockkit import assert_valid_message
from tests.support.slack_requests import SIGNING_SECRET

BERLIN = ZoneInfo("Europe/Berlin")


def jobs_for(slack: SlackDriver, sleeps: list[float] | None = None) -> DigestJobs:
    """The scheduler's job on the app's services; retry waits are recorded, never slept."""
    record = sleeps if sleeps is not None else []
    clients = workspace_clients(
        token="xoxb-test", base_url=slack.fake.base_url, sleep=record.append
    )
    return DigestJobs(slack.folio.services, clients, charts=False, per_channel_interval=0.0)


def digests_in(slack: SlackDriver, channel: str = "C0GENERAL") -> list[Post]:
    return [p for p in slack.fake.posts_in(channel) if p.kind == "message"]


def at(clock: Clock, local: str) -> None:
    clock.now = datetime.fromisoformat(local).replace(tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def ready(slack: SlackDriver, clock: Clock) -> SlackDriver:
    at(clock, "2027-03-20T12:00")  # a Saturday
    slack.command("setup Products | budget 2m")
    slack.command(
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k | confidence 70%"
    )
    slack.command("add PAY Payments | owner <@U0DAN|dan> | investment 450k | return 1.2m")
    return slack


def test_subscribing_answers_in_channel_with_the_next_time_local_and_utc(
    ready: SlackDriver,
) -> None:
    answer = ready.command("digest weekly mon 09:00 Europe/Berlin both")
    text = payload_text(answer)
    assert answer.extra.get("response_type") == "in_channel"
    assert "<#C0GENERAL>" in text and "*ranking and status*" in text
    assert "Mon 22 Mar 2027, 09:00* Europe/Berlin (Mon 22 Mar 2027, 08:00 UTC)" in text


def test_a_member_cannot_subscribe_and_is_told_who_can(ready: SlackDriver) -> None:
    answer = ready.command("digest weekly mon 09:00", user="U0CAROL")
    assert answer.extra.get("response_type") == "ephemeral"
    assert "Only portfolio managers can subscribe" in answer.text
    listing = payload_text(ready.command("digest list"))
    assert "No channel gets digests yet" in listing


def test_bad_schedule_gets_a_specific_ephemeral_error(ready: SlackDriver) -> None:
    answer = ready.command("digest weekly mon 9:75")
    assert answer.extra.get("response_type") == "ephemeral"
    assert "isn't a time of day" in answer.text


def test_each_digest_posts_exactly_once_when_due(ready: SlackDriver, clock: Clock) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    jobs = jobs_for(ready)
    at(clock, "2027-03-22T08:59")
    assert jobs.run_once().claimed == 0
    at(clock, "2027-03-22T09:00")
    report = jobs.run_once()
    assert (report.claimed, report.sent) == (2, 2)
    for _ in range(3):
        clock.advance(minutes=1)
        assert jobs.run_once().claimed == 0
    posts = digests_in(ready)
    assert [p.blocks[0]["text"]["text"] for p in posts if p.blocks] == [
        "Weekly risk-adjusted ROI ranking · Products",  # the portfolio ranks by risk
        "Weekly status digest · Products",
    ]
    for post in posts:
        assert_valid_message({"text": post.text, "blocks": post.blocks})


def test_429_with_retry_after_and_500s_still_post_each_digest_once(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    sleeps: list[float] = []
    jobs = jobs_for(ready, sleeps)
    ready.fake.fail_next("chat.postMessage", status=429, retry_after=7)
    ready.fake.fail_next("chat.postMessage", status=500, times=2)
    at(clock, "2027-03-22T09:00")
    report = jobs.run_once()
    assert report.sent == 2
    assert 7.0 in sleeps  # Retry-After honoured (through the injected sleep, not real time)
    assert len(digests_in(ready)) == 2
    attempts = ready.fake.calls_to("chat.postMessage")
    assert len(attempts) == 5  # 429, 500, 500, then the two digests


def test_a_send_that_keeps_failing_is_retried_by_a_later_tick_and_posts_once(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin ranking")
    jobs = jobs_for(ready)
    ready.fake.fail_next("chat.postMessage", status=500, times=6)  # beyond slack_sdk's retries
    at(clock, "2027-03-22T09:00")
    assert jobs.run_once().failed == 1
    assert digests_in(ready) == []
    clock.advance(seconds=30)
    assert jobs.run_once().claimed == 0  # backing off
    clock.advance(minutes=1)
    assert jobs.run_once().sent == 1
    clock.advance(minutes=5)
    assert jobs.run_once().claimed == 0
    assert len(digests_in(ready)) == 1


def test_not_in_channel_pauses_and_tells_the_subscriber_once(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.fake.remove_bot_from("C0GENERAL")
    jobs = jobs_for(ready)
    at(clock, "2027-03-22T09:00")
    report = jobs.run_once()
    assert (report.sent, report.paused) == (0, 1)
    for _ in range(2):
        clock.advance(minutes=10)
        jobs.run_once()
    dm = ready.fake.open_dm("U0ALICE")
    notes = [p for p in ready.fake.posts_in(dm) if p.kind == "message"]
    assert len(notes) == 1
    assert "not_in_channel" in notes[0].text and "/invite @Folio" in payload_text(notes[0])
    assert "paused" in payload_text(ready.command("digest list"))
    posts_tried = len(ready.fake.calls_to("chat.postMessage"))
    assert posts_tried == 2  # one refused digest, one DM: no retrying forever


def test_one_classification_pauses_a_thread_only_channel_and_never_retries(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.fake.fail_next(
        "chat.postMessage", status=200, error="restricted_action_thread_only_channel"
    )
    jobs = jobs_for(ready)
    at(clock, "2027-03-22T09:00")
    report = jobs.run_once()
    assert (report.sent, report.failed, report.paused) == (0, 2, 1)
    for _ in range(4):
        clock.advance(minutes=10)
        assert jobs.run_once().claimed == 0  # paused, not retried
    assert digests_in(ready) == []
    assert len(ready.fake.calls_to("chat.postMessage")) == 2  # the refused digest, one DM
    dm = ready.fake.open_dm("U0ALICE")
    [note] = [p for p in ready.fake.posts_in(dm) if p.kind == "message"]
    assert "restricted_action_thread_only_channel" in note.text
    assert "`/portfolio digest weekly mon 09:00 Europe/Berlin both`" in payload_text(note)
    assert "paused" in payload_text(ready.command("digest list"))


def test_two_schedulers_on_one_database_post_once(
    ready: SlackDriver, clock: Clock, database: Database
) -> None:
    for channel in ("C0GENERAL", "C0ROADMAP"):
        ready.command("digest daily 09:00 Europe/Berlin both", channel=channel)
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=ready.fake.base_url,
        database_url=database.url,
    )
    second = create_app(settings, clock=clock, executor=TrackingExecutor())
    try:
        first_jobs = jobs_for(ready)
        second_jobs = DigestJobs(
            second.services,
            workspace_clients(token="xoxb-test", base_url=ready.fake.base_url),
            charts=False,
            per_channel_interval=0.0,
        )
        at(clock, "2027-03-22T09:00")
        barrier = threading.Barrier(2)

        def tick(jobs: DigestJobs) -> None:
            barrier.wait()
            jobs.run_once()

        threads = [threading.Thread(target=tick, args=(j,)) for j in (first_jobs, second_jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        second.executor.shutdown(wait=True)
        second.store.engine.dispose()
    assert len(digests_in(ready, "C0GENERAL")) == 2
    assert len(digests_in(ready, "C0ROADMAP")) == 2


def test_catch_up_after_downtime_posts_once_late(ready: SlackDriver, clock: Clock) -> None:
    ready.command("digest daily 09:00 Europe/Berlin status")
    jobs = jobs_for(ready)
    at(clock, "2027-03-25T13:15")  # down since Monday morning
    assert jobs.run_once().sent == 1
    clock.advance(minutes=30)
    assert jobs.run_once().claimed == 0
    posts = digests_in(ready)
    assert len(posts) == 1


def test_dst_change_moves_nothing_through_the_scheduler(ready: SlackDriver, clock: Clock) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin ranking")
    jobs = jobs_for(ready)
    posted_at = []
    clock.now = datetime(2027, 3, 22, 6, 0, tzinfo=UTC)
    while clock.now < datetime(2027, 4, 6, tzinfo=UTC):
        if jobs.run_once().sent:
            posted_at.append(clock.now.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"))
        clock.advance(minutes=30)
    assert posted_at == ["2027-03-22 09:00", "2027-03-29 09:00", "2027-04-05 09:00"]


def test_digest_preview_is_ephemeral_and_posts_nothing(ready: SlackDriver) -> None:
    answer = ready.command("digest preview")
    text = payload_text(answer)
    assert answer.extra.get("response_type") == "ephemeral"
    assert "Risk-adjusted ROI ranking · Products" in text and "Status digest · Products" in text
    assert digests_in(ready) == []


def test_digest_now_posts_here_and_off_stops(ready: SlackDriver) -> None:
    assert "isn't subscribed" in ready.command("digest now").text
    ready.command("digest daily 09:00 Europe/Berlin ranking")
    answer = ready.command("digest now")
    assert "Posted the ranking digest here" in answer.text
    assert len(digests_in(ready)) == 1
    off = ready.command("digest off")
    assert off.extra.get("response_type") == "in_channel"
    assert "no longer gets digests of *Products*" in payload_text(off)


def test_reminder_dm_the_day_before_with_the_line_to_post(ready: SlackDriver, clock: Clock) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.command("remind off", command="/roadmap", user="U0DAN")
    jobs = jobs_for(ready)
    at(clock, "2027-04-04T09:00")  # Sunday before the second digest; no updates since creation
    assert jobs.run_once().reminders == 1
    clock.advance(minutes=1)
    assert jobs.run_once().reminders == 0
    bob = [p for p in ready.fake.posts_in(ready.fake.open_dm("U0BOB")) if p.kind == "message"]
    assert len(bob) == 1
    assert "`CHK: on track — what changed this week`" in payload_text(bob[0])
    dan = [p for p in ready.fake.posts_in(ready.fake.open_dm("U0DAN")) if p.kind == "message"]
    assert dan == []


def test_user_text_is_escaped_in_posted_digests(ready: SlackDriver, clock: Clock) -> None:
    ready.command("add EVIL <!channel> & <script> | investment 1k | return 2k")
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.say("EVIL: off track, <@U0BOB> said <!here> & left", user="U0ALICE")
    ready.drain()
    jobs = jobs_for(ready)
    at(clock, "2027-03-22T09:00")
    jobs.run_once()
    text = "\n".join(payload_text(p) for p in digests_in(ready))
    assert "<!channel>" not in text and "<!here>" not in text and "<script>" not in text
    assert "&lt;!channel&gt; &amp; &lt;script&gt;" in text


def test_the_scheduler_job_is_registered_and_stops_cleanly(ready: SlackDriver) -> None:
    scheduler = DigestScheduler(jobs_for(ready), interval_seconds=3600)
    scheduler.start()
    try:
        assert scheduler.running
        job = scheduler.scheduler.get_job("folio-digests")
        assert job is not None and job.trigger.interval == timedelta(hours=1)
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    assert ready.folio.scheduler.interval_seconds == 30.0


def test_subscriptions_are_listed_with_their_schedule_in_words(ready: SlackDriver) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.command("digest daily 07:05 America/New_York status", channel="C0ROADMAP")
    listing = payload_text(ready.command("digest list"))
    assert "every Monday at 09:00 (Europe/Berlin), ranking and status" in listing
    assert "every day at 07:05 (America/New_York), status" in listing


# -- words and limits --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "words", "command"),
    [
        (
            Schedule("weekly", 0, time(9), "Europe/Berlin", "both"),
            "every Monday at 09:00 (Europe/Berlin), ranking and status",
            "weekly mon 09:00 Europe/Berlin both",
        ),
        (
            Schedule("daily", None, time(7, 5), "America/New_York", "status"),
            "every day at 07:05 (America/New_York), status",
            "daily 07:05 America/New_York status",
        ),
    ],
)
def test_a_schedule_in_words_and_as_the_command_that_restores_it(
    schedule: Schedule, words: str, command: str
) -> None:
    assert schedule_words(schedule) == words
    assert schedule_command(schedule) == command


NOW = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def many(count: int) -> list[RankInput]:
    return [
        RankInput(
            key=f"P{n:03d}",
            name=f"Product {n} with a long name & <angle> brackets " + "x" * 40,
            owner_id="U0BOB",
            category=f"Cat{n % 12}",
            stage="growth",
            health=("on track", "at risk", "off track")[n % 3],
            investment=Decimal(1000 + n),
            expected_return=Decimal(5000 + 7 * n),
            confidence=Decimal("0.5"),
        )
        for n in range(count)
    ]


def ranked(inputs: list[RankInput], previous: dict[str, object] | None) -> RankingDigest:
    return compose_ranking(
        inputs,
        portfolio="Products",
        currency="USD",
        measure="roi",
        discount_rate=Decimal("0.08"),
        weights=None,
        budget=None,
        previous=previous,
        compared_with=NOW - timedelta(days=7) if previous else None,
    )


def test_ranking_digest_words_movement_and_reasons_with_the_one_formatter() -> None:
    inputs = many(3)
    previous = ranked(inputs, None).snapshot
    now = [replace(inputs[0], expected_return=Decimal(50000)), *inputs[1:]]
    message = ranking_message(ranked(now, previous), cadence="weekly", tz="UTC")
    text = payload_text_of(message.payload())
    assert "Ranked by *ROI*" in text
    assert "`▲2` *1.* *P000*" in text and "`▼1` *2.* *P002*" in text
    assert "▲2 *P000*" in text and "(3 → 1): expected return $5k → $50k" in text
    assert "(1 → 2): its own inputs are unchanged; others rose or joined" in text


def test_500_products_stay_within_block_kit_limits() -> None:
    inputs = many(500)
    previous = compose_ranking(
        list(reversed(inputs[:400])),
        portfolio="Products",
        currency="USD",
        measure="roi",
        discount_rate=Decimal("0.08"),
        weights=None,
        budget=None,
        previous=None,
        compared_with=None,
    ).snapshot
    digest = compose_ranking(
        inputs,
        portfolio="Products",
        currency="USD",
        measure="roi",
        discount_rate=Decimal("0.08"),
        weights=None,
        budget=Decimal(100000),
        previous=previous,
        compared_with=NOW - timedelta(days=7),
    )
    ranking = ranking_message(digest, cadence="weekly", tz="Europe/Berlin")
    assert_valid_message(ranking.payload())
    assert "… and 475 more" in payload_text_of(ranking.payload())
    state = StatusState(
        products=tuple(
            ProductState(
                key=i.key,
                name=i.name,
                owner_id="U0BOB",
                health=i.health,
                created_at=NOW - timedelta(days=90),
                latest_note="note <b>" * 30,
            )
            for i in inputs
        ),
        items=tuple(
            ItemState(
                ref=f"{i.key}-1",
                product_key=i.key,
                title="Item " + "y" * 100,
                status="in progress",
                blocker="blocked & stuck " * 10,
                target_due=(NOW + timedelta(days=(n % 60) - 30)).date(),
            )
            for n, i in enumerate(inputs)
        ),
    )
    status = compose_status(
        state,
        portfolio="Products",
        currency="USD",
        now=NOW,
        today=NOW.date(),
        previous={"products": {}, "items": {}},
        compared_with=NOW - timedelta(days=7),
    )
    message = status_message(status, cadence="weekly", tz="Europe/Berlin")
    assert_valid_message(message.payload())
    text = payload_text_of(message.payload())
    assert "more_" in text and "Needs attention" in text and "No update for 14 days" in text


def payload_text_of(payload: dict[str, object]) -> str:
    import json

    return str(payload.get("text")) + json.dumps(payload.get("blocks"), ensure_ascii=False)


class RunningClock:
    """Real seconds passing from a chosen instant: claims age while a runner works."""

    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, _monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=_monotonic() - self.t0)


def test_a_compose_slower_than_the_claim_timeout_still_posts_each_digest_once(
    ready: SlackDriver, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    channels = [f"C0SLOW{n}" for n in range(4)]
    for channel in channels:
        ready.fake.add_channel(FakeChannel(channel, channel.lower()))
        ready.command("digest daily 09:00 Europe/Berlin both", channel=channel)
    # The heartbeat renews every 0.1 s; the timeout leaves it 20 beats of slack, so a busy
    # machine (the SQLite write lock taken by the other runner, two suites on two cores)
    # cannot starve it into a takeover, while composing still outlasts the timeout.
    timeout = timedelta(seconds=2.0)
    real = Outbox._compose_claimed

    def slow(self: Outbox, *args: object, **kwargs: object) -> object:
        sleep_for(2.5)  # composing takes longer than the claim timeout
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Outbox, "_compose_claimed", slow)
    running = RunningClock(datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=ready.fake.base_url,
        database_url=database.url,
    )
    apps = [create_app(settings, clock=running, executor=TrackingExecutor()) for _ in range(2)]
    try:
        runners = []
        for app in apps:
            app.services.outbox.rules = ClaimRules(claim_timeout=timeout)
            runners.append(
                DigestJobs(
                    app.services,
                    workspace_clients(token="xoxb-test", base_url=ready.fake.base_url),
                    charts=False,
                    per_channel_interval=0.0,
                    heartbeat_seconds=0.1,
                )
            )
        barrier = threading.Barrier(2)

        def ticks(jobs: DigestJobs) -> None:
            barrier.wait()
            for _ in range(3):
                jobs.run_once()

        threads = [threading.Thread(target=ticks, args=(j,)) for j in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for app in apps:
            app.executor.shutdown(wait=True)
            app.store.engine.dispose()
    for channel in channels:
        texts = sorted(p.text.split(" · ")[0] for p in digests_in(ready, channel))
        assert texts == ["Daily risk-adjusted ROI ranking", "Daily status digest"], channel
