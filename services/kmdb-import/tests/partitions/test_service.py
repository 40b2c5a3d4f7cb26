"""kmdb-partition: RANGE partitions on t, created, extended (both ways), refused past 1024."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from kmdb.db import fetchall
from kmdb.partitions.service import (
    MAX_PARTITIONS,
    TooManyPartitions,
    _check_limit,
    bounds,
    partition_all,
)

D = dt.date


async def partitions(conn, table="events"):
    rows = await fetchall(
        conn,
        "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY PARTITION_ORDINAL_POSITION",
        (table,),
    )
    return [r[0] for r in rows]


async def test_created_extended_and_rerun(settings, conn):
    await partition_all(conn, D(2014, 1, 1), D(2014, 1, 20), 7)
    assert await partitions(conn) == ["p20140108", "p20140115", "p20140122", "pLast"]
    assert await partitions(conn, "properties") == await partitions(conn)
    await conn_exec(
        conn,
        "INSERT INTO events (id, t, n, user_id) VALUES (1, '2014-01-10 10:00:00', 1, 1), (2, '2030-01-01', 1, 1), (3, '2000-01-01', 1, 1)",
    )
    # Re-running with the same range adds nothing; a wider range adds on both sides.
    reports = await partition_all(conn, D(2014, 1, 1), D(2014, 1, 20), 7)
    assert [r.added for r in reports] == [[], []]
    await partition_all(conn, D(2013, 12, 25), D(2014, 2, 3), 7)
    names = await partitions(conn)
    assert names[0] == "p20140101" and "p20140129" in names and "p20140205" in names
    assert names[-1] == "pLast" and len(names) == len(set(names))
    assert (await fetchall(conn, "SELECT COUNT(*) FROM events"))[0][0] == 3  # rows kept
    where = await fetchall(conn, "SELECT id FROM events PARTITION (pLast)")
    assert where == [(2,)]


async def conn_exec(conn, sql):
    from kmdb.db import execute

    await execute(conn, sql)


async def test_refused_past_1024_and_nothing_changed(settings, conn):
    with pytest.raises(TooManyPartitions, match="KMDB_DAYS_PER_PARTITION to 3 or more"):
        await partition_all(conn, D(2010, 1, 1), D(2016, 12, 31), 1)
    assert await partitions(conn) == [None]  # still not partitioned
    await partition_all(conn, D(2014, 1, 1), D(2014, 1, 20), 1)
    before = await partitions(conn)
    assert len(before) == 21
    # 21 existing + 1004 new = 1025: refused, for both tables, before touching either.
    with pytest.raises(TooManyPartitions, match="1025 partitions"):
        await partition_all(conn, D(2014, 1, 1), D(2016, 10, 20), 1)
    assert await partitions(conn) == before == await partitions(conn, "properties")


def test_exactly_1024_is_allowed():
    wanted = bounds(D(2014, 1, 1), D(2016, 10, 19), 1)
    assert len(wanted) + 1 == MAX_PARTITIONS  # with pLast
    _check_limit("events", len(wanted) + 1, D(2014, 1, 1), D(2016, 10, 19), 1)
    with pytest.raises(TooManyPartitions):
        _check_limit("events", MAX_PARTITIONS + 1, D(2014, 1, 1), D(2016, 10, 20), 1)


def test_cli_refuses_with_a_clear_message(settings):
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        KMDB_MIN_DATE="2000-01-01",
        KMDB_MAX_DATE="2020-01-01",
        KMDB_DAYS_PER_PARTITION="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "kmdb.cli.partition"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "more than 1024" in done.stderr and "KMDB_DAYS_PER_PARTITION" in done.stderr
    env["KMDB_DAYS_PER_PARTITION"] = "30"
    done = subprocess.run(
        [sys.executable, "-m", "kmdb.cli.partition"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "events: added 244" in done.stdout
