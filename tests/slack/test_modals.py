"""Modals through Bolt: opened with the trigger, checked as the grammar is, answered as commands."""

from __future__ import annotations

import pytest

from handlers.modals.ids import CALLBACKS
from tests.conftest import OTHER_TEAM
from tests.slack.conftest import SlackDriver, payload_text
from tests.slack.surfaces import (
    buttons,
    close,
    form_command,
    homes,
    modal,
    open_home,
    person,
    picked,
    press,
    submit,
    suggest,
    text_of,
    typed,
)


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK One-page checkout | target 2027-Q2", command="/roadmap")
    return slack


def responses(slack: SlackDriver) -> list[str]:
    return [payload_text(p) for p in slack.fake.posts if p.kind == "response"]


def test_bare_add_opens_the_form_first_then_fills_it(ready: SlackDriver) -> None:
    calls = len(ready.fake.calls)
    form_command(ready, "add", user="U0ALICE")
    methods = [c.method for c in ready.fake.calls[calls:] if c.method.startswith("views.")]
    assert methods == ["views.open", "views.update"]  # open with the trigger at once, then load
    form = modal(ready)
    assert form["callback_id"] == "modal_add_product"
    assert [b["block_id"] for b in form["blocks"] if b["type"] == "input"][:3] == [
        "key",
        "name",
        "owner",
    ]


def test_a_field_that_fails_is_refused_next_to_it_in_the_grammars_words(
    ready: SlackDriver,
) -> None:
    form_command(ready, "add", user="U0ALICE")
    answer = submit(
        ready,
        modal(ready),
        {"key": typed("1X"), "name": typed("Thing"), "confidence": typed("150%")},
        user="U0ALICE",
    )
    assert answer["response_action"] == "errors"
    typed_answer = payload_text(ready.command("add 1X Thing"))
    assert answer["errors"]["key"] in typed_answer  # the same words as `/portfolio add 1X …`
    assert "Confidence must be between 0 % and 100 %" in answer["errors"]["confidence"]
    assert "1X" not in payload_text(ready.command("list"))


def test_a_key_that_exists_is_refused_next_to_the_key(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0ALICE")
    answer = submit(
        ready, modal(ready), {"key": typed("CHK"), "name": typed("Again")}, user="U0ALICE"
    )
    assert answer == {
        "response_action": "errors",
        "errors": {"key": answer["errors"]["key"]},
    }
    assert "CHK already exists" in answer["errors"]["key"]


def test_a_valid_form_adds_and_answers_exactly_as_the_command(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0ALICE")
    answer = submit(
        ready,
        modal(ready),
        {
            "key": typed("new"),
            "name": typed("New Thing"),
            "owner": person("U0DAN"),
            "investment": typed("50k"),
            "return": typed("90k"),
            "stage": picked("research"),
        },
        user="U0ALICE",
    )
    assert answer == {}  # closes the modal
    answered = [p for p in ready.fake.posts if p.kind == "response"][-1]
    assert answered.extra.get("response_type") == "in_channel"
    typed_answer = payload_text(
        ready.command(
            "add NEW2 New Thing | owner <@U0DAN|dan> | investment 50k | return 90k | stage research"
        )
    )
    assert payload_text(answered).replace("NEW", "NEW2") == typed_answer
    assert homes(ready, "U0ALICE") and homes(ready, "U0DAN")  # both homes republished


def test_only_portfolio_managers_get_the_add_product_form(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0CAROL")
    form = modal(ready)
    assert form["callback_id"] == "modal_notice" and "submit" not in form
    assert "Only portfolio managers can add products" in text_of(form)


def test_roadmap_add_form_adds_an_item(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0BOB", command="/roadmap")
    form = modal(ready)
    assert form["callback_id"] == "modal_add_item"
    answer = submit(
        ready,
        form,
        {"product": picked("CHK"), "title": typed("Saved carts"), "target": typed("2027-13")},
        user="U0BOB",
    )
    assert answer["response_action"] == "errors" and "target" in answer["errors"]
    answer = submit(
        ready,
        form,
        {"product": picked("CHK"), "title": typed("Saved carts"), "target": typed("2027-Q3")},
        user="U0BOB",
    )
    assert answer == {}
    assert "Added *CHK-2* Saved carts" in responses(ready)[-1]


def test_view_closed_is_acknowledged(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0ALICE")
    response = close(ready, modal(ready), user="U0ALICE")
    assert response.status_code == 200


def test_post_update_from_app_home_records_it_and_tops_the_tab(ready: SlackDriver) -> None:
    home = open_home(ready, "U0BOB")
    press(ready, home, "home_post_update:CHK", user="U0BOB")
    form = modal(ready)
    assert form["callback_id"] == "modal_post_update"
    about = next(b for b in form["blocks"] if b.get("block_id") == "about")
    assert about["element"]["initial_option"]["value"] == "CHK"
    answer = submit(
        ready, form, {"about": picked("CHK"), "status": picked("testing")}, user="U0BOB"
    )
    assert answer["response_action"] == "errors"
    assert "belong to a roadmap item" in answer["errors"]["status"]
    answer = submit(
        ready,
        form,
        {
            "about": picked("CHK-1"),
            "status": picked("testing"),
            "progress": typed("80%"),
            "blocker": typed("the payments vendor"),
            "health": picked("at risk"),
            "metrics": typed("revenue 120k, csat 4.4"),
        },
        user="U0BOB",
    )
    assert answer == {}
    roadmap = payload_text(ready.command("CHK", command="/roadmap", user="U0BOB"))
    assert "testing 80%" in roadmap and "the payments vendor" in roadmap
    card = payload_text(ready.command("show CHK"))
    assert "at risk" in card and "revenue $120k" in card
    top = text_of(homes(ready, "U0BOB")[-1])
    assert "Updated *CHK-1*" in top and "Health of *CHK*" in top


def test_post_update_metrics_are_read_as_chat_reads_them(ready: SlackDriver) -> None:
    home = open_home(ready, "U0BOB")
    press(ready, home, "home_post_update:CHK", user="U0BOB")
    answer = submit(
        ready, modal(ready), {"about": picked("CHK"), "metrics": typed("revenue")}, user="U0BOB"
    )
    assert answer["errors"] == {
        "metrics": "`revenue` needs a value, like `CHK metrics: revenue 120k, csat 4.4`."
    }


def test_over_a_hundred_products_the_picker_is_searched(slack: SlackDriver) -> None:
    slack.command("setup Products")
    for number in range(101):
        slack.command(f"add P{number:03d} Product {number}")
    slack.command("add CHK Checkout")
    home = open_home(slack, "U0ALICE")
    assert "home_post_update:CHK" not in buttons(home)  # alice owns nothing
    form_command(slack, "add", user="U0ALICE", command="/roadmap")
    form = modal(slack)
    picker = next(b for b in form["blocks"] if b.get("block_id") == "product")
    assert picker["element"]["type"] == "external_select"
    options = suggest(slack, form, "product", "chec", user="U0ALICE")
    assert [o["value"] for o in options] == ["CHK"]
    assert len(suggest(slack, form, "product", "", user="U0ALICE")) == 100


def test_a_submission_naming_another_workspaces_product_changes_nothing(
    ready: SlackDriver,
) -> None:
    home = open_home(ready, "U0BOB")
    press(ready, home, "home_edit_product:CHK", user="U0BOB")
    form = modal(ready)
    assert form["callback_id"] == "modal_edit_product"
    answer = submit(
        ready,
        form,
        {"name": typed("Hijacked"), "health": picked("off track"), "stage": picked("decline")},
        user="U0MALLORY",
        team=OTHER_TEAM,
    )
    assert answer["response_action"] == "errors"
    card = payload_text(ready.command("show CHK"))
    assert "Hijacked" not in card and "off track" not in card


def test_edit_product_sets_only_what_changed(ready: SlackDriver) -> None:
    home = open_home(ready, "U0BOB")
    press(ready, home, "home_edit_product:CHK", user="U0BOB")
    form = modal(ready)
    assert not any(b.get("block_id") == "owner" for b in form["blocks"])  # owners can't reassign
    answer = submit(
        ready,
        form,
        {
            "name": typed("Checkout"),
            "investment": typed("120000"),
            "return": typed("400000"),
            "confidence": typed("70%"),
            "category": typed("General"),
            "stage": picked("testing"),
            "health": picked("on track"),
        },
        user="U0BOB",
    )
    assert answer == {}
    top = text_of(homes(ready, "U0BOB")[-1])
    assert "stage" in top and "testing" in top
    assert "confidence" in top and "proposed" in top.lower()  # an owner proposes funding inputs


@pytest.mark.parametrize("callback", CALLBACKS)
def test_every_modal_bolt_may_receive_is_answered_when_closed(
    slack: SlackDriver, callback: str
) -> None:
    view = {
        "type": "modal",
        "callback_id": callback,
        "title": {"type": "plain_text", "text": "Folio"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "…"}}],
        "private_metadata": "{not json",
    }
    assert close(slack, view, user="U0ALICE").status_code == 200


def test_a_view_with_nothing_to_submit_is_answered(ready: SlackDriver) -> None:
    form_command(ready, "add", user="U0CAROL")  # a refusal: a notice, without inputs
    assert submit(ready, modal(ready), {}, user="U0CAROL") == {}


def test_metadata_that_is_not_ours_changes_nothing(ready: SlackDriver) -> None:
    home = open_home(ready, "U0BOB")
    press(ready, home, "home_edit_product:CHK", user="U0BOB")
    form = {**modal(ready), "private_metadata": '{"key": "<!channel>", "via": "sideways"}'}
    answer = submit(ready, form, {"name": typed("Renamed")}, user="U0BOB")
    assert answer["response_action"] == "errors"
    assert "Renamed" not in payload_text(ready.command("show CHK"))


def test_a_trigger_slack_refuses_is_answered_with_the_command_to_type(ready: SlackDriver) -> None:
    ready.fake.fail_next("views.open", status=200, error="expired_trigger_id")
    form_command(ready, "add", user="U0ALICE")
    assert ready.fake.wait_for(lambda f: any(p.kind == "response" for p in f.posts))
    assert "Type it instead: `/portfolio add CHK Checkout" in responses(ready)[-1]
    assert not ready.fake.calls_to("views.update")
