"""A client of a task manager with the original's task-manager API shape.

`GET <TASK_MANAGER_URL>/tasks` and `GET <TASK_MANAGER_URL>/taskTransactions`, filtered by
`appId`, `creationFrom`/`creationTo`, `hasCloseTs`, `closeFrom`/`closeTo`, `taskId` (times in
epoch seconds), paged by `offset`/`limit`; answers `{"offset", "total", "tasks"|"transactions"}`.
The key goes in `x-wenet-component-apikey`, as the original's clients sent it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

PAGE = 100
# A computation reads at most this many pages (100,000 items) before giving up.
MAX_PAGES = 1000


class TaskManagerError(Exception):
    """The task manager did not answer, refused the key, or answered something unexpected."""


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


class TaskManager:
    """Reads tasks and transactions of an app from a task manager."""

    def __init__(self, base_url: str, apikey: str | None, *, timeout: float = 30.0) -> None:
        headers = {"x-wenet-component-apikey": apikey} if apikey else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout
        )

    async def close(self) -> None:
        """Closes the HTTP connections."""
        await self._http.aclose()

    async def _all(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        query = {name: value for name, value in params.items() if value is not None}
        items: list[dict[str, Any]] = []
        for page in range(MAX_PAGES):
            query.update(offset=page * PAGE, limit=PAGE)
            try:
                response = await self._http.get(path, params=query)
            except httpx.HTTPError as exc:
                raise TaskManagerError(f"task manager unreachable: {exc}") from exc
            if response.status_code == 401:
                raise TaskManagerError("task manager refused the key (TASK_MANAGER_APIKEY)")
            if response.status_code != 200:
                raise TaskManagerError(
                    f"task manager answered {response.status_code} on {path}: {response.text[:200]}"
                )
            try:
                batch = response.json().get(key)
            except (ValueError, AttributeError) as exc:
                raise TaskManagerError(f"task manager answered no JSON object on {path}") from exc
            if not isinstance(batch, list):
                raise TaskManagerError(f"task manager answer on {path} has no `{key}` list")
            items.extend(item for item in batch if isinstance(item, dict))
            if len(batch) < PAGE:
                return items
        raise TaskManagerError(f"more than {MAX_PAGES * PAGE} {key} for one computation")

    async def tasks(
        self,
        app_id: str,
        *,
        creation_from: datetime | None = None,
        creation_to: datetime | None = None,
        has_close_ts: bool | None = None,
        closed_from: datetime | None = None,
        closed_to: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Every task of an app matching the filters."""
        return await self._all(
            "/tasks",
            "tasks",
            {
                "appId": app_id,
                "creationFrom": _epoch(creation_from),
                "creationTo": _epoch(creation_to),
                "hasCloseTs": None if has_close_ts is None else str(has_close_ts).lower(),
                "closeFrom": _epoch(closed_from),
                "closeTo": _epoch(closed_to),
            },
        )

    async def transactions(
        self,
        app_id: str,
        *,
        creation_from: datetime | None = None,
        creation_to: datetime | None = None,
        task_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every transaction of an app (optionally of one task) created in the range."""
        return await self._all(
            "/taskTransactions",
            "transactions",
            {
                "appId": app_id,
                "taskId": task_id,
                "creationFrom": _epoch(creation_from),
                "creationTo": _epoch(creation_to),
            },
        )
