"""Create, read, update and delete dashboards; lightweight transactions keep create and update honest."""

from __future__ import annotations

import json
from typing import Any

from meridian_kit.errors import BadRequest, Conflict, NotFound

from metrics_api.schema.tables import DASHBOARDS_TABLE
from metrics_api.series.store import SeriesStore

DASHBOARD_TYPES = ("time_series", "alert")


def check_type(type_: str) -> None:
    """Only the original's two kinds of dashboard exist."""
    if type_ not in DASHBOARD_TYPES:
        raise BadRequest(
            f'Invalid dashboard type "{type_}"',
            detail={"field": "type", "allowed": DASHBOARD_TYPES},
        )


def _missing(type_: str, name: str) -> NotFound:
    return NotFound(f'No dashboard found with type = "{type_}" and name = "{name}"')


def _dashboard(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": row[0], "name": row[1], "data": json.loads(row[2])}


async def list_dashboards(store: SeriesStore, type_: str | None = None) -> list[dict[str, Any]]:
    """Every dashboard, or those of one type."""
    query = f"SELECT type, name, data FROM {store.keyspace}.{DASHBOARDS_TABLE}"
    params = None
    if type_ is not None:
        check_type(type_)
        query, params = query + " WHERE type = %s", [type_]
    return [_dashboard(r) for r in await store.db.execute(query, params)]


async def get_dashboard(store: SeriesStore, type_: str, name: str) -> dict[str, Any]:
    """One dashboard, or a 404."""
    check_type(type_)
    rows = await store.db.execute(
        f"SELECT type, name, data FROM {store.keyspace}.{DASHBOARDS_TABLE} WHERE type = %s AND name = %s",
        [type_, name],
    )
    if not rows:
        raise _missing(type_, name)
    return _dashboard(rows[0])


async def create_dashboard(store: SeriesStore, type_: str, name: str, data: dict[str, Any]) -> None:
    """Adds a dashboard; one of the same type and name already there is a 409."""
    check_type(type_)
    rows = await store.db.execute(
        f"INSERT INTO {store.keyspace}.{DASHBOARDS_TABLE} (type, name, data) VALUES (%s, %s, %s) "
        "IF NOT EXISTS",
        [type_, name, json.dumps(data)],
    )
    if not rows[0][0]:
        raise Conflict(f'Dashboard with type "{type_}" and name "{name}" already exists')


async def update_dashboard(store: SeriesStore, type_: str, name: str, data: dict[str, Any]) -> None:
    """Replaces a dashboard's data; a missing one is a 404."""
    check_type(type_)
    rows = await store.db.execute(
        f"UPDATE {store.keyspace}.{DASHBOARDS_TABLE} SET data = %s WHERE type = %s AND name = %s "
        "IF EXISTS",
        [json.dumps(data), type_, name],
    )
    if not rows[0][0]:
        raise _missing(type_, name)


async def delete_dashboard(store: SeriesStore, type_: str, name: str) -> None:
    """Deletes a dashboard; a missing one is a 404."""
    check_type(type_)
    rows = await store.db.execute(
        f"DELETE FROM {store.keyspace}.{DASHBOARDS_TABLE} WHERE type = %s AND name = %s IF EXISTS",
        [type_, name],
    )
    if not rows[0][0]:
        raise _missing(type_, name)
