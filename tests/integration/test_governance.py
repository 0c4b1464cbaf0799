"""Governance of the funding inputs on a real database: proposals, decisions, history, roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.commands import portfolio as parse
from domain.commands.planning import parse_weights
from domain.errors import NotFound, PermissionDenied
from domain.grammar import split_command
from domain.models import Proposal
from domain.services import Services
from domain.views import Actor, ProductChange
from domain.vocabulary import PORTFOLIO_MANAGER, WEIGHTS_INPUT
from tests.conftest import ALICE, BOB, CAROL, Clock

DAN = Actor(team_id=ALICE.team_id, user_id="U0DAN")


def run_set(services: Services, text: str, actor: Actor) -> ProductChange:
    key, fields = parse.parse_set(split_command(text))
    return services.products.set_product(actor, key, fields)


def add(services: Services, text: str) -> None:
    request = parse.parse_add(split_command(text))
    services.products.add_product(ALICE, None, request.key, request.fields)


def risk_rank(services: Services) -> list[str]:
    ranking = services.ranking.rank(ALICE, None, parse.RankRequest("risk", None, None))
    return [row.key for row in ranking.rows]


@pytest.fixture
def demo(services: Services) -> Services:
    services.portfolios.setup(ALICE, parse.parse_setup(split_command("setup Products")))
    add(
        services,
        "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k | confidence 40% "
        "| category Growth",
    )
    add(services, "add PAY Payments | owner <@U0DAN> | investment 100k | return 400k")
    services.portfolios.grant(ALICE, "U0CAROL", PORTFOLIO_MANAGER)
    return services


def pending(services: Services) -> list[tuple[str, str, object]]:
    view = services.proposals.proposals(ALICE, None)
    return [(p.product_key, p.field, p.after) for p in view.proposals]


def test_owners_confidence_is_a_proposal_until_a_manager_accepts_it(
    demo: Services, clock: Clock
) -> None:
    before = risk_rank(demo)
    assert before == ["PAY", "CHK"]
    change = run_set(demo, "set CHK | confidence 100% | why the pilot converted", BOB)
    assert change.changed == ()
    assert change.proposed is not None
    assert [(p.field, p.before, p.after) for p in change.proposed.proposals] == [
        ("confidence", Decimal("0.4000"), Decimal("1"))
    ]
    assert change.proposed.managers == ("U0CAROL",)  # the granted manager is told
    assert demo.products.show(BOB, "CHK").confidence == Decimal("0.4000")
    assert risk_rank(demo) == before
    assert pending(demo) == [("CHK", "confidence", Decimal("1"))]

    clock.advance(hours=1)
    decision = demo.proposals.accept(CAROL, "CHK")
    assert decision.verdict == "accepted"
    assert [(c.field, c.after) for c in decision.applied] == [("confidence", Decimal("1"))]
    assert demo.products.show(BOB, "CHK").confidence == Decimal("1.0000")
    assert risk_rank(demo) == ["CHK", "PAY"]
    assert pending(demo) == []

    history = demo.proposals.history(BOB, "CHK")
    assert [(e.field, e.via, e.changed_by, e.author_id) for e in history.entries] == [
        ("confidence", "proposal", "U0CAROL", "U0BOB"),
        ("category", "added", "U0ALICE", "U0ALICE"),
        ("confidence", "added", "U0ALICE", "U0ALICE"),
        ("expected return", "added", "U0ALICE", "U0ALICE"),
        ("investment", "added", "U0ALICE", "U0ALICE"),
    ]
    assert history.entries[0].before == Decimal("0.4000")
    assert history.entries[0].after == Decimal("1.0000")


def test_direct_and_accepted_changes_are_both_in_the_history_newest_first(
    demo: Services, clock: Clock
) -> None:
    run_set(demo, "set CHK | cashflows -100k, 50k, 80k", BOB)
    clock.advance(minutes=5)
    run_set(demo, "set CHK | investment 150k", ALICE)
    clock.advance(minutes=5)
    demo.proposals.accept(ALICE, "CHK")
    entries = demo.proposals.history(CAROL, "CHK").entries
    assert [(e.field, e.via) for e in entries[:2]] == [
        ("cash flows", "proposal"),
        ("investment", "direct"),
    ]
    assert entries[0].after == (Decimal("-100000"), Decimal("50000"), Decimal("80000"))
    assert entries[1].before == Decimal("120000.00") and entries[1].after == Decimal("150000")


def test_reject_with_a_reason_changes_nothing(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow ARR", None)
    run_set(demo, "set CHK | objective GROW | category Core", BOB)
    decision = demo.proposals.reject(ALICE, "CHK", None, "Growth is where it belongs")
    assert decision.verdict == "rejected" and decision.reason == "Growth is where it belongs"
    assert [p.field for p in decision.proposals] == ["objectives", "category"]
    assert demo.products.show(BOB, "CHK").category == "Growth"
    assert pending(demo) == []
    with pytest.raises(NotFound, match="no pending proposals"):
        demo.proposals.accept(ALICE, "CHK")
    history = demo.proposals.history(BOB, "CHK")
    assert all(e.via == "added" for e in history.entries)


def test_a_new_proposal_for_a_field_replaces_the_pending_one(demo: Services) -> None:
    run_set(demo, "set CHK | confidence 90%", BOB)
    change = run_set(demo, "set CHK | confidence 80% | health at risk", BOB)
    assert change.proposed is not None
    assert [p.after for p in change.proposed.replaced] == [Decimal("0.9")]
    assert [c.field for c in change.changed] == ["health"]  # health is the owner's to change
    assert pending(demo) == [("CHK", "confidence", Decimal("0.8"))]
    with demo.store.read(ALICE.team_id) as tenant:
        statuses = sorted(p.status for p in tenant.all(tenant.select(Proposal)))
    assert statuses == ["pending", "replaced"]


def test_setting_the_value_back_withdraws_the_pending_proposal(demo: Services) -> None:
    run_set(demo, "set CHK | confidence 90%", BOB)
    change = run_set(demo, "set CHK | confidence 40%", BOB)
    assert change.proposed is not None and change.proposed.proposals == ()
    assert [p.after for p in change.proposed.withdrawn] == [Decimal("0.9")]
    assert pending(demo) == []


def test_owner_withdraws_their_own_proposal_but_cannot_accept_it(demo: Services) -> None:
    run_set(demo, "set CHK | return 1m", BOB)
    with pytest.raises(PermissionDenied) as refused:
        demo.proposals.accept(BOB, "CHK")
    assert refused.value.who == ("U0CAROL",)
    with pytest.raises(PermissionDenied):
        demo.proposals.reject(DAN, "CHK")
    decision = demo.proposals.reject(BOB, "CHK")
    assert decision.verdict == "withdrawn"
    assert pending(demo) == []


def test_accepting_one_field_leaves_the_others_pending(demo: Services) -> None:
    run_set(demo, "set CHK | investment 100k | confidence 60%", BOB)
    demo.proposals.accept(ALICE, "CHK", "confidence")
    assert pending(demo) == [("CHK", "investment", Decimal("100000"))]
    with pytest.raises(NotFound, match="It has one for investment"):
        demo.proposals.accept(ALICE, "CHK", "category")


def test_a_managers_direct_change_closes_the_pending_proposal(demo: Services) -> None:
    run_set(demo, "set CHK | confidence 100%", BOB)
    change = run_set(demo, "set CHK | confidence 50%", CAROL)
    assert change.proposed is not None
    assert [(p.author_id, p.after) for p in change.proposed.superseded] == [("U0BOB", Decimal("1"))]
    assert pending(demo) == []
    assert demo.products.show(BOB, "CHK").confidence == Decimal("0.5000")


def test_objective_links_are_proposed_checked_and_applied_on_accept(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow ARR", Decimal(3))
    with pytest.raises(NotFound):
        run_set(demo, "set CHK | objective NOPE", BOB)
    run_set(demo, "set CHK | objective GROW", BOB)
    assert demo.products.show(BOB, "CHK").objectives == ()
    demo.proposals.accept(ALICE, "CHK")
    assert demo.products.show(BOB, "CHK").objectives == ("GROW",)


def test_weights_are_set_only_by_managers_and_kept_in_history(demo: Services) -> None:
    with pytest.raises(PermissionDenied, match="no proposals"):
        demo.ranking.set_weights(BOB, None, parse_weights("roi 100%"))
    demo.ranking.set_weights(CAROL, None, parse_weights("roi 60% risk 40%"))
    entry = demo.proposals.history(BOB, "CHK").entries[0]
    assert entry.field == WEIGHTS_INPUT and entry.via == "direct"
    assert entry.after == (("roi", Decimal("0.6")), ("risk", Decimal("0.4")))


def test_history_is_bounded_and_counts_the_rest(demo: Services, clock: Clock) -> None:
    for percent in range(41, 71):
        clock.advance(minutes=1)
        run_set(demo, f"set CHK | confidence {percent}%", ALICE)
    history = demo.proposals.history(BOB, "CHK", limit=10)
    assert len(history.entries) == 10 and history.total == 34
    assert history.entries[0].after == Decimal("0.7000")


def test_grant_none_on_a_workspace_admin_changes_nothing(demo: Services) -> None:
    result = demo.portfolios.grant(CAROL, "U0ALICE", "none", workspace_admin=True)
    assert result.already and result.workspace_admin
    result = demo.portfolios.grant(ALICE, "U0CAROL", "none")
    assert not result.already
    with pytest.raises(PermissionDenied):
        run_set(demo, "set CHK | investment 1m", CAROL)


def test_proposals_are_rows_of_their_workspace_only(demo: Services) -> None:
    run_set(demo, "set CHK | confidence 90%", BOB)
    with demo.store.system() as system:
        teams = set(system.scalars(select(Proposal.team_id)))
    assert teams == {ALICE.team_id}


def test_an_import_that_changes_a_funding_input_is_in_the_history(demo: Services) -> None:
    exported = demo.transfer.export(ALICE, None).text
    header, *lines = exported.strip().splitlines()
    changed = [
        line.replace(",40%,", ",90%,") if line.startswith("CHK,") else line for line in lines
    ]
    demo.transfer.import_csv(ALICE, "\n".join([header, *changed]) + "\n", portfolio=None)
    entry = demo.proposals.history(BOB, "CHK").entries[0]
    assert (entry.field, entry.via, entry.after) == ("confidence", "import", Decimal("0.9000"))
