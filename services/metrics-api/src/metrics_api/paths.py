"""Path parameters shared by the routers; the OpenAPI lists the known values (others answer 404/400
in the original's words, so the enum documents, it does not validate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from metrics_api.schema.tables import DASHBOARD_TYPES, METRIC_TABLES

Segment = Annotated[str, Path(min_length=1)]
TablePath = Annotated[
    str,
    Path(
        min_length=1,
        description="a metric table (another name answers 404)",
        json_schema_extra={"enum": list(METRIC_TABLES)},
    ),
]
TypePath = Annotated[
    str,
    Path(
        min_length=1,
        description="time_series or alert (another answers 400)",
        json_schema_extra={"enum": list(DASHBOARD_TYPES)},
    ),
]
