"""The `metrics-api-schema` console script: creates or upgrades the keyspace, idempotently."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import sys

from cassandra.cluster import Cluster
from meridian_kit.errors import ServiceError
from meridian_kit.settings import load_settings

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.catalog.service import list_metrics
from metrics_api.catalog.store import CatalogStore
from metrics_api.points.service import epoch_ms
from metrics_api.schema.ddl import apply_schema
from metrics_api.schema.tables import METRIC_TABLES
from metrics_api.series.params import parse_time
from metrics_api.series.rollups import rebuild_coarse_rollups, rebuild_rollups
from metrics_api.series.store import MetricKey, SeriesStore
from metrics_api.settings import CONFIG_ENV, Settings, settings_values

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metrics-api-schema",
        description="Create or upgrade the metric_data keyspace (safe to run again).",
    )
    parser.add_argument("--config", help="metrics_server JSON config file")
    parser.add_argument("--keyspace", help="keyspace name (env METRICS_SERVER_KEYSPACE)")
    parser.add_argument(
        "--ttl",
        action="append",
        default=[],
        metavar="TABLE=SECONDS",
        help="default TTL of a table (0: forever); repeatable; env METRICS_SERVER_TTL",
    )
    parser.add_argument(
        "--rebuild-rollups",
        action="store_true",
        help="after the schema, recompute the rollups of every metric from its raw points",
    )
    parser.add_argument(
        "--rebuild-coarse",
        action="store_true",
        help="recompute the daily and ten-day rollups of every metric from its hourly ones "
        "(once after upgrading to a version with those levels; --since defaults to 1970)",
    )
    parser.add_argument("--since", help="with --rebuild-*: ISO start (default: 2 days ago)")
    parser.add_argument("--until", help="with --rebuild-*: ISO end (default: now)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """The service's settings, with the command line's config file, keyspace and TTLs."""
    if args.config:
        os.environ[CONFIG_ENV] = os.path.abspath(args.config)
    values = settings_values()
    if args.keyspace:
        values["keyspace"] = args.keyspace
    settings = load_settings("metrics-api-schema", Settings, **values)
    if args.ttl:
        values["ttl"] = {**settings.ttl, **Settings.parse_ttl(",".join(args.ttl))}
        settings = load_settings("metrics-api-schema", Settings, **values)
    return settings


def main(argv: list[str] | None = None) -> None:
    """Applies the schema to the configured Cassandra and prints each change made."""
    parser = _parser()
    args = parser.parse_args(argv)
    settings = _settings(args)
    logging.basicConfig(level=logging.WARNING)
    hosts = settings.cassandra_hosts
    cluster = Cluster([h for h, _ in hosts], port=hosts[0][1], connect_timeout=5)
    try:
        session = cluster.connect()
        changes = apply_schema(
            session,
            settings.keyspace,
            replication_factor=settings.replication_factor,
            ttl=settings.ttl,
        )
    except Exception as exc:
        print(f"metrics-api-schema: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        cluster.shutdown()
    for change in changes:
        print(change)
    print(f"keyspace {settings.keyspace}: up to date ({len(changes)} change(s))")
    if args.rebuild_rollups or args.rebuild_coarse:
        now = dt.datetime.now(dt.UTC)
        try:
            until = parse_time(args.until, "--until") or now
            default_since = EPOCH if args.rebuild_coarse else until - dt.timedelta(days=2)
            since = parse_time(args.since, "--since") or default_since
        except ServiceError as exc:
            parser.error(f"{exc.message}: expected an ISO 8601 time")
        what = "coarse rollups" if args.rebuild_coarse else "rollups"
        rows = asyncio.run(
            _rebuild(settings, epoch_ms(since), epoch_ms(until), coarse=args.rebuild_coarse)
        )
        print(f"{what} rebuilt from {since.isoformat()} to {until.isoformat()}: {rows} rows")


async def _rebuild(settings: Settings, start_ms: int, end_ms: int, *, coarse: bool) -> int:
    db = CassandraConnection(settings.cassandra_hosts)
    db.start()
    try:
        async with asyncio.timeout(60):
            await db.wait_connected()
        store = SeriesStore(db, settings.keyspace)
        rows = 0
        for entry in await list_metrics(
            CatalogStore(db, settings.keyspace), frozenset(METRIC_TABLES)
        ):
            key = MetricKey(entry["environment"], entry["application"], entry["metric_name"])
            table = METRIC_TABLES[entry["table"]]
            rebuild = rebuild_coarse_rollups if coarse else rebuild_rollups
            rows += await rebuild(store, table, key, start_ms, end_ms)
        return rows
    finally:
        await db.close()


if __name__ == "__main__":
    main()
