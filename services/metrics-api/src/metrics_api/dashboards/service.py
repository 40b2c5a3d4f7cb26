"""Create, read, update and delete dashboards; lightweight transactions keep create and update honest.

Answers as the original's: a refused create is a 400 saying `"success": false`, an unknown type
a 400 when listing or creating and a 404 (no such dashboard) when reading, replacing or deleting."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from meridian_kit.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, ServiceError

from metrics_api.dashboards.limits import MAX_BYTES, data_problem
from metrics_api.dashboards.store import DashboardRow, DashboardStore
from metrics_api.errors import Unsuccessful
from metrics_api.schema.tables import DASHBOARD_TYPES

log = logging.getLogger(__name__)


def check_type(type_: str, *, refused: type[ServiceError] = BadRequest) -> None:
    """Only the original's two kinds of dashboard exist (a 400 in the original's words)."""
    if type_ not in DASHBOARD_TYPES:
        raise refused(
            f'Invalid dashboard type "{type_}"',
            detail={"field": "type", "allowed": DASHBOARD_TYPES},
            status_code=400,
        )


def _missing(type_: str, name: str, error: type[ServiceError] = NotFound) -> ServiceError:
    return error(f'No dashboard found with type = "{type_}" and name = "{name}"', status_code=404)


def check_data(data: Any) -> str:
    """The data as stored JSON text; too deep or not plain JSON is a 400, too large a 413."""
    problem = data_problem(data)
    if problem is not None and "larger than" in problem:
        raise PayloadTooLarge(problem, detail={"field": "data", "max_bytes": MAX_BYTES})
    if problem is not None:
        raise BadRequest(f"Invalid data: {problem}", detail=[{"field": "data", "message": problem}])
    return orjson.dumps(data).decode()


def _stored(row: DashboardRow) -> dict[str, Any] | None:
    """A stored row as a dashboard, or None when its data is unreadable (logged, never raised)."""
    try:
        data = orjson.loads(row[2]) if row[2] is not None else None
        problem = None if row[2] is not None else "no data"
    except orjson.JSONDecodeError:
        data, problem = None, "not JSON"
    problem = problem or data_problem(data)
    if problem is not None:
        log.warning("dashboard %s/%s is unreadable: %s", row[0], row[1], problem)
        return None
    return {"type": row[0], "name": row[1], "data": data}


async def list_dashboards(store: DashboardStore, type_: str | None = None) -> list[dict[str, Any]]:
    """Every readable dashboard, or those of one type; a bad stored row is left out, not a 500."""
    if type_ is not None:
        check_type(type_)
    return [d for d in map(_stored, await store.rows(type_)) if d is not None]


async def get_dashboard(store: DashboardStore, type_: str, name: str) -> dict[str, Any]:
    """One dashboard, or a 404 (an unknown type too, as the original)."""
    if type_ not in DASHBOARD_TYPES:
        raise _missing(type_, name)
    row = await store.row(type_, name)
    if row is None:
        raise _missing(type_, name)
    dashboard = _stored(row)
    if dashboard is None:
        raise Conflict(
            f'Dashboard "{name}" holds data that cannot be shown; replace it (PUT) or delete it'
        )
    return dashboard


async def create_dashboard(
    store: DashboardStore, type_: str, name: str, data: dict[str, Any]
) -> None:
    """Adds a dashboard; an unknown type, or one of the same type and name already there, is a
    400 saying `"success": false`, as the original."""
    check_type(type_, refused=Unsuccessful)
    if not await store.insert_new(type_, name, check_data(data)):
        raise Unsuccessful(
            f'Dashboard with type "{type_}" and name "{name}" already exists', status_code=400
        )


async def update_dashboard(store: DashboardStore, type_: str, name: str, data: Any) -> None:
    """Replaces a dashboard's data (any JSON value but null, as the original); a missing one, or
    an unknown type, is a 404 saying `"success": false`."""
    if type_ not in DASHBOARD_TYPES:
        raise _missing(type_, name, Unsuccessful)
    if not await store.replace(type_, name, check_data(data)):
        raise _missing(type_, name, Unsuccessful)


async def delete_dashboard(store: DashboardStore, type_: str, name: str) -> None:
    """Deletes a dashboard; a missing one, or an unknown type, is a 404 saying `"success": false`."""
    if type_ not in DASHBOARD_TYPES:
        raise _missing(type_, name, Unsuccessful)
    if not await store.delete(type_, name):
        raise _missing(type_, name, Unsuccessful)
