"""The metric catalog's CQL: one row per metric and table, written beside its points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.schema.tables import CATALOG_TABLE

# A catalog row as read: environment, application, metric_name, table_name, last_timestamp (ms),
# duration_unit, rate_unit.
CatalogRow = tuple[str, str, str, str, int | None, str | None, str | None]
_COLUMNS = (
    "environment, application, metric_name, table_name, "
    "toUnixTimestamp(last_timestamp), duration_unit, rate_unit"
)


class CatalogStore:
    """The `metric_catalog` table of one keyspace."""

    def __init__(self, db: CassandraConnection, keyspace: str):
        self.db = db
        self.table = f"{keyspace}.{CATALOG_TABLE}"

    async def entries(
        self, environment: str | None = None, application: str | None = None
    ) -> list[CatalogRow]:
        """Every catalog row, or those of one environment (and application)."""
        query = f"SELECT {_COLUMNS} FROM {self.table}"
        params: list[str] = []
        if environment is not None:
            query += " WHERE environment = %s"
            params.append(environment)
            if application is not None:
                query += " AND application = %s"
                params.append(application)
        return await self.db.execute(query, params or None)

    async def environments(self) -> list[str]:
        """Every environment with a catalog row, in no set order."""
        rows = await self.db.execute(f"SELECT DISTINCT environment FROM {self.table}")
        return [r[0] for r in rows]

    async def applications(self, environment: str) -> list[str]:
        """The application of every catalog row of an environment (repeated, in no set order)."""
        rows = await self.db.execute(
            f"SELECT application FROM {self.table} WHERE environment = %s", [environment]
        )
        return [r[0] for r in rows]

    async def record(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Upserts catalog rows (environment, application, metric_name, table_name,
        last_timestamp ms, duration_unit, rate_unit, ttl s, write timestamp µs): each write is
        stamped with the metric's own time, so the latest `last_timestamp` wins whatever order
        batches arrive in."""
        statement = await self.db.prepare(
            f"INSERT INTO {self.table} (environment, application, metric_name, table_name, "
            "last_timestamp, duration_unit, rate_unit) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "USING TTL ? AND TIMESTAMP ?"
        )
        await self.db.execute_many(statement, rows)
