"""A full import through the gateway: an export in S3, POST /kmdb/imports, the suite's kmdb-work.

Needs the suite running (`make up`): its kmdb-api and its kmdb-work (supervisor program
services:kmdb-work), on dev.env's database and queue, which other tests and people use too. So the
export is this test's alone: its own bucket and prefix, revision numbers no one has imported,
people no one else has (ExportSpec.id_offset) and days far in the future. It asserts only on its
own files, people and days, and deletes its rows, its job results and its bucket afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import secrets
import ssl
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiobotocore.session import get_session
from kmdb.db import connection, execute
from kmdb.dealias.ids import revision_range
from kmdb.exports.generate import ExportSpec, write_export
from kmdb.queue.redis_keys import PREFIXES
from kmdb.settings import Settings
from kmdb.sources.upload import upload_tree
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
RUN = uuid.uuid4().hex[:10]
FILES, LINES = 2, 2500
WAIT_SECONDS = 240  # a guard against a stopped worker, not a speed requirement
OCTAL = re.compile(rb"\\([0-7]{1,3})")
PLAIN_IDENTITY = re.compile(r"[A-Za-z0-9@.=-]+")  # safe in a URL path as it is


@dataclass
class Expected:
    """What the generated files hold, read here without kmdb's parser."""

    events: Counter[tuple[str, str]] = field(default_factory=Counter)  # (day, name) -> count
    events_per_file: Counter[int] = field(default_factory=Counter)
    bad_lines: dict[int, list[int]] = field(default_factory=dict)  # revision -> line numbers
    identities: set[str] = field(default_factory=set)
    alias_pairs: list[tuple[str, str]] = field(default_factory=list)


def read_line(raw: bytes) -> dict[str, Any] | None:
    """The object a line means (octal escapes as bytes, bad UTF-8 replaced); None if it is bad."""
    text = OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), raw).decode("utf-8", "replace")
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and "_p" in obj and isinstance(obj["_t"], int) else None


def expectation(root: Path, spec: ExportSpec, whitelist: set[str]) -> Expected:
    """Counts events per UTC day and name: lines minus bad, alias and property-only lines."""
    out = Expected()
    for revision in spec.revisions:
        out.bad_lines[revision] = []
        raw_lines = (root / "revisions" / f"{revision}.json").read_bytes().split(b"\n")
        for number, raw in enumerate(raw_lines[:LINES], start=1):
            obj = read_line(raw)
            if obj is None:
                out.bad_lines[revision].append(number)
                continue
            out.identities.add(str(obj["_p"]))
            if "_p2" in obj:
                out.identities.add(str(obj["_p2"]))
                out.alias_pairs.append((str(obj["_p"]), str(obj["_p2"])))
            elif "_n" in obj and (not whitelist or obj["_n"] in whitelist):
                day = dt.datetime.fromtimestamp(obj["_t"], dt.UTC).date().isoformat()
                out.events[(day, obj["_n"])] += 1
                out.events_per_file[revision] += 1
    return out


@pytest.fixture
async def kmdb() -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {os.environ['KMDB_API_TOKEN']}"}
    context = ssl.create_default_context(cafile=CA)
    async with httpx.AsyncClient(
        base_url=f"{GATEWAY}/kmdb", verify=context, timeout=30, headers=headers
    ) as client:
        yield client


@pytest.fixture
async def bucket() -> AsyncIterator[tuple[Any, str]]:
    """An S3 client on the suite's S3 server and this test's bucket, emptied and removed after."""
    name = f"kmdb-gateway-{RUN}"
    async with get_session().create_client("s3", **Settings().s3_client_args()) as s3:
        await s3.create_bucket(Bucket=name)
        yield s3, name
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name)
        async for page in pages:
            for item in page.get("Contents", []):
                await s3.delete_object(Bucket=name, Key=item["Key"])
        await s3.delete_bucket(Bucket=name)


async def unused_revisions(kmdb: httpx.AsyncClient) -> int:
    """The first of FILES consecutive revision numbers the suite's database does not know."""
    for _ in range(20):
        first = 5_000_000 + secrets.randbelow(3_000_000)
        known = [(await kmdb.get(f"/files/{r}")).status_code for r in range(first, first + FILES)]
        if known == [404] * FILES:
            return first
    raise AssertionError("found no unused revision numbers")


async def wait_until_done(kmdb: httpx.AsyncClient, import_id: str) -> dict[str, Any]:
    """Polls the import's progress until every file is done or failed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        progress = (await kmdb.get(f"/imports/{import_id}")).json()
        if all(f["status"] in ("done", "failed") for f in progress["files"]):
            return progress
        if loop.time() > deadline:
            raise AssertionError(
                f"not imported after {WAIT_SECONDS}s (is services:kmdb-work running?): {progress}"
            )
        await asyncio.sleep(0.5)


async def remove_rows(revisions: range, import_id: str | None, names: set[str]) -> None:
    """Deletes what this test imported into the suite's database, and its job results."""
    async with connection(Settings()) as conn:
        for revision in revisions:
            low, high = revision_range(revision)
            for table in ("events", "properties", "aliases"):
                await execute(conn, f"DELETE FROM {table} WHERE id >= %s AND id < %s", (low, high))
            for table in ("file_errors", "dumpfiles"):
                await execute(conn, f"DELETE FROM {table} WHERE revision = %s", (revision,))
        await execute(conn, "DELETE FROM imports WHERE id = %s", (import_id,))
        ordered = sorted(names)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            for table in ("identities", "users"):
                await execute(conn, f"DELETE FROM {table} WHERE name IN ({marks})", chunk)
    redis, queue = Redis.from_url(os.environ["KMDB_REDIS_URL"]), Settings().queue
    try:
        for revision in revisions:
            for prefix in PREFIXES:
                async for key in redis.scan_iter(match=f"{prefix}{queue}:rev{revision}:*"):
                    await redis.delete(key)
    finally:
        await redis.aclose()


async def test_an_s3_export_imported_by_the_suite_worker(
    kmdb: httpx.AsyncClient, bucket: tuple[Any, str], tmp_path: Path
) -> None:
    s3, bucket_name = bucket
    first = await unused_revisions(kmdb)
    start = dt.date(2100, 1, 1) + dt.timedelta(days=secrets.randbelow(30_000))
    spec = ExportSpec(
        first_revision=first,
        files=FILES,
        lines_per_file=LINES,
        seed=secrets.randbelow(10**6),
        id_offset=10**9 + secrets.randbelow(10**12),
        start=int(dt.datetime.combine(start, dt.time(), dt.UTC).timestamp()),
    )
    write_export(spec, tmp_path)
    await upload_tree(s3, tmp_path, bucket_name, f"exports/{RUN}")
    whitelist = {f["name"] for f in (await kmdb.get("/filters/whitelisted-events")).json()}
    expected = expectation(tmp_path, spec, whitelist)
    import_id = None
    try:
        started = await kmdb.post(
            "/imports",
            json={
                "source": f"s3://{bucket_name}/exports/{RUN}",
                "min_revision": first,
                "lookahead": 1,
            },
        )
        assert started.status_code == 202, started.text
        import_id = started.json()["import_id"]
        assert started.json()["enqueued"] == list(spec.revisions)

        progress = await wait_until_done(kmdb, import_id)
        assert progress["totals"]["files_done"] == FILES, progress
        for revision in spec.revisions:
            file = (await kmdb.get(f"/files/{revision}")).json()
            assert (file["status"], file["job_status"], file["line"]) == ("done", "complete", LINES)
            assert file["events"] == expected.events_per_file[revision]
            assert file["bad_lines"] == len(expected.bad_lines[revision])
            errors = (await kmdb.get(f"/files/{revision}/errors", params={"limit": 1000})).json()
            assert [e["line"] for e in errors["errors"]] == expected.bad_lines[revision]
        assert sum(expected.events.values()) > LINES  # the export is not empty

        days = sorted(day for day, _ in expected.events)
        counts = await kmdb.get("/stats/events", params={"from": days[0], "to": days[-1]})
        got = Counter({(c["day"], c["name"]): c["count"] for c in counts.json()})
        assert got == expected.events

        # one person whichever of their identities is asked for
        a, b = next(
            (a, b)
            for a, b in expected.alias_pairs
            if not (a.isdigit() and b.isdigit()) and PLAIN_IDENTITY.fullmatch(a + b)
        )
        by_a = (await kmdb.get(f"/users/{a}/timeline", params={"limit": 1})).json()
        by_b = (await kmdb.get(f"/users/{b}/timeline", params={"limit": 1})).json()
        assert by_a["user_id"] == by_b["user_id"] and {a, b} <= set(by_a["identities"])
    finally:
        await remove_rows(spec.revisions, import_id, expected.identities)
    assert (await kmdb.get(f"/files/{first}")).status_code == 404
