"""The schema upgrade is idempotent and sets TTLs; settings come from env or the JSON config; an
unreachable Cassandra degrades the service to 503s instead of crashing it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest
from cassandra.cluster import Session
from metrics_api.app import create_app
from metrics_api.schema.ddl import apply_schema
from metrics_api.schema.tables import ROLLUP_LEVELS
from metrics_api.series.store import buckets_between
from metrics_api.settings import Settings, settings_values

from ..conftest import CASSANDRA, WRITE_HEADERS, settings_for


def test_schema_upgrade_is_idempotent_and_sets_ttls(cql: Session):
    ks = f"metric_data_test_{uuid.uuid4().hex[:10]}"
    try:
        first = apply_schema(cql, ks)
        assert f"created keyspace {ks}" in first
        assert "created table raw_counter_with_interval" in first
        assert apply_schema(cql, ks) == []
        cql.execute(f"ALTER TABLE {ks}.raw_gauge DROP value")  # an older schema, missing a column
        changes = apply_schema(cql, ks, ttl={"raw_gauge": 86_400})
        assert changes == ["added column raw_gauge.value", "set raw_gauge TTL 0 -> 86400s"]
        ttl = cql.execute(
            "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 'raw_gauge'",
            [ks],
        ).one()
        assert ttl[0] == 86_400
        key = cql.execute(
            "SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = %s AND table_name = 'raw_timer_with_interval'",
            [ks],
        ).all()
        kinds = {r[0]: r[1] for r in key}
        assert kinds["day"] == "partition_key" and kinds["metric_timestamp"] == "clustering"
    finally:
        cql.execute(f"DROP KEYSPACE IF EXISTS {ks}")


def test_the_schema_console_script(cql: Session, tmp_path):
    ks = f"metric_data_test_{uuid.uuid4().hex[:10]}"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"cassandra": {"host": CASSANDRA}}))
    command = [
        sys.executable,
        "-m",
        "metrics_api.schema.cli",
        "--config",
        str(config),
        "--keyspace",
        ks,
    ]
    try:
        out = subprocess.run(
            [*command, "--ttl", "raw_timer_with_interval=3600"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "created keyspace" in out.stdout
        again = subprocess.run(
            [*command, "--ttl", "raw_timer_with_interval=3600"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "(0 change(s))" in again.stdout
        bad = subprocess.run([*command, "--ttl", "raw_meter=5"], capture_output=True, text=True)
        assert bad.returncode == 2 and "raw_meter" in bad.stderr
    finally:
        cql.execute(f"DROP KEYSPACE IF EXISTS {ks}")


def test_settings_from_a_config_file(tmp_path, monkeypatch):
    for name in (
        "METRICS_SERVER_CASSANDRA",
        "METRICS_SERVER_PORT",
        "METRICS_SERVER_DEBUG",
        "METRICS_SERVER_TTL",
    ):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "debug": True,
                "server": {"host": "0.0.0.0", "port": 9999, "threads": 2},
                "cassandra": {"host": ["a", "b:9043"]},
                "ttl": {"raw_gauge": 60},
            }
        )
    )
    monkeypatch.setenv("METRICS_SERVER_CONFIG", str(path))
    s = Settings(**settings_values())
    assert (s.debug, s.host, s.port, s.threads, s.ttl) == (
        True,
        "0.0.0.0",
        9999,
        2,
        {"raw_gauge": 60},
    )
    assert s.cassandra_hosts == [("a", 9042), ("b", 9043)]
    monkeypatch.setenv("METRICS_SERVER_PORT", "8111")  # the environment wins over the file
    monkeypatch.setenv("METRICS_SERVER_DEBUG", "off")
    s = Settings(**settings_values())
    assert (s.port, s.debug) == (8111, False)


def test_no_cassandra_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("METRICS_SERVER_CASSANDRA", raising=False)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"server": {"port": 8104}}))
    env = {"METRICS_SERVER_CONFIG": str(path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-m", "metrics_api.schema.cli"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 2
    assert "METRICS_SERVER_CASSANDRA" in r.stderr


def test_ttl_settings_are_checked(monkeypatch):
    monkeypatch.setenv("METRICS_SERVER_TTL", "raw_gauge=60,rollup_gauge=3600")
    assert Settings(cassandra="x").ttl == {"raw_gauge": 60, "rollup_gauge": 3600}
    monkeypatch.setenv("METRICS_SERVER_TTL", '{"raw_gauge": -1}')
    with pytest.raises(ValueError, match="TTL"):
        Settings(cassandra="x")


async def test_an_unreachable_cassandra_gives_503_not_a_crash():
    app = create_app(settings_for("metric_data_nowhere", cassandra="127.0.0.1:1"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://m", headers=WRITE_HEADERS
        ) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["failed"] == ["cassandra"]
            r = await client.get("/api/v1/metrics")
            assert r.status_code == 503 and "cassandra" in r.json()["error"]
            point = {
                "environment": "e",
                "application": "a",
                "metric_name": "m",
                "metric_timestamp": "2024-01-01T00:00:00Z",
                "value": 1,
            }
            r = await client.post("/api/v1/metrics/raw_gauge", json={"points": [point]})
            assert r.status_code == 503
            assert r.headers["retry-after"]


async def test_rollups_can_be_rebuilt_from_raw_points(client, keyspace, cql: Session, env):
    start = dt.datetime(2024, 8, 1, 23, 59, tzinfo=dt.UTC)
    points = [
        {
            "environment": env,
            "application": "a",
            "metric_name": "g",
            "metric_timestamp": (start + dt.timedelta(seconds=i)).isoformat(),
            "value": float(i),
        }
        for i in range(600)
    ]
    assert (
        await client.post("/api/v1/metrics/raw_gauge", json={"points": points})
    ).status_code == 200
    params = {
        "columns": "value",
        "size": 20,
        "start_timestamp": start.isoformat(),
        "end_timestamp": (start + dt.timedelta(minutes=10)).isoformat(),
    }
    before = (await client.get(f"/api/v1/metrics/raw_gauge/{env}/a/g", params=params)).json()[
        "data"
    ]["rows"]
    # As if the writers had died before recomputing their rollups: the rollups are stale.
    span = (int(start.timestamp() * 1000), int(start.timestamp() * 1000) + 3_600_000)
    for level in ROLLUP_LEVELS:
        for bucket in buckets_between(level, *span):
            key = [env, level, bucket]
            where = "environment = %s AND application = 'a' AND metric_name = 'g' AND resolution = %s AND bucket = %s"
            for row in cql.execute(
                f"SELECT bin_start FROM {keyspace}.rollup_gauge WHERE {where}", key
            ):
                cql.execute(
                    f"UPDATE {keyspace}.rollup_gauge SET value_sum = 0 WHERE {where} AND bin_start = %s",
                    [*key, row[0]],
                )
    damaged = (await client.get(f"/api/v1/metrics/raw_gauge/{env}/a/g", params=params)).json()[
        "data"
    ]["rows"]
    assert damaged != before
    command = [
        sys.executable, "-m", "metrics_api.schema.cli", "--keyspace", keyspace, "--rebuild-rollups",
        "--since", start.isoformat(), "--until", (start + dt.timedelta(hours=1)).isoformat(),
    ]  # fmt: skip
    env_vars = {**os.environ, "METRICS_SERVER_CASSANDRA": CASSANDRA}
    out = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, env=env_vars
    )
    assert out.returncode == 0, out.stderr
    assert "rollups rebuilt" in out.stdout
    after = (await client.get(f"/api/v1/metrics/raw_gauge/{env}/a/g", params=params)).json()[
        "data"
    ]["rows"]
    assert after == before


async def test_coarse_rollups_can_be_rebuilt_from_the_hourly_ones(client, keyspace, cql, env):
    start = dt.datetime(2023, 12, 30, 22, 0, tzinfo=dt.UTC)  # crosses days and a 10-day bin
    points = [
        {
            "environment": env,
            "application": "a",
            "metric_name": "g",
            "metric_timestamp": (start + dt.timedelta(minutes=37 * i)).isoformat(),
            "value": float(i % 11),
        }
        for i in range(400)
    ]
    assert (
        await client.post("/api/v1/metrics/raw_gauge", json={"points": points})
    ).status_code == 200
    where = "environment = %s AND application = 'a' AND metric_name = 'g' AND resolution = %s AND bucket = %s"

    def coarse_rows() -> dict[int, list[tuple]]:
        out = {}
        for level in (86_400, 864_000):
            rows = []
            for bucket in buckets_between(level, 0, 7_258_118_400_000):
                if bucket > int(start.timestamp() * 1000) + 86_400_000 * 40:
                    break
                rows += [
                    tuple(r)
                    for r in cql.execute(
                        f"SELECT bin_start, points, value_sum, value_n FROM {keyspace}.rollup_gauge WHERE {where}",
                        [env, level, bucket],
                    )
                ]
            out[level] = rows
        return out

    before = coarse_rows()
    assert len(before[86_400]) == 12 and len(before[864_000]) >= 2  # Dec 30 to Jan 10
    span = (int(start.timestamp() * 1000), int(start.timestamp() * 1000) + 12 * 86_400_000)
    for level in (86_400, 864_000):  # as after an upgrade: the coarse levels were never written
        for bucket in buckets_between(level, *span):
            cql.execute(f"DELETE FROM {keyspace}.rollup_gauge WHERE {where}", [env, level, bucket])
    assert coarse_rows() != before
    command = [
        sys.executable, "-m", "metrics_api.schema.cli", "--keyspace", keyspace, "--rebuild-coarse",
        "--since", "2023-12-01T00:00:00Z", "--until", "2024-02-01T00:00:00Z",
    ]  # fmt: skip
    env_vars = {**os.environ, "METRICS_SERVER_CASSANDRA": CASSANDRA}
    out = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, env=env_vars
    )
    assert out.returncode == 0, out.stderr
    assert "coarse rollups rebuilt" in out.stdout
    assert coarse_rows() == before
