"""The ranking message, rendered in one go, says byte for byte what one render per line said.

The expected texts were rendered with the earlier per-line template: names and owners that
need escaping (`<b>&*_~`, a forged mention, a line break), a missing value, a cut name, a
next page, and the weighted score's parts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.views import RankingView, RankRow
from handlers.blocks import Message
from handlers.ranking import ranking_message
from handlers.render import LINE_BREAK, render_lines

D = Decimal
ROWS = (
    RankRow(
        1,
        "CHK",
        "<b>&*_~ `x` | y",
        "U0ALICE",
        "on track",
        "Growth",
        D("2.345"),
        D(120000),
        D(400000),
    ),
    RankRow(
        2,
        "MOB",
        "A name that is much longer than forty characters in all",
        None,
        "at risk",
        "Core",
        None,
        D(0),
        D("950.4"),
    ),
    RankRow(
        3,
        "N&T",
        "line\nbreak <@U0EVIL>",
        "not-a-user <x>",
        "weird <h>",
        "Core",
        D("-0.5"),
        D("1234567.891"),
        D(-999),
    ),
)
PARTS = (("roi", D("0.4"), D("0.3")), ("risk <&>", D(0), D(0)), ("npv", D("0.35"), D("0.123456")))
ROI = RankingView(
    portfolio="Ops <&> *x*",
    currency="EUR",
    measure="roi",
    rows=ROWS,
    total=9,
    top=5,
    category="Cat <&> _x_",
    total_investment=D("1354567.89"),
    total_return=D("401000"),
    portfolio_roi=D("-0.7040"),
    unavailable=1,
)
SCORE = RankingView(
    portfolio="Ops",
    currency="CHF",
    measure="score",
    rows=tuple(
        RankRow(
            r.position,
            r.key,
            r.name,
            r.owner_id,
            r.health,
            r.category,
            r.value and r.value / 10,
            r.investment,
            r.expected_return,
            PARTS,
        )
        for r in ROWS
    ),
    total=3,
)

ROI_TEXTS = [
    ("fallback", "ROI ranking of Ops &lt;&amp;&gt; *x*: 1. CHK (234%)"),
    ("header", "ROI ranking · Ops <&> *x*"),
    (
        "section",
        "Ranked by *ROI* in category *Cat &lt;&amp;&gt; _x_*: 1–3 of the top 5 of 9 products.",
    ),
    (
        "section",
        "*1.* *CHK* &lt;b&gt;&amp;*_~ `x` | y — *234%* · €120k → €400k · :large_green_circle: on "
        "track · <@U0ALICE>\n"
        "*2.* *MOB* A name that is much longer than forty c… — *n/a* · €0 → €950 · "
        ":large_yellow_circle: at risk · _nobody_\n"
        "*3.* *N&amp;T* line\n"
        "break &lt;@U0EVIL&gt; — *-50%* · €1.23M → -€999 · :white_circle: weird &lt;h&gt; · "
        "not-a-user &lt;x&gt;\n"
        "_… and 2 more products: `/portfolio rank roi top 5 category Cat &lt;&amp;&gt; _x_ from "
        "4`_",
    ),
    (
        "context",
        "Totals: invested €1,354,567.89 · expected return €401,000 · portfolio ROI -70% · n/a: no "
        "investment (1), ranked last · ties by key",
    ),
]
SCORE_TEXTS = [
    ("fallback", "weighted score ranking of Ops: 1. CHK (0.23)"),
    ("header", "Weighted score ranking · Ops"),
    (
        "section",
        "Ranked by *weighted score*: 3 products.\n"
        "Score = sum of weighted, normalised measures (0–1 each).",
    ),
    (
        "section",
        "*1.* *CHK* &lt;b&gt;&amp;*_~ `x` | y — *0.23* · 120k CHF → 400k CHF · "
        ":large_green_circle: on track · <@U0ALICE>\n"
        "      _roi 40%×0.75 + risk &lt;&amp;&gt; 0%×0.00 + npv 35%×0.35_\n"
        "*2.* *MOB* A name that is much longer than forty c… — *n/a* · 0 CHF → 950 CHF · "
        ":large_yellow_circle: at risk · _nobody_\n"
        "      _roi 40%×0.75 + risk &lt;&amp;&gt; 0%×0.00 + npv 35%×0.35_\n"
        "*3.* *N&amp;T* line\n"
        "break &lt;@U0EVIL&gt; — *-0.05* · 1.23M CHF → -999 CHF · :white_circle: weird &lt;h&gt; · "
        "not-a-user &lt;x&gt;\n"
        "      _roi 40%×0.75 + risk &lt;&amp;&gt; 0%×0.00 + npv 35%×0.35_",
    ),
    (
        "context",
        "Totals: invested 0 CHF · expected return 0 CHF · portfolio ROI n/a · scores are "
        "normalised over the whole portfolio; a measure a product lacks (ROI without investment, "
        "NPV without cash flows) counts 0 · ties by key",
    ),
]


def texts(message: Message) -> list[tuple[str, str]]:
    """The fallback and every header, section and context text, in order."""
    found = [("fallback", message.text)]
    for block in message.blocks:
        if block["type"] in ("header", "section"):
            found.append((block["type"], block["text"]["text"]))
        elif block["type"] == "context":
            found.append(("context", block["elements"][0]["text"]))
    return found


@pytest.mark.parametrize(("view", "expected"), [(ROI, ROI_TEXTS), (SCORE, SCORE_TEXTS)])
def test_the_ranking_reads_as_it_did_with_a_render_per_line(
    view: RankingView, expected: list[tuple[str, str]]
) -> None:
    assert texts(ranking_message(view)) == expected


def test_a_hundred_lines_are_still_one_line_each() -> None:
    rows = tuple(
        RankRow(n, f"P{n:03d}", f"Product {n} <&>", None, "on track", "Core", D(n), D(n), D(n))
        for n in range(1, 101)
    )
    view = RankingView(portfolio="Ops", currency="USD", measure="roi", rows=rows, total=100)
    sections = [b["text"]["text"] for b in ranking_message(view).blocks if b["type"] == "section"]
    lines = "\n".join(sections[1:]).split("\n")
    assert len(lines) == 100
    assert lines[0] == (
        "*1.* *P001* Product 1 &lt;&amp;&gt; — *100%* · $1 → $1 · :large_green_circle: on track"
        " · _nobody_"
    )
    assert lines[99].startswith("*100.* *P100* Product 100 &lt;&amp;&gt; — *10,000%*")


def test_the_separator_between_lines_is_not_something_people_can_type() -> None:
    """A fresh random token between NULs, made per process: a name that looks like it stays
    in its line; one that is it (it cannot be guessed) fails loudly instead of shifting
    lines."""
    assert LINE_BREAK.startswith("\0") and LINE_BREAK.endswith("\0") and len(LINE_BREAK) == 34

    def line(name: str) -> tuple[RankRow, str]:
        return RankRow(1, "CHK", name, None, "on track", "Core", None, D(0), D(0)), "n/a"

    look_alike = "\0" + "0" * 32 + "\0"
    lines = render_lines("ranking/lines.mrkdwn.j2", [line(look_alike), line("B")], currency="USD")
    assert len(lines) == 2 and look_alike in lines[0]
    with pytest.raises(ValueError, match="wrote 3 lines for 2 items"):
        render_lines("ranking/lines.mrkdwn.j2", [line(LINE_BREAK), line("B")], currency="USD")
    assert render_lines("ranking/lines.mrkdwn.j2", [], currency="USD") == []
