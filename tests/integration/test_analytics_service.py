"""Analytics use cases on a real database: objectives, weights, allocation, balance, CSV, trends."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import queries
from domain.allocation import AllocationRefused, MinimumOutOfReach, RaiseBudget, ShareRule
from domain.balance import NoPipeline, Troubled
from domain.commands import portfolio as parse
from domain.commands.planning import AllocateRequest, parse_weights
from domain.commands.roadmap import parse_roadmap_add, parse_roadmap_update
from domain.csv_format import CsvErrors, parse_products_csv
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.grammar import split_command
from domain.models import MetricSnapshot, Portfolio, Product, ProductObjective
from domain.queries import period_label
from domain.services import Services
from domain.views import Actor, FieldChange
from tests.conftest import ALICE, BOB, CAROL, MALLORY, TEAM, Clock

D = Decimal


def run(services: Services, text: str, actor: Actor = ALICE) -> None:
    """Run a /portfolio or /roadmap write the way the slash command does."""
    cmd = split_command(text)
    if cmd.verb == "setup":
        services.portfolios.setup(actor, parse.parse_setup(cmd))
    elif cmd.verb == "add":
        request = parse.parse_add(cmd)
        services.products.add_product(actor, "C1", request.key, request.fields)
    elif cmd.verb == "set":
        key, fields = parse.parse_set(cmd)
        services.products.set_product(actor, key, fields)
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
    """Five products whose risk-adjusted values are 160k, 270k, 195k, -36k and 123k."""
    run(services, "setup Products | currency USD | budget 600k | discount 8%")
    for text in (
        "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k | confidence 70% "
        "| category Growth | stage development",
        "add PAY Payments | investment 450k | return 1.2m | confidence 60% | category Platform "
        "| stage growth | health at risk",
        "add MOB Mobile | investment 300k | return 900k | confidence 55% | category Growth "
        "| stage launch",
        "add LEG Legacy | investment 90k | return 60k | confidence 90% | category Core "
        "| stage decline | health off track",
        "add SRCH Search | investment 200k | return 380k | confidence 85% | category Core "
        "| stage maturity",
    ):
        run(services, text)
    return services


VALUES = {"CHK": D(160000), "PAY": D(270000), "MOB": D(195000), "LEG": D(-36000), "SRCH": D(123000)}
COSTS = {"CHK": D(120000), "PAY": D(450000), "MOB": D(300000), "LEG": D(90000), "SRCH": D(200000)}
CATEGORY = {"CHK": "Growth", "PAY": "Platform", "MOB": "Growth", "LEG": "Core", "SRCH": "Core"}


NO_MINIMUM = D(0)


def brute_force(budget: Decimal, min_core: Decimal = NO_MINIMUM) -> tuple[set[str], Decimal]:
    """The best subset by enumeration (products with no positive value never help)."""
    best: tuple[set[str], Decimal] = (set(), D(0))
    for size in range(len(VALUES) + 1):
        for chosen in itertools.combinations(sorted(VALUES), size):
            cost = sum((COSTS[k] for k in chosen), D(0))
            core = sum((COSTS[k] for k in chosen if CATEGORY[k] == "Core"), D(0))
            value = sum((VALUES[k] for k in chosen), D(0))
            if cost <= budget and core >= min_core * budget and value > best[1]:
                best = (set(chosen), value)
    return best


# -- objectives and weights ----------------------------------------------------------------


def test_objective_add_then_list_shows_linked_products_and_items(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow ARR 30%", D(3))
    run(demo, "set CHK | objective GROW")
    run(demo, "set MOB | objective GROW")
    run(demo, "radd CHK Checkout v2 | objective GROW")
    run(demo, "radd CHK Saved carts")
    (grow,) = demo.objectives.objectives(CAROL)
    assert (grow.key, grow.title, grow.weight) == ("GROW", "Grow ARR 30%", D(3))
    assert grow.products == ("CHK", "MOB")
    assert grow.items == 1


def test_objective_weight_defaults_to_one_and_duplicates_conflict(demo: Services) -> None:
    change = demo.objectives.add_objective(ALICE, "RET", "Retention", None)
    assert change.created and change.objective.weight == 1
    with pytest.raises(Conflict, match="objective set RET"):
        demo.objectives.add_objective(ALICE, "RET", "Again", D(2))


def test_only_managers_add_or_change_objectives(demo: Services) -> None:
    with pytest.raises(PermissionDenied):
        demo.objectives.add_objective(BOB, "GROW", "Grow", D(1))
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    with pytest.raises(PermissionDenied):
        demo.objectives.set_objective(BOB, "GROW", title=None, weight=D(5))


def test_objective_weight_changes_alignment_in_the_score(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    demo.objectives.add_objective(ALICE, "RET", "Retain", D(1))
    run(demo, "set CHK | objective GROW")
    run(demo, "set SRCH | objective RET")
    demo.ranking.set_weights(ALICE, None, parse_weights("alignment 100%"))
    ranking = demo.ranking.rank(ALICE, None, parse.RankRequest("score", None, None))
    assert [r.key for r in ranking.rows[:2]] == ["CHK", "SRCH"]  # a tie, by key
    change = demo.objectives.set_objective(ALICE, "RET", title="Retain users", weight=D(4))
    assert FieldChange("weight", D(1), D(4)) in change.changed
    ranking = demo.ranking.rank(ALICE, None, parse.RankRequest("score", None, None))
    assert [r.key for r in ranking.rows[:2]] == ["SRCH", "CHK"]


def test_objectives_are_per_workspace(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    assert demo.objectives.objectives(MALLORY) == ()


def test_weights_are_stored_and_shown(demo: Services) -> None:
    assert demo.ranking.weights(CAROL, None).weights == ()
    view = demo.ranking.set_weights(ALICE, None, parse_weights("roi 40% risk 30% alignment 30%"))
    assert view.changed
    shown = demo.ranking.weights(CAROL, None)
    assert shown.weights == (("roi", D("0.4")), ("risk", D("0.3")), ("alignment", D("0.3")))


def test_only_managers_set_weights(demo: Services) -> None:
    with pytest.raises(PermissionDenied, match="weights"):
        demo.ranking.set_weights(BOB, None, parse_weights("roi 100%"))


# -- allocation ----------------------------------------------------------------------------


def test_allocation_by_value_is_the_brute_force_optimum(demo: Services) -> None:
    view = demo.planning.allocate(CAROL, None, AllocateRequest(budget=(D(600000), None)))
    funded, best = brute_force(D(600000))
    assert {line.key for line in view.funded} == funded == {"CHK", "PAY"}
    assert view.total_value == best == D(430000)
    assert (view.used, view.left) == (D(570000), D(30000))
    assert view.by == "value" and view.optimal
    assert view.best_unfunded is not None and view.best_unfunded.key == "MOB"
    assert view.to_fund_best is not None
    assert view.to_fund_best.raises == (RaiseBudget(D(270000)),)


def test_allocation_with_a_minimum_share_matches_brute_force(demo: Services) -> None:
    request = AllocateRequest(budget=(D(600000), None), rules=(ShareRule("Core", D("0.3"), "min"),))
    view = demo.planning.allocate(ALICE, None, request)
    funded, best = brute_force(D(600000), min_core=D("0.3"))
    assert {line.key for line in view.funded} == funded == {"MOB", "SRCH"}
    assert view.total_value == best
    assert view.rules == (ShareRule("Core", D("0.3"), "min"),)


def test_allocation_uses_the_portfolio_budget_when_none_is_given(demo: Services) -> None:
    view = demo.planning.allocate(ALICE, None, AllocateRequest())
    assert view.budget == D(600000) and view.budget_from_portfolio


def test_allocation_without_any_budget_says_how_to_give_one(services: Services) -> None:
    run(services, "setup Products")
    run(services, "add CHK Checkout | investment 1k | return 2k")
    with pytest.raises(InvalidInput, match="allocate 2m"):
        services.planning.allocate(ALICE, None, AllocateRequest())


def test_allocation_refuses_a_budget_in_another_currency(demo: Services) -> None:
    with pytest.raises(InvalidInput, match="counts in USD"):
        demo.planning.allocate(ALICE, None, AllocateRequest(budget=(D(1), "EUR")))


def test_infeasible_minimum_is_explained_with_the_shortfall(demo: Services) -> None:
    request = AllocateRequest(budget=(D(600000), None), rules=(ShareRule("Core", D("0.5"), "min"),))
    with pytest.raises(AllocationRefused) as raised:
        demo.planning.allocate(ALICE, None, request)
    assert raised.value.currency == "USD"
    assert raised.value.reasons == (
        MinimumOutOfReach(request.rules[0], D(300000), D(200000), D(100000), ("LEG",)),
    )


def test_keep_forces_a_product_in_and_drop_keeps_it_out(demo: Services) -> None:
    request = AllocateRequest(budget=(D(600000), None), keep=("LEG",), drop=("PAY",))
    view = demo.planning.allocate(ALICE, None, request)
    funded = {line.key for line in view.funded}
    assert "LEG" in funded and "PAY" not in funded
    assert view.kept == ("LEG",) and view.dropped == ("PAY",)


def test_allocation_by_score_needs_weights_then_uses_them(demo: Services) -> None:
    request = AllocateRequest(budget=(D(600000), None), by="score")
    with pytest.raises(InvalidInput, match="weights"):
        demo.planning.allocate(ALICE, None, request)
    demo.ranking.set_weights(ALICE, None, parse_weights("roi 100%"))
    view = demo.planning.allocate(ALICE, None, request)
    assert view.by == "score"
    assert all(D(0) <= line.value <= D(1) for line in view.funded + view.unfunded)
    best = max(view.funded + view.unfunded, key=lambda line: line.value)
    assert best.key == "CHK" and best.value == D(1)  # the best ROI normalises to 1


def test_allocation_of_an_empty_portfolio_says_to_add_products(services: Services) -> None:
    run(services, "setup Products | budget 1m")
    with pytest.raises(InvalidInput, match="no products to fund"):
        services.planning.allocate(ALICE, None, AllocateRequest())


# -- balance and charts --------------------------------------------------------------------


def test_balance_by_category_has_shares_hhi_and_flags(demo: Services) -> None:
    view = demo.planning.balance(CAROL, None, "category")
    groups = {g.name: g for g in view.report.groups}
    assert groups["Growth"].investment == D(420000)
    assert groups["Growth"].investment_share == D("0.3621")  # 420k of 1.16m
    assert view.product_count == 5
    assert NoPipeline(("ideation", "research")) in view.report.flags
    (troubled,) = [f for f in view.report.flags if isinstance(f, Troubled)]
    assert troubled.share.quantize(D("0.0001")) == D("0.4655")  # PAY + LEG = 540k of 1.16m


def test_balance_by_stage_orders_groups_by_lifecycle(demo: Services) -> None:
    view = demo.planning.balance(CAROL, None, "stage")
    assert [g.name for g in view.report.groups] == [
        "development",
        "launch",
        "growth",
        "maturity",
        "decline",
    ]


def test_chart_points_carry_confidence_roi_and_investment(demo: Services) -> None:
    run(demo, "add AI Assistant | investment 0 | return 500k | confidence 20%")
    data = demo.planning.chart_points(CAROL, None)
    by_key = {p.key: p for p in data.points}
    assert by_key["CHK"].roi == D("2.3333") and by_key["CHK"].confidence == D("0.7")
    assert by_key["AI"].roi is None
    assert data.currency == "USD" and len(data.points) == 6


# -- export and import ---------------------------------------------------------------------


def test_export_lists_every_active_product_with_its_objectives(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    demo.objectives.add_objective(ALICE, "RET", "Retain", D(1))
    run(demo, "set CHK | objective GROW RET | cashflows -100k, 50k, 80k")
    demo.products.remove(ALICE, "LEG")
    exported = demo.transfer.export(CAROL, None)
    rows = {r.key: r for r in parse_products_csv(exported.text)}
    assert sorted(rows) == ["CHK", "MOB", "PAY", "SRCH"]
    assert exported.count == 4 and exported.filename == "products-2027-03-22.csv"
    chk = rows["CHK"]
    assert chk.objectives == ("GROW", "RET")
    assert chk.cashflows == (D(-100000), D(50000), D(80000))
    assert (chk.owner_id, chk.confidence, chk.investment) == ("U0BOB", D("0.7"), D(120000))


def import_text(services: Services, text: str, actor: Actor = ALICE) -> tuple[int, int]:
    result = services.transfer.import_csv(actor, text, portfolio=None)
    return len(result.created), len(result.updated)


def test_import_creates_new_products_and_updates_existing_ones(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    text = (
        "key,name,investment,expected_return,confidence,category,objectives,cashflows\n"
        "CHK,Checkout 2,150k,$500k,60%,Growth,GROW,-150k;200k\n"
        "NEW,New thing,10k,30k,50%,Labs,,\n"
    )
    assert import_text(demo, text) == (1, 1)
    card = demo.products.show(CAROL, "CHK")
    assert (card.name, card.investment, card.expected_return) == (
        "Checkout 2",
        D(150000),
        D(500000),
    )
    assert card.objectives == ("GROW",) and card.cashflows == (D(-150000), D(200000))
    assert card.owner_id == "U0BOB" and card.stage == "development"  # columns not in the file
    new = demo.products.show(CAROL, "NEW")
    assert (new.category, new.stage, new.health) == ("Labs", "ideation", "on track")


def test_exported_file_imports_back_unchanged(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    run(demo, "set CHK | objective GROW | cashflows -100k, 50k, 80k")
    before = demo.transfer.export(CAROL, None).text
    assert import_text(demo, before) == (0, 5)
    assert demo.transfer.export(CAROL, None).text == before


def test_a_bad_file_names_every_bad_line_and_imports_nothing(demo: Services) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    demo.products.remove(ALICE, "LEG")
    run(demo, "setup Other")
    text = (
        "key,name,investment,objectives\n"
        "OK1,Fine,10k,GROW\n"  # line 2: fine
        "LEG,Legacy,1k,\n"  # line 3: archived
        "OK2,Fine too,20k,GORW\n"  # line 4: unknown objective
    )
    with pytest.raises(CsvErrors) as raised:
        import_text(demo, text)
    assert [line for line, _ in raised.value.problems] == [3, 4]
    assert "archived" in raised.value.message and "did you mean `GROW`" in raised.value.message
    assert count(demo, Product) == 5
    parse_error = "key,name,investment\nOK1,Fine,lots\nok2,Bad key,1k\n"
    with pytest.raises(CsvErrors) as raised:
        import_text(demo, parse_error)
    assert [line for line, _ in raised.value.problems] == [2, 3]
    assert count(demo, Product) == 5


def test_import_refuses_a_key_of_another_portfolio(demo: Services) -> None:
    run(demo, "setup Other")
    with pytest.raises(CsvErrors, match="--portfolio Products"):
        demo.transfer.import_csv(ALICE, "key,name\nCHK,Checkout\n", portfolio="Other")


def test_import_replaces_objective_links_only_when_the_file_has_the_column(
    demo: Services,
) -> None:
    demo.objectives.add_objective(ALICE, "GROW", "Grow", D(1))
    run(demo, "set CHK | objective GROW")
    import_text(demo, "key,name\nCHK,Checkout\n")
    assert demo.products.show(CAROL, "CHK").objectives == ("GROW",)
    import_text(demo, "key,name,objectives\nCHK,Checkout,\n")
    assert demo.products.show(CAROL, "CHK").objectives == ()
    assert count(demo, ProductObjective) == 0


def test_only_managers_import(demo: Services) -> None:
    with pytest.raises(PermissionDenied, match="import"):
        import_text(demo, "key,name\nNEW,New\n", actor=BOB)


def test_the_sole_workspace_is_found_and_several_need_a_choice(demo: Services) -> None:
    assert demo.transfer.sole_workspace() == TEAM
    demo.objectives.add_objective(MALLORY, "X1", "Another workspace", None)
    with pytest.raises(InvalidInput, match="--team"):
        demo.transfer.sole_workspace()


def test_an_empty_database_has_no_workspace_to_import_into(services: Services) -> None:
    with pytest.raises(NotFound, match="--team"):
        services.transfer.sole_workspace()


def count(services: Services, model: type) -> int:
    with services.store.transaction(TEAM) as tenant:
        return tenant.scalar(select(func.count()).select_from(model)) or 0


# -- roadmap prioritisation ----------------------------------------------------------------


def test_roadmap_rank_by_rice_names_missing_inputs(demo: Services) -> None:
    run(demo, "radd CHK One")
    run(demo, "radd CHK Two")
    run(demo, "radd CHK Three")
    run(demo, "rupdate CHK-1 | reach 1000 | impact 1 | confidence 50% | effort 1")
    run(demo, "rupdate CHK-2 | reach 2000 | impact 2 | confidence 80% | effort 3")
    run(demo, "rupdate CHK-3 | reach 500 | effort 2")
    ranking = demo.roadmap.rank(CAROL, "CHK", "rice")
    assert [(r.position, r.ref, r.value) for r in ranking.rows] == [
        (1, "CHK-2", D("1066.67")),
        (2, "CHK-1", D("500.00")),
        (None, "CHK-3", None),
    ]
    assert ranking.rows[2].missing == ("impact", "confidence")
    assert ranking.rows[0].inputs == (
        ("reach", D(2000), False),
        ("impact", D(2), False),
        ("confidence", D("0.8"), True),
        ("effort", D(3), False),
    )
    assert ranking.unscored == 1


def test_roadmap_rank_by_wsjf_leaves_out_done_items(demo: Services) -> None:
    run(demo, "radd CHK One")
    run(demo, "radd CHK Two")
    run(demo, "rupdate CHK-1 | value 8 | criticality 5 | risk 3 | size 4")
    run(demo, "rupdate CHK-2 done | value 1 | criticality 1 | risk 1 | size 1")
    ranking = demo.roadmap.rank(CAROL, "CHK", "wsjf")
    assert [(r.ref, r.value) for r in ranking.rows] == [("CHK-1", D("4.00"))]


# -- trends ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "label"),
    [
        (timedelta(hours=3), None),
        (timedelta(days=1), "d/d"),
        (timedelta(days=6), "w/w"),
        (timedelta(days=8), "w/w"),
        (timedelta(days=31), "m/m"),
        (timedelta(days=92), "q/q"),
        (timedelta(days=365), "y/y"),
    ],
)
def test_period_is_named_by_the_gap_between_readings(gap: timedelta, label: str | None) -> None:
    assert period_label(gap) == label


def record_metric(services: Services, name: str, value: str, at: datetime) -> None:
    with services.store.transaction(TEAM) as tenant:
        product = tenant.first(tenant.select(Product).where(Product.key == "CHK"))
        assert product is not None
        tenant.add(MetricSnapshot(product_id=product.id, name=name, value=D(value), recorded_at=at))


def test_show_gives_the_change_since_the_previous_reading_and_its_period(
    demo: Services, clock: Clock
) -> None:
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    for weeks, value in enumerate(("100000", "105000", "110000", "120000")):
        record_metric(demo, "revenue", value, start + timedelta(weeks=weeks))
    record_metric(demo, "csat", "4.0", start)
    record_metric(demo, "csat", "4.4", start + timedelta(days=1))
    record_metric(demo, "reach", "900", start)
    metrics = {m.name: m for m in demo.products.show(CAROL, "CHK").metrics}
    revenue = metrics["revenue"]
    assert (revenue.value, revenue.previous, revenue.period) == (D(120000), D(110000), "w/w")
    assert revenue.change is not None and revenue.change.quantize(D("0.0001")) == D("0.0909")
    assert metrics["csat"].period == "d/d"
    assert metrics["reach"].previous is None


def test_an_edited_old_reading_never_replaces_the_latest_one(demo: Services, clock: Clock) -> None:
    """Card and status digest read the latest metric from one definition, so they agree."""
    owner = Actor(team_id=TEAM, user_id="U0BOB")
    demo.updates.record(owner, channel_id="C1", ts="100.1", text="CHK metrics: revenue 100k")
    clock.advance(days=7)
    demo.updates.record(owner, channel_id="C1", ts="200.1", text="CHK metrics: revenue 120k")
    clock.advance(hours=1)
    demo.updates.edit(owner, channel_id="C1", ts="100.1", text="CHK metrics: revenue 105k")
    card = {m.name: m.value for m in demo.products.show(CAROL, "CHK").metrics}
    with demo.store.read(TEAM) as tenant:
        portfolio = tenant.first(tenant.select(Portfolio))
        assert portfolio is not None
        state = queries.status_state(tenant, portfolio)
    digest = {p.key: dict((n, v) for n, v, _ in p.metrics) for p in state.products}
    assert card["revenue"] == D(120000)
    assert digest["CHK"]["revenue"] == D(120000)
