"""`/portfolio list` reads only what a message can show, and still counts and sums them all."""

from __future__ import annotations

from decimal import Decimal

from domain.services import Services
from domain.services.products import LIST_LIMIT
from domain.views import ProductLine
from handlers.blocks import MAX_BLOCKS, SECTION_BUDGET
from handlers.products import product_list
from handlers.render import render
from tests.conftest import ALICE, CAROL
from tests.integration.test_analytics_service import run


def test_a_long_list_is_cut_at_the_limit_but_counted_and_summed_in_full(
    services: Services,
) -> None:
    run(services, "setup Products | currency USD")
    for number in range(7):
        run(services, f"add P{number}X Product {number} | investment {number}k | return 1k")
    run(services, "radd P1X Build it")
    listing = services.products.list_products(CAROL, None, limit=3)
    assert [p.key for p in listing.products] == ["P0X", "P1X", "P2X"]
    assert [p.open_items for p in listing.products] == [0, 1, 0]
    assert listing.count == 7
    assert listing.total_investment == Decimal(21000)
    assert listing.total_return == Decimal(7000)
    message = product_list(listing)
    text = str(message.blocks)
    assert "7 products" in text
    assert "… and 4 more products" in text
    services.products.remove(ALICE, "P0X")
    assert services.products.list_products(CAROL, None, limit=3).count == 6


def test_the_limit_is_more_than_any_list_message_can_show() -> None:
    shortest = min(
        len(
            render(
                "products/list_line.mrkdwn.j2",
                p=ProductLine("AB", "", None, "", "", health, Decimal(0), Decimal(0)),
                currency="USD",
            )
        )
        for health in ("on track", "at risk", "off track", "")
    )
    assert LIST_LIMIT * (shortest + 1) > MAX_BLOCKS * SECTION_BUDGET
