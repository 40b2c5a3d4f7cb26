"""Users' profiles: from a profile manager when one is configured, else from message metadata."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from analytics.scripts.analytics_api import AnalyticsApi, order_key
from analytics.scripts.options import EPOCH, FAR_FUTURE
from analytics.scripts.platform import ProfileManager

# The WeNet profile fields a chatbot may copy into its messages' metadata.
PROFILE_FIELDS = ("name", "email", "gender", "dateOfBirth", "locale", "nationality")


def profiles_from_metadata(messages: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """user id → profile fields found in their messages' metadata, the latest value of each."""
    out: dict[str, dict[str, Any]] = {}
    for message in sorted(messages, key=order_key):
        metadata = message.get("metadata")
        user = out.setdefault(str(message["userId"]), {"id": str(message["userId"])})
        if isinstance(metadata, dict):
            user.update({k: metadata[k] for k in PROFILE_FIELDS if metadata.get(k) is not None})
    return out


class Profiles:
    """Looks a user's profile up once."""

    def __init__(
        self,
        api: AnalyticsApi,
        manager: ProfileManager | None,
        projects: Sequence[str],
        messages: Iterable[dict[str, Any]] = (),
    ) -> None:
        self._api = api
        self._manager = manager
        self._projects = projects
        self._known: dict[str, dict[str, Any]] = {}
        if manager is None:
            self._known = profiles_from_metadata(messages)

    def of(self, user_id: str) -> dict[str, Any]:
        """The profile of a user (`id` and whatever is known)."""
        if user_id not in self._known:
            if self._manager is not None:
                self._known[user_id] = self._manager.profile(user_id)
            else:
                found: list[dict[str, Any]] = []
                for project in self._projects:
                    found += self._api.messages(project, EPOCH, FAR_FUTURE, user_id=user_id)
                self._known[user_id] = profiles_from_metadata(found).get(user_id, {"id": user_id})
        return self._known[user_id]


def email_of(profile: dict[str, Any]) -> str | None:
    """The profile's e-mail."""
    email = profile.get("email")
    return str(email) if email else None


def name_part(profile: dict[str, Any], part: str) -> str | None:
    """`first` or `last` of the profile's name."""
    name = profile.get("name")
    value = name.get(part) if isinstance(name, dict) else None
    return str(value) if value else None
