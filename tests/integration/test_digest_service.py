"""Digest use cases on a real database: subscriptions, exactly-once claims, retries, reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.commands import portfolio as parse
from domain.delivery import Delivery, DeliveryOutcome
from domain.digest import InputChanged, RankingDigest, StatusDigest
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.grammar import split_command
from domain.models import DigestPosting, Product
from domain.services import Services, build_services
from domain.services.digests import ClaimedPosting
from domain.store import Store
from domain.views import Actor
from tests.conftest import ALICE, BOB, CAROL, MALLORY, TEAM, Clock

BERLIN = ZoneInfo("Europe/Berlin")
DELIVERED = DeliveryOutcome(Delivery.DELIVERED, ts="1.1")
FAILED = DeliveryOutcome(Delivery.TRANSIENT, code="fatal_error")
REFUSED = DeliveryOutcome(Delivery.CHANNEL_REFUSED, code="not_in_channel")


def setup(services: Services, actor: Actor = ALICE, name: str = "Products") -> None:
    services.portfolios.setup(actor, parse.parse_setup(split_command(f"setup {name} | budget 2m")))


def add(services: Services, text: str, actor: Actor = ALICE) -> None:
    request = parse.parse_add(split_command(text))
    services.products.add_product(actor, "C1", request.key, request.fields)


@pytest.fixture
def demo(services: Services, clock: Clock) -> Services:
    setup(services)
    add(
        services,
        "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k | confidence 70%",
    )
    add(
        services,
        "add PAY Payments | owner <@U0DAN> | investment 450k | return 1.2m | confidence 60%",
    )
    return services


def sent(services: Services, postings: list[ClaimedPosting], now: datetime) -> None:
    for posting in postings:
        services.outbox.record_outcome(posting, DELIVERED, now=now)


def at(clock: Clock, local: str) -> datetime:
    """Move the clock to a Berlin wall-clock time."""
    clock.now = datetime.fromisoformat(local).replace(tzinfo=BERLIN).astimezone(UTC)
    return clock.now


def postings(store: Store) -> list[DigestPosting]:
    with store.system() as session:
        return list(session.scalars(select(DigestPosting).order_by(DigestPosting.id)))


def test_only_portfolio_managers_subscribe_and_unsubscribe(demo: Services) -> None:
    with pytest.raises(PermissionDenied) as refused:
        demo.subscriptions.subscribe(CAROL, "C1", "weekly mon 09:00")
    assert "portfolio managers" in refused.value.message
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin")
    with pytest.raises(PermissionDenied):
        demo.subscriptions.unsubscribe(BOB, "C1")


def test_zone_is_the_given_one_else_the_subscribers_else_the_default(demo: Services) -> None:
    given = demo.subscriptions.subscribe(
        ALICE, "C1", "weekly mon 09:00 Asia/Tokyo", person_tz="UTC"
    )
    assert given.schedule.tz == "Asia/Tokyo"
    person = demo.subscriptions.subscribe(ALICE, "C2", "daily 09:00", person_tz="America/New_York")
    assert person.schedule.tz == "America/New_York"
    demo.subscriptions.default_timezone = "Europe/Berlin"
    fallback = demo.subscriptions.subscribe(ALICE, "C3", "daily 09:00", person_tz=None)
    assert fallback.schedule.tz == "Europe/Berlin"


def test_answer_has_next_posting_time(demo: Services, clock: Clock) -> None:
    view = demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    assert view.created
    # The clock is Monday 22 March 10:00 UTC: today's 09:00 Berlin has passed.
    assert view.next_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # CEST after 28 March


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("weekly funday 09:00", "isn't a day"),
        ("weekly mon 25:00", "isn't a time of day"),
        ("weekly mon 09:00 Europe/Berlinn", "isn't a time zone I know"),
        ("hourly 09:00", "isn't a digest cadence"),
    ],
)
def test_bad_days_times_and_zones_get_specific_errors(
    demo: Services, text: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as bad:
        demo.subscriptions.subscribe(ALICE, "C1", text)
    assert words in bad.value.message


def test_a_due_digest_is_claimed_once_and_not_again_after_it_is_sent(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    now = at(clock, "2027-03-29T09:00")
    first = demo.outbox.claim_due(now, "runner-a")
    assert sorted(p.kind for p in first) == ["ranking", "status"]
    assert demo.outbox.claim_due(now, "runner-b") == []  # a live claim blocks others
    sent(demo, first, now)
    assert demo.outbox.claim_due(now + timedelta(minutes=5), "runner-b") == []
    assert [p.status for p in postings(demo.store)] == ["sent", "sent"]


def test_subscribing_after_todays_time_does_not_post_the_missed_one(
    demo: Services, clock: Clock
) -> None:
    at(clock, "2027-03-29T10:00")
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin")
    assert demo.outbox.claim_due(clock.now, "r") == []


def test_a_stale_claim_is_taken_over_after_the_timeout_and_not_before(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    now = at(clock, "2027-03-29T09:00")
    crashed = demo.outbox.claim_due(now, "crashed")
    assert len(crashed) == 1
    almost = now + demo.outbox.claim_timeout - timedelta(seconds=1)
    assert demo.outbox.claim_due(almost, "other") == []
    taken = demo.outbox.claim_due(now + demo.outbox.claim_timeout, "other")
    assert [p.attempt for p in taken] == [2]
    # The crashed runner's late report of a failure changes nothing: the claim isn't its own.
    demo.outbox.record_outcome(crashed[0], FAILED, now=now)
    assert postings(demo.store)[0].status == "claimed"


def test_a_heartbeat_keeps_a_live_claim_from_being_taken_over(demo: Services, clock: Clock) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    now = at(clock, "2027-03-29T09:00")
    live = demo.outbox.claim_due(now, "live")
    later = now + demo.outbox.claim_timeout - timedelta(minutes=1)
    assert demo.outbox.renew_claims("live", [live[0].posting_id], later) == 1
    assert demo.outbox.claim_due(now + demo.outbox.claim_timeout, "other") == []


def test_a_failed_send_is_retried_with_backoff_then_given_up(demo: Services, clock: Clock) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    now = at(clock, "2027-03-29T09:00")
    attempt = demo.outbox.claim_due(now, "r")
    waits = []
    for _ in range(demo.outbox.max_attempts):
        assert len(attempt) == 1
        demo.outbox.record_outcome(attempt[0], FAILED, now=now)
        row = postings(demo.store)[0]
        if row.next_attempt_at is None:
            break
        waits.append(row.next_attempt_at - now)
        assert demo.outbox.claim_due(now, "r") == []  # not before the backoff
        now = row.next_attempt_at
        attempt = demo.outbox.claim_due(now, "r")
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert postings(demo.store)[0].attempts == demo.outbox.max_attempts
    assert demo.outbox.claim_due(now + timedelta(hours=1), "r") == []


@pytest.mark.parametrize(
    "kind", [Delivery.RATE_LIMITED, Delivery.TOKEN_PROBLEM, Delivery.TRANSIENT]
)
def test_a_passing_problem_is_retried_after_a_minute(
    demo: Services, clock: Clock, kind: Delivery
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    now = at(clock, "2027-03-29T09:00")
    [attempt] = demo.outbox.claim_due(now, "r")
    assert demo.outbox.record_outcome(attempt, DeliveryOutcome(kind, code="x"), now=now) is None
    assert postings(demo.store)[0].next_attempt_at == now + timedelta(minutes=1)
    assert [p.attempt for p in demo.outbox.claim_due(now + timedelta(minutes=1), "r")] == [2]


def test_a_refused_message_is_given_up_at_once_without_pausing(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    now = at(clock, "2027-03-29T09:00")
    [attempt] = demo.outbox.claim_due(now, "r")
    refused = DeliveryOutcome(Delivery.MESSAGE_REFUSED, code="msg_too_long")
    assert demo.outbox.record_outcome(attempt, refused, now=now) is None
    [row] = postings(demo.store)
    assert (row.status, row.error, row.next_attempt_at) == ("failed", "msg_too_long", None)
    assert demo.outbox.claim_due(now + timedelta(hours=1), "r") == []
    assert [v.paused for v in demo.subscriptions.active(ALICE)] == [False]


def test_catch_up_after_downtime_posts_the_latest_period_once(demo: Services, clock: Clock) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "daily 09:00 Europe/Berlin ranking")
    # Down from Tuesday to Friday 11:30: only Friday's digest, once.
    now = at(clock, "2027-04-02T11:30")
    late = demo.outbox.claim_due(now, "r")
    assert [p.period for p in late] == ["2027-04-02"]
    sent(demo, late, now)
    assert demo.outbox.claim_due(now + timedelta(minutes=1), "r") == []
    # Back too late (beyond the grace period): nothing until the next day.
    assert demo.outbox.claim_due(at(clock, "2027-04-03T16:00"), "r") == []


def test_a_refusing_channel_pauses_the_subscription_and_says_so_once(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    now = at(clock, "2027-03-29T09:00")
    claimed = demo.outbox.claim_due(now, "r")
    notices = [demo.outbox.record_outcome(p, REFUSED, now=now) for p in claimed]
    assert [n.subscriber_id for n in notices if n] == ["U0ALICE"]
    assert [v.paused for v in demo.subscriptions.active(ALICE)] == [True]
    assert demo.outbox.claim_due(now + timedelta(minutes=1), "r") == []
    # Subscribing again resumes it and retries the refused digests within the grace period.
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    assert len(demo.outbox.claim_due(now + timedelta(minutes=2), "r")) == 2


def test_dst_keeps_berlin_at_nine_local_across_march_and_october(
    demo: Services, clock: Clock
) -> None:
    at(clock, "2027-03-15T12:00")
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    for local, utc_hour in (
        ("2027-03-22T09:00", 8),  # CET
        ("2027-03-29T09:00", 7),  # CEST, after the last Sunday of March
        ("2027-10-25T09:00", 7),  # still CEST
        ("2027-11-01T09:00", 8),  # CET again, after the last Sunday of October (the 31st)
    ):
        now = at(clock, local)
        assert demo.outbox.claim_due(now - timedelta(minutes=1), "r") == []
        claimed = demo.outbox.claim_due(now, "r")
        assert [p.period for p in claimed] == [local[:10]]
        assert now.hour == utc_hour
        sent(demo, claimed, now)


def test_a_daily_time_missing_on_the_spring_forward_day_posts_once(
    demo: Services, clock: Clock
) -> None:
    clock.now = datetime(2027, 3, 14, 6, 0, tzinfo=UTC)  # 01:00 EST on the change day
    demo.subscriptions.subscribe(ALICE, "C1", "daily 02:30 America/New_York ranking")
    posted = []
    while clock.now < datetime(2027, 3, 15, 12, 0, tzinfo=UTC):
        claimed = demo.outbox.claim_due(clock.now, "r")
        sent(demo, claimed, clock.now)
        posted += [(p.period, clock.now) for p in claimed]
        clock.advance(minutes=30)
    assert [period for period, _ in posted] == ["2027-03-14", "2027-03-15"]
    assert posted[0][1] == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT, once


def test_ranking_movement_counts_from_the_previous_sent_digest(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin ranking")
    first_at = at(clock, "2027-03-29T09:00")
    first = demo.outbox.claim_due(first_at, "r")
    digest = first[0].digest
    assert isinstance(digest, RankingDigest) and digest.since_subscribed
    sent(demo, first, first_at)
    set_request = parse.parse_set(split_command("set PAY | confidence 95%"))
    demo.products.set_product(ALICE, set_request[0], set_request[1])
    second = demo.outbox.claim_due(at(clock, "2027-04-05T09:00"), "r")[0].digest
    assert isinstance(second, RankingDigest) and not second.since_subscribed
    assert second.compared_with == first_at
    top = second.movers[0]
    assert (top.key, top.reasons[0]) == (
        "PAY",
        InputChanged("confidence", Decimal("0.6"), Decimal("0.95")),
    )


def test_status_digest_reports_changes_since_subscribing(demo: Services, clock: Clock) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin status")
    set_request = parse.parse_set(split_command("set CHK | health off track"))
    demo.products.set_product(ALICE, set_request[0], set_request[1])
    digest = demo.outbox.claim_due(at(clock, "2027-03-29T09:00"), "r")[0].digest
    assert isinstance(digest, StatusDigest)
    assert [(c.key, c.after) for c in digest.health_changes] == [("CHK", "off track")]
    assert [a.key for a in digest.attention] == ["CHK"]


def test_digests_never_show_another_workspace(demo: Services, clock: Clock) -> None:
    setup(demo, MALLORY, "Theirs")
    request = parse.parse_add(split_command("add SECRET Secret | investment 1k | return 9k"))
    demo.products.add_product(MALLORY, "C9", request.key, request.fields)
    demo.subscriptions.subscribe(MALLORY, "C9", "weekly mon 09:00 Europe/Berlin both")
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    assert [v.channel_id for v in demo.subscriptions.active(ALICE)] == ["C1"]
    claimed = demo.outbox.claim_due(at(clock, "2027-03-29T09:00"), "r")
    ours = [p for p in claimed if p.team_id == TEAM]
    ranking = next(p.digest for p in ours if isinstance(p.digest, RankingDigest))
    assert isinstance(ranking, RankingDigest)
    assert {line.key for line in ranking.lines} == {"CHK", "PAY"}
    with pytest.raises(NotFound):
        demo.subscriptions.unsubscribe(ALICE, "C9")


def test_reminders_once_per_product_and_period_unless_turned_off(
    demo: Services, clock: Clock
) -> None:
    with demo.store.transaction(TEAM) as tenant:
        for product in tenant.all(tenant.select(Product)):
            product.created_at = clock.now - timedelta(days=30)
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    demo.subscriptions.subscribe(ALICE, "C2", "weekly mon 09:00 Europe/Berlin status")
    demo.reminders.set_reminders(Actor(team_id=TEAM, user_id="U0DAN"), off=True)
    now = at(clock, "2027-03-28T09:00")  # the Sunday before
    dms = demo.reminders.claim_due(now)
    assert [(dm.owner_id, [p.key for p in dm.products], dm.period) for dm in dms] == [
        ("U0BOB", ["CHK"], "2027-03-29")
    ]
    for dm in dms:
        demo.reminders.done(dm, ok=True, now=now)
    assert demo.reminders.claim_due(now + timedelta(minutes=1)) == []


def test_a_failed_reminder_is_released_for_the_next_tick(demo: Services, clock: Clock) -> None:
    with demo.store.transaction(TEAM) as tenant:
        for product in tenant.all(tenant.select(Product)):
            product.created_at = clock.now - timedelta(days=30)
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin status")
    now = at(clock, "2027-03-28T09:00")
    first = demo.reminders.claim_due(now)
    for dm in first:
        demo.reminders.done(dm, ok=False, now=now)
    again = demo.reminders.claim_due(now + timedelta(minutes=1))
    assert sorted(dm.owner_id for dm in again) == ["U0BOB", "U0DAN"]


def test_two_services_on_one_database_claim_each_posting_once(demo: Services, clock: Clock) -> None:
    other = build_services(Store(demo.store.engine), clock)
    demo.subscriptions.subscribe(ALICE, "C1", "daily 09:00 Europe/Berlin both")
    demo.subscriptions.subscribe(ALICE, "C2", "daily 09:00 Europe/Berlin both")
    now = at(clock, "2027-03-29T09:00")
    mine = demo.outbox.claim_due(now, "a")
    theirs = other.outbox.claim_due(now, "b")
    assert len(mine) + len(theirs) == 4
    assert not {p.posting_id for p in mine} & {p.posting_id for p in theirs}


def test_next_event_includes_the_reminder_before_the_digest(demo: Services, clock: Clock) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    after = at(clock, "2027-03-24T12:00")
    assert demo.outbox.next_event_after(after) == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    sunday = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert demo.outbox.next_event_after(sunday) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def test_a_preview_is_the_digest_a_channel_would_get_without_a_snapshot_to_store(
    demo: Services, clock: Clock
) -> None:
    demo.subscriptions.subscribe(ALICE, "C1", "weekly mon 09:00 Europe/Berlin both")
    when = at(clock, "2027-03-29T09:00")
    clock.now = when
    preview = demo.subscriptions.preview(ALICE, "C1")
    claimed = [p.digest for p in demo.outbox.claim_due(when, "r")]
    assert [type(d) for d in preview] == [type(d) for d in claimed] == [RankingDigest, StatusDigest]
    for shown, stored in zip(preview, claimed, strict=True):
        assert shown.snapshot == {}  # a preview stores nothing: no row per product to build
        assert stored.snapshot  # the one the next digest compares with
        assert replace(shown, snapshot={}, since_subscribed=False, compared_with=None) == replace(
            stored, snapshot={}, since_subscribed=False, compared_with=None
        )
