"""What-ifs, scenarios, the frontier, forecasts, outcomes and calibration on a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from domain.allocation import AllocationRefused, MinimumOutOfReach, ShareRule
from domain.commands import portfolio as parse
from domain.commands.planning import AllocateRequest
from domain.commands.roadmap import parse_roadmap_add, parse_roadmap_update
from domain.commands.uncertainty import (
    ItemForecastRequest,
    OutcomeRequest,
    parse_scenario,
    parse_whatif,
)
from domain.errors import InvalidInput, NotFound, NotSetUp, PermissionDenied
from domain.grammar import split_command
from domain.models import Product, Update
from domain.services import Services
from domain.services.scenarios import WhatIfView
from domain.uncertainty.delivery import DeliveryForecast, NotEnoughHistory, Stalled
from domain.uncertainty.plans import BudgetBinds, RuleBinds
from domain.views import Actor
from tests.conftest import ALICE, BOB, CAROL, MALLORY, Clock

D = Decimal


def run(services: Services, text: str, actor: Actor = ALICE) -> None:
    cmd = split_command(text)
    if cmd.verb == "setup":
        services.portfolios.setup(actor, parse.parse_setup(cmd))
    elif cmd.verb == "add":
        request = parse.parse_add(cmd)
        services.products.add_product(actor, "C1", request.key, request.fields)
    elif cmd.verb == "radd":
        key, item = parse_roadmap_add(split_command("add " + text.split(" ", 1)[1]))
        services.roadmap.add(actor, key, item)
    elif cmd.verb == "rupdate":
        key, number, item = parse_roadmap_update(split_command("update " + text.split(" ", 1)[1]))
        services.roadmap.update(actor, key, number, item)
    else:
        raise AssertionError(text)


@pytest.fixture
def demo(services: Services) -> Services:
    """Risk-adjusted values CHK 160k, PAY 270k, MOB 195k, LEG −36k, SRCH 123k; budget 600k."""
    run(services, "setup Products | currency USD | budget 600k")
    for text in (
        "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k | confidence 70% "
        "| category Growth | stage development",
        "add PAY Payments | investment 450k | return 1.2m | confidence 60% | category Platform "
        "| stage growth",
        "add MOB Mobile | investment 300k | return 900k | confidence 55% | category Growth "
        "| stage launch",
        "add LEG Legacy | investment 90k | return 60k | confidence 90% | category Core "
        "| stage decline",
        "add SRCH Search | investment 200k | return 380k | confidence 85% | category Core "
        "| stage maturity",
    ):
        run(services, text)
    return services


def whatif(services: Services, text: str, actor: Actor = CAROL) -> WhatIfView:
    return services.scenarios.whatif(actor, "C1", parse_whatif(split_command(text)))


def scenario(services: Services, text: str, actor: Actor = ALICE) -> Any:
    request = parse_scenario(split_command(text))
    scenarios = services.scenarios
    if request.action == "save":
        assert request.whatif is not None
        return scenarios.save(actor, "C1", request.names[0], request.whatif, request.text)
    if request.action == "list":
        return scenarios.scenarios(actor, "C1")
    if request.action == "show":
        return scenarios.show(actor, "C1", request.names[0])
    if request.action == "compare":
        return scenarios.compare(actor, "C1", request.names)
    if request.action == "apply":
        return scenarios.apply(actor, "C1", request.names[0])
    return scenarios.drop(actor, "C1", request.names[0])


# -- what-if ------------------------------------------------------------------------------


def test_a_budget_cut_is_answered_beside_todays_allocation(demo: Services) -> None:
    view = whatif(demo, "whatif allocate -15%")
    today = demo.planning.allocate(CAROL, "C1", AllocateRequest())
    assert view.today.plan is not None and view.scenario.plan is not None
    assert view.today.plan.allocation.total_value == today.total_value
    assert view.scenario.budget == D(510_000)
    assert view.today.plan.funded == ("CHK", "PAY")  # 570k of 600k: 430k of value
    assert view.scenario.plan.funded == ("CHK", "MOB")  # 420k of 510k: 355k of value
    assert view.removed == ("PAY",) and view.added == ("MOB",)
    assert view.scenario.plan.value is not None
    assert view.scenario.plan.value.p10 < view.scenario.plan.allocation.total_value
    assert any(isinstance(b, BudgetBinds) for b in view.scenario.plan.binding)


def test_changes_move_the_allocation_and_never_the_live_products(demo: Services) -> None:
    view = whatif(demo, "whatif allocate | set PAY confidence 20% | set MOB return 1.5m")
    assert [(c.key, c.field, c.before, c.after) for c in view.changes] == [
        ("PAY", "confidence", D("0.6"), D("0.2")),
        ("MOB", "return", D(900_000), D(1_500_000)),
    ]
    assert view.scenario.plan is not None and "PAY" not in view.scenario.plan.funded
    assert "MOB" in view.scenario.plan.funded
    card = demo.products.show(CAROL, "PAY")
    assert card.confidence == D("0.6")


def test_a_binding_rule_says_what_it_costs(demo: Services) -> None:
    view = whatif(demo, "whatif allocate 600k | min Core 30%")
    assert view.scenario.plan is not None
    rule = ShareRule("Core", D("0.3"), "min")
    binds = [b for b in view.scenario.plan.binding if isinstance(b, RuleBinds)]
    assert binds and binds[0].rule == rule and binds[0].value > 0


def test_an_infeasible_what_if_is_a_side_with_reasons(demo: Services) -> None:
    view = whatif(demo, "whatif allocate | min Core 90%")
    assert view.scenario.plan is None
    assert any(isinstance(r, MinimumOutOfReach) for r in view.scenario.refused)
    assert view.today.plan is not None


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("whatif allocate | set NOPE confidence 40%", NotFound, "no product `NOPE`"),
        ("whatif allocate | drop CHX", NotFound, "Did you mean `CHK`?"),
        ("whatif allocate €1m", InvalidInput, "counts in USD"),
        ("whatif allocate | set PAY return €1m", InvalidInput, "counts in USD"),
    ],
)
def test_bad_what_ifs_are_refused(
    demo: Services, text: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace("?", r"\?")):
        whatif(demo, text)


def test_a_what_if_naming_an_archived_product_says_so(demo: Services) -> None:
    demo.products.remove(ALICE, "LEG")
    with pytest.raises(NotFound, match="LEG was removed"):
        whatif(demo, "whatif allocate | set LEG confidence 99%")


# -- scenarios ----------------------------------------------------------------------------


def test_scenarios_are_saved_listed_shown_and_compared(demo: Services, clock: Clock) -> None:
    saved = scenario(demo, "scenario save lean -15% | drop PAY")
    assert saved.meta is not None and saved.meta.name == "lean" and saved.replaced is None
    clock.advance(hours=1)
    scenario(demo, "scenario save Bold 800k | set MOB confidence 80%")
    portfolio, rows = scenario(demo, "scenario list", actor=CAROL)
    assert portfolio == "Products" and [r.name for r in rows] == ["Bold", "lean"]
    assert rows[1].text == "-15% | drop PAY"
    shown = scenario(demo, "scenario show LEAN", actor=CAROL)
    assert shown.scenario.budget == D(510_000) and shown.whatif.drop == ("PAY",)
    compared = scenario(demo, "scenario compare lean bold", actor=CAROL)
    assert [s.label for s in compared.sides] == ["today", "lean", "Bold"]
    assert compared.sides[2].budget == D(800_000)


def test_saving_a_name_again_replaces_it_and_says_whose_it_was(
    demo: Services, clock: Clock
) -> None:
    scenario(demo, "scenario save lean -15%")
    clock.advance(days=1)
    again = scenario(demo, "scenario save lean -20%")
    assert again.replaced is not None and again.replaced.text == "-15%"
    _, rows = scenario(demo, "scenario list")
    assert [r.text for r in rows] == ["-20%"]


def test_only_managers_save_apply_or_drop_but_anyone_reads(demo: Services) -> None:
    with pytest.raises(PermissionDenied, match="Only portfolio managers can save scenarios"):
        scenario(demo, "scenario save lean -15%", actor=BOB)
    scenario(demo, "scenario save lean -15% | set CHK confidence 50%")
    for text in ("scenario apply lean", "scenario drop lean"):
        with pytest.raises(PermissionDenied):
            scenario(demo, text, actor=CAROL)
    assert scenario(demo, "scenario show lean", actor=CAROL).meta is not None


def test_apply_goes_through_the_products_service_and_its_history(demo: Services) -> None:
    scenario(demo, "scenario save cut -15% | set CHK confidence 50% | set CHK return 500k")
    applied = scenario(demo, "scenario apply cut")
    assert applied.name == "cut"
    (change,) = applied.changes
    assert {c.field for c in change.changed} == {"confidence", "expected return"}
    card = demo.products.show(CAROL, "CHK")
    assert card.confidence == D("0.5") and card.expected_return == D(500_000)


def test_a_scenario_with_only_allocation_rules_has_nothing_to_apply(demo: Services) -> None:
    scenario(demo, "scenario save lean -15% | drop PAY")
    with pytest.raises(InvalidInput, match="changes no product"):
        scenario(demo, "scenario apply lean")


def test_a_saved_scenario_naming_a_since_archived_product_says_which(demo: Services) -> None:
    scenario(demo, "scenario save keepleg | keep LEG")
    demo.products.remove(ALICE, "LEG")
    with pytest.raises(NotFound, match="Scenario `keepleg` names LEG, but LEG was removed"):
        scenario(demo, "scenario show keepleg")


def test_an_unknown_scenario_suggests_the_close_one(demo: Services) -> None:
    scenario(demo, "scenario save lean -15%")
    with pytest.raises(NotFound, match="Did you mean `lean`"):
        scenario(demo, "scenario show laen")
    scenario(demo, "scenario drop lean")
    assert scenario(demo, "scenario list")[1] == ()


def test_another_workspace_sees_no_scenarios(demo: Services) -> None:
    scenario(demo, "scenario save lean -15%")
    with pytest.raises(NotSetUp):
        demo.scenarios.scenarios(MALLORY, "C1")


# -- frontier and forecast ----------------------------------------------------------------


def test_the_frontier_ends_at_the_allocation_and_marks_todays_plan(demo: Services) -> None:
    view = demo.forecasts.frontier(CAROL, "C1", AllocateRequest())
    answer = demo.planning.allocate(CAROL, "C1", AllocateRequest())
    assert view.frontier.best.mean == answer.total_value
    assert view.today.funded == ("CHK", "LEG", "MOB", "PAY", "SRCH")
    assert view.today.over_budget and view.today.cost == D(1_160_000)
    assert view.choices[0].choice.kind == "most_value"
    assert view.budget_from_portfolio


def test_an_infeasible_frontier_is_refused_as_allocate_refuses(demo: Services) -> None:
    request = AllocateRequest(rules=(ShareRule("Core", D("0.9"), "min"),))
    with pytest.raises(AllocationRefused) as refused:
        demo.forecasts.frontier(CAROL, "C1", request)
    assert refused.value.currency == "USD"


def test_the_forecast_gives_percentiles_odds_and_drivers(demo: Services) -> None:
    view = demo.forecasts.forecast(CAROL, "C1", (D(1_000_000), None))
    value = view.value
    assert value.method == "exact" and value.p10 <= value.p50 <= value.p90
    assert value.chance is not None and 0 < value.chance < 1
    assert value.drivers and value.drivers[0].key in view.funded
    with pytest.raises(InvalidInput, match="counts in USD"):
        demo.forecasts.forecast(CAROL, "C1", (D(1_000_000), "EUR"))


def test_a_forecast_with_nothing_funded_says_so(services: Services) -> None:
    run(services, "setup Empty")
    run(services, "add IDEA Idea")
    with pytest.raises(InvalidInput, match="Nothing is funded in Empty"):
        services.forecasts.forecast(CAROL, "C1", None)


# -- outcomes and calibration -------------------------------------------------------------


def test_an_owner_records_an_outcome_and_a_second_replaces_it(demo: Services, clock: Clock) -> None:
    first = demo.calibration.record(BOB, OutcomeRequest("CHK", False, None, date(2027, 3, 1)))
    assert first.replaced is None and first.outcome.confidence == D("0.7")
    second = demo.calibration.record(
        ALICE, OutcomeRequest("CHK", True, (D(350_000), None), date(2027, 3, 20))
    )
    assert second.replaced is not None and not second.replaced.success
    assert second.outcome.realised == D(350_000)
    with demo.store.read(ALICE.team_id) as tenant:
        texts = tenant.scalars(select(Update.text).where(Update.kind == "outcome"))
    assert texts == [
        "CHK: outcome failure on 2027-03-01",
        "CHK: outcome success, realised 350000 USD on 2027-03-20 (replaces the earlier outcome)",
    ]


def test_outcomes_are_refused_to_others_in_the_future_and_in_another_currency(
    demo: Services,
) -> None:
    with pytest.raises(PermissionDenied, match="its owner or a portfolio manager"):
        demo.calibration.record(CAROL, OutcomeRequest("CHK", True))
    with pytest.raises(InvalidInput, match="still to come"):
        demo.calibration.record(ALICE, OutcomeRequest("CHK", True, None, date(2030, 1, 1)))
    with pytest.raises(InvalidInput, match="counts in USD"):
        demo.calibration.record(ALICE, OutcomeRequest("CHK", True, (D(1), "EUR")))


def test_an_archived_product_can_still_get_its_outcome(demo: Services) -> None:
    demo.products.remove(ALICE, "LEG")
    recorded = demo.calibration.record(ALICE, OutcomeRequest("LEG", False))
    assert recorded.outcome.key == "LEG"
    assert demo.calibration.calibration(CAROL, "C1").outcomes == 1


def test_recorded_outcomes_count_as_they_happened_in_the_forecast(demo: Services) -> None:
    demo.calibration.record(ALICE, OutcomeRequest("PAY", True, (D(1_200_000), None)))
    view = demo.forecasts.forecast(CAROL, "C1", None)
    assert view.known == ("PAY",)
    assert all(d.key != "PAY" for d in view.value.drivers)


def test_calibration_scores_owners_and_categories(demo: Services) -> None:
    for key, success in (("CHK", False), ("MOB", True), ("SRCH", False)):
        demo.calibration.record(ALICE, OutcomeRequest(key, success))
    view = demo.calibration.calibration(CAROL, "C1")
    report = view.report
    assert report.overall is not None and report.overall.outcomes == 3
    owners = {s.group: s for s in report.owners}
    assert owners["U0BOB"].brier == D("0.4900")  # CHK at 70 % failed
    assert {s.group for s in report.categories} == {"Growth", "Core"}
    assert view.recent[0].key in {"CHK", "MOB", "SRCH"}


# -- delivery -----------------------------------------------------------------------------


def test_roadmap_forecast_reads_each_items_progress_updates(demo: Services, clock: Clock) -> None:
    run(demo, "radd CHK Checkout v2 | target 2027-Q2")
    run(demo, "radd CHK Apple Pay | target 2027-Q2")
    for percent in (10, 30, 50):
        run(demo, f"rupdate CHK-1 in progress {percent}%")
        clock.advance(days=7)
    run(demo, "rupdate CHK-2 in progress 20%")
    view = demo.forecasts.roadmap_forecast(CAROL, ItemForecastRequest("CHK"))
    outlooks = {i.ref: i.outlook for i in view.items}
    steady = outlooks["CHK-1"]
    assert isinstance(steady, DeliveryForecast)
    assert steady.p50 == steady.p85 == date(2027, 4, 23)  # 5 Apr + 50 points at 20 a week
    assert steady.on_time == 1.0
    assert outlooks["CHK-2"] == NotEnoughHistory("CHK-2", 1)
    one = demo.forecasts.roadmap_forecast(CAROL, ItemForecastRequest("CHK", 1))
    assert [i.ref for i in one.items] == ["CHK-1"]
    with pytest.raises(NotFound, match="CHK-9 isn't an open item"):
        demo.forecasts.roadmap_forecast(CAROL, ItemForecastRequest("CHK", 9))


def test_a_stalled_item_is_said_to_be_stalled(demo: Services, clock: Clock) -> None:
    run(demo, "radd CHK Checkout v2 | target 2027-Q2")
    for note in ("40%", "40% | note still waiting", "40% | note vendor"):
        run(demo, f"rupdate CHK-1 in progress {note}")
        clock.advance(days=7)
    outlook = demo.forecasts.roadmap_forecast(CAROL, ItemForecastRequest("CHK")).items[0].outlook
    assert outlook == Stalled("CHK-1", 40, date(2027, 3, 22))


def test_products_of_one_portfolio_only(demo: Services) -> None:
    with demo.store.read(ALICE.team_id) as tenant:
        assert len(tenant.scalars(select(Product.key))) == 5


def test_finished_items_are_scored_against_their_targets(demo: Services, clock: Clock) -> None:
    run(demo, "radd CHK Checkout v2 | target 2027-03-31")
    run(demo, "radd CHK Apple Pay | target 2027-04-30")
    clock.advance(days=15)  # 6 April
    run(demo, "rupdate CHK-1 done")
    run(demo, "rupdate CHK-2 testing 90%")
    report = demo.calibration.calibration(CAROL, "C1").report
    assert report.delivery is not None
    assert (report.delivery.items, report.delivery.on_time) == (1, 0)
    assert report.delivery.mean_days_late == D(6)
    assert report.delivery_owners[0].group == "U0BOB"
