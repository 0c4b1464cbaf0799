"""One grammar for chat and for commands: the same words, typos, keys, limits and currency."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SlackDriver, payload_text


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK Checkout v2 | target 2027-Q1", command="/roadmap")
    slack.command("add CHK Saved carts", command="/roadmap")
    return slack


def roadmap(slack: SlackDriver) -> str:
    return payload_text(slack.command("CHK", command="/roadmap"))


def card(slack: SlackDriver) -> str:
    return payload_text(slack.command("show CHK"))


def effects(slack: SlackDriver) -> list[tuple[str, str]]:
    slack.drain()
    return [(p.kind, p.text) for p in slack.fake.posts if p.kind in ("reaction", "ephemeral")]


def test_a_mistyped_status_in_chat_is_answered_not_checked(ready: SlackDriver) -> None:
    before = roadmap(ready)
    ready.say("CHK-2: tseting 50%")
    [(kind, text)] = effects(ready)
    assert kind == "ephemeral"
    assert "`tseting` isn't a status. Did you mean `testing`?" in text
    assert roadmap(ready) == before
    slash = payload_text(ready.command("update CHK-2 tseting 50%", command="/roadmap"))
    assert "Did you mean `testing`?" in slash  # the slash command says the same


def test_a_key_in_lower_case_is_recorded(ready: SlackDriver) -> None:
    ready.say("chk-1: testing 95%")
    assert [kind for kind, _ in effects(ready)] == ["reaction"]
    assert "Checkout v2 — testing 95%" in roadmap(ready)
    assert "CHK · Checkout" in payload_text(ready.command("show chk"))


def test_health_colours_work_in_set_as_in_chat(ready: SlackDriver) -> None:
    ready.command("set CHK | health red")
    assert "off track" in card(ready)
    ready.say("CHK: amber, vendor late")
    ready.settle(1)
    assert "at risk" in card(ready)


def test_a_metric_in_another_currency_is_refused_like_a_slash_command(
    ready: SlackDriver,
) -> None:
    ready.say("CHK metrics: revenue €5k")
    [(kind, text)] = effects(ready)
    assert kind == "ephemeral"
    assert "counts in USD" in text and "EUR" in text
    assert "revenue" not in card(ready)
    ready.say("CHK metrics: revenue $5k")
    ready.settle(1)
    assert "revenue $5,000" in card(ready) or "revenue $5k" in card(ready)


def test_a_note_longer_than_the_slash_limit_is_refused_in_chat(ready: SlackDriver) -> None:
    ready.say("CHK-1: " + "waiting on legal " * 275)  # 4,400 characters
    [(kind, text)] = effects(ready)
    assert kind == "ephemeral" and "at most 500 characters" in text
    slash = payload_text(
        ready.command("update CHK-1 | note " + "waiting on legal " * 275, command="/roadmap")
    )
    assert "at most 500 characters" in slash


def test_a_prefix_one_letter_off_a_key_gets_a_quiet_hint(ready: SlackDriver) -> None:
    ready.say("CHX-1: testing 50%")
    [(kind, text)] = effects(ready)
    assert kind == "ephemeral" and "Did you mean `CHK-1:`?" in text
    reply = next(p for p in ready.fake.posts if p.kind == "ephemeral")
    assert reply.user == "U0BOB"  # only the author sees it


@pytest.mark.parametrize("text", ["FYI: lunch is here", "NOTE: standup moved", "re: lunch"])
def test_ordinary_prefixes_stay_silent(ready: SlackDriver, text: str) -> None:
    ready.say(text)
    assert effects(ready) == []


def test_an_archived_product_says_so_instead_of_silence(ready: SlackDriver) -> None:
    ready.command("remove CHK")
    ready.say("CHK-1: testing")
    [(kind, text)] = effects(ready)
    assert kind == "ephemeral" and "archived" in text and "/portfolio restore CHK" in text


@pytest.mark.parametrize("clearing", ["| blocker none", "| blocker -", "| unblocked", "unblocked"])
def test_blocker_none_clears_the_blocker(ready: SlackDriver, clearing: str) -> None:
    ready.command("update CHK-1 | blocker legal review", command="/roadmap")
    assert "blocked by legal review" in roadmap(ready)
    answer = payload_text(ready.command(f"update CHK-1 {clearing}", command="/roadmap"))
    assert "blocked by" not in roadmap(ready)
    assert "blocked by -" not in answer and "blocked by none" not in answer


def test_blocker_none_in_chat_clears_too(ready: SlackDriver) -> None:
    ready.command("update CHK-1 | blocker legal review", command="/roadmap")
    ready.say("CHK-1: blocker: none")
    ready.settle(1)
    assert "blocked by" not in roadmap(ready)


def test_reopening_a_done_item_in_chat_says_so(ready: SlackDriver) -> None:
    ready.command("update CHK-1 done", command="/roadmap")
    ready.say("CHK-1: testing 60%")
    found = effects(ready)
    assert [kind for kind, _ in found] == ["reaction", "ephemeral"]
    assert "reopened" in found[1][1] and "*done*" in found[1][1] and "*testing*" in found[1][1]
    assert "Checkout v2 — testing 60%" in roadmap(ready)


def test_reopening_a_done_item_with_the_slash_command_says_so(ready: SlackDriver) -> None:
    ready.command("update CHK-1 done", command="/roadmap")
    answer = payload_text(ready.command("update CHK-1 testing 60%", command="/roadmap"))
    assert "Reopened" in answer and "was done" in answer


def test_an_update_edited_into_plain_chat_loses_its_check(ready: SlackDriver) -> None:
    ts = ready.say("CHK-1: testing 60%")
    ready.settle(1)
    ready.edit(ts, "never mind, wrong channel", previous="CHK-1: testing 60%")
    ready.drain()
    reactions = [p for p in ready.fake.posts if p.kind == "reaction"]
    assert [(p.ts, p.extra.get("removed", False)) for p in reactions] == [(ts, False), (ts, True)]
    assert "Checkout v2 — planned 0%" in roadmap(ready)


def test_an_item_update_that_changes_nothing_but_notes_is_still_recorded(
    ready: SlackDriver,
) -> None:
    ready.say("CHK-1: waiting on design")
    assert [kind for kind, _ in effects(ready)] == ["reaction"]
    assert "waiting on design" in card(ready)
