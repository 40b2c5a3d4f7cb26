"""What indexing status documents costs Elasticsearch, mapping against mapping.

The status documents of N agents' frames (3 processes each, built by ingest's own `documents()`
from the status bench/ingest_agents.py sends) are `create`d with `_bulk` into a private index per
variant, as ingest's bulk writers send them (deterministic ids, 600 documents a request — one read
of 200 entries — 2 requests in flight), then refreshed. Variants run in alternating rounds so
that the machine's load falls on each alike, after a warm-up round. Reported per variant: documents/s (wall) and
Elasticsearch's CPU seconds per 1,000 status documents (its process tree, /proc), median of the
rounds; the RESULT line is the ratio of the second variant's CPU per document to the first's.

    uv run python bench/ingest_status_mapping.py [--frames 20000] [--rounds 3]
        [--variants now,searched-only,no-nested,refresh-30s] [--per-bulk 600] [--in-flight 2]

Needs Elasticsearch (`make up`); its indices are named `bench-status-mapping-<random>-*` and
deleted at the end. Bounded: at most 100,000 frames and 5 rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch
from ingest.intake.documents import documents
from ingest.intake.stream import Entry
from ingest.storage.templates import template_body

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_agents import SENT
from ingest_push import agent_status, cpu_seconds, load_env, supervised_pid, tree

Body = dict[str, Any]
PER_BULK, IN_FLIGHT = 600, 2  # the defaults: what ingest's two writers send (200 entries a read)


def now(body: Body) -> Body:
    """The mapping ingest installs (storage/templates.py)."""
    return body


def with_props(update: Callable[[dict[str, Any]], None]) -> Callable[[Body], Body]:
    def variant(body: Body) -> Body:
        out = copy.deepcopy(body)
        update(out["template"]["mappings"]["properties"])
        return out

    return variant


UNSEARCHED = (  # status fields no query of query/service.py searches, sorts or aggregates
    "received_at",
    "channel",
    "pid",
    "status",
    "restart_time",
    "pm_uptime",
    "exec_mode",
    "node_env",
    "unique_id",
    "actions",
)


def searched_only(props: dict[str, Any]) -> None:
    """Only what the fleet's queries use indexed; the rest left in _source."""
    for name in UNSEARCHED:
        props.pop(name, None)
    props["process"]["properties"] = {"name": props["process"]["properties"]["name"]}
    metrics = props["metrics"]["properties"]
    props["metrics"]["properties"] = {"name": metrics["name"], "value": metrics["value"]}


def no_nested(props: dict[str, Any]) -> None:
    """What nested metrics cost: metrics kept in _source only (no nested Lucene documents)."""
    props["metrics"] = {"type": "object", "enabled": False}


def refresh_30s(body: Body) -> Body:
    """Today's mapping, refreshed every 30 s instead of every second."""
    out = copy.deepcopy(body)
    out["template"]["settings"]["refresh_interval"] = "30s"
    return out


VARIANTS: dict[str, Callable[[Body], Body]] = {
    "now": now,
    "searched-only": with_props(searched_only),
    "no-nested": with_props(no_nested),
    "refresh-30s": refresh_30s,
}


def frames_docs(frames: int, bucket: str) -> list[tuple[str, Body]]:
    """(id, source) of the status documents of `frames` agent status frames."""
    out = []
    base_ms = int(time.time() * 1000)
    for n in range(frames):
        status = agent_status(f"bench-agents-{n % 1000:04d}", n // 1000)
        status["data"]["process"][0]["axm_monitor"][SENT] = {"value": base_ms + n}
        entry = Entry(
            id=f"{base_ms}-{n}",
            bucket=bucket,
            bucket_name="bench",
            server=f"bench-agents-{n % 1000:04d}",
            received_ms=base_ms + n,
            frames=[("status", status)],
        )
        out += [(doc.id, doc.source) for doc in documents(entry)]
    return out


def es_pids() -> list[int]:
    root = supervised_pid("stack:elasticsearch")
    if not root:
        raise SystemExit("no Elasticsearch under the suite's supervisor: run `make up`")
    return tree(root)


async def index_all(
    es: AsyncElasticsearch,
    index: str,
    docs: list[tuple[str, Body]],
    per_bulk: int = PER_BULK,
    in_flight: int = IN_FLIGHT,
) -> None:
    """Every document created with `_bulk`, `per_bulk` a request, `in_flight` at a time."""
    slots = asyncio.Semaphore(in_flight)

    async def send(body: bytes) -> None:
        async with slots:
            answer = await es.bulk(operations=body, filter_path="errors")  # type: ignore[arg-type]
            if answer.get("errors"):
                raise RuntimeError(f"bulk into {index} had errors")

    bodies = []
    for start in range(0, len(docs), per_bulk):
        lines = []
        for doc_id, source in docs[start : start + per_bulk]:
            lines.append(orjson.dumps({"create": {"_index": index, "_id": doc_id}}))
            lines.append(orjson.dumps(source))
        bodies.append(b"\n".join(lines) + b"\n")
    await asyncio.gather(*(send(body) for body in bodies))
    await es.indices.refresh(index=index)


async def measure(
    es: AsyncElasticsearch,
    name: str,
    index: str,
    docs: list[tuple[str, Body]],
    pids: list[int],
    args: argparse.Namespace,
) -> tuple[float, float]:
    """(documents/s, Elasticsearch CPU s per 1,000 documents) of one variant's index."""
    body = VARIANTS[name](template_body("bench", "status", 0))["template"]
    await es.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
    cpu0, t0 = cpu_seconds(pids), time.monotonic()
    await index_all(es, index, docs, args.per_bulk, args.in_flight)
    wall, cpu = time.monotonic() - t0, cpu_seconds(pids) - cpu0
    count = (await es.count(index=index))["count"]
    if count != len(docs):
        raise RuntimeError(f"{index}: {count} of {len(docs)} documents")
    await es.indices.delete(index=index)
    return len(docs) / wall, cpu / len(docs) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--variants", default="now,searched-only", help=f"two or more of {','.join(VARIANTS)}"
    )
    parser.add_argument("--per-bulk", type=int, default=PER_BULK, help="documents a _bulk")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT, help="_bulk requests at once")
    args = parser.parse_args()
    names = args.variants.split(",")
    if not 1 <= args.frames <= 100_000 or not 1 <= args.rounds <= 5:
        parser.error("--frames 1-100000, --rounds 1-5")
    if not 1 <= args.per_bulk <= 10_000 or not 1 <= args.in_flight <= 16:
        parser.error("--per-bulk 1-10000, --in-flight 1-16")
    if len(names) < 2 or not set(names) <= set(VARIANTS):
        parser.error(f"--variants: two or more of {', '.join(VARIANTS)}")
    load_env()
    es = AsyncElasticsearch(
        [f"http://{h}" for h in os.environ["KM_ELASTICSEARCH_URL"].split()], request_timeout=300
    )
    prefix = f"bench-status-mapping-{uuid.uuid4().hex[:8]}"
    docs = frames_docs(args.frames, "0" * 24)
    pids = es_pids()
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    load_before = os.getloadavg()
    try:
        # round 0 warms Elasticsearch's JIT up (its first indexing ran at half speed) and is
        # not counted
        for round_no in range(args.rounds + 1):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            for name in order:
                index = f"{prefix}-{name}-{round_no}"
                rate, cpu = await measure(es, name, index, docs, pids, args)
                if round_no:
                    figures[name].append((rate, cpu))
                print(f"round {round_no} {name}: {rate:,.0f} docs/s, ES {cpu:.3f} CPU s/1,000")
    finally:
        await es.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        await es.close()
    load = os.getloadavg()
    print(
        f"{args.frames} frames = {len(docs)} status documents per variant, {args.rounds} rounds, "
        f"{args.per_bulk} documents a _bulk, {args.in_flight} in flight, load average {load_before[0]:.1f} -> {load[0]:.1f}"
    )
    medians = {}
    for name in names:
        rate = statistics.median(r for r, _ in figures[name])
        cpu = statistics.median(c for _, c in figures[name])
        medians[name] = cpu
        print(f"{name}: median {rate:,.0f} docs/s, ES {cpu:.3f} CPU s per 1,000 status documents")
    first, second = names[0], names[1]
    print(
        f"RESULT ingest_status_es_cpu_ratio {medians[second] / medians[first]:.2f} x "
        f"({second} vs {first}; goal report)"
    )


if __name__ == "__main__":
    asyncio.run(main())
