"""Who people are, from Slack's users.info, cached: admin/owner status and time zone."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.views import Actor

log = logging.getLogger("folio.directory")
UNAVAILABLE_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)


class PeopleUnavailable(Exception):
    """users.info could not be reached (or Slack failed on its side): try again later.

    Raised rather than guessing: an unknown person would be treated as a non-admin, and an
    admin's chat update refused for good. The inbox worker retries an event that raises it.
    """


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

    def __init__(self, ttl_seconds: float = 600.0) -> None:
        self.ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, Person]] = {}
        self._lock = threading.Lock()

    def person(self, client: WebClient, team_id: str, user_id: str) -> Person:
        """The person, from cache or users.info; unknown on an API error (never an admin).

        Raises PeopleUnavailable when Slack cannot be reached or fails on its side.
        """
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get((team_id, user_id))
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            user = client.users_info(user=user_id)["user"]
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
            log.warning(
                "users.info unreachable team=%s user=%s error=%s",
                team_id,
                user_id,
                type(exc).__name__,
            )
            raise PeopleUnavailable(f"users.info unreachable: {type(exc).__name__}") from exc
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500 or exc.response.get("error") in UNAVAILABLE_ERRORS:
                log.warning(
                    "users.info failed on Slack's side team=%s user=%s status=%s",
                    team_id,
                    user_id,
                    status,
                )
                raise PeopleUnavailable(f"users.info answered HTTP {status}") from exc
            log.warning(
                "users.info failed team=%s user=%s error=%s",
                team_id,
                user_id,
                exc.response.get("error"),
            )
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

    def actor(self, client: WebClient, team_id: str, user_id: str) -> Actor:
        """The Actor services check permissions against."""
        person = self.person(client, team_id, user_id)
        return Actor(team_id=team_id, user_id=user_id, is_admin=person.is_admin)
