"""metrics-api benchmark: binned queries and writes, each next to the original's way in the same run.

- Query: a 1000-bin query over 1 day of 1 s points and over 30 days of 10 s points, through the HTTP
  API (rollups + numpy) vs metrics_server's way (every raw row fetched with the driver, then pandas
  resample with the original's aggregators).
- Write: points/s through POST /api/v1/metrics/{table} (validation, catalog, rollups included) vs
  raw driver inserts of the same points (prepared statements, execute_concurrent, concurrency 64).

Runs against the local Cassandra in a keyspace of its own, dropped at the end; starts the
`metrics-api` console script on a free port. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import orjson
import pandas as pd
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.query import BatchStatement, BatchType, dict_factory
from metrics_api.schema.ddl import apply_schema
from private_metrics_api import CASSANDRA, start_metrics_api
from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
TABLE = "raw_timer_with_interval"
COLUMNS = ["mean", "p99", "interval_count"]
ORIGINAL_AGGREGATORS = {"mean": np.mean, "p99": np.max, "interval_count": np.sum}
DAY_START = dt.datetime(2024, 2, 15, tzinfo=dt.UTC)
MONTH_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
BATCH = 10_000
TOKEN = f"bench-{uuid.uuid4().hex}"  # the private server's write token (it reads too)
NOTE = (
    "Figures move with the machine's load (other engines and benchmarks share the 2 cores); "
    "each ratio is measured within one run. The API and the baseline read the same rows from the "
    "same day-bucketed raw table; the API answers from 30 s / 10 min rollups."
)


def timer_points(
    metric: str, start: dt.datetime, seconds: int, step: int
) -> list[dict[str, object]]:
    """Timer points every `step` seconds with a running count."""
    rng = np.random.default_rng(len(metric))
    n = seconds // step
    counts = np.cumsum(rng.integers(0, 20, n))
    mean = rng.normal(50, 5, n)
    p99 = mean + rng.exponential(40, n)
    base = int(start.timestamp() * 1000)
    return [
        {
            "environment": "bench",
            "application": "app",
            "metric_name": metric,
            "metric_timestamp": base + i * step * 1000,
            "count": int(counts[i]),
            "previous_count": int(counts[i - 1]) if i else 0,
            "mean": float(mean[i]),
            "max": float(p99[i] * 1.2),
            "p99": float(p99[i]),
        }
        for i in range(n)
    ]


def as_json_points(points: list[dict[str, object]]) -> list[dict[str, object]]:
    """The same points with ISO timestamps, as a client posts them."""
    out = []
    for p in points:
        ms = p["metric_timestamp"]
        out.append(
            {**p, "metric_timestamp": dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()}
        )  # type: ignore[operator]
    return out


def write_api(client: httpx.Client, points: list[dict[str, object]]) -> float:
    """Posts the points in batches of 10,000; returns points per second."""
    bodies = [orjson.dumps({"points": points[i : i + BATCH]}) for i in range(0, len(points), BATCH)]
    started = time.perf_counter()
    for body in bodies:
        r = client.post(
            f"/api/v1/metrics/{TABLE}", content=body, headers={"content-type": "application/json"}
        )
        r.raise_for_status()
    return len(points) / (time.perf_counter() - started)


def write_raw(session: Session, keyspace: str, points: list[dict[str, object]]) -> float:
    """Inserts the points one prepared statement each, 64 in flight; returns points per second."""
    statement = session.prepare(
        f"INSERT INTO {keyspace}.{TABLE} (environment, application, metric_name, day, metric_timestamp, "
        "count, previous_count, mean, max, p99) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    epoch = dt.date(1970, 1, 1)
    params = [
        (
            p["environment"], p["application"], p["metric_name"],
            epoch + dt.timedelta(days=p["metric_timestamp"] // 86_400_000),  # type: ignore[operator]
            p["metric_timestamp"], p["count"], p["previous_count"], p["mean"], p["max"], p["p99"],
        )
        for p in points
    ]  # fmt: skip
    started = time.perf_counter()
    for i in range(0, len(params), BATCH):
        execute_concurrent_with_args(session, statement, params[i : i + BATCH], concurrency=64)
    return len(points) / (time.perf_counter() - started)


def write_raw_batched(session: Session, keyspace: str, points: list[dict[str, object]]) -> float:
    """The same inserts grouped as the API groups them: unlogged batches of 25 rows of one
    partition, 64 batches in flight; returns points per second."""
    statement = session.prepare(
        f"INSERT INTO {keyspace}.{TABLE} (environment, application, metric_name, day, metric_timestamp, "
        "count, previous_count, mean, max, p99) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    epoch = dt.date(1970, 1, 1)
    started = time.perf_counter()  # binding the statements is part of the work, as in the API
    batches = []
    for i in range(0, len(points), 25):  # points are in time order: 25 in a row share a day
        batch = BatchStatement(batch_type=BatchType.UNLOGGED)
        for p in points[i : i + 25]:
            day = epoch + dt.timedelta(days=p["metric_timestamp"] // 86_400_000)  # type: ignore[operator]
            batch.add(
                statement,
                (
                    p["environment"],
                    p["application"],
                    p["metric_name"],
                    day,
                    p["metric_timestamp"],
                    p["count"],
                    p["previous_count"],
                    p["mean"],
                    p["max"],
                    p["p99"],
                ),
            )
        batches.append((batch, ()))
    for i in range(0, len(batches), 400):
        execute_concurrent(session, batches[i : i + 400], concurrency=64)
    return len(points) / (time.perf_counter() - started)


def query_api(client: httpx.Client, metric: str, start: dt.datetime, end: dt.datetime) -> int:
    r = client.get(
        f"/api/v1/metrics/{TABLE}/bench/app/{metric}",
        params={"columns": ",".join(COLUMNS), "size": 1000, "start_timestamp": start.isoformat(), "end_timestamp": end.isoformat()},
    )  # fmt: skip
    r.raise_for_status()
    return len(r.json()["data"]["rows"])


def query_original(
    session: Session, keyspace: str, metric: str, start: dt.datetime, end: dt.datetime
) -> int:
    """metrics_server's get_metric_data: every raw row, a DataFrame, pandas resample."""
    statement = session.prepare(
        f"SELECT metric_timestamp, count, previous_count, mean, p99 FROM {keyspace}.{TABLE} "
        "WHERE environment = ? AND application = ? AND metric_name = ? AND day = ? "
        "AND metric_timestamp >= ? AND metric_timestamp <= ?"
    )
    days = pd.date_range(start.date(), (end - dt.timedelta(microseconds=1)).date(), freq="D")
    futures = [
        session.execute_async(statement, ("bench", "app", metric, day.date(), start, end))
        for day in days
    ]
    rows = [row for f in futures for row in f.result()]
    df = pd.DataFrame(rows).set_index(["metric_timestamp"]).tz_localize("UTC")
    df = df.assign(interval_count=df["count"] - df["previous_count"]).drop(
        ["count", "previous_count"], axis=1
    )
    size = 1000
    if len(df) > size:
        seconds = (end - start).total_seconds()
        df = df.resample(f"{int(seconds // size)}s").agg(ORIGINAL_AGGREGATORS)
    return len(df.reset_index())


def timed(fn, repeat: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    fn()  # warm up: prepared statements, caches
    times, n = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - started)
    return times, n


def ms(values: list[float], q: float) -> float:
    return float(np.quantile(values, q) * 1000)


def main() -> None:
    keyspace = f"metric_data_bench_{uuid.uuid4().hex[:8]}"
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    cluster = Cluster([host], port=int(port or 9042))
    session = cluster.connect()
    apply_schema(session, keyspace)
    session.default_fetch_size = None  # as the original: one fetch, no paging
    session.row_factory = dict_factory
    proc, url = start_metrics_api(keyspace, TOKEN)
    lines: list[str] = []
    try:
        client = httpx.Client(
            base_url=url, timeout=300, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        day = timer_points("day1s", DAY_START, 86_400, 1)
        month = timer_points("month10s", MONTH_START, 30 * 86_400, 10)
        print(f"writing {len(day)} + {len(month)} points through the API ...", flush=True)
        api_day = write_api(client, as_json_points(day))
        raw_day = write_raw(session, keyspace, [{**p, "metric_name": "day1s_raw"} for p in day])
        raw_batched = write_raw_batched(
            session, keyspace, [{**p, "metric_name": "day1s_rawb"} for p in day]
        )
        api_month = write_api(client, as_json_points(month))
        write_ratio = api_day / raw_day

        day_end, month_end = DAY_START + dt.timedelta(days=1), MONTH_START + dt.timedelta(days=30)
        results = {}
        for name, metric, start, end, repeat_api, repeat_orig in (
            ("1 day of 1 s points (86,400)", "day1s", DAY_START, day_end, 50, 5),
            ("30 days of 10 s points (259,200)", "month10s", MONTH_START, month_end, 50, 3),
        ):
            api_t, api_rows = timed(
                lambda m=metric, s=start, e=end: query_api(client, m, s, e), repeat_api
            )
            orig_t, orig_rows = timed(
                lambda m=metric, s=start, e=end: query_original(session, keyspace, m, s, e),
                repeat_orig,
            )
            results[name] = (api_t, api_rows, orig_t, orig_rows)
            print(
                f"{name}: api p50 {ms(api_t, 0.5):.1f} ms ({api_rows} rows), original p50 {ms(orig_t, 0.5):.1f} ms ({orig_rows} rows)",
                flush=True,
            )

        lines += [
            "| query (1000 bins, columns mean,p99,interval_count) | API p50 / p95 | original (driver + pandas) p50 | speed-up |",
            "|---|---|---|---|",
        ]
        for name, (api_t, api_rows, orig_t, orig_rows) in results.items():
            speedup = statistics.median(orig_t) / statistics.median(api_t)
            lines.append(
                f"| {name} | {ms(api_t, 0.5):.1f} / {ms(api_t, 0.95):.1f} ms ({api_rows} bins) | "
                f"{ms(orig_t, 0.5):.0f} ms ({orig_rows} bins) | {speedup:.1f}x |"
            )
        lines += [
            "",
            "| write (timer points, batches of 10,000) | points/s |",
            "|---|---|",
            f"| API, 1 day of 1 s points (validation, catalog, rollups included) | {api_day:,.0f} |",
            f"| raw driver inserts of the same points (prepared, execute_concurrent, 64 in flight) | {raw_day:,.0f} |",
            f"| raw driver, unlogged single-partition batches of 25 (as the API writes) | {raw_batched:,.0f} |",
            f"| API, 30 days of 10 s points | {api_month:,.0f} |",
            f"| **API / raw driver inserts** | **{write_ratio:.2f}x** |",
            f"| API / raw driver with the API's batching | {api_day / raw_batched:.2f}x |",
        ]
        print("\n".join(lines))
    finally:
        proc.terminate()
        proc.wait(10)
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()
    record(lines)


def record(lines: list[str]) -> None:
    """Replaces this benchmark's section of bench/RESULTS.md."""
    write_section(
        "metrics-api",
        [
            "## metrics-api: binned queries and writes (bench/metrics_query.py)",
            "",
            f"`uv run python bench/metrics_query.py`, {dt.date.today().isoformat()}, local Cassandra 5.0 "
            f"on the 2-core dev machine (load average {os.getloadavg()[0]:.1f} at the end), one API process.",
            "",
            NOTE,
            "",
            *lines,
        ],
    )


if __name__ == "__main__":
    main()
