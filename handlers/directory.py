"""Who people are, from Slack's users.info, cached: admin/owner status and time zone."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.views import Actor

log = logging.getLogger("folio.directory")


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
        """The person, from cache or users.info; unknown on an API error (never an admin)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get((team_id, user_id))
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
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
