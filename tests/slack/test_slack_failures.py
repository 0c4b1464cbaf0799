"""Slack slow, failing or refusing: every person still gets an answer that is true.

users.info hanging costs one timeout, not everyone's commands; a response_url answer is
retried, and given by chat.postEphemeral when Slack refuses it; a permanent refusal says what
fixes it; a refused ✅ is said another way; a failure after the ack never becomes a 404.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.listener import thread_runner

from console.loopback import FakeUser, Post
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.slack_requests import sign, slash_command_body

CLIENT_TRIES = 4  # one call and three retries


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob>")
    slack.command("add CHK Checkout v2", command="/roadmap")
    return slack


@pytest.fixture
def slow_ack_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt's HTTP thread looks for ack() every 0.3 s: a lost ack would show as a 404."""
    slow = SimpleNamespace(time=time.time, sleep=lambda seconds: time.sleep(max(seconds, 0.3)))
    monkeypatch.setattr(thread_runner, "time", slow)


def answers(slack: SlackDriver, kinds: tuple[str, ...] = ("response", "ephemeral")) -> list[Post]:
    return [p for p in slack.fake.posts if p.kind in kinds]


def send(slack: SlackDriver, text: str, user: str) -> tuple[int, float]:
    """A slash command from its own HTTP client: the status and how long the answer took."""
    body = slash_command_body(
        "/portfolio",
        text,
        team_id=slack.team,
        user_id=user,
        channel_id="C0GENERAL",
        response_url=slack.fake.new_response_url(channel="C0GENERAL", user=user),
    )
    started = time.monotonic()
    response = slack.client.application.test_client().post(
        "/slack/events", data=body.encode(), headers=sign(body)
    )
    return response.status_code, time.monotonic() - started


# ------------------------------------------------------------ users.info slow or failing


def test_a_hanging_users_info_costs_one_timeout_not_everyones_commands(
    ready: SlackDriver,
) -> None:
    newcomers = [f"U0NEW{n:03d}" for n in range(48)]
    for user in newcomers:
        ready.fake.add_user(FakeUser(user, user.lower(), f"New {user}"))
    before = len(answers(ready))
    ready.fake.slow_down("users.info", 10)  # Slack hangs on every lookup
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        asked = [pool.submit(send, ready, "list", user) for user in newcomers]
        asked += [pool.submit(send, ready, "show CHK", "U0ALICE") for _ in range(5)]
        results = [future.result() for future in asked]
    assert [status for status, _ in results] == [200] * 53  # every one acknowledged …
    assert max(took for _, took in results) < 3  # … within Slack's 3 seconds
    assert ready.fake.wait_for(lambda f: len(answers(ready)) - before >= 53, timeout=30)
    elapsed = time.monotonic() - started
    texts = [payload_text(p) for p in answers(ready)[before:]]
    by_user: dict[str | None, list[str]] = {}
    for post, text in zip(answers(ready)[before:], texts, strict=True):
        by_user.setdefault(post.user, []).append(text)
    assert all("could not check your role" in by_user[user][0] for user in newcomers)
    assert all("Only portfolio managers" not in text for text in texts)
    assert len(by_user["U0ALICE"]) == 5  # known already: answered from the cache
    assert all("Checkout" in text for text in by_user["U0ALICE"])
    assert elapsed < 15  # one lookup timeout per listener thread, not one per person
    assert len(ready.fake.calls_to("users.info")) <= 8  # the rest did not wait on Slack


def test_someone_known_is_answered_from_the_cache_while_users_info_hangs(
    ready: SlackDriver,
) -> None:
    ready.folio.directory.ttl = 0  # alice's entry is stale
    ready.fake.slow_down("users.info", 10)
    answer = ready.command("add PAY Payments")
    assert "PAY" in answer.text and "could not check" not in payload_text(answer)


def test_users_info_failing_says_the_role_was_not_checked_never_not_a_manager(
    ready: SlackDriver,
) -> None:
    ready.fake.add_user(FakeUser("U0ADMIN2", "erin", "Erin Admin", is_admin=True))
    ready.fake.fail_next("users.info", status=500, times=CLIENT_TRIES)
    answer = ready.command("add PAY Payments", user="U0ADMIN2")
    assert "could not check your role" in answer.text
    assert "Only portfolio managers" not in payload_text(answer)
    assert "PAY" not in payload_text(ready.command("list"))


def test_users_info_refused_for_good_says_which_scope_to_add(
    ready: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    ready.fake.add_user(FakeUser("U0ADMIN2", "erin", "Erin Admin", is_admin=True))
    ready.fake.fail_next("users.info", status=200, error="missing_scope")
    answer = payload_text(ready.command("add PAY Payments", user="U0ADMIN2"))
    assert "could not check your role" in answer and "`missing_scope`" in answer
    assert "`users:read`" in answer and "manifest.yml" in answer and "reinstall" in answer
    assert "Only portfolio managers" not in answer
    assert "users.info refused team=T0TEST user=U0ADMIN2 error=missing_scope" in caplog.text


# ------------------------------------------------------------ response_url answers


def test_a_response_url_answer_is_retried_after_a_500(ready: SlackDriver) -> None:
    ready.fake.fail_next("response_url", status=500)
    answer = ready.command("show CHK")
    assert "Checkout" in payload_text(answer)
    assert len(ready.fake.calls_to("response_url")) >= 2
    assert answers(ready, ("ephemeral",)) == []


def test_a_response_url_failing_on_every_retry_falls_back_to_an_ephemeral(
    ready: SlackDriver,
) -> None:
    earlier = len(ready.fake.calls_to("response_url"))
    ready.fake.fail_next("response_url", status=503, times=CLIENT_TRIES)
    url = ready.fake.new_response_url(channel="C0GENERAL", user="U0ALICE")
    body = slash_command_body(
        "/portfolio",
        "show CHK",
        team_id=ready.team,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=url,
    )
    assert ready.post(body).status_code == 200
    assert ready.fake.wait_for(lambda f: bool(answers(ready, ("ephemeral",))), timeout=15)
    assert len(ready.fake.calls_to("response_url")) - earlier == CLIENT_TRIES
    (ephemeral,) = answers(ready, ("ephemeral",))
    assert "Checkout" in payload_text(ephemeral)


def test_a_response_url_answer_waits_out_a_429(ready: SlackDriver) -> None:
    ready.fake.fail_next("response_url", status=429, retry_after=1)
    assert "Checkout" in payload_text(ready.command("show CHK"))


@pytest.mark.parametrize("code", ["expired_url", "used_url"])
def test_a_refused_response_url_answer_is_logged_and_given_as_an_ephemeral(
    ready: SlackDriver, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    ready.fake.fail_next("response_url", status=404, error=code)
    url = ready.fake.new_response_url(channel="C0GENERAL", user="U0ALICE")
    body = slash_command_body(
        "/portfolio",
        "show CHK",
        team_id=ready.team,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=url,
    )
    assert ready.post(body).status_code == 200
    assert ready.fake.wait_for(lambda f: bool(answers(ready, ("ephemeral",))), timeout=10)
    (ephemeral,) = answers(ready, ("ephemeral",))
    assert ephemeral.user == "U0ALICE" and ephemeral.channel == "C0GENERAL"
    assert "Checkout" in payload_text(ephemeral)
    assert (
        "response_url refused the answer team=T0TEST user=U0ALICE command=/portfolio show "
        f"status=404 error={code}"
    ) in caplog.text


def test_an_answer_slack_refuses_for_its_blocks_still_reaches_the_person_as_text(
    ready: SlackDriver,
) -> None:
    ready.fake.fail_next("response_url", status=400, error="invalid_blocks")
    url = ready.fake.new_response_url(channel="C0GENERAL", user="U0ALICE")
    body = slash_command_body(
        "/portfolio",
        "show CHK",
        team_id=ready.team,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=url,
    )
    assert ready.post(body).status_code == 200
    assert ready.fake.wait_for(lambda f: bool(answers(ready, ("ephemeral",))), timeout=10)
    (ephemeral,) = answers(ready, ("ephemeral",))
    assert ephemeral.blocks is None and "CHK" in ephemeral.text


# ------------------------------------------------------------ true advice after the ack


@pytest.mark.usefixtures("slow_ack_poll")
def test_export_with_conversations_open_failing_is_answered_not_404(ready: SlackDriver) -> None:
    ready.fake.fail_next("conversations.open", status=500, times=CLIENT_TRIES)
    answer = ready.command("export")  # asserts 200: acknowledged, not Bolt's 404
    assert "Slack is failing or busy right now" in answer.text
    assert "`conversations.open` answered `fatal_error`" in answer.text
    assert "try again in a minute" in answer.text


@pytest.mark.parametrize(
    ("method", "scope"),
    [("conversations.open", "im:write"), ("files.getUploadURLExternal", "files:write")],
)
def test_a_missing_scope_names_the_scope_and_the_manifest(
    ready: SlackDriver, caplog: pytest.LogCaptureFixture, method: str, scope: str
) -> None:
    ready.fake.fail_next(method, status=200, error="missing_scope")
    answer = ready.command("export")
    assert f"Slack refused `{method}` (`missing_scope`)" in answer.text
    assert f"`{scope}`" in answer.text and "manifest.yml" in answer.text
    assert "try again" not in answer.text
    assert f"error=missing_scope needed={scope}" in caplog.text


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_token_slack_rejects_is_said_plainly(ready: SlackDriver, code: str) -> None:
    ready.fake.fail_next("conversations.open", status=200, error=code)
    answer = ready.command("export")
    assert f"(`{code}`)" in answer.text and "reinstall Folio" in answer.text
    assert "SLACK_BOT_TOKEN" in answer.text and "try again" not in answer.text


@pytest.mark.usefixtures("slow_ack_poll")
def test_an_event_whose_processing_fails_is_still_acknowledged(
    ready: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ready.folio.services.updates, "record", broken)
    ready.say("CHK-1: testing 50%")  # asserts 200
    ready.drain()


# ------------------------------------------------------------ a refused ✅


def test_a_refused_reaction_is_logged_and_the_author_told_their_update_is_recorded(
    ready: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    ready.fake.fail_next("reactions.add", status=200, error="too_many_reactions")
    ready.say("CHK-1: testing 60%")
    (told,) = ready.settle(1, kinds=("ephemeral",))
    assert told.user == "U0BOB" and "Recorded your update" in told.text
    assert "`too_many_reactions`" in told.text
    assert "CHK-1: testing 60%" in payload_text(ready.command("show CHK"))
    assert "reaction refused team=T0TEST channel=C0ROADMAP user=U0BOB error=too_many_reactions" in (
        caplog.text
    )
