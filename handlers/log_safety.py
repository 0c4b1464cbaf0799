"""Log lines that are safe to keep: no token or secret, one record per line, never a body.

`SafeLogs` is a logging.Filter put on every handler (bot.configure_logging), so it sees every
record from every logger, whatever level is set, slack_sdk's DEBUG lines (request headers,
`oauth.v2.access` answers with the installed token) included. For each record it:

- renders the message and its arguments once, then redacts Slack tokens (`xoxb-…`, `xoxp-…`,
  `xoxe.xoxp-…`, `xapp-…`), `Bearer`/`Basic` credentials, `"token": …`-style fields,
  response_url paths, passwords in URLs and every secret it was given by value;
- escapes line breaks and other control characters (`\\n` shows as the two characters `\\n`),
  so no request text can start a forged log line; lone surrogates are escaped, not an error;
- cuts a message to MAX_MESSAGE characters, so a 2 MB body can never grow the log by 2 MB;
- formats a traceback once, redacted, with each of its lines indented: only a real record
  starts at the beginning of a line.

`quiet_bolt` drops Bolt's two lines that are no use: the request body it logs on a bad
signature (the web guard refuses those before Bolt sees them) and "As you gave `client` as
well, `token` will be unused" on every start.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable

MAX_MESSAGE = 2000
MAX_TRACEBACK = 20_000
REDACTED = "(redacted)"
_TOKEN_RE = re.compile(r"\b(xox[a-z]?(?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]+")
_AUTH_RE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_FIELD_RE = re.compile(
    r"""(?P<key>["']?\b(?:[a-z_]{0,30}token|[a-z_]{0,30}secret|password|authorization)["']?)"""
    r"""(?P<sep>\s*[:=]\s*)(?P<quote>["']?)(?P<value>[^"'\s,&}{()\[\]]+)""",
    re.IGNORECASE,
)
_HOOK_RE = re.compile(r"(hooks\.slack(?:-gov)?\.com)/[^\s\"'<>)]+")
_URL_PASSWORD_RE = re.compile(r"(://[^:/@\s]+:)[^@/\s]+@")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_DONE = "_folio_safe"
_BOLT_NOISE = (
    "As you gave `client` as well, `token` will be unused",
    "Invalid request signature detected",
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with every token, credential and given secret replaced by (redacted)."""
    text = _AUTH_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _FIELD_RE.sub(
        lambda m: f"{m.group('key')}{m.group('sep')}{m.group('quote')}{REDACTED}", text
    )
    text = _TOKEN_RE.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _HOOK_RE.sub(lambda m: f"{m.group(1)}/{REDACTED}", text)
    return _URL_PASSWORD_RE.sub(lambda m: f"{m.group(1)}***@", text)


def one_line(text: str) -> str:
    """Text with line breaks and other control characters written as escapes."""
    return _CONTROL_RE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r"}.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def summary(text: str, limit: int = MAX_MESSAGE) -> str:
    """Text cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters not logged)"


class SafeLogs(logging.Filter):
    """Redact, escape and cut every record a handler emits (see the module's docstring)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len))[::-1]

    def filter(self, record: logging.LogRecord) -> bool:
        """Make the record safe (once, however many handlers see it); never drop it."""
        if getattr(record, _DONE, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, safely
            message = f"{record.msg!r} % {record.args!r}"
        # Cut first: the patterns then never run over a whole body (and stay linear).
        record.msg = one_line(redact(summary(message), self.secrets))
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = _indented(redact(summary(text, MAX_TRACEBACK), self.secrets))
        elif record.exc_text:
            record.exc_text = _indented(
                redact(summary(record.exc_text, MAX_TRACEBACK), self.secrets)
            )
        if record.stack_info:
            record.stack_info = _indented(
                redact(summary(record.stack_info, MAX_TRACEBACK), self.secrets)
            )
        setattr(record, _DONE, True)
        return True


def _indented(text: str) -> str:
    """A multi-line text with each line indented and escaped: it can't pass for a record."""
    return "\n".join("    " + one_line(line) for line in text.rstrip("\n").split("\n"))


class QuietBolt(logging.Filter):
    """Drop Bolt's start-up token warning and its bad-signature line (which holds the body)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the two lines above; every other record passes."""
        message = record.msg if isinstance(record.msg, str) else ""
        return not message.startswith(_BOLT_NOISE)


def quiet_bolt(logger: logging.Logger) -> None:
    """Put QuietBolt on Bolt's base logger (Bolt copies it to each logger it creates)."""
    if not any(isinstance(f, QuietBolt) for f in logger.filters):
        logger.addFilter(QuietBolt())
    verification = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, QuietBolt) for f in verification.filters):
        verification.addFilter(QuietBolt())


def install(secrets: Iterable[str] = (), loggers: Iterable[str] = ("",)) -> SafeLogs:
    """Put one SafeLogs on every handler of these loggers (the root logger by default)."""
    safe = SafeLogs(secrets)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            for old in [f for f in handler.filters if isinstance(f, SafeLogs)]:
                handler.removeFilter(old)
            handler.addFilter(safe)
    return safe
