"""Portfolio use cases on a real database: setup, products, ranking, permissions, tenancy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.commands import portfolio as parse
from domain.errors import Conflict, InvalidInput, NotFound, NotSetUp, PermissionDenied
from domain.grammar import split_command
from domain.models import Product, RoleGrant
from domain.services import Services
from domain.views import Actor
from tests.conftest import ALICE, BOB, CAROL, MALLORY, TEAM


def setup(services: Services, actor: Actor = ALICE, text: str = "setup Products") -> None:
    services.portfolios.setup(actor, parse.parse_setup(split_command(text)))


def add(services: Services, text: str, actor: Actor = ALICE) -> None:
    request = parse.parse_add(split_command(text))
    services.products.add_product(actor, "C1", request.key, request.fields)


def set_(services: Services, text: str, actor: Actor = ALICE) -> None:
    key, fields = parse.parse_set(split_command(text))
    services.products.set_product(actor, key, fields)


def product_count(services: Services, team: str = TEAM) -> int:
    with services.store.transaction(team) as tenant:
        return (
            tenant.scalar(select(func.count()).select_from(Product).where(Product.team_id == team))
            or 0
        )


@pytest.fixture
def demo(services: Services) -> Services:
    setup(services, text="setup Products | currency USD | budget 2m")
    add(
        services,
        "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k "
        "| confidence 70% | category Growth | stage development",
    )
    add(
        services,
        "add PAY Payments | owner <@U0DAN> | investment 450k | return 1.2m "
        "| confidence 60% | category Platform",
    )
    add(services, "add AI Assistant | investment 0 | return 500k | confidence 20%")
    add(services, "add LEG Legacy | investment 90k | return 60k | confidence 90%")
    return services


def test_first_setup_by_a_member_makes_them_portfolio_manager(services: Services) -> None:
    view = services.portfolios.setup(CAROL, parse.parse_setup(split_command("setup Products")))
    assert view.created and view.became_manager
    with services.store.transaction(TEAM) as tenant:
        grants = tenant.all(tenant.select(RoleGrant))
    assert [(g.user_id, g.role) for g in grants] == [("U0CAROL", "portfolio-manager")]


def test_second_setup_by_a_member_is_refused_and_names_the_managers(services: Services) -> None:
    setup(services, CAROL)
    with pytest.raises(PermissionDenied) as refused:
        setup(services, BOB, "setup Other")
    assert refused.value.who == ("U0CAROL",)


def test_setup_changes_budget_and_discount(demo: Services) -> None:
    view = demo.portfolios.setup(
        ALICE, parse.parse_setup(split_command("setup | budget 3m | discount 8%"))
    )
    assert view.budget == Decimal("3000000.00")
    assert view.discount_rate == Decimal("0.08")
    assert set(view.changed) == {"budget", "discount rate"}


def test_commands_before_setup_say_how_to_start(services: Services) -> None:
    with pytest.raises(NotSetUp, match="/portfolio setup"):
        services.products.list_products(ALICE, "C1")


def test_add_stores_exact_money(demo: Services) -> None:
    card = demo.products.show(ALICE, "PAY")
    assert card.investment == Decimal("450000.00")
    assert card.expected_return == Decimal("1200000.00")
    assert card.roi == Decimal("1.6667")


def test_duplicate_key_is_refused_and_changes_nothing(demo: Services) -> None:
    before = product_count(demo)
    with pytest.raises(Conflict, match="CHK already exists"):
        add(demo, "add CHK Another")
    assert product_count(demo) == before


def test_amount_in_another_currency_is_refused(demo: Services) -> None:
    with pytest.raises(InvalidInput, match="counts in USD"):
        add(demo, "add EUR1 Euro thing | investment €1.2m")
    assert product_count(demo) == 4


def test_member_cannot_add_products_and_is_told_who_can(demo: Services) -> None:
    with pytest.raises(PermissionDenied) as refused:
        add(demo, "add NEW New", actor=CAROL)
    assert "portfolio managers" in refused.value.message
    assert product_count(demo) == 4


def test_owner_changes_stage_directly_but_only_proposes_money_and_confidence(
    demo: Services,
) -> None:
    set_(demo, "set CHK | confidence 60% | stage testing", actor=BOB)
    card = demo.products.show(BOB, "CHK")
    assert card.stage == "testing"
    assert card.confidence == Decimal("0.7000")  # a proposal until a manager accepts it
    set_(demo, "set CHK | investment 1m", actor=BOB)
    card = demo.products.show(BOB, "CHK")
    assert card.investment == Decimal("120000.00")
    assert [(p.field, p.after) for p in card.pending] == [
        ("investment", Decimal("1000000")),
        ("confidence", Decimal("0.6")),
    ]
    with pytest.raises(PermissionDenied):
        set_(demo, "set CHK | owner <@U0DAN>", actor=BOB)


def test_owner_cannot_change_someone_elses_product(demo: Services) -> None:
    with pytest.raises(PermissionDenied) as refused:
        set_(demo, "set PAY | confidence 10%", actor=BOB)
    assert "U0DAN" in refused.value.who and "U0ALICE" not in refused.value.who


def test_granted_user_becomes_portfolio_manager(demo: Services) -> None:
    demo.portfolios.grant(ALICE, "U0CAROL", "portfolio-manager")
    add(demo, "add NEW New", actor=CAROL)
    assert product_count(demo) == 5


def test_ranking_puts_zero_investment_last_and_breaks_ties_by_key(demo: Services) -> None:
    add(demo, "add ZZZ Twin | investment 120k | return 400k")
    add(demo, "add AAA Twin | investment 120k | return 400k")
    view = demo.ranking.rank(ALICE, "C1", parse.parse_rank(split_command("rank roi")))
    keys = [row.key for row in view.rows]
    assert keys == ["AAA", "CHK", "ZZZ", "PAY", "LEG", "AI"]
    assert view.rows[-1].value is None
    assert view.rows[4].value is not None and view.rows[4].value < 0


def test_ranking_top_and_category(demo: Services) -> None:
    view = demo.ranking.rank(
        ALICE, "C1", parse.parse_rank(split_command("rank risk top 1 category growth"))
    )
    assert [r.key for r in view.rows] == ["CHK"] and view.total == 1


def test_unknown_category_suggests_one(demo: Services) -> None:
    with pytest.raises(NotFound, match="Growth"):
        demo.ranking.rank(ALICE, "C1", parse.parse_rank(split_command("rank category Grwth")))


def test_remove_archives_and_keeps_history(demo: Services) -> None:
    demo.products.remove(ALICE, "LEG")
    assert "LEG" not in [p.key for p in demo.products.list_products(ALICE, "C1").products]
    assert demo.products.show(ALICE, "LEG").archived


def test_unknown_product_suggests_a_close_key(demo: Services) -> None:
    with pytest.raises(NotFound, match="Did you mean `CHK`"):
        demo.products.show(ALICE, "CHX")


def test_another_workspace_sees_nothing(demo: Services) -> None:
    with pytest.raises(NotSetUp):
        demo.products.list_products(MALLORY, "C1")
    with pytest.raises(NotFound):
        demo.products.show(MALLORY, "CHK")
    setup(demo, MALLORY, "setup Theirs")
    assert demo.products.list_products(MALLORY, "C1").products == ()
    with pytest.raises(NotFound):
        set_(demo, "set CHK | confidence 1%", actor=MALLORY)
    add(demo, "add CHK Their checkout", actor=MALLORY)  # keys are unique per workspace only
    assert demo.products.show(ALICE, "CHK").name == "Checkout"
    assert product_count(demo, MALLORY.team_id) == 1


def test_channel_linked_to_a_second_portfolio(demo: Services) -> None:
    setup(demo, text="setup Consumer | currency EUR")
    demo.portfolios.use(ALICE, "C2", "consumer")
    request = parse.parse_add(split_command("add EU Euro thing | investment €100k"))
    demo.products.add_product(ALICE, "C2", request.key, request.fields)
    assert demo.products.list_products(ALICE, "C2").currency == "EUR"
    assert [p.key for p in demo.products.list_products(ALICE, "C2").products] == ["EU"]
    assert "EU" not in [p.key for p in demo.products.list_products(ALICE, "C1").products]
