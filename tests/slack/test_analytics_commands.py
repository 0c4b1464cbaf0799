"""Analytics commands through Bolt and the fake Slack: answers, uploaded charts and CSV files."""

from __future__ import annotations

import re

import pytest

from console.loopback import FakeChannel, Post
from domain.csv_format import parse_products_csv
from tests.slack.conftest import SlackDriver, payload_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products | budget 600k")
    for text in (
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k "
        "| confidence 70% | category Growth | stage development",
        "add PAY Payments | owner <@U0DAN|dan> | investment 450k | return 1.2m "
        "| confidence 60% | category Platform | stage growth | health at risk",
        "add MOB Mobile | investment 300k | return 900k | confidence 55% | category Growth "
        "| stage launch",
        "add SRCH Search & <Find> | investment 200k | return 380k | confidence 85% "
        "| category Core | stage maturity",
    ):
        slack.command(text)
    return slack


def files_in(slack: SlackDriver, channel: str) -> list[Post]:
    return [p for p in slack.fake.posts if p.kind == "file" and p.channel == channel]


def test_help_lists_the_analytics_commands(slack: SlackDriver) -> None:
    text = payload_text(slack.command("help"))
    for verb in ("objective add", "weights", "allocate", "balance", "chart", "export"):
        assert f"/portfolio {verb}" in text
    assert "/roadmap rank CHK" in payload_text(slack.command("help", command="/roadmap"))


def test_objective_add_is_announced_and_listed(ready: SlackDriver) -> None:
    added = ready.command("objective add GROW Grow ARR 30% | weight 3")
    assert added.extra.get("response_type") == "in_channel"
    assert "Added objective *GROW* Grow ARR 30% (weight 3)" in added.text
    ready.command("set CHK | objective GROW")
    listing = payload_text(ready.command("objective list", user="U0CAROL"))
    assert "*GROW* Grow ARR 30% · weight 3 · 1 product (CHK)" in listing


def test_objective_weight_must_be_a_positive_number(ready: SlackDriver) -> None:
    answer = ready.command("objective add GROW Grow | weight -2")
    assert ":warning:" in answer.text and "above 0" in answer.text
    assert "No objectives yet" in payload_text(ready.command("objective"))


def test_weights_not_summing_to_100_are_refused_and_change_nothing(ready: SlackDriver) -> None:
    answer = ready.command("weights roi 40% risk 30% alignment 20%")
    assert answer.extra.get("response_type") == "ephemeral"
    assert "add up to 100 %; yours add up to 90 %" in answer.text
    assert "has no score weights yet" in payload_text(ready.command("weights"))


def test_weights_then_rank_score_explains_each_part(ready: SlackDriver) -> None:
    answer = ready.command("weights roi 50% risk 50%")
    assert answer.extra.get("response_type") == "in_channel"
    assert "ROI 50% + risk-adjusted ROI 50%" in answer.text
    ranking = payload_text(ready.command("rank score"))
    assert "roi 50%×" in ranking and "risk 50%×" in ranking


def test_allocate_lists_funded_and_unfunded_with_budget_and_advice(ready: SlackDriver) -> None:
    answer = ready.command("allocate")
    text = payload_text(answer)
    assert answer.extra.get("response_type") == "ephemeral"
    assert "risk-adjusted value" in text and "(the portfolio's)" in text
    assert "*Funded 2 of 4*: used $570,000, $30,000 left · total value *$430,000*" in text
    assert ":white_check_mark: *PAY* Payments" in text
    assert ":white_circle: *MOB* Mobile" in text
    assert "*Best unfunded:* *MOB* Mobile" in text and "raise the budget by $270k" in text
    assert "exact integer programme" in text


def test_every_amount_in_an_allocation_answer_is_short_money_with_its_symbol(
    ready: SlackDriver,
) -> None:
    text = payload_text(ready.command("allocate"))
    prose = re.sub(r"`[^`]*`", "", text)  # usage examples are what people type, not amounts
    amounts = re.findall(r"(\S*?)(\d[\d,.]*)(k|m|M|bn|B)\b", prose)
    assert amounts, prose
    assert all(sign.endswith("$") and unit in ("k", "M", "B") for sign, _, unit in amounts)
    assert (
        "(value $195k, costs $300k). To fund it: raise the budget by $270k, "
        "or drop PAY (value $270k)." in text
    )


def test_allocate_with_a_balance_rule_keeps_to_it(ready: SlackDriver) -> None:
    text = payload_text(ready.command("allocate 600k | min Core 30% | drop PAY"))
    assert "Rules: `min Core 30%`, drop PAY." in text
    assert ":white_check_mark: *SRCH* Search &amp; &lt;Find&gt;" in text
    assert ":white_check_mark: *MOB*" in text


def test_infeasible_allocation_says_which_rule_and_by_how_much(ready: SlackDriver) -> None:
    answer = ready.command("allocate 600k | min Core 50%")
    assert answer.extra.get("response_type") == "ephemeral"
    assert ":warning:" in answer.text
    assert "`min Core 50%` needs $300k of Core products" in answer.text
    assert "but all Core products together cost $200k ($100k short)." in answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("allocate lots", "lots"),
        ("allocate 1m | min 30%", "as a category and a share"),
        ("allocate 1m | min Growth 130%", "130%"),
        ("allocate 1m | min Toys 10%", "no product is in category Toys"),
        ("allocate 1m | keep NOPE", "`NOPE`"),
        ("allocate 1m | by luck", "thing to maximise"),
        ("allocate 1m | by score", "weights"),
        ("allocate €1m", "counts in USD"),
        ("balance by colour", "grouping"),
        ("chart pie", "chart"),
        ("export now", "takes nothing"),
    ],
)
def test_bad_analytics_input_gets_a_specific_answer(
    ready: SlackDriver, text: str, expected: str
) -> None:
    answer = ready.command(text)
    assert answer.extra.get("response_type") == "ephemeral"
    assert ":warning:" in answer.text
    assert expected.lower() in payload_text(answer).lower()


def test_balance_shows_shares_concentration_and_flags(ready: SlackDriver) -> None:
    text = payload_text(ready.command("balance"))
    assert "Balance by category · Products" in text
    assert "*Growth* (2) · investment $420k *39%*" in text
    assert "Herfindahl" in text
    assert "No pipeline: nothing in ideation or research" in text
    assert "42% of investment is at risk or off track" in text
    stage = payload_text(ready.command("balance by stage"))
    assert stage.index("*development*") < stage.index("*launch*") < stage.index("*maturity*")


def test_chart_uploads_a_png_to_the_channel(ready: SlackDriver) -> None:
    answer = ready.command("chart bubble")
    (posted,) = files_in(ready, "C0GENERAL")
    assert posted.extra["name"] == "bubble-chart.png"
    assert ready.fake.file_content(posted.extra["id"]).startswith(PNG_SIGNATURE)
    assert "Risk and return · Products (4 products)" in posted.text
    assert "Posted *Risk and return · Products*" in answer.text
    (upload,) = ready.fake.calls_to("files.getUploadURLExternal")
    assert "confidence across, ROI up" in upload.params["alt_txt"]


def test_ranking_chart_uses_the_measure_asked_for(ready: SlackDriver) -> None:
    ready.command("set CHK | cashflows -100k, 50k, 80k")
    ready.command("chart ranking npv")
    (posted,) = files_in(ready, "C0GENERAL")
    assert posted.extra["title"] == "NPV ranking · Products"
    assert ready.fake.file_content(posted.extra["id"]).startswith(PNG_SIGNATURE)


def test_chart_in_a_channel_without_the_bot_says_to_invite_it(ready: SlackDriver) -> None:
    ready.fake.add_channel(FakeChannel("C0QUIET", "quiet", is_member=False))
    answer = ready.command("chart", channel="C0QUIET")
    assert "not_in_channel" in answer.text and "/invite @Folio" in answer.text
    assert files_in(ready, "C0QUIET") == []


def test_export_sends_the_asker_a_csv_in_a_direct_message(ready: SlackDriver) -> None:
    ready.command("objective add GROW Grow ARR")
    ready.command("set CHK | objective GROW | cashflows -100k, 50k, 80k")
    answer = ready.command("export", user="U0CAROL")
    assert "Sent you *products-2027-03-22.csv* (4 products)" in answer.text
    dm = ready.fake.open_dm("U0CAROL")
    (posted,) = files_in(ready, dm)
    data = ready.fake.file_content(posted.extra["id"])
    assert data.startswith(b"\xef\xbb\xbfkey,name,owner,category,stage,health,investment")
    rows = {row.key: row for row in parse_products_csv(data.decode("utf-8-sig"))}
    assert sorted(rows) == ["CHK", "MOB", "PAY", "SRCH"]
    assert rows["CHK"].objectives == ("GROW",) and rows["CHK"].owner_id == "U0BOB"
    assert rows["SRCH"].name == "Search & <Find>"
    assert files_in(ready, "C0GENERAL") == []


def test_roadmap_rank_orders_by_rice_and_names_missing_inputs(ready: SlackDriver) -> None:
    for title in ("One", "Two", "Three"):
        ready.command(f"add CHK {title}", command="/roadmap")
    ready.command(
        "update CHK-1 | reach 1000 | impact 1 | confidence 50% | effort 1", command="/roadmap"
    )
    ready.command(
        "update CHK-2 | reach 2000 | impact 2 | confidence 80% | effort 3", command="/roadmap"
    )
    ready.command("update CHK-3 | reach 500", command="/roadmap")
    text = payload_text(ready.command("rank CHK", command="/roadmap"))
    assert "*1.* *CHK-2* Two — *1,066.67* · reach 2,000, impact 2, confidence 80%, effort 3" in text
    assert "*2.* *CHK-1* One — *500.00*" in text
    assert "*CHK-3* Three — not scored: missing impact, confidence, effort" in text
    assert text.index("CHK-2") < text.index("CHK-1") < text.index("CHK-3")
    wsjf = payload_text(ready.command("rank CHK wsjf", command="/roadmap"))
    assert "0 of 3 open items scored by WSJF" in wsjf


def test_member_can_read_analytics_but_not_change_weights(ready: SlackDriver) -> None:
    for text in ("balance", "allocate", "objective list", "weights"):
        assert ":warning:" not in ready.command(text, user="U0CAROL").text
    refused = ready.command("weights roi 100%", user="U0CAROL")
    assert "Only portfolio managers" in refused.text


def test_show_labels_a_metric_change_with_its_period(ready: SlackDriver, clock: object) -> None:
    ready.say("CHK metrics: revenue 100k", channel="C0ROADMAP")
    ready.settle(1, kinds=("reaction",))
    clock.advance(days=7)  # type: ignore[attr-defined]
    ready.say("CHK metrics: revenue 109k", channel="C0ROADMAP")
    ready.settle(2, kinds=("reaction",))
    ready.drain()
    assert "revenue $109k (▲ 9% w/w)" in payload_text(ready.command("show CHK"))
