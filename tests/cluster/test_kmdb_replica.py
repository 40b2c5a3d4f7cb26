"""kmdb-api on the cluster profile reads from the MariaDB replica (issue 15 §3).

Runs only with MERIDIAN_CLUSTER_TESTS=1 (`make test-cluster`): a private kmdb-api process with the
settings of `cluster.sh env` (DATABASE_URL on the primary mariadb1, KMDB_READ_DATABASE_URL on the
replica mariadb2) and a database of this run. With the replica's SQL thread stopped, a row
written on the primary is missing from the read routes' answers (they come from the replica)
while the filters, read back after a write, come from the primary; once the thread runs again
the read routes catch up. The replica killed: the read routes answer 503 naming the read
database, writes and the primary's reads go on, and the replica comes back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from kmdb.db import connection, execute, fetchall
from kmdb.schema.service import create_or_upgrade
from kmdb.settings import Settings

from tests.cluster.private_services import VENV_BIN, Service, cluster, cluster_env

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_CLUSTER_TESTS") != "1",
    reason="needs the cluster profile: `make test-cluster` (MERIDIAN_CLUSTER_TESTS=1)",
)

PERSON = "replica-reader"
USER_ID, KEY_ID, REVISION = 5151, 5252, 91
DAY = dt.date(2016, 2, 29)
TIMELINE = f"/users/{PERSON}/timeline"
STATS = f"/stats/events?from={DAY}&to={DAY}"
CATCH_UP = 60.0  # replication on loopback takes milliseconds; a loaded machine, seconds


@dataclass
class Kmdb:
    """The private kmdb-api, its client, and direct connections' settings on both nodes."""

    api: Service
    client: httpx.AsyncClient
    primary: Settings
    replica: Settings


def _on_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = CATCH_UP) -> None:
    """Polls `check` until it is true, failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:.0f} s: {what}")
        await asyncio.sleep(0.3)


@pytest.fixture(scope="module")
async def kmdb(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Kmdb]:
    """kmdb-api on the cluster with a database of this run (dropped after, on both nodes)."""
    cluster("wait", "300")
    engines = cluster_env()
    run = uuid.uuid4().hex[:8]
    database, token = f"kmdbcl_{run}", secrets.token_hex(16)
    primary = Settings(
        database_url=_on_database(engines["DATABASE_URL"], database),
        redis_url=engines["KMDB_REDIS_URL"],
    )
    replica = primary.model_copy(
        update={"database_url": _on_database(engines["KMDB_READ_DATABASE_URL"], database)}
    )
    async with connection(primary, db=None) as conn:
        await execute(conn, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    async with connection(primary) as conn:
        await create_or_upgrade(conn)
    env = {
        **os.environ,
        **engines,
        "DATABASE_URL": primary.database_url,
        "KMDB_READ_DATABASE_URL": replica.database_url,
        "KMDB_API_TOKEN": token,
        "KMDB_QUEUE": f"kmdbcl{run}",
        "SENTRY_DSN": "",
        "MERIDIAN_SERVICE": "kmdb-import",
    }
    log = tmp_path_factory.mktemp("kmdb") / "kmdb-api.log"
    api = Service("kmdb-api", [str(VENV_BIN / "kmdb-api")], env, log)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        api.start()
        async with httpx.AsyncClient(base_url=api.url, headers=headers, timeout=30) as client:
            yield Kmdb(api, client, primary, replica)
            api.assert_alive()
    finally:
        api.stop()
        async with connection(primary, db=None) as conn:
            await execute(conn, f"DROP DATABASE IF EXISTS `{database}`")


async def _events_on(settings: Settings) -> int:
    async with connection(settings) as conn:
        rows = await fetchall(conn, "SELECT COUNT(*) FROM events WHERE user_id = %s", (USER_ID,))
    return int(rows[0][0])


async def _add_event(settings: Settings, line: int) -> None:
    """One event of PERSON on DAY, written on the primary (its id from the revision and line)."""
    async with connection(settings) as conn:
        await execute(
            conn,
            "INSERT INTO events (id, t, n, user_id) VALUES (%s, %s, %s, %s)",
            (
                REVISION << 40 | line << 10,
                dt.datetime.combine(DAY, dt.time(9, line)),
                KEY_ID,
                USER_ID,
            ),
        )


async def _replica_sql_thread(settings: Settings, action: str) -> None:
    """STOP or START the replica's SQL thread (the development user holds SUPER there)."""
    async with connection(settings, db=None) as conn:
        await execute(conn, f"{action} SLAVE SQL_THREAD")


async def _timeline_events(kmdb: Kmdb) -> int | None:
    answer = await kmdb.client.get(TIMELINE)
    return len(answer.json()["events"]) if answer.status_code == 200 else None


async def test_reads_are_answered_by_the_replica(kmdb: Kmdb) -> None:
    async with connection(kmdb.primary) as conn:
        await execute(conn, "INSERT INTO users (id, name) VALUES (%s, %s)", (USER_ID, PERSON))
        await execute(conn, "INSERT INTO identities VALUES (%s, %s)", (PERSON, USER_ID))
        await execute(conn, "INSERT INTO `keys` VALUES (%s, 'replicated event')", (KEY_ID,))
    await _add_event(kmdb.primary, 1)

    async def replicated() -> bool:
        return await _timeline_events(kmdb) == 1

    await until(replicated, "the first event on the replica, read through kmdb-api")

    await _replica_sql_thread(kmdb.replica, "STOP")
    try:
        await _add_event(kmdb.primary, 2)
        added = await kmdb.client.post("/filters/ignored-users", json={"name": "written-now"})
        assert added.status_code == 201, added.text
        assert await _events_on(kmdb.primary) == 2
        assert await _events_on(kmdb.replica) == 1  # the replica applies nothing meanwhile
        # The read routes answer what the replica holds, not what the primary holds...
        assert await _timeline_events(kmdb) == 1
        stats = (await kmdb.client.get(STATS)).json()
        assert stats == [{"day": str(DAY), "name": "replicated event", "count": 1}]
        # ...while the filters, read back right after a write, come from the primary.
        filters = await kmdb.client.get("/filters/ignored-users")
        assert [f["name"] for f in filters.json()] == ["written-now"]
        async with connection(kmdb.replica) as conn:
            assert await fetchall(conn, "SELECT name FROM ignored_users") == []
    finally:
        await _replica_sql_thread(kmdb.replica, "START")

    async def caught_up() -> bool:
        return await _timeline_events(kmdb) == 2

    await until(caught_up, "the second event read through kmdb-api once the replica applies it")
    stats = (await kmdb.client.get(STATS)).json()
    assert stats == [{"day": str(DAY), "name": "replicated event", "count": 2}]


async def test_the_replica_killed_is_a_503_for_reads_only(kmdb: Kmdb) -> None:
    cluster("kill", "mariadb2")
    try:
        refused: list[httpx.Response] = []

        async def reads_refused() -> bool:
            answer = await kmdb.client.get(TIMELINE)
            assert answer.status_code in (200, 404, 503), answer.text  # never a 500
            refused[:] = [answer]
            return answer.status_code == 503

        await until(reads_refused, "a 503 from the read routes with the replica killed", 30)
        assert "KMDB_READ_DATABASE_URL" in refused[0].json()["error"]
        assert refused[0].headers["retry-after"] == "5"
        for path in (STATS, "/files", f"/files/{REVISION}/errors"):
            assert (await kmdb.client.get(path)).status_code == 503, path
        added = await kmdb.client.post("/filters/ignored-users", json={"name": "replica-away"})
        assert added.status_code == 201, added.text
        assert (await kmdb.client.get("/filters/ignored-users")).status_code == 200
        ready = (await kmdb.client.get("/readyz")).json()
        assert ready["checks"]["mysql"] == "ok", ready  # the primary's check; no replica check
        kmdb.api.assert_alive()
    finally:
        cluster("start", "mariadb2")
        cluster("wait", "300")

    async def served_again() -> bool:
        return await _timeline_events(kmdb) is not None

    await until(served_again, "the read routes served again once the replica is back")

    async def replicated_since() -> bool:  # written while it was away
        async with connection(kmdb.replica) as conn:
            names = await fetchall(conn, "SELECT name FROM ignored_users")
        return ("replica-away",) in names

    await until(replicated_since, "the filter written while the replica was away, on the replica")
