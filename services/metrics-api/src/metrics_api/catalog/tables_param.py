"""`?tables=`: which tables a metric listing shows. The original's frontend knows only its own two
tables (its measure list throws on any other), so they are the default; `all` (our dashboard) or a
comma-separated list of table names shows the others (gauges) too."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from meridian_kit.errors import BadRequest

from metrics_api.schema.tables import COUNTER, METRIC_TABLES, TIMER

ORIGINAL_TABLES = frozenset({COUNTER.name, TIMER.name})
ALL = "all"

TablesQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description=(
            "`all`, or comma-separated table names; default: the original's tables "
            f"({COUNTER.name}, {TIMER.name}), the only ones its frontend can chart"
        ),
    ),
]


def listed_tables(tables: str | None) -> frozenset[str]:
    """The tables a listing shows: the original's by default; 400 naming `tables` for an unknown one."""
    if tables is None:
        return ORIGINAL_TABLES
    if tables.strip() == ALL:
        return frozenset(METRIC_TABLES)
    names = {name.strip() for name in tables.split(",")}
    unknown = sorted(names - set(METRIC_TABLES))
    if unknown:
        raise BadRequest(
            f"tables: unknown table(s) {', '.join(repr(n) for n in unknown)}",
            detail=[
                {
                    "field": "tables",
                    "message": f"expected 'all' or some of {', '.join(sorted(METRIC_TABLES))}",
                }
            ],
        )
    return frozenset(names)
