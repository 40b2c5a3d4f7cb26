"""Plans and adds RANGE COLUMNS (t) partitions; re-runnable, only ever adds."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from asyncmy.connection import Connection
from meridian_kit.errors import BadRequest

from kmdb.db import execute, fetchall
from kmdb.schema.ddl import PARTITIONED_TABLES

MAX_PARTITIONS = 1024
LAST = "pLast"


class TooManyPartitions(BadRequest):
    """The requested range would exceed MAX_PARTITIONS partitions."""


@dataclass
class PartitionReport:
    """What kmdb-partition did to one table."""

    table: str
    added: list[str]
    total: int


def bounds(min_date: dt.date, max_date: dt.date, days: int) -> list[dt.date]:
    """Upper bounds (exclusive) of partitions of `days` days covering min_date..max_date."""
    if max_date < min_date:
        raise BadRequest(f"KMDB_MAX_DATE {max_date} is before KMDB_MIN_DATE {min_date}")
    count = (max_date - min_date).days // days + 1
    return [min_date + dt.timedelta(days=days * k) for k in range(1, count + 1)]


def partition_name(bound: dt.date) -> str:
    """Partitions are named after their exclusive upper bound: p20140108."""
    return f"p{bound:%Y%m%d}"


def _definition(bound: dt.date | None) -> str:
    if bound is None:
        return f"PARTITION {LAST} VALUES LESS THAN (MAXVALUE)"
    return f"PARTITION {partition_name(bound)} VALUES LESS THAN ('{bound:%Y-%m-%d}')"


async def existing_bounds(conn: Connection, table: str) -> list[tuple[str, dt.date | None]] | None:
    """(name, upper bound or None for MAXVALUE) of each partition, or None if not partitioned."""
    rows = await fetchall(
        conn,
        "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY PARTITION_ORDINAL_POSITION",
        (table,),
    )
    if not rows or rows[0][0] is None:
        return None
    out: list[tuple[str, dt.date | None]] = []
    for name, description in rows:
        text = str(description).strip("'")
        out.append((name, None if text == "MAXVALUE" else dt.date.fromisoformat(text[:10])))
    return out


def _check_limit(table: str, total: int, min_date: dt.date, max_date: dt.date, days: int) -> None:
    if total <= MAX_PARTITIONS:
        return
    span = (max_date - min_date).days + 1
    need = math.ceil(span / (MAX_PARTITIONS - 1))
    raise TooManyPartitions(
        f"{min_date}..{max_date} at {days} day(s) per partition would give {table} {total}"
        f" partitions, more than {MAX_PARTITIONS}: set KMDB_DAYS_PER_PARTITION to {need} or more,"
        " or narrow KMDB_MIN_DATE..KMDB_MAX_DATE",
        detail={"table": table, "partitions": total, "limit": MAX_PARTITIONS},
    )


async def partition_table(
    conn: Connection, table: str, min_date: dt.date, max_date: dt.date, days: int
) -> PartitionReport:
    """Adds the partitions of min_date..max_date that `table` lacks; refuses past the limit."""
    wanted = bounds(min_date, max_date, days)
    current = await existing_bounds(conn, table)
    if current is None:
        _check_limit(table, len(wanted) + 1, min_date, max_date, days)
        parts = ", ".join(_definition(b) for b in [*wanted, None])
        await execute(conn, f"ALTER TABLE `{table}` PARTITION BY RANGE COLUMNS (t) ({parts})")
        return PartitionReport(table, [partition_name(b) for b in wanted], len(wanted) + 1)
    have = {b for _, b in current if b is not None}
    new = sorted(set(wanted) - have)
    _check_limit(table, len(current) + len(new), min_date, max_date, days)
    # Each new bound splits the existing partition whose range holds it.
    splits: dict[str, tuple[dt.date | None, list[dt.date]]] = {}
    for bound in new:
        name, upper = next((n, b) for n, b in current if b is None or b > bound)
        splits.setdefault(name, (upper, []))[1].append(bound)
    for name, (upper, inside) in splits.items():
        limit = "MAXVALUE" if upper is None else f"'{upper:%Y-%m-%d}'"
        kept = f"PARTITION {name} VALUES LESS THAN ({limit})"
        parts = ", ".join([*(_definition(b) for b in inside), kept])
        await execute(conn, f"ALTER TABLE `{table}` REORGANIZE PARTITION {name} INTO ({parts})")
    return PartitionReport(table, [partition_name(b) for b in new], len(current) + len(new))


async def partition_all(
    conn: Connection, min_date: dt.date, max_date: dt.date, days: int
) -> list[PartitionReport]:
    """Partitions events and properties alike; checks the limit before touching either."""
    for table in PARTITIONED_TABLES:
        current = await existing_bounds(conn, table) or [("", None)]
        have = {b for _, b in current if b is not None}
        extra = len(set(bounds(min_date, max_date, days)) - have)
        _check_limit(table, len(current) + extra, min_date, max_date, days)
    return [await partition_table(conn, t, min_date, max_date, days) for t in PARTITIONED_TABLES]
