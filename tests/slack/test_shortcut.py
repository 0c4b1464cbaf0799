"""The message shortcut "Log as roadmap update": a pre-filled form, the update linked to it."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SlackDriver, payload_text
from tests.slack.surfaces import modal, picked, shortcut, submit, text_of, typed


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK One-page checkout | target 2027-Q2", command="/roadmap")
    return slack


def field(form: dict[str, object], block_id: str) -> dict[str, object]:
    blocks = form["blocks"]
    assert isinstance(blocks, list)
    block = next(b for b in blocks if b.get("block_id") == block_id)
    element = block["element"]
    assert isinstance(element, dict)
    return element


def test_the_shortcut_opens_the_form_filled_in_from_the_message(ready: SlackDriver) -> None:
    ts = ready.fake.add_message(
        "C0ROADMAP", user="U0DAN", text="chk-1: testing, 80% — blocked by the payments vendor"
    )
    response = shortcut(ready, ts, user="U0BOB")
    assert response.status_code == 200
    form = modal(ready)
    assert form["callback_id"] == "modal_post_update"
    assert field(form, "about")["initial_option"]["value"] == "CHK-1"  # type: ignore[index]
    assert field(form, "status")["initial_option"]["value"] == "testing"  # type: ignore[index]
    assert field(form, "progress")["initial_value"] == "80%"
    assert field(form, "blocker")["initial_value"] == "the payments vendor"


def test_the_logged_update_links_the_message_and_checks_it(ready: SlackDriver) -> None:
    ts = ready.fake.add_message(
        "C0ROADMAP", user="U0DAN", text="Vendor says the payments API slips to May"
    )
    shortcut(ready, ts, user="U0BOB")
    form = modal(ready)
    assert field(form, "note")["initial_value"] == "Vendor says the payments API slips to May"
    answer = submit(
        ready,
        form,
        {
            "about": picked("CHK-1"),
            "blocker": typed("the payments API"),
            "note": typed("Vendor says the payments API slips to May"),
        },
        user="U0BOB",
    )
    assert answer == {}
    reactions = [p for p in ready.fake.posts if p.kind == "reaction"]
    assert [(r.channel, r.ts) for r in reactions] == [("C0ROADMAP", ts)]
    permalink = ready.fake.permalink("C0ROADMAP", ts)
    assert permalink in payload_text(ready.command("show CHK"))  # the update links its message
    private = [p for p in ready.fake.posts if p.kind == "response"][-1]
    assert private.extra.get("response_type") == "ephemeral"
    assert "Updated *CHK-1*" in private.text or "CHK-1" in payload_text(private)


def test_a_message_logged_twice_is_refused_next_to_the_picker(ready: SlackDriver) -> None:
    ts = ready.fake.add_message("C0ROADMAP", user="U0BOB", text="CHK-1: in progress 40%")
    shortcut(ready, ts, user="U0BOB")
    values = {"about": picked("CHK-1"), "progress": typed("40%")}
    assert submit(ready, modal(ready), values, user="U0BOB") == {}
    shortcut(ready, ts, user="U0BOB")
    answer = submit(ready, modal(ready), values, user="U0BOB")
    assert "already recorded as an update" in answer["errors"]["about"]


def test_an_unreadable_message_says_why_and_keeps_the_text(ready: SlackDriver) -> None:
    ts = ready.fake.add_message("C0ROADMAP", user="U0BOB", text="CHK-1: tseting 50%")
    shortcut(ready, ts, user="U0BOB")
    form = modal(ready)
    assert "isn't a status" in text_of(form)
    assert field(form, "note")["initial_value"] == "CHK-1: tseting 50%"


def test_someone_who_owns_nothing_is_told_so(ready: SlackDriver) -> None:
    ts = ready.fake.add_message("C0ROADMAP", user="U0BOB", text="CHK-1: done")
    shortcut(ready, ts, user="U0CAROL")
    form = modal(ready)
    assert form["callback_id"] == "modal_notice"
    assert "don't own a product" in text_of(form)


def test_deleting_the_logged_message_retracts_the_update(ready: SlackDriver) -> None:
    ts = ready.fake.add_message("C0ROADMAP", user="U0BOB", text="CHK-1: testing 60%")
    shortcut(ready, ts, user="U0BOB")
    values = {"about": picked("CHK-1"), "status": picked("testing"), "progress": typed("60%")}
    assert submit(ready, modal(ready), values, user="U0BOB") == {}
    assert "checkout — testing 60%" in payload_text(ready.command("CHK", command="/roadmap"))
    ready.delete(ts, user="U0BOB")
    ready.drain()
    assert "checkout — testing 60%" not in payload_text(ready.command("CHK", command="/roadmap"))
