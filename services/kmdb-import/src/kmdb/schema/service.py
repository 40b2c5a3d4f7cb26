"""Creates, upgrades and flushes the schema."""

from __future__ import annotations

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall
from kmdb.schema.ddl import IMPORTED_TABLES, TABLES


async def collation(conn: Connection) -> str:
    """The binary, no-pad utf8mb4 collation of this server (case- and space-sensitive)."""
    rows = await fetchall(conn, "SELECT VERSION()")
    return "utf8mb4_nopad_bin" if "mariadb" in str(rows[0][0]).lower() else "utf8mb4_0900_bin"


def _parse_columns(body: str) -> dict[str, str]:
    """Column name -> definition, from one of TABLES' bodies."""
    columns = {}
    for raw in body.strip().strip("()").splitlines():
        line = raw.strip().rstrip(",")
        if not line or line.split()[0].upper() in ("PRIMARY", "KEY", "UNIQUE"):
            continue
        name, _, definition = line.partition(" ")
        columns[name.strip("`")] = definition
    return columns


async def create_or_upgrade(conn: Connection) -> list[str]:
    """Creates missing tables, converts old charsets and adds missing columns; says what it did."""
    coll = await collation(conn)
    existing = {
        row[0]: row[1]
        for row in await fetchall(
            conn,
            "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = DATABASE()",
        )
    }
    done = []
    for table, body in TABLES.items():
        if table not in existing:
            await execute(
                conn,
                f"CREATE TABLE `{table}` {body} ENGINE=InnoDB"
                f" DEFAULT CHARSET=utf8mb4 COLLATE={coll}",
            )
            done.append(f"created {table}")
            continue
        if existing[table] != coll:
            await execute(
                conn, f"ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE {coll}"
            )
            done.append(f"converted {table} to {coll}")
        have = {
            row[0]: row[1]
            for row in await fetchall(
                conn,
                "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                (table,),
            )
        }
        for column, definition in _parse_columns(body).items():
            if column not in have:
                await execute(conn, f"ALTER TABLE `{table}` ADD COLUMN `{column}` {definition}")
                done.append(f"added {table}.{column}")
            elif definition.upper().startswith("BIGINT") and have[column] == "int":
                await execute(conn, f"ALTER TABLE `{table}` MODIFY `{column}` {definition}")
                done.append(f"widened {table}.{column} to BIGINT")
    return done


async def flush(conn: Connection) -> list[str]:
    """Empties the imported data; keeps keys and the filter tables."""
    await create_or_upgrade(conn)
    for table in IMPORTED_TABLES:
        await execute(conn, f"TRUNCATE TABLE `{table}`")
    return [f"emptied {t}" for t in IMPORTED_TABLES]
