"""metrics-api read latency at 1000 bins over ranges from 1 hour to 10 years (issue 17 §5 reads:
p99 < 200 ms).

A private keyspace and `metrics-api` process (bench/private_metrics_api.py). One timer series is
written through the API the way a long-lived service reports: a point every hour for 10 years, every
minute for the last 40 days, every second for the last 2 hours (about 147,000 points); then each
range ending at the same unaligned instant is queried `--queries` times in turn (1000 bins, columns
mean,p99,interval_count), one client, sequentially. Writes its section of bench/RESULTS.md; the
last line is the RESULT line (the worst p99).

    uv run python bench/metrics_read_ranges.py [--queries 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
import uuid

import httpx
import numpy as np
import orjson
from cassandra.cluster import Cluster
from metrics_api.schema.ddl import apply_schema
from private_metrics_api import CASSANDRA, start_metrics_api
from results_file import write_section

TOKEN = f"bench-{uuid.uuid4().hex}"
TABLE = "raw_timer_with_interval"
UTC = dt.UTC
END = dt.datetime(2026, 11, 30, 17, 42, 13, 250_000, tzinfo=UTC)  # unaligned on purpose
RANGES = {
    "1 hour": dt.timedelta(hours=1),
    "1 day": dt.timedelta(days=1),
    "7 days": dt.timedelta(days=7),
    "30 days": dt.timedelta(days=30),
    "1 year": dt.timedelta(days=365),
    "10 years": dt.timedelta(days=3652),
}
GOAL_MS = 200
NOTES = [
    "Measured once, 2026-12-02, while other helpers' test runs loaded the machine (load average "
    "6-7): the goal is **not met** at p99 (p50s 41-160 ms; the tail follows the load). Not "
    "investigated yet: the 7-day range (the slowest p50) and a p99 on a quiet machine. Writing the "
    "hourly decade is slow (~870 points/s): hourly points are 360 ten-second bins apart, so each "
    "is its own read run at the 10 s-10 min levels (one query per point and level); grouping a "
    "sparse batch's runs by day (`day IN`) would cut that.",
]


def series_times() -> np.ndarray:
    """Point times (ms): hourly for 10 years, per minute for 40 days, per second for 2 hours."""
    end = int(END.timestamp()) * 1000
    hour, minute, second = 3_600_000, 60_000, 1000
    parts = [
        np.arange(end - 3653 * 86_400_000, end - 40 * 86_400_000, hour),
        np.arange(end - 40 * 86_400_000, end - 2 * hour, minute),
        np.arange(end - 2 * hour, end + minute, second),
    ]
    return np.concatenate(parts)


def bodies(times: np.ndarray) -> list[bytes]:
    """Timer points with a running count, 10,000 a body."""
    rng = np.random.default_rng(5)
    counts = np.cumsum(rng.integers(0, 20, len(times)))
    mean = rng.normal(50, 5, len(times))
    out = []
    for i in range(0, len(times), 10_000):
        points = [
            {
                "environment": "bench",
                "application": "app",
                "metric_name": "latency",
                "metric_timestamp": int(times[j]),
                "count": int(counts[j]),
                "previous_count": int(counts[j - 1]) if j else 0,
                "mean": float(mean[j]),
                "p99": float(mean[j] * 2),
            }
            for j in range(i, min(i + 10_000, len(times)))
        ]
        out.append(orjson.dumps({"points": points}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    keyspace = f"metric_data_benchr_{uuid.uuid4().hex[:8]}"
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    cluster = Cluster([host], port=int(port or 9042))
    session = cluster.connect()
    apply_schema(session, keyspace)
    proc, url = start_metrics_api(keyspace, TOKEN)
    results: dict[str, tuple[list[float], int]] = {}
    try:
        client = httpx.Client(
            base_url=url, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        times = series_times()
        started = time.perf_counter()
        for body in bodies(times):
            r = client.post(
                f"/api/v1/metrics/{TABLE}",
                content=body,
                headers={"content-type": "application/json"},
            )
            r.raise_for_status()
        setup = f"{len(times):,} points written through the API in {time.perf_counter() - started:.0f} s"
        print(setup, flush=True)
        params = {name: query_params(span) for name, span in RANGES.items()}
        for p in params.values():  # warm up: prepared statements, connections
            client.get(f"/api/v1/metrics/{TABLE}/bench/app/latency", params=p).raise_for_status()
        timings: dict[str, list[float]] = {name: [] for name in RANGES}
        bins: dict[str, int] = {}
        for _ in range(args.queries):  # ranges interleaved, so load swings hit them alike
            for name, p in params.items():
                t = time.perf_counter()
                r = client.get(f"/api/v1/metrics/{TABLE}/bench/app/latency", params=p)
                timings[name].append(time.perf_counter() - t)
                r.raise_for_status()
                bins[name] = len(r.json()["data"]["rows"])
        results = {name: (timings[name], bins[name]) for name in RANGES}
    finally:
        proc.terminate()
        proc.wait(10)
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()
    lines = [
        "| 1000-bin query, range ending 2026-11-30 17:42:13.25 | bins | p50 | p99 | goal |",
        "|---|---|---|---|---|",
    ]
    worst = 0.0
    for name, (values, n) in results.items():
        p50, p99 = (float(np.quantile(values, q) * 1000) for q in (0.5, 0.99))
        worst = max(worst, p99)
        lines.append(f"| {name} | {n} | {p50:.1f} ms | {p99:.1f} ms | < {GOAL_MS} ms |")
    print("\n".join(lines))
    if not args.no_record:
        record(lines, args.queries, setup)
    print(f"RESULT metrics_api_read_p99_1h_to_10y {worst:.1f} ms (goal < {GOAL_MS})")


def query_params(span: dt.timedelta) -> dict[str, object]:
    """The query of 1000 bins over the span ending at END."""
    return {
        "columns": "mean,p99,interval_count",
        "size": 1000,
        "start_timestamp": (END - span).isoformat(),
        "end_timestamp": END.isoformat(),
    }


def record(lines: list[str], queries: int, setup: str) -> None:
    """Replaces this benchmark's section of bench/RESULTS.md."""
    write_section(
        "metrics-read-ranges",
        [
            "## metrics-api: 1000-bin reads from 1 hour to 10 years (bench/metrics_read_ranges.py)",
            "",
            f"`uv run python bench/metrics_read_ranges.py --queries {queries}`, "
            f"{dt.datetime.now(UTC):%Y-%m-%d %H:%M} UTC, local Cassandra 5.0 on the shared 2-core dev "
            f"machine (load average {os.getloadavg()[0]:.1f} at the end), one private API process and "
            f"keyspace, one client, the ranges interleaved. One timer series: hourly points for 10 "
            f"years, per minute for the last 40 days, per second for the last 2 hours ({setup}).",
            "",
            *lines,
            "",
            *NOTES,
        ],
    )


if __name__ == "__main__":
    main()
