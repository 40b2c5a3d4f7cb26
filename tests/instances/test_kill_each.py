"""Killing one of two instances of each service under load loses no accepted request (issue 15 §2).

For analytics, metrics-api, kmdb-import and config-leader (ingest: test_ingest_kill.py): two private
instances behind a private nginx rendered from the gateway's template (kill_under_load.py), four
clients write for a bounded time, one instance gets kill -9 mid-load. Every write is answered with
the service's success code, or a clean 502/503 (a POST or PUT that had reached the killed instance:
nginx never sends it twice); every accepted write is found stored exactly once afterwards:
analytics' messages in Elasticsearch, metrics-api's points in Cassandra, kmdb's filter rows in
MariaDB, config-leader's changes in its settings history.

Each service works on names of the test's own (index prefix, keyspace, database, folder), removed
afterwards. Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.instances.kill_under_load import VENV_BIN, Load, Pair, check, run_load
from tests.instances.private_ingest import elasticsearch
from tests.instances.private_processes import REPO_ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private service instances: `make test-instances` (MERIDIAN_INSTANCE_TESTS=1)",
)

BATCH = 10  # items per write where a write carries several


class Scenario:
    """One service's writes, how to read them back and how to clean up."""

    service = ""
    script = ""
    prefix = ""
    ok = 200
    read: str | None = None  # a GET sent after each write (nginx may retry it on the other one)
    ready_path = "/readyz"

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.run = uuid.uuid4().hex[:10]

    async def prepare(self) -> None: ...

    def env(self) -> dict[str, str]:
        return {}

    def args(self) -> list[str]:
        return []

    def cwd(self) -> Path | None:
        return None

    def headers(self) -> dict[str, str]:
        return {}

    async def send(
        self, client: httpx.AsyncClient, base: str, n: int, k: int
    ) -> tuple[int, list[str]]:
        raise NotImplementedError

    async def stored(self, pair: Pair) -> Counter[str]:
        raise NotImplementedError

    async def cleanup(self) -> None: ...


class Analytics(Scenario):
    service, script, prefix, ok = "analytics", "analytics", "/analytics", 201
    day = "2024-05-01"

    @property
    def index_prefix(self) -> str:
        return f"r2k{self.run}-"

    def env(self) -> dict[str, str]:
        return {
            "ANALYTICS_INDEX_PREFIX": self.index_prefix,
            "ANALYTICS_REDIS_PREFIX": f"r2k{self.run}:",
            "ANALYTICS_QUEUE": f"r2k{self.run}",
            "MIGRATION_MANAGER_INDEX": f"{self.index_prefix}migrations",
        }

    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": os.environ["APIKEY"]}

    @property
    def read(self) -> str:  # type: ignore[override]
        return (
            f"/messages?project=r2k{self.run}&fromTime={self.day}T00:00:00Z"
            f"&toTime={self.day}T23:59:59Z&maxSize=5"
        )

    async def send(
        self, client: httpx.AsyncClient, base: str, n: int, k: int
    ) -> tuple[int, list[str]]:
        ids = [f"r2k-{n}-{k}-{i}" for i in range(BATCH)]
        messages = [
            {
                "type": "request",
                "messageId": message_id,
                "conversationId": f"c-{n}",
                "channel": "telegram",
                "userId": f"u-{n}",
                "timestamp": f"{self.day}T10:{k % 60:02d}:{i:02d}+00:00",
                "project": f"r2k{self.run}",
                "content": {"type": "text", "value": message_id},
            }
            for i, message_id in enumerate(ids)
        ]
        answer = await client.post(f"{base}/messages", json=messages)
        return answer.status_code, ids

    async def stored(self, pair: Pair) -> Counter[str]:
        es = elasticsearch()
        try:
            index = f"{self.index_prefix}message-*"
            await es.indices.refresh(index=index, ignore_unavailable=True)
            found = await es.search(
                index=index, size=10_000, source_includes=["messageId"], query={"match_all": {}}
            )
        finally:
            await es.close()
        return Counter(hit["_source"]["messageId"] for hit in found["hits"]["hits"])

    async def cleanup(self) -> None:
        es = elasticsearch()
        try:
            with contextlib.suppress(Exception):
                found = await es.indices.get(index=f"{self.index_prefix}*", ignore_unavailable=True)
                if found.body:
                    await es.indices.delete(index=",".join(sorted(found.body)))
            with contextlib.suppress(Exception):
                await es.indices.delete_index_template(name=f"{self.index_prefix}*")
        finally:
            await es.close()


class MetricsApi(Scenario):
    service, script, prefix = "metrics-api", "metrics-api", "/metrics"
    read = "/api/v1/metrics"  # the metrics of the test's own keyspace (the write token reads)
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)

    @property
    def keyspace(self) -> str:
        return f"r2k_{self.run}"

    def env(self) -> dict[str, str]:
        return {"METRICS_SERVER_KEYSPACE": self.keyspace}

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {os.environ['METRICS_API_WRITE_TOKEN']}"}

    async def send(
        self, client: httpx.AsyncClient, base: str, n: int, k: int
    ) -> tuple[int, list[str]]:
        times = [self.start + dt.timedelta(seconds=k * BATCH + i) for i in range(BATCH)]
        points = [
            {
                "environment": f"r2k{self.run}",
                "application": f"c{n}",
                "metric_name": "mem",
                "metric_timestamp": t.isoformat(),
                "value": float(k),
            }
            for t in times
        ]
        answer = await client.post(f"{base}/api/v1/metrics/raw_gauge", json={"points": points})
        return answer.status_code, [f"c{n} {t.isoformat()}" for t in times]

    def _session_rows(self, cql: str) -> list[Any]:
        from cassandra.cluster import Cluster

        host, _, port = os.environ["METRICS_SERVER_CASSANDRA"].split(",")[0].partition(":")
        cluster = Cluster([host], port=int(port or 9042))
        try:
            return list(cluster.connect().execute(cql, timeout=60))
        finally:
            cluster.shutdown()

    async def stored(self, pair: Pair) -> Counter[str]:
        rows = await asyncio.to_thread(
            self._session_rows,
            f"SELECT application, metric_timestamp FROM {self.keyspace}.raw_gauge",
        )
        return Counter(
            f"{row.application} {row.metric_timestamp.replace(tzinfo=dt.UTC).isoformat()}"
            for row in rows
        )

    async def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self._session_rows, f"DROP KEYSPACE IF EXISTS {self.keyspace}")


class KmdbImport(Scenario):
    service, script, prefix, ok = "kmdb-import", "kmdb-api", "/kmdb", 201
    read = "/filters/ignored-users?limit=5"

    @property
    def database(self) -> str:
        return f"r2k_{self.run}"

    def database_url(self, name: str) -> str:
        return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))

    async def prepare(self) -> None:
        from kmdb.db import connection, execute
        from kmdb.settings import Settings

        admin = Settings(database_url=self.database_url(""), redis_url=os.environ["KMDB_REDIS_URL"])
        async with connection(admin, db=None) as conn:
            await execute(conn, f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")
        flush = await asyncio.to_thread(
            subprocess.run,
            [str(VENV_BIN / "kmdb-flush")],
            env={**os.environ, **self.env()},
            capture_output=True,
            timeout=120,
        )
        assert flush.returncode == 0, flush.stdout[-2000:] + flush.stderr[-2000:]

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url(self.database), "KMDB_QUEUE": self.database}

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {os.environ['KMDB_API_TOKEN']}"}

    async def send(
        self, client: httpx.AsyncClient, base: str, n: int, k: int
    ) -> tuple[int, list[str]]:
        name = f"r2k-{n}-{k}"
        answer = await client.post(f"{base}/filters/ignored-users", json={"name": name})
        return answer.status_code, [name]

    async def stored(self, pair: Pair) -> Counter[str]:
        from kmdb.db import connection, fetchall
        from kmdb.settings import Settings

        settings = Settings(
            database_url=self.database_url(self.database), redis_url=os.environ["KMDB_REDIS_URL"]
        )
        async with connection(settings) as conn:
            rows = await fetchall(conn, "SELECT name FROM ignored_users")
        return Counter(str(row[0]) for row in rows)

    async def cleanup(self) -> None:
        from kmdb.db import connection, execute
        from kmdb.settings import Settings

        admin = Settings(database_url=self.database_url(""), redis_url=os.environ["KMDB_REDIS_URL"])
        async with connection(admin, db=None) as conn:
            await execute(conn, f"DROP DATABASE IF EXISTS `{self.database}`")


class ConfigLeader(Scenario):
    """Two leader instances on one folder (what CONFIG_LEADER_INSTANCES=2 runs); each change adds
    a variable of its own, so a lost update shows as a variable missing from the history."""

    service, script, prefix = "config-leader", "config-leader", "/config"
    ready_path = "/healthz"
    read = "/admin/settings/history?limit=1"

    async def prepare(self) -> None:
        from tests.config.conftest import Cluster

        self.cluster = Cluster(self.tmp / "config")
        self.cluster.write_leader_config()

    def args(self) -> list[str]:
        return ["--config", str(self.cluster.leader.config)]

    def cwd(self) -> Path | None:
        return self.cluster.leader.folder

    def headers(self) -> dict[str, str]:
        return {"Authorization": self.cluster.admin_key}

    async def send(
        self, client: httpx.AsyncClient, base: str, n: int, k: int
    ) -> tuple[int, list[str]]:
        name = f"R2K_{n}_{k}"
        answer = await client.put(f"{base}/admin/settings", json={name: f"v{k}"})
        return answer.status_code, [name]

    async def stored(self, pair: Pair) -> Counter[str]:
        async with httpx.AsyncClient(headers=self.headers(), timeout=60) as client:
            answer = await client.get(f"{pair.direct(0)}/admin/settings/history?limit=1000")
            current = await client.get(f"{pair.direct(0)}/admin/settings")
        assert answer.status_code == 200, answer.text
        assert current.status_code == 200, current.text
        changed: Counter[str] = Counter()
        for revision in answer.json()["revisions"]:
            changed.update(name for name in revision["changes"] if name.startswith("R2K_"))
        # A change in the history that a later write overwrote is lost all the same.
        present = names_in(current.json()["settings"])
        return Counter({name: count for name, count in changed.items() if name in present})


def names_in(settings: Any) -> set[str]:
    """Every R2K_ variable name in a settings body, flat or grouped."""
    if isinstance(settings, dict):
        found = {key for key in settings if key.startswith("R2K_")}
        return found.union(*(names_in(value) for value in settings.values()))
    return set()


SCENARIOS = {"analytics": Analytics, "metrics-api": MetricsApi}
SCENARIOS |= {"kmdb-import": KmdbImport, "config-leader": ConfigLeader}


# Known bugs: service -> xfail mark (still run, so they are seen). None now: config-leader's lost
# change (a PUT nginx resent to the other instance after a kill between saving platform.yml and
# recording its revision found nothing to change) is recorded since (issue 15).
KNOWN_BUGS: dict[str, pytest.MarkDecorator] = {}


@pytest.fixture(
    params=[pytest.param(name, marks=KNOWN_BUGS.get(name, ())) for name in sorted(SCENARIOS)]
)
async def scenario(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Scenario]:
    made = SCENARIOS[request.param](tmp_path)
    try:
        await made.prepare()
        yield made
    finally:
        await made.cleanup()


async def test_killing_one_instance_under_load_loses_no_accepted_write(
    scenario: Scenario, tmp_path: Path, tls_dir: Path
) -> None:
    pair = Pair(
        scenario.service,
        scenario.script,
        scenario.prefix,
        tmp_path,
        tls_dir,
        env=scenario.env(),
        args=scenario.args(),
        ready_path=scenario.ready_path,
        cwd=scenario.cwd() or REPO_ROOT,
    )
    try:
        await asyncio.to_thread(pair.start)
        load: Load = await run_load(
            pair, scenario.send, scenario.ok, scenario.read, scenario.headers()
        )
        stored = await scenario.stored(pair)
    finally:
        await asyncio.to_thread(pair.stop)
    check(load, stored)
    print(json.dumps({"service": scenario.service, "accepted": len(load.accepted)}))
