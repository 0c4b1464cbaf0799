"""`/portfolio list` reads only what a message can show, and still counts and sums them all."""

from __future__ import annotations

from decimal import Decimal

from domain.services import Services
from domain.services.products import LIST_LIMIT
from domain.views import ProductLine, ProductList
from handlers.blocks import MAX_BLOCKS, SECTION_BUDGET
from handlers.products import product_list
from handlers.render import render_lines
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
        len(line)
        for line in render_lines(
            "products/list_lines.mrkdwn.j2",
            [
                ProductLine("AB", "", None, "", "", health, Decimal(0), Decimal(0))
                for health in ("on track", "at risk", "off track", "")
            ],
            currency="USD",
        )
    )
    assert LIST_LIMIT * (shortest + 1) > MAX_BLOCKS * SECTION_BUDGET


def test_the_list_reads_as_it_did_with_a_render_per_line() -> None:
    """All lines come from one render now; the text is what one render per line gave (names,
    owners and categories that need escaping, an empty stage, a line break, a cut name)."""
    view = ProductList(
        "Ops <&>",
        "GBP",
        (
            ProductLine(
                "CHK",
                "<b>&*_~ `x` | y",
                "U0ALICE",
                "Growth <&>",
                "build_*",
                "on track",
                Decimal(120000),
                Decimal(400000),
                2,
            ),
            ProductLine(
                "MOB",
                "A name that is much longer than forty characters in all",
                None,
                "",
                "",
                "",
                Decimal(0),
                Decimal("-950.5"),
                1,
            ),
            ProductLine(
                "N&T",
                "line\nbreak <@U0EVIL>",
                "not-a-user <x>",
                "Core",
                "ideation",
                "weird <h>",
                Decimal("1234567.891"),
                Decimal(999),
                0,
            ),
        ),
        Decimal("1354567.89"),
        Decimal(401000),
        5,
    )
    message = product_list(view)
    assert message.text == "Ops &lt;&amp;&gt;: 5 products"
    assert [b["text"]["text"] for b in message.blocks if b["type"] == "section"] == [
        ":large_green_circle: *CHK* &lt;b&gt;&amp;*_~ `x` | y · Growth &lt;&amp;&gt; · _build_*_ · "
        "£120k → £400k · <@U0ALICE> · 2 open items\n"
        ":white_circle: *MOB* A name that is much longer than forty c… ·  · __ · £0 → -£950 · "
        "_nobody_ · 1 open item\n"
        ":white_circle: *N&amp;T* line\n"
        "break &lt;@U0EVIL&gt; · Core · _ideation_ · £1.23M → £999 · not-a-user &lt;x&gt;\n"
        "_… and 2 more products_"
    ]
