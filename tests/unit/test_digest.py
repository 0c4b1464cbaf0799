"""The pure digest composition: ranking movement, movers with reasons, status news."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.digest import (
    InputChanged,
    InputsChanged,
    ItemState,
    MeasureChanged,
    Movement,
    OthersMoved,
    ProductState,
    RankingDigest,
    StatusDigest,
    StatusState,
    compose_ranking,
    compose_status,
    no_update_since,
    ranking_snapshot,
    status_snapshot,
)
from domain.ranking import RankInput
from handlers.digests.ranking import movement_label, reason_text

NOW = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
D = Decimal


def product(key: str, investment: str, ret: str, confidence: str = "0.5") -> RankInput:
    return RankInput(
        key=key,
        name=f"{key} name",
        owner_id="U0BOB",
        category="Growth",
        stage="development",
        health="on track",
        investment=D(investment),
        expected_return=D(ret),
        confidence=D(confidence),
    )


def ranking(inputs: list[RankInput], previous: dict[str, object] | None = None) -> RankingDigest:
    return compose_ranking(
        inputs,
        portfolio="Products",
        currency="USD",
        measure="risk",
        discount_rate=D("0.08"),
        weights=None,
        budget=D("1000000"),
        previous=previous,
        compared_with=NOW - timedelta(days=7) if previous else None,
    )


def snapshot(inputs: list[RankInput]) -> dict[str, object]:
    return ranking_snapshot(inputs, measure="risk", discount_rate=D("0.08"), weights=None)


BASE = [
    product("AAA", "100", "400", "0.9"),  # 260 %
    product("BBB", "100", "300", "0.9"),  # 170 %
    product("CCC", "100", "200", "0.9"),  # 80 %
    product("DDD", "100", "150", "0.9"),  # 35 %
]


def test_first_digest_shows_no_movement_and_no_movers() -> None:
    digest = ranking(BASE)
    assert [line.movement for line in digest.lines] == [Movement("first")] * 4
    assert digest.movers == ()
    assert digest.compared_with is None


def test_movement_is_up_down_new_or_unchanged_since_the_previous_snapshot() -> None:
    previous = snapshot(BASE)
    now = [
        product("AAA", "100", "400", "0.9"),
        product("BBB", "100", "300", "0.9"),
        product("CCC", "100", "200", "0.9"),
        product("DDD", "100", "800", "0.9"),  # jumps to the top
        product("NEW", "100", "250", "0.9"),
    ]
    digest = ranking(now, previous)
    moves = {line.key: line.movement for line in digest.lines}
    assert moves == {
        "DDD": Movement("up", 3),
        "AAA": Movement("down", 1),
        "BBB": Movement("down", 1),
        "NEW": Movement("new"),
        "CCC": Movement("down", 2),
    }
    labels = {key: movement_label(move) for key, move in moves.items()}
    assert labels == {"DDD": "▲3", "AAA": "▼1", "BBB": "▼1", "NEW": "new", "CCC": "▼2"}
    assert movement_label(Movement("first")) == ""


def test_unchanged_position_is_marked_with_a_dash() -> None:
    digest = ranking(BASE, snapshot(BASE))
    assert [line.movement for line in digest.lines] == [Movement("same")] * 4
    assert movement_label(Movement("same")) == "–"
    assert digest.movers == ()


def test_biggest_movers_are_three_with_the_input_that_changed() -> None:
    previous = snapshot(BASE)
    now = [
        product("AAA", "100", "400", "0.9"),
        product("BBB", "100", "300", "0.9"),
        product("CCC", "100", "200", "0.9"),
        product("DDD", "100", "150", "0.9"),
    ]
    now[3] = product("DDD", "100", "150", "0.9")
    now[2] = product("CCC", "50", "600", "0.9")  # investment and return changed → top
    digest = ranking(now, previous)
    assert len(digest.movers) == 3
    top = digest.movers[0]
    assert (top.key, top.before, top.after, top.places) == ("CCC", 3, 1, 2)
    assert InputChanged("investment", D(100), D(50)) in top.reasons
    assert InputChanged("expected return", D(200), D(600)) in top.reasons
    words = [reason_text(reason, "USD") for reason in top.reasons]
    assert "investment $100 → $50" in words
    assert "expected return $200 → $600" in words
    pushed = {m.key: m for m in digest.movers[1:]}
    assert pushed["AAA"].reasons == (OthersMoved(up=False),)
    assert reason_text(OthersMoved(up=False), "USD") == (
        "its own inputs are unchanged; others rose or joined"
    )
    assert reason_text(OthersMoved(up=True), "USD") == (
        "its own inputs are unchanged; others fell or left"
    )


def test_confidence_change_is_named_as_the_reason() -> None:
    previous = snapshot(BASE)
    now = list(BASE)
    now[3] = product("DDD", "100", "150", "0.9")
    now[1] = product("BBB", "100", "300", "0.3")  # 0.3*300-100 = -10 % → last
    digest = ranking(now, previous)
    bbb = next(m for m in digest.movers if m.key == "BBB")
    assert bbb.reasons == (InputChanged("confidence", D("0.9"), D("0.3")),)
    assert reason_text(bbb.reasons[0], "USD") == "confidence 90% → 30%"
    assert bbb.places == -2


def test_product_gone_since_the_last_digest_is_listed_as_left() -> None:
    digest = ranking(BASE[:3], snapshot(BASE))
    assert digest.left == ("DDD",)


def test_totals_portfolio_roi_and_budget_used() -> None:
    digest = ranking(BASE)
    assert digest.total_investment == D(400)
    assert digest.total_return == D(1050)
    assert digest.portfolio_roi == D("1.625")
    assert digest.budget_used == D("0.0004")


def test_zero_investment_ranks_last_as_not_available() -> None:
    digest = ranking([product("ZERO", "0", "500"), *BASE])
    assert digest.lines[-1].key == "ZERO"
    assert digest.lines[-1].value is None
    assert digest.lines[-1].roi is None


def test_ranking_snapshot_survives_a_json_round_trip() -> None:
    digest = ranking(BASE)
    stored = json.loads(json.dumps(digest.snapshot))
    again = ranking(BASE, stored)
    assert [line.movement for line in again.lines] == [Movement("same")] * 4


def test_reasons_without_a_single_value_are_worded_by_what_changed() -> None:
    assert reason_text(InputsChanged("cash flows"), "EUR") == "cash flows changed"
    assert reason_text(MeasureChanged("roi", "risk"), "EUR") == (
        "ranking measure changed from ROI to risk-adjusted ROI"
    )
    assert reason_text(InputChanged("investment", D(120000), D(1500000)), "EUR") == (
        "investment €120k → €1.5M"
    )


# -- status ------------------------------------------------------------------------------


def state(
    *,
    health: str = "on track",
    status: str = "in progress",
    blocker: str | None = None,
    revenue: str = "100000",
    last_update: datetime | None = NOW - timedelta(days=1),
    due: date | None = None,
) -> StatusState:
    return StatusState(
        products=(
            ProductState(
                key="CHK",
                name="Checkout",
                owner_id="U0BOB",
                health=health,
                created_at=NOW - timedelta(days=100),
                last_update_at=last_update,
                latest_note="CHK: vendor slipped",
                metrics=(("csat", D("4.4"), False), ("revenue", D(revenue), True)),
            ),
            ProductState(
                key="PAY",
                name="Payments",
                owner_id="U0DAN",
                health="off track",
                created_at=NOW - timedelta(days=100),
                last_update_at=NOW - timedelta(days=2),
            ),
        ),
        items=(
            ItemState("CHK-1", "CHK", "One-page checkout", status, 60, blocker, None, due),
            ItemState(
                "CHK-2", "CHK", "Apple Pay", "planned", 0, None, "2027-Q2", date(2027, 6, 30)
            ),
        ),
    )


def status(now: StatusState, before: StatusState | None) -> StatusDigest:
    return compose_status(
        now,
        portfolio="Products",
        currency="USD",
        now=NOW,
        today=date(2027, 3, 29),
        previous=status_snapshot(before) if before else None,
        compared_with=NOW - timedelta(days=7) if before else None,
    )


def test_status_reports_done_changes_blockers_health_and_metrics_since_last_time() -> None:
    before = state(blocker="vendor", status="in progress")
    after = state(health="at risk", status="done", blocker=None, revenue="125000")
    digest = status(after, before)
    assert [n.ref for n in digest.done] == ["CHK-1"]
    assert [(n.ref, n.blocker) for n in digest.cleared_blockers] == [("CHK-1", "vendor")]
    assert [(c.key, c.before, c.after, c.worse) for c in digest.health_changes] == [
        ("CHK", "on track", "at risk", True)
    ]
    move = digest.metric_moves[0]
    assert (move.key, move.metric, move.up, move.change) == ("CHK", "revenue", True, D("0.25"))


def test_new_blocker_and_status_change_are_reported() -> None:
    digest = status(state(status="testing", blocker="legal review"), state())
    assert [(n.ref, n.before, n.after) for n in digest.status_changes] == [
        ("CHK-1", "in progress", "testing")
    ]
    assert [(n.ref, n.blocker) for n in digest.new_blockers] == [("CHK-1", "legal review")]


def test_without_a_previous_snapshot_only_the_state_now_is_reported() -> None:
    digest = status(state(blocker="vendor"), None)
    assert digest.new_blockers == () and digest.done == () and digest.health_changes == ()
    assert [a.key for a in digest.attention] == ["PAY"]  # off track


def test_attention_puts_off_track_before_at_risk_with_the_latest_note() -> None:
    digest = status(state(health="at risk"), None)
    assert [(a.key, a.health) for a in digest.attention] == [
        ("PAY", "off track"),
        ("CHK", "at risk"),
    ]
    assert digest.attention[1].note == "CHK: vendor slipped"


def test_items_due_within_30_days_and_overdue_items() -> None:
    soon = status(state(due=date(2027, 4, 20)), None)
    assert [d.ref for d in soon.due_soon] == ["CHK-1"] and soon.overdue == ()
    late = status(state(due=date(2027, 3, 1)), None)
    assert [d.ref for d in late.overdue] == ["CHK-1"] and late.due_soon == ()
    done_late = status(state(due=date(2027, 3, 1), status="done"), None)
    assert done_late.overdue == ()


def test_products_without_update_for_14_days_are_stale_with_their_owner() -> None:
    digest = status(state(last_update=NOW - timedelta(days=20)), None)
    assert [(s.key, s.owner_id, s.days) for s in digest.stale] == [("CHK", "U0BOB", 20)]
    assert status(state(last_update=NOW - timedelta(days=13)), None).stale == ()


def test_quiet_when_nothing_to_say() -> None:
    calm = StatusState(
        products=(
            ProductState("CHK", "Checkout", "U0BOB", "on track", NOW, NOW - timedelta(days=1)),
        ),
        items=(),
    )
    assert status(calm, calm).quiet


def test_no_update_since_period_start() -> None:
    start = NOW - timedelta(days=7)
    assert no_update_since(None, NOW - timedelta(days=30), start)
    assert not no_update_since(None, NOW - timedelta(days=1), start)
    assert no_update_since(NOW - timedelta(days=8), NOW - timedelta(days=30), start)
    assert not no_update_since(NOW - timedelta(days=2), NOW - timedelta(days=30), start)
