"""Each engine of the local stack answers a real query: one check per engine.

`python deploy/local/checks.py [--wait SECONDS] NAME...` polls each until it answers or the time is up,
and names the one that failed with the path of its log. tests/stack imports CHECKS, one test each.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".local" / "logs"


def env(key: str, default: str) -> str:
    """A dev.env value (exported by the stack scripts), or its default."""
    return os.environ.get(key, default)


def check_elasticsearch() -> str:
    """A search across every index."""
    import httpx

    port = env("ES_PORT", "9200")
    r = httpx.post(f"http://127.0.0.1:{port}/_search", json={"size": 0}, timeout=5)
    r.raise_for_status()
    return f"search answered, {r.json()['_shards']['total']} shards"


def check_cassandra() -> str:
    """A CQL select of the node's release version."""
    from cassandra.cluster import Cluster

    cluster = Cluster(["127.0.0.1"], port=int(env("CQL_PORT", "9042")), connect_timeout=5)
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return f"release {row.release_version}"
    finally:
        cluster.shutdown()


def check_mongodb() -> str:
    """A MongoDB-wire ping."""
    from pymongo import MongoClient

    client: MongoClient = MongoClient(
        f"mongodb://127.0.0.1:{env('MONGO_PORT', '27017')}/", serverSelectionTimeoutMS=3000
    )
    try:
        client.admin.command("ping")
        return f"ping ok, server {client.server_info().get('version')}"
    finally:
        client.close()


def check_mariadb() -> str:
    """SELECT 1 over TCP as the development user."""
    import pymysql

    conn = pymysql.connect(
        host="127.0.0.1",
        port=int(env("MYSQL_PORT", "3306")),
        user=env("MYSQL_USER", "meridian"),
        password=env("MYSQL_PASSWORD", ""),
        connect_timeout=3,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1, VERSION()")
            return f"SELECT 1 ok, {cur.fetchone()[1]}"
    finally:
        conn.close()


def check_redis() -> str:
    """PING."""
    import redis

    client = redis.Redis(port=int(env("REDIS_PORT", "6379")), socket_timeout=3)
    try:
        client.ping()
        return "PONG"
    finally:
        client.close()


def check_s3() -> str:
    """A bucket list."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{env('S3_PORT', '9000')}",
        aws_access_key_id=env("AWS_ACCESS_KEY_ID", "meridian"),
        aws_secret_access_key=env("AWS_SECRET_ACCESS_KEY", "meridian"),
        region_name=env("AWS_REGION", "us-east-1"),
    )
    buckets = s3.list_buckets()["Buckets"]
    return f"{len(buckets)} buckets"


def check_smtp() -> str:
    """An SMTP EHLO."""
    with smtplib.SMTP("127.0.0.1", int(env("SMTP_PORT", "1025")), timeout=3) as smtp:
        code, _ = smtp.ehlo("meridian-check")
        if code != 250:
            raise RuntimeError(f"EHLO answered {code}")
        return "EHLO 250"


CHECKS: dict[str, Callable[[], str]] = {
    "elasticsearch": check_elasticsearch,
    "cassandra": check_cassandra,
    "mongodb": check_mongodb,
    "mariadb": check_mariadb,
    "redis": check_redis,
    "s3": check_s3,
    "smtp": check_smtp,
}


def wait_for(name: str, seconds: float) -> tuple[bool, str]:
    """Polls one check until it answers or the time is up."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return True, CHECKS[name]()
        except Exception as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            return False, last
        time.sleep(1)


def main() -> int:
    """Checks the named engines (all by default); exit 1 naming each that did not answer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=0, help="seconds to keep trying")
    parser.add_argument("names", nargs="*", default=list(CHECKS))
    args = parser.parse_args()
    failed = 0
    with ThreadPoolExecutor(max_workers=len(args.names) or 1) as pool:
        results = list(pool.map(lambda n: wait_for(n, args.wait), args.names))
    for name, (ok, message) in zip(args.names, results, strict=True):
        if ok:
            print(f"  {name:<14} ok   {message}")
        else:
            failed += 1
            print(f"  {name:<14} FAIL {message[:300]}\n{'':18}log: {LOGS / (name + '.log')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
