"""Answers that are true: what is shown is what is kept, rankings per portfolio, paging, money."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from domain.commands.portfolio import ProductFields
from domain.views import Actor
from tests.slack.conftest import SlackDriver, payload_text

ALICE = Actor(team_id="T0TEST", user_id="U0ALICE", is_admin=True)


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products | budget 2m")
    slack.command(
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k | confidence 70% "
        "| category Growth | stage development"
    )
    slack.command(
        "add PAY Payments | owner <@U0DAN|dan> | investment 450k | return 1.2m | confidence 60% "
        "| category Core"
    )
    slack.command(
        "add SRCH Search | investment 200k | return 380k | confidence 85% | category Core"
    )
    slack.command("add AI Assistant | investment 0 | return 500k | confidence 20%")
    slack.command("weights roi 50% risk 50%")
    return slack


def test_a_confidence_is_shown_as_it_is_kept(ready: SlackDriver) -> None:
    answer = payload_text(ready.command("set CHK | confidence 70.4%"))
    assert "70% → *70.4%*" in answer
    assert "(confidence 70.4%)" in payload_text(ready.command("show CHK"))
    again = payload_text(ready.command("set CHK | confidence 70.4%"))
    assert "Nothing changed" in again
    refused = payload_text(ready.command("set CHK | confidence 70.456%"))
    assert "two decimals" in refused and "70.46%" in refused


def scores(text: str) -> dict[str, str]:
    """KEY -> the score shown on its ranking line (`*1.* *PAY* Payments — *0.85* · …`)."""
    return dict(re.findall(r"\*[0-9]+\.\* \*([A-Z0-9]+)\* [^—]*— \*([^*]+)\*", text))


def test_a_score_is_the_portfolio_s_in_a_category_too(ready: SlackDriver) -> None:
    full = scores(payload_text(ready.command("rank score")))
    core = scores(payload_text(ready.command("rank score category Core")))
    assert set(core) == {"PAY", "SRCH"}
    assert core == {key: full[key] for key in core}


def test_each_measure_s_footer_says_what_its_n_a_means(ready: SlackDriver) -> None:
    npv = payload_text(ready.command("rank npv"))
    assert "n/a: no cash flows yet (4)" in npv and "cashflows -100k" in npv
    assert "no investment" not in npv
    roi = payload_text(ready.command("rank roi"))
    assert "n/a: no investment (1), ranked last" in roi
    score = payload_text(ready.command("rank score"))
    assert "rank last" not in score and "ranked last" not in score
    assert "normalised over the whole portfolio" in score


def test_npv_is_rounded_like_every_other_amount(ready: SlackDriver) -> None:
    ready.command("set CHK | cashflows -120k, 60k, 140k, 200k")
    assert "*$214,349*" in payload_text(ready.command("rank npv"))
    assert "$214,349.44" not in payload_text(ready.command("show CHK"))


@pytest.fixture
def crowded(ready: SlackDriver) -> SlackDriver:
    products = ready.folio.services.products
    for number in range(306):
        fields = ProductFields(
            name=f"Product {number}",
            investment=(Decimal(1000 + number), None),
            expected_return=(Decimal(5000), None),
        )
        products.add_product(ALICE, None, f"P{number:03d}", fields)
    return ready


def test_a_long_ranking_is_paged_and_every_page_is_reachable(crowded: SlackDriver) -> None:
    first = payload_text(crowded.command("rank roi top 200"))
    assert "1–100 of the top 200 of 310 products" in first
    assert "`/portfolio rank roi top 200 from 101`" in first
    assert "ask for" not in first
    second = payload_text(crowded.command("rank roi top 200 from 101"))
    assert "*101.*" in second and "*200.*" in second and "*201.*" not in second
    assert "from 201" not in second  # the last page of the top 200
    last = payload_text(crowded.command("rank roi page 4"))
    assert "301–310 of 310 products" in last and "*310.*" in last
    past = payload_text(crowded.command("rank roi page 5"))
    assert "last page starts at `from 301`" in past


def test_a_chart_title_says_how_many_bars_it_shows(crowded: SlackDriver) -> None:
    answer = payload_text(crowded.command("chart ranking roi"))
    assert "top 25 of 310" in answer
    (upload,) = crowded.fake.calls_to("files.completeUploadExternal")
    assert "top 25 of 310" in str(upload.params)


def test_a_currency_must_be_iso_4217(ready: SlackDriver) -> None:
    answer = payload_text(ready.command("setup | currency XYZ"))
    assert "isn't an ISO 4217 currency code" in answer
    assert "USD" in payload_text(ready.command("setup"))


def test_a_currency_change_is_announced_as_a_relabelling(ready: SlackDriver) -> None:
    answer = ready.command("setup | currency eur")
    assert answer.extra.get("response_type") == "in_channel"
    text = payload_text(answer)
    assert "relabelled, not converted" in text
    assert "$2,000,000 now reads €2,000,000" in text and "4 products" in text
    assert "€120,000" in payload_text(ready.command("show CHK"))
    refused = payload_text(ready.command("setup | currency GBP", user="U0BOB"))
    assert "Only portfolio managers" in refused


def test_cards_after_add_and_set_show_owner_health_category_and_stage(
    ready: SlackDriver,
) -> None:
    added = payload_text(ready.command("add NEW New thing | owner <@U0BOB|bob> | investment 5k"))
    assert "<@U0BOB>" in added and "on track" in added and "General" in added
    assert "ideation" in added
    assert "confidence *50%*" in added and "/portfolio set NEW" in added
    changed = payload_text(ready.command("set NEW | health red | category Core | stage research"))
    assert "health: on track → *off track*" in changed
    card = changed.split("New thing", 1)[1]
    assert "off track" in card and "Core" in card and "research" in card


def test_an_add_with_every_input_given_mentions_no_defaults(ready: SlackDriver) -> None:
    added = payload_text(
        ready.command("add FULL Full | investment 1k | return 2k | confidence 70%")
    )
    assert "Not given" not in added


def test_item_fields_are_words_not_column_names(ready: SlackDriver) -> None:
    ready.command("add CHK First", command="/roadmap")
    answer = payload_text(
        ready.command(
            "update CHK-1 | criticality 3 | size 5 | value 8 | risk 2", command="/roadmap"
        )
    )
    for internal in ("time_criticality", "job_size", "risk_reduction"):
        assert internal not in answer
    assert "time criticality none → *3*" in answer and "job size none → *5*" in answer
    assert "time_criticality" not in payload_text(ready.command("show CHK"))


def test_an_archived_product_can_be_restored(ready: SlackDriver) -> None:
    ready.command("remove CHK")
    assert "CHK" not in payload_text(ready.command("list")).split("products", 1)[1]
    answer = ready.command("restore CHK")
    assert answer.extra.get("response_type") == "in_channel"
    assert "Restored *CHK*" in payload_text(answer)
    assert "*CHK* Checkout" in payload_text(ready.command("list"))
    assert "isn't archived" in payload_text(ready.command("restore CHK"))
    assert "Only portfolio managers" in payload_text(ready.command("restore PAY", user="U0BOB"))


def test_an_objective_can_be_removed_and_its_links_go_into_history(ready: SlackDriver) -> None:
    ready.command("objective add GROW Grow ARR | weight 3")
    ready.command("set CHK | objective GROW")
    answer = payload_text(ready.command("objective remove GROW"))
    assert "Removed objective *GROW*" in answer and "`CHK`" in answer
    assert "No objectives yet" in payload_text(ready.command("objective list"))
    history = payload_text(ready.command("show CHK | history"))
    assert "GROW → *none*" in history


def test_a_portfolio_can_be_renamed_and_an_empty_one_deleted(ready: SlackDriver) -> None:
    renamed = payload_text(ready.command("rename Products | to Consumer"))
    assert "Renamed portfolio *Products* to *Consumer*" in renamed
    assert "Consumer: 4 products" in payload_text(ready.command("list"))
    ready.command("setup Retail")
    refused = payload_text(ready.command("delete Consumer"))
    assert "Only an empty portfolio can be deleted" in refused and "4 products" in refused
    deleted = payload_text(ready.command("delete Retail"))
    assert "Deleted the empty portfolio *Retail*" in deleted
    assert "no portfolio called" in payload_text(ready.command("use Retail"))


def test_an_item_has_a_detail_view(ready: SlackDriver) -> None:
    ready.command("add CHK Checkout v2 | target 2027-Q1 | why faster payments", command="/roadmap")
    ready.command("update CHK-1 testing 40% | reach 2000 | impact 2", command="/roadmap")
    ready.say("CHK-1: testing 60% — blocked by the vendor")
    ready.settle(1)
    detail = payload_text(ready.command("CHK-1", command="/roadmap"))
    assert "CHK-1 · Checkout v2" in detail
    assert "faster payments" in detail and "blocked by the vendor" in detail
    assert "reach 2,000" in detail and "missing confidence, effort" in detail
    assert "CHK-1: testing 60% — blocked by the vendor" in detail  # its history, newest first
    assert detail.index("testing 60%") < detail.index("status testing")
