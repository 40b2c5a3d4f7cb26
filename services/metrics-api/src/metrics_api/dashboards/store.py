"""The dashboards table's CQL; creates, replaces and deletes are lightweight transactions, so each
says whether the row was there."""

from __future__ import annotations

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.schema.tables import DASHBOARDS_TABLE

# A stored dashboard as read: type, name, data (JSON text, None when missing).
DashboardRow = tuple[str, str, str | None]


class DashboardStore:
    """The `dashboards` table of one keyspace."""

    def __init__(self, db: CassandraConnection, keyspace: str):
        self.db = db
        self.table = f"{keyspace}.{DASHBOARDS_TABLE}"

    async def rows(self, type_: str | None = None) -> list[DashboardRow]:
        """Every stored dashboard, or those of one type."""
        query = f"SELECT type, name, data FROM {self.table}"
        if type_ is None:
            return await self.db.execute(query)
        return await self.db.execute(query + " WHERE type = %s", [type_])

    async def row(self, type_: str, name: str) -> DashboardRow | None:
        """One stored dashboard, or None."""
        rows = await self.db.execute(
            f"SELECT type, name, data FROM {self.table} WHERE type = %s AND name = %s",
            [type_, name],
        )
        return rows[0] if rows else None

    async def insert_new(self, type_: str, name: str, data: str) -> bool:
        """Adds a dashboard unless one of that type and name exists; whether it was added."""
        rows = await self.db.execute(
            f"INSERT INTO {self.table} (type, name, data) VALUES (%s, %s, %s) IF NOT EXISTS",
            [type_, name, data],
        )
        return bool(rows[0][0])

    async def replace(self, type_: str, name: str, data: str) -> bool:
        """Replaces an existing dashboard's data; whether there was one."""
        rows = await self.db.execute(
            f"UPDATE {self.table} SET data = %s WHERE type = %s AND name = %s IF EXISTS",
            [data, type_, name],
        )
        return bool(rows[0][0])

    async def delete(self, type_: str, name: str) -> bool:
        """Deletes a dashboard; whether there was one."""
        rows = await self.db.execute(
            f"DELETE FROM {self.table} WHERE type = %s AND name = %s IF EXISTS", [type_, name]
        )
        return bool(rows[0][0])
