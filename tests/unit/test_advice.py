"""What a person is told when Slack fails after the ack: true advice for each kind of error."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from handlers.advice import APOLOGY, failure_text
from handlers.directory import PeopleRefused, PeopleUnavailable


def refused(method: str, data: dict[str, Any], status: int = 200) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.com/api/{method}",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)  # type: ignore[no-untyped-call]


def code(method: str, error: str, status: int = 200, **extra: str) -> SlackApiError:
    return refused(method, {"ok": False, "error": error, **extra}, status)


POST = "chat.postMessage"
CASES: list[tuple[Exception, str, str]] = [
    (code(POST, "msg_too_long"), "ask for less", "try again"),
    (code(POST, "invalid_blocks"), "a bug in Folio", "try again"),
    (
        code("files.getUploadURLExternal", "missing_scope", needed="files:write"),
        "`files:write`",
        "try",
    ),
    (code(POST, "token_revoked"), "reinstall Folio", "try again"),
    (code(POST, "not_in_channel"), "/invite @Folio", "try again"),
    (code(POST, "fatal_error", 500), "try again in a minute", "bug"),
    (code(POST, "ratelimited", 429), "try again in a minute", "bug"),
    (code(POST, "cant_do_it"), "`cant_do_it`", "try again"),
    (PeopleUnavailable("users.info timed out"), "could not check your role", "Only portfolio"),
    (PeopleRefused("missing_scope", "users:read"), "`users:read` scope", "try again"),
    (OSError("connection reset"), "could not reach Slack", "bug"),
]


@pytest.mark.parametrize(("error", "says", "never"), CASES)
def test_each_failure_gets_advice_that_is_true(error: Exception, says: str, never: str) -> None:
    text = failure_text(error)
    assert says in text and never not in text


def test_a_bug_of_ours_gets_the_apology() -> None:
    assert failure_text(KeyError("x")) == APOLOGY


def test_a_method_name_from_the_answer_is_checked_before_it_is_shown() -> None:
    error = refused("<!channel>", {"ok": False, "error": "missing_scope"})
    assert "<!channel>" not in failure_text(error) and "a Slack call" in failure_text(error)
