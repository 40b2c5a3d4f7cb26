"""Creates and upgrades the keyspace: missing tables and columns are added, TTLs set; safe to rerun."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cassandra.cluster import Session

from metrics_api.schema.tables import (
    CATALOG_TABLE,
    DASHBOARDS_TABLE,
    METRIC_TABLES,
    MetricTable,
)

log = logging.getLogger(__name__)

_KEY = {"environment": "text", "application": "text", "metric_name": "text"}


@dataclass(frozen=True)
class TableDef:
    """A table as the code wants it: columns with types, and its key clauses."""

    name: str
    columns: dict[str, str]
    primary_key: str
    clustering: str = ""


def _raw_def(table: MetricTable) -> TableDef:
    return TableDef(
        table.name,
        {**_KEY, "day": "date", "metric_timestamp": "timestamp", **table.writable},
        "((environment, application, metric_name, day), metric_timestamp)",
        "CLUSTERING ORDER BY (metric_timestamp ASC)",
    )


def _rollup_def(table: MetricTable) -> TableDef:
    columns = {**_KEY, "resolution": "int", "bucket": "timestamp", "bin_start": "timestamp"}
    columns["points"] = "bigint"
    for measure in table.measures.values():
        for name in measure.rollup_columns:
            columns[name] = "bigint" if name.endswith("_n") else "double"
    return TableDef(
        table.rollup,
        columns,
        "((environment, application, metric_name, resolution, bucket), bin_start)",
        "CLUSTERING ORDER BY (bin_start ASC)",
    )


def table_defs() -> list[TableDef]:
    """Every table of the keyspace."""
    defs = [_raw_def(t) for t in METRIC_TABLES.values()]
    defs += [_rollup_def(t) for t in METRIC_TABLES.values()]
    defs.append(
        TableDef(
            CATALOG_TABLE,
            {
                "environment": "text",
                "application": "text",
                "metric_name": "text",
                "table_name": "text",
                "last_timestamp": "timestamp",
                "duration_unit": "text",
                "rate_unit": "text",
            },
            "((environment), application, metric_name, table_name)",
        )
    )
    defs.append(
        TableDef(
            DASHBOARDS_TABLE,
            {"type": "text", "name": "text", "data": "text"},
            "(type, name)",
        )
    )
    return defs


def create_table_cql(keyspace: str, table: TableDef, ttl: int) -> str:
    """The CREATE TABLE IF NOT EXISTS statement of one table."""
    columns = ", ".join(f'"{name}" {cql}' for name, cql in table.columns.items())
    options = [f"default_time_to_live = {ttl}"]
    if table.clustering:
        options.insert(0, table.clustering)
    return (
        f"CREATE TABLE IF NOT EXISTS {keyspace}.{table.name} "
        f"({columns}, PRIMARY KEY {table.primary_key}) WITH {' AND '.join(options)}"
    )


def apply_schema(
    session: Session,
    keyspace: str,
    *,
    replication_factor: int = 1,
    ttl: dict[str, int] | None = None,
) -> list[str]:
    """Brings the keyspace to the wanted schema; returns what it changed (nothing on a rerun)."""
    ttl = ttl or {}
    changes: list[str] = []
    exists = session.execute(
        "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = %s", [keyspace]
    ).one()
    if not exists:
        session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
            f"{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}"
        )
        changes.append(f"created keyspace {keyspace}")
    for table in table_defs():
        wanted_ttl = ttl.get(table.name, 0)
        current = session.execute(
            "SELECT default_time_to_live FROM system_schema.tables "
            "WHERE keyspace_name = %s AND table_name = %s",
            [keyspace, table.name],
        ).one()
        if current is None:
            session.execute(create_table_cql(keyspace, table, wanted_ttl))
            changes.append(f"created table {table.name}")
            continue
        have = {
            row[0]
            for row in session.execute(
                "SELECT column_name FROM system_schema.columns "
                "WHERE keyspace_name = %s AND table_name = %s",
                [keyspace, table.name],
            )
        }
        for name, cql in table.columns.items():
            if name not in have:
                session.execute(f'ALTER TABLE {keyspace}.{table.name} ADD "{name}" {cql}')
                changes.append(f"added column {table.name}.{name}")
        if current[0] != wanted_ttl:
            session.execute(
                f"ALTER TABLE {keyspace}.{table.name} WITH default_time_to_live = {wanted_ttl}"
            )
            changes.append(f"set {table.name} TTL {current[0]} -> {wanted_ttl}s")
    for change in changes:
        log.info("schema: %s", change)
    return changes
