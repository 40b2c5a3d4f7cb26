"""The WeNet-style components the seed's scripts also read: a task manager and a profile manager.

Both are optional here: the task manager adds the task rows and files, the profile manager the
names and e-mails (else taken from the users' message metadata). Their API shape is the one the
seed's client library called: `GET {task manager}/tasks` and `/taskTransactions` paged by
`offset`/`limit`, `creationFrom`/`creationTo` in Unix seconds; `GET {profile manager}/profiles/{id}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from analytics.scripts.http import Service
from analytics.scripts.options import ScriptError, as_utc, progress

TASK_PAGE = 100
MAX_PAGES = 1000  # 100,000 tasks or transactions, then an error rather than an endless read
# A WeNet profile's gender codes, written as the seed wrote them (its enum's name, lowercase).
GENDER_NAMES = {"M": "male", "F": "female", "O": "other"}


class TaskManager:
    """Tasks and transactions of an app."""

    def __init__(self, url: str, apikey: str | None) -> None:
        self.service = Service("task manager", url, apikey)

    def close(self) -> None:
        """Closes the connections."""
        self.service.close()

    def _all(
        self, path: str, key: str, app_id: str, start: datetime | None, end: datetime
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"appId": app_id, "creationTo": int(as_utc(end).timestamp())}
        if start is not None:
            params["creationFrom"] = int(as_utc(start).timestamp())
        out: list[dict[str, Any]] = []
        with progress(None, key, key[:-1]) as bar:
            for _ in range(MAX_PAGES):
                page = self.service.json(
                    "GET", path, params={**params, "offset": len(out), "limit": TASK_PAGE}
                )
                items = page.get(key) if isinstance(page, dict) else None
                if not isinstance(items, list):
                    raise ScriptError(f"the task manager's {path} answered no {key!r} list")
                out.extend(items)
                bar.update(len(items))
                if len(items) < TASK_PAGE:
                    return out
        raise ScriptError(f"the task manager has more than {MAX_PAGES * TASK_PAGE} {key}")

    def tasks(self, app_id: str, start: datetime | None, end: datetime) -> list[dict[str, Any]]:
        """The app's tasks created in the range."""
        return self._all("/tasks", "tasks", app_id, start, end)

    def transactions(
        self, app_id: str, start: datetime | None, end: datetime
    ) -> list[dict[str, Any]]:
        """The app's task transactions created in the range."""
        return self._all("/taskTransactions", "transactions", app_id, start, end)


class ProfileManager:
    """Users' profiles."""

    def __init__(self, url: str, apikey: str | None) -> None:
        self.service = Service("profile manager", url, apikey)

    def close(self) -> None:
        """Closes the connections."""
        self.service.close()

    def profile(self, user_id: str) -> dict[str, Any]:
        """A user's profile (an empty one, with its id, when the manager does not know them)."""
        response = self.service.request(
            "GET", f"/profiles/{quote(user_id, safe='')}", ok=(200, 404)
        )
        if response.status_code == 404:
            return {"id": user_id}
        body = response.json()
        if not isinstance(body, dict):
            raise ScriptError(f"the profile manager answered no profile for {user_id}")
        return body


def gender_name(profile: dict[str, Any]) -> str | None:
    """The gender as the seed wrote it in the users file."""
    gender = profile.get("gender")
    if not gender:
        return None
    return GENDER_NAMES.get(str(gender), str(gender).lower())
