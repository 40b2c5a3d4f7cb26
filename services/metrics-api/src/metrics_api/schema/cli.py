"""The `metrics-api-schema` console script: creates or upgrades the keyspace, idempotently."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from cassandra.cluster import Cluster
from meridian_kit.settings import load_settings

from metrics_api.schema.ddl import apply_schema
from metrics_api.settings import CONFIG_ENV, Settings, settings_values


def main(argv: list[str] | None = None) -> None:
    """Applies the schema to the configured Cassandra and prints each change made."""
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
    args = parser.parse_args(argv)
    if args.config:
        os.environ[CONFIG_ENV] = os.path.abspath(args.config)
    values = settings_values()
    if args.keyspace:
        values["keyspace"] = args.keyspace
    settings = load_settings("metrics-api-schema", Settings, **values)
    if args.ttl:
        values["ttl"] = {**settings.ttl, **Settings.parse_ttl(",".join(args.ttl))}
        settings = load_settings("metrics-api-schema", Settings, **values)
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


if __name__ == "__main__":
    main()
