"""The shape of a batch of points, one model per table, so a 400 names the point and the field."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    create_model,
    field_validator,
)

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


class PointBase(BaseModel):
    """The key every point carries; the table's columns are added per table."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    environment: Name
    application: Name
    metric_name: Name
    metric_timestamp: dt.datetime

    @field_validator("metric_timestamp")
    @classmethod
    def _stored_range(cls, value: dt.datetime) -> dt.datetime:
        """Only times the store keeps: from 1970-01-01 to before 2200-01-01 (UTC)."""
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        if not TIME_MIN <= aware < TIME_MAX:
            raise ValueError(
                f"must be from {TIME_MIN.isoformat()} to before {TIME_MAX.isoformat()}"
            )
        return value


@cache
def batch_adapter(table_name: str) -> TypeAdapter[Any]:
    """Validates {"points": [...]} for one table: up to MAX_POINTS, unknown fields refused."""
    table = METRIC_TABLES[table_name]
    fields: dict[str, Any] = {
        name: (_PYTHON_TYPES[cql] | None, None) for name, cql in table.writable.items()
    }
    point = create_model(f"{table.kind.title()}Point", __base__=PointBase, **fields)
    batch = create_model(
        f"{table.kind.title()}Batch",
        __config__=ConfigDict(extra="forbid"),
        points=(Annotated[list[point], Field(min_length=1, max_length=MAX_POINTS)], ...),  # type: ignore[valid-type, arg-type]
    )
    return TypeAdapter(batch)
