"""Errors a person can read: each says what was wrong and how to write it right."""

from __future__ import annotations


class FolioError(Exception):
    """A problem with what someone asked; its message is shown to them as plain text.

    Messages may use `backticks` for literal input; they are escaped for mrkdwn when shown.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(FolioError):
    """The request could not be understood; the message says how to write it."""


class NotFound(FolioError):
    """Something named in the request does not exist (in this workspace)."""


class NotSetUp(FolioError):
    """The workspace has no portfolio yet."""


class PermissionDenied(FolioError):
    """The person may not do this; `who` lists the Slack user ids who can."""

    def __init__(self, message: str, who: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.who = who


class Conflict(FolioError):
    """The request clashes with what exists (a duplicate key, say)."""
