"""Which events the inbox keeps, and which failures it retries."""

from __future__ import annotations

import sqlite3
import urllib.error
from http.client import RemoteDisconnected
from typing import Any, cast

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import DataError, DBAPIError

from handlers.chat import is_chat_update
from handlers.directory import PeopleUnavailable
from handlers.inbox import InboxWorker, describe, transient
from tests.support.forks import names_in_a_fork


def message(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": "U0BOB", "text": text, "ts": "1.1", **extra}


@pytest.mark.parametrize(
    ("event", "kept"),
    [
        (message("CHK-1: testing 80%"), True),
        (message("CHK: at risk"), True),
        (message("lunch is here"), False),
        (message("CHK-1: done", bot_id="B1"), False),
        (message("CHK-1: done", subtype="channel_join"), False),
        (message("CHK-1: done", subtype="thread_broadcast"), True),
        ({"type": "reaction_added", "user": "U0BOB"}, False),
        (
            {
                "type": "message",
                "subtype": "message_changed",
                "message": message("CHK-1: done"),
                "previous_message": message("lunch"),
            },
            True,  # an edit can make a message an update …
        ),
        (
            {
                "type": "message",
                "subtype": "message_changed",
                "message": message("lunch"),
                "previous_message": message("CHK-1: done"),
            },
            True,  # … or retract one
        ),
        (
            {
                "type": "message",
                "subtype": "message_changed",
                "message": message("see https://example.com"),
                "previous_message": message("see https://example.com"),
            },
            False,  # a link preview arriving
        ),
        (
            {"type": "message", "subtype": "message_deleted", "deleted_ts": "1.1"},
            True,  # the deleted text is unknown: it may have been an update
        ),
        (
            {
                "type": "message",
                "subtype": "message_deleted",
                "deleted_ts": "1.1",
                "previous_message": message("lunch"),
            },
            False,
        ),
    ],
)
def test_only_messages_that_may_be_updates_are_kept(event: dict[str, Any], kept: bool) -> None:
    assert is_chat_update(event) is kept


def slack_error(status: int, error: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/reactions.add",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError("failed", response)  # type: ignore[no-untyped-call]


def database_error(cause: Exception) -> DBAPIError:
    error = DBAPIError.instance("INSERT …", {}, cause, sqlite3.Error)
    assert isinstance(error, DBAPIError)
    return error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), True),
        (RemoteDisconnected("Remote end closed connection"), True),
        (TimeoutError("timed out"), True),
        (PeopleUnavailable("users.info answered HTTP 500"), True),
        (slack_error(500, "fatal_error"), True),
        (slack_error(429, "ratelimited"), True),
        (slack_error(200, "channel_not_found"), False),
        (slack_error(200, "invalid_auth"), False),
        (database_error(sqlite3.OperationalError("database is locked")), True),
        (database_error(sqlite3.OperationalError("unable to open database file")), True),
        (DataError("INSERT …", {}, ValueError("NUL")), False),
        (KeyError("user"), False),
    ],
)
def test_transient_failures_are_told_apart_from_permanent_ones(
    error: Exception, retried: bool
) -> None:
    assert transient(error) is retried


def test_a_failure_is_described_in_one_short_line() -> None:
    assert describe(slack_error(503, "service_unavailable")) == "Slack 503 service_unavailable"
    described = describe(database_error(sqlite3.OperationalError("database is locked")))
    assert described == "OperationalError: database is locked"
    assert "\n" not in describe(ValueError("two\nlines"))


def test_each_forked_worker_claims_under_a_name_of_its_own() -> None:
    """gunicorn builds the app in the master and forks the workers: a worker's claims must
    not carry the master's name (nor another worker's), or a takeover would go unnoticed."""
    worker = InboxWorker(cast(Any, None), cast(Any, None))
    before = worker.runner
    assert worker.runner == before  # stable within a process
    first, second, pid = names_in_a_fork(lambda: worker.runner)
    assert first == second != before
    assert f":{pid}:" in first
    assert worker.runner == before
    assert InboxWorker(cast(Any, None), cast(Any, None), runner="given").runner == "given"
