"""The log filter: no token or secret, one record per line, never a whole body."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from handlers.log_safety import MAX_MESSAGE, SafeLogs, one_line, redact


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(SafeLogs(["sh-signing-secret"]))
    logger = logging.getLogger("folio.test.safety")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "text",
    [
        "xoxb-1234-5678-abcdef",
        "xoxp-1-2-3",
        "xoxe.xoxp-1-Mi0yLTE",
        "xoxe-1-My0xLTI",
        "xapp-1-A0FOLIO-1-abc",
        '{"access_token": "opaque-value-42"}',
        "Authorization: Bearer opaque-value-42",
        "Basic b3BhcXVlLXZhbHVlLTQy",
        "client_secret=opaque-value-42",
        "sh-signing-secret",
    ],
)
def test_no_token_or_secret_survives(text: str) -> None:
    shown = redact(f"before {text} after", ["sh-signing-secret"])
    for secret in ("1234-5678", "Mi0yLTE", "My0xLTI", "A0FOLIO", "opaque-value-42", "sh-signing"):
        assert secret not in shown
    assert "b3BhcXVl" not in shown
    assert "(redacted)" in shown and shown.startswith("before ") and shown.endswith(" after")


def test_passwords_in_urls_and_response_url_paths_are_hidden() -> None:
    shown = redact("postgresql://folio:hunter2@db/folio https://hooks.slack.com/commands/T1/2/x")
    assert "hunter2" not in shown and "T1/2/x" not in shown


def test_error_codes_stay_readable() -> None:
    assert redact("users.info refused error=missing_scope needed=users:read code=x") == (
        "users.info refused error=missing_scope needed=users:read code=x"
    )


def test_a_message_is_one_line_whatever_its_arguments_hold(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log
    logger.info("command verb=%s", "show\n2099-01-01 00:00:00,000 ERROR folio FORGED\r\x1b[31m")
    (line,) = stream.getvalue().splitlines()
    assert line == "INFO folio.test.safety command verb=show\\n2099-01-01 00:00:00,000 ERROR " + (
        "folio FORGED\\r\\x1b[31m"
    )


def test_a_lone_surrogate_is_escaped_not_an_error(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.warning("text=%s", "a\ud800b")
    assert stream.getvalue() == "WARNING folio.test.safety text=a\\ud800b\n"
    assert one_line("\u2028") == "\\u2028"


def test_a_huge_message_is_cut_to_a_summary(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.info("body=%s", "x" * 2_000_000)
    assert len(stream.getvalue()) < MAX_MESSAGE + 200
    assert "more characters not logged" in stream.getvalue()


def test_a_traceback_is_redacted_and_indented(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    try:
        raise ValueError("bad token xoxb-1-2-3\n2099-01-01 00:00:00,000 ERROR folio FORGED")
    except ValueError:
        logger.exception("failed")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "ERROR folio.test.safety failed"
    assert all(line.startswith("    ") for line in lines[1:]) and len(lines) > 2
    assert "xoxb-1-2-3" not in stream.getvalue()
