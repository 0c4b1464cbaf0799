"""Who people are, from Slack's users.info, cached: admin/owner status and time zone.

A lookup has a short timeout (LOOKUP_TIMEOUT): a person waits on it. When users.info times out
the workspace's lookups fail fast for COOLDOWN seconds (someone already known is answered
from the cache, even past its TTL), so a hanging Slack costs one timeout, not one per person.
No failure ever makes someone an unknown non-admin: Slack failing raises PeopleUnavailable
(try again), Slack refusing Folio's token or scope raises PeopleRefused (say why).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.delivery import Delivery
from domain.views import Actor
from handlers.delivery.client import LOOKUP_TIMEOUT, with_timeout
from handlers.delivery.errors import (
    SLACK_SIDE_ERRORS,
    api_error_code,
    api_error_status,
    classify,
    needed_scope,
    slack_unavailable,
)

log = logging.getLogger("folio.directory")
UNAVAILABLE_ERRORS = SLACK_SIDE_ERRORS  # kept for the inbox; the codes live in delivery.errors
COOLDOWN = 10.0  # seconds without a users.info call for a workspace after one timed out


class PeopleUnavailable(Exception):
    """users.info could not be reached (or Slack failed on its side): try again later.

    Raised rather than guessing: an unknown person would be treated as a non-admin, and an
    admin's chat update refused for good. The inbox worker retries an event that raises it.
    """


class PeopleRefused(Exception):
    """Slack refused users.info for a reason that lasts (a revoked token, a missing scope).

    Raised rather than guessing, like PeopleUnavailable; the answer says what to fix.
    """

    def __init__(self, code: str, needed: str | None = None) -> None:
        self.code = code
        self.needed = needed
        super().__init__(f"users.info refused: {code}" + (f" (needs {needed})" if needed else ""))


@dataclass(frozen=True)
class Person:
    """What Folio needs to know of a Slack user."""

    user_id: str
    name: str
    is_admin: bool
    tz: str | None
    is_bot: bool = False


class Directory:
    """A small TTL cache over users.info, keyed by workspace and user."""

    def __init__(
        self,
        ttl_seconds: float = 600.0,
        *,
        timeout: int = LOOKUP_TIMEOUT,
        cooldown: float = COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.timeout = timeout
        self.cooldown = cooldown
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Person]] = {}
        self._quiet_until: dict[str, float] = {}  # team -> no users.info call before then
        self._lock = threading.Lock()

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop what is cached about a person: the next lookup asks Slack again."""
        with self._lock:
            self._cache.pop((team_id, user_id), None)

    def person(self, client: WebClient, team_id: str, user_id: str) -> Person:
        """The person, from cache or users.info (an unknown user is never an admin).

        Raises PeopleUnavailable when Slack cannot be reached, times out or fails on its side
        (unless the person was known before), PeopleRefused when it refuses Folio's token.
        """
        now = self.clock()
        with self._lock:
            hit = self._cache.get((team_id, user_id))
            quiet_until = self._quiet_until.get(team_id, 0.0)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            if now < quiet_until:
                raise PeopleUnavailable(
                    f"users.info did not answer within {self.timeout} s just now"
                )
            user = self._lookup(client, team_id, user_id)
        except PeopleUnavailable:
            if hit is None:
                raise
            log.info(
                "users.info unavailable: using what was known team=%s user=%s", team_id, user_id
            )
            return hit[1]
        if user is None:
            return Person(user_id=user_id, name=user_id, is_admin=False, tz=None)
        profile = user.get("profile") or {}
        person = Person(
            user_id=user_id,
            name=profile.get("display_name")
            or user.get("real_name")
            or user.get("name")
            or user_id,
            is_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
            tz=user.get("tz"),
            is_bot=bool(user.get("is_bot")),
        )
        with self._lock:
            self._cache[(team_id, user_id)] = (now, person)
        return person

    def _lookup(self, client: WebClient, team_id: str, user_id: str) -> dict[str, Any] | None:
        """users.info's user, with this directory's timeout; None for an unknown user."""
        lookup = with_timeout(client, self.timeout, max_wait=self.timeout)
        try:
            user = lookup.users_info(user=user_id)["user"]
        except TimeoutError as exc:  # hung: answer now, and don't wait on it again for a while
            with self._lock:
                self._quiet_until[team_id] = self.clock() + self.cooldown
            log.warning(
                "users.info timed out team=%s user=%s after %ss: no lookups for %ss",
                team_id,
                user_id,
                self.timeout,
                self.cooldown,
            )
            raise PeopleUnavailable(f"users.info did not answer within {self.timeout} s") from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, resets, refused
            log.warning(
                "users.info unreachable team=%s user=%s error=%s",
                team_id,
                user_id,
                type(exc).__name__,
            )
            raise PeopleUnavailable(f"users.info unreachable: {type(exc).__name__}") from exc
        except SlackApiError as exc:
            status, code = api_error_status(exc), api_error_code(exc)
            if slack_unavailable(status, code):
                log.warning(
                    "users.info failed on Slack's side team=%s user=%s status=%s",
                    team_id,
                    user_id,
                    status,
                )
                raise PeopleUnavailable(f"users.info answered HTTP {status}") from exc
            if classify(code) is Delivery.TOKEN_PROBLEM:
                needed = needed_scope(exc)
                log.error(
                    "users.info refused team=%s user=%s error=%s needed=%s",
                    team_id,
                    user_id,
                    code,
                    needed,
                )
                raise PeopleRefused(code, needed) from exc
            log.warning("users.info failed team=%s user=%s error=%s", team_id, user_id, code)
            return None
        return dict(user) if isinstance(user, dict) else None

    def actor(self, client: WebClient, team_id: str, user_id: str) -> Actor:
        """The Actor services check permissions against."""
        person = self.person(client, team_id, user_id)
        return Actor(team_id=team_id, user_id=user_id, is_admin=person.is_admin)
