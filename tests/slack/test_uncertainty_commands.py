"""What-ifs, scenarios, the frontier, forecasts, outcomes and calibration through Bolt."""

from __future__ import annotations

import pytest

from console.loopback import FakeChannel, Post
from tests.conftest import Clock
from tests.slack.conftest import SlackDriver, payload_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    """Risk-adjusted values CHK 160k, PAY 270k, MOB 195k, SRCH 123k; budget 600k."""
    slack.command("setup Products | budget 600k")
    for text in (
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k "
        "| confidence 70% | category Growth | stage development",
        "add PAY Payments | investment 450k | return 1.2m | confidence 60% | category Platform "
        "| stage growth",
        "add MOB Mobile | investment 300k | return 900k | confidence 55% | category Growth "
        "| stage launch",
        "add SRCH Search & <Find> | investment 200k | return 380k | confidence 85% "
        "| category Core | stage maturity",
    ):
        slack.command(text)
    return slack


def files_in(slack: SlackDriver, channel: str) -> list[Post]:
    return [p for p in slack.fake.posts if p.kind == "file" and p.channel == channel]


def test_help_lists_every_new_command_with_a_line(slack: SlackDriver) -> None:
    text = payload_text(slack.command("help"))
    for verb in ("whatif allocate", "scenario save", "frontier", "forecast", "outcome CHK"):
        assert f"/portfolio {verb}" in text
    assert "/portfolio calibration" in text
    assert "/roadmap forecast CHK" in payload_text(slack.command("help", command="/roadmap"))


def test_whatif_answers_beside_today_and_changes_nothing(ready: SlackDriver) -> None:
    answer = ready.command(
        "whatif allocate -15% | set PAY confidence 20% | set MOB return 1.5m", user="U0CAROL"
    )
    text = payload_text(answer)
    assert answer.extra.get("response_type") == "ephemeral"
    assert "a budget of *$510k* (15% less than today's $600k)" in text
    assert "*PAY* confidence 60% → *20%*" in text and "*MOB* return $900k → *$1.5M*" in text
    assert "*Today* (budget $600k)" in text and "*What-if* (budget $510k)" in text
    assert "*No longer funded:* *PAY* Payments" in text
    assert "Downside (P10)" in text and "Nothing live changes" in text
    assert "confidence 60%" in payload_text(ready.command("show PAY"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("whatif allocate | set CHK colour red", "no field `colour`"),
        ("whatif allocate | set CHK owner <@U0BOB|bob>", "doesn't change an allocation"),
        ("whatif allocate | set NOPE confidence 40%", "no product `NOPE`"),
        ("whatif allocate €500k", "counts in USD"),
        ("whatif allocate 15%", "with its sign, like `-15%`"),
        ("whatif allocate | min Core 90%", "No allocation"),
    ],
)
def test_bad_what_ifs_are_explained(ready: SlackDriver, text: str, expected: str) -> None:
    answer = ready.command(text)
    assert answer.extra.get("response_type") == "ephemeral"
    assert expected in payload_text(answer)


def test_a_scenario_is_saved_in_the_channel_then_compared_and_applied(ready: SlackDriver) -> None:
    saved = ready.command("scenario save lean -15% | set CHK confidence 50%")
    assert saved.extra.get("response_type") == "in_channel"
    assert "Scenario lean · Products" in payload_text(saved)
    ready.command("scenario save bold 900k")
    listing = payload_text(ready.command("scenario list", user="U0CAROL"))
    assert "*bold* · `900k`" in listing and "*lean* · `-15% | set CHK confidence 50%`" in listing
    compared = payload_text(ready.command("scenario compare lean bold", user="U0CAROL"))
    assert "*Live (today)*" in compared and "*lean*" in compared and "*bold*" in compared
    assert "vs live:" in compared
    refused = ready.command("scenario apply lean", user="U0CAROL")
    assert "Only portfolio managers can apply scenarios" in refused.text
    applied = ready.command("scenario apply lean")
    text = payload_text(applied)
    assert applied.extra.get("response_type") == "in_channel"
    assert "Applied scenario *lean*" in text and "*CHK* Checkout: confidence 70% → *50%*" in text
    assert "`/portfolio allocate`" in text or "budget" in text
    assert "confidence 50%" in payload_text(ready.command("show CHK"))
    dropped = ready.command("scenario drop bold")
    assert "Dropped scenario *bold*" in dropped.text


def test_saving_a_scenario_name_again_says_it_replaced_one(ready: SlackDriver) -> None:
    ready.command("scenario save lean -15%")
    again = payload_text(ready.command("scenario save lean -25%"))
    assert "replacing the one <@U0ALICE> saved" in again


def test_frontier_posts_its_chart_and_lists_the_choices(ready: SlackDriver) -> None:
    answer = ready.command("frontier | min Growth 30%", user="U0CAROL")
    text = payload_text(answer)
    (posted,) = files_in(ready, "C0GENERAL")
    assert posted.extra["name"] == "frontier.png"
    assert ready.fake.file_content(posted.extra["id"]).startswith(PNG_SIGNATURE)
    (upload,) = ready.fake.calls_to("files.getUploadURLExternal")
    assert (
        "risk (standard deviation of value) across, expected value up" in upload.params["alt_txt"]
    )
    assert "Risk–return frontier · Products" in text
    assert "*Today's plan* (4 products with an investment, $1.07M)" in text
    assert "over the budget" in text
    assert "*A · Most value (the allocation's answer)*" in text
    assert "independently of the others" in text


def test_frontier_with_infeasible_rules_is_explained_as_allocate_explains(
    ready: SlackDriver,
) -> None:
    frontier = ready.command("frontier 600k | min Core 50%")
    allocate = ready.command("allocate 600k | min Core 50%")
    assert ":warning:" in frontier.text
    assert "`min Core 50%` needs $300k of Core products" in frontier.text
    assert frontier.text == allocate.text
    assert files_in(ready, "C0GENERAL") == []


def test_frontier_in_a_channel_without_the_bot_still_answers(ready: SlackDriver) -> None:
    ready.fake.add_channel(FakeChannel("C0QUIET", "quiet", is_member=False))
    answer = ready.command("frontier", channel="C0QUIET")
    text = payload_text(answer)
    assert "/invite @Folio" in text and "*A · Most value" in text


def test_forecast_gives_the_odds_of_a_target_and_the_downside(ready: SlackDriver) -> None:
    text = payload_text(ready.command("forecast | target 1m", user="U0CAROL"))
    assert "*P10*" in text and "*P50*" in text and "*P90*" in text
    assert "*Chance of reaching $1M:" in text
    assert "*What drives the downside*" in text and "*PAY* Payments fails in" in text
    assert "Exact: every combination of successes" in text
    assert "counts in USD" in payload_text(ready.command("forecast | target €1m"))


def test_forecast_with_nothing_funded_says_so(slack: SlackDriver) -> None:
    slack.command("setup Empty")
    slack.command("add IDEA Idea")
    assert "Nothing is funded in Empty yet" in slack.command("forecast").text


def test_outcomes_are_announced_replaced_and_scored(ready: SlackDriver) -> None:
    first = ready.command("outcome CHK failure | on 2027-03-01", user="U0BOB")
    assert first.extra.get("response_type") == "in_channel"
    assert "Recorded *CHK* Checkout: *failure* on 1 Mar 2027" in payload_text(first)
    second = payload_text(ready.command("outcome CHK success | realised 350k | on 2027-03-20"))
    assert "*success*, realised $350k on 20 Mar 2027 (expected $400k at 70% confidence)" in second
    assert "replaces the earlier outcome, *failure* on 1 Mar 2027" in second
    refused = ready.command("outcome MOB success", user="U0CAROL")
    assert "portfolio manager" in refused.text
    assert "still to come" in ready.command("outcome MOB success | on 2030-01-01").text
    ready.command("outcome MOB failure")
    calibration = payload_text(ready.command("calibration", user="U0CAROL"))
    assert "Calibration · Products" in calibration
    assert "*2 outcomes* recorded. Brier score" in calibration
    assert "<@U0BOB> · 1 outcome · Brier 0.09" in calibration
    assert "*By category*" in calibration and "*Growth* · 2 outcomes" in calibration


def test_calibration_with_nothing_recorded_says_how(ready: SlackDriver) -> None:
    text = payload_text(ready.command("calibration"))
    assert "No outcomes recorded yet" in text


def test_roadmap_forecast_dates_each_item_from_its_updates(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("add CHK Checkout v2 | target 2027-Q2", command="/roadmap")
    ready.command("add CHK Apple Pay | target 2027-Q2", command="/roadmap")
    for percent in (10, 30, 50):
        ready.command(f"update CHK-1 in progress {percent}%", command="/roadmap", user="U0BOB")
        clock.advance(days=7)
    text = payload_text(ready.command("forecast CHK", command="/roadmap", user="U0CAROL"))
    assert "Delivery forecast · CHK Checkout" in text
    assert "*CHK-1* Checkout v2 · target 2027-Q2: done by *23 Apr 2027* at its steady pace" in text
    assert "at its steady pace · in time for 2027-Q2" in text
    assert "*CHK-2* Apple Pay · target 2027-Q2: not enough history to forecast (0 dated" in text
    one = payload_text(ready.command("forecast CHK-1", command="/roadmap"))
    assert "CHK-2" not in one


def test_the_status_digest_names_items_likely_to_slip(ready: SlackDriver, clock: Clock) -> None:
    ready.command("add CHK Checkout v2 | target 2027-04-15", command="/roadmap")
    for percent in (10, 15, 20):  # 5 points a week with 80 to go: late for mid-April
        ready.command(f"update CHK-1 in progress {percent}%", command="/roadmap", user="U0BOB")
        clock.advance(days=7)
    text = payload_text(ready.command("digest preview"))
    assert "*Likely to slip at their current pace*" in text
    assert "*CHK-1* Checkout v2: misses 2027-04-15 in every run at its current pace" in text


def test_the_ranking_digest_mentions_a_large_sustained_bias(ready: SlackDriver) -> None:
    for number in range(6):
        key = f"B{number}X"
        ready.command(
            f"add {key} Bet {number} | owner <@U0BOB|bob> | investment 10k | return 50k "
            "| confidence 80%"
        )
        ready.command(f"outcome {key} {'success' if number == 0 else 'failure'}")
    text = payload_text(ready.command("digest preview"))
    assert "Confidence set by <@U0BOB> has been 63 points high over 6 outcomes" in text


def test_the_roadmap_and_the_item_view_show_the_delivery_forecast(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("add CHK Checkout v2 | target 2027-Q2", command="/roadmap")
    ready.command("add CHK Apple Pay", command="/roadmap")
    for percent in (10, 30, 50):
        ready.command(f"update CHK-1 in progress {percent}%", command="/roadmap", user="U0BOB")
        clock.advance(days=7)
    roadmap = payload_text(ready.command("CHK", command="/roadmap"))
    assert "*Delivery forecast* (from each item's own updates)" in roadmap
    assert ":crystal_ball: *CHK-1*: done by *23 Apr 2027* at its steady pace" in roadmap
    assert "1 more open item without 3 dated progress updates yet" in roadmap
    item = payload_text(ready.command("CHK-2", command="/roadmap"))
    assert "*CHK-2*: not enough history to forecast (0 dated progress updates; needs 3)" in item


def test_rank_risk_calibrated_says_which_confidence_it_uses(ready: SlackDriver) -> None:
    plain = payload_text(ready.command("rank risk"))
    assert "calibrated confidence" not in plain
    untouched = payload_text(ready.command("rank risk calibrated"))
    assert "every confidence is as entered" in untouched
    for number in range(5):
        key = f"B{number}X"
        ready.command(
            f"add {key} Bet {number} | owner <@U0BOB|bob> | investment 10k | return 50k "
            "| confidence 80% | category Growth"
        )
        ready.command(f"outcome {key} failure")
    text = payload_text(ready.command("rank risk calibrated"))
    # bob's 5 outcomes ran 80 points high: his CHK moves by 80 × 5/10 = 40 points.
    assert "With *calibrated confidence*:" in text and "*CHK* 70% → 30%" in text
    assert "owner's (else their category's) record" in text
    assert "only risk-adjusted ROI and the score use" in ready.command("rank roi calibrated").text
