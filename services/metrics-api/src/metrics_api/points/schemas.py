"""The shape of a batch of points, one schema per table, so a 400 names the point and the field.

Points are validated into plain dicts (a TypedDict per table), not model instances: half the cost
per point on a batch of 10,000, the same errors."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Required

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)
from typing_extensions import TypedDict

from metrics_api.schema.tables import METRIC_TABLES, TIME_MAX_MS, TIME_MIN_MS

UTC = dt.UTC
TIME_MIN = dt.datetime.fromtimestamp(TIME_MIN_MS / 1000, UTC)
TIME_MAX = dt.datetime.fromtimestamp(TIME_MAX_MS / 1000, UTC)

MAX_POINTS = 10_000

Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]
_PYTHON_TYPES: dict[str, Any] = {
    "bigint": Annotated[int, Field(ge=-(2**63), le=2**63 - 1)],
    "double": float,
    "timestamp": dt.datetime,
    "text": Annotated[str, StringConstraints(max_length=64)],
}


def _stored_range(value: dt.datetime) -> dt.datetime:
    """Only times the store keeps: from 1970-01-01 to before 2200-01-01 (UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not TIME_MIN <= aware < TIME_MAX:
        raise ValueError(f"must be from {TIME_MIN.isoformat()} to before {TIME_MAX.isoformat()}")
    return value


Timestamp = Annotated[dt.datetime, AfterValidator(_stored_range)]


@cache
def batch_adapter(table_name: str) -> TypeAdapter[Any]:
    """Validates {"points": [...]} for one table: up to MAX_POINTS, unknown fields refused; each
    point a dict with its key and the columns it carries (a column sent as null is None)."""
    table = METRIC_TABLES[table_name]
    fields: dict[str, Any] = {
        "environment": Required[Name],
        "application": Required[Name],
        "metric_name": Required[Name],
        "metric_timestamp": Required[Timestamp],
    }
    fields |= {name: _PYTHON_TYPES[cql] | None for name, cql in table.writable.items()}
    point = TypedDict(f"{table.kind.title()}Point", fields, total=False)  # type: ignore[misc]
    point.__pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # type: ignore[attr-defined]
    batch = TypedDict(  # type: ignore[misc]  # noqa: UP013 (a name per table)
        f"{table.kind.title()}Batch",
        {"points": Annotated[list[point], Field(min_length=1, max_length=MAX_POINTS)]},  # type: ignore[valid-type]
    )
    batch.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return TypeAdapter(batch)


class WriteResult(BaseModel):
    """What a batch wrote."""

    table: str
    written: int
    metrics: int
    rollup_rows: int


class WriteOut(BaseModel):
    """POST /api/v1/metrics/{table}."""

    data: WriteResult
