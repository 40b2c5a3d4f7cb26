"""analytics benchmark: messages/s stored through the service vs a direct `_bulk` of the same
documents, and a user-count analytic over 1M messages vs the single equivalent Elasticsearch query.

    uv run python bench/analytics_store.py [--store 60000] [--messages 1000000]

Through the gateway (https://localhost:8443/analytics) when it answers, else an `analytics`
process started here on a free port. Everything written is deleted at the end: the indices under
a bench prefix, or (through the gateway, in the suite's `message-all`) the bench project's messages.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/analytics/src"))


def load_dev_env() -> None:
    env = ROOT / ".local/dev.env"
    if env.exists():
        for line in env.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                os.environ.setdefault(key.strip(), value.strip())


load_dev_env()

from analytics.analytic.compute import Context, compute  # noqa: E402
from analytics.analytic.descriptors import parse_descriptor  # noqa: E402
from analytics.messages.schemas import RequestMessage, ResponseMessage, to_document  # noqa: E402
from analytics.messages.service import trace_id  # noqa: E402
from analytics.migrations.cli import migrate  # noqa: E402
from analytics.migrations.manager import DEFAULT_FOLDER  # noqa: E402
from analytics.settings import Settings  # noqa: E402
from analytics.storage.bulk import delete_matching  # noqa: E402
from analytics.storage.client import build_client  # noqa: E402
from analytics.storage.indices import Indices  # noqa: E402
from meridian_kit.process_testing import free_port  # noqa: E402

RUN = uuid.uuid4().hex[:6]
PROJECT = f"analytics-bench-{RUN}"


def messages(count: int, start: datetime, users: int, seed: int) -> list[dict[str, Any]]:
    """Request/response pairs of `users` users spread over 28 days."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        moment = start + timedelta(seconds=rng.randint(0, 28 * 86400 - 1))
        user = f"user-{rng.randint(0, users - 1)}"
        base = {
            "messageId": f"{seed}-{i}",
            "conversationId": f"c-{user}-{i // 10}",
            "channel": "web",
            "userId": user,
            "timestamp": moment.isoformat(),
            "project": PROJECT,
            "metadata": {"score": i % 100},
        }
        if i % 2 == 0:
            out.append(
                {
                    **base,
                    "type": "request",
                    "content": {"type": "text", "value": f"question {i}"},
                    "intent": {"name": "ask", "confidence": 0.8},
                    "domain": "bench",
                    "language": "en",
                }
            )
        else:
            out.append(
                {
                    **base,
                    "type": "response",
                    "responseTo": f"{seed}-{i - 1}",
                    "content": {"type": "text", "value": f"answer {i}", "buttons": []},
                }
            )
    return out


def ndjson(docs: list[dict[str, Any]], indices: Indices) -> bytes:
    """The `_bulk` body the service writes for these messages (same index, id and document)."""
    out = bytearray()
    for doc in docs:
        model = (RequestMessage if doc["type"] == "request" else ResponseMessage).model_validate(
            doc
        )
        out += (
            orjson.dumps(
                {"index": {"_index": indices.message(model.timestamp), "_id": trace_id(model)}}
            )
            + b"\n"
        )
        out += to_document(model) + b"\n"
    return bytes(out)


async def run_batches(send, batches: list[Any], concurrency: int) -> float:
    """Sends the batches with `concurrency` in flight; returns the seconds taken."""
    queue: asyncio.Queue = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def lane() -> None:
        while not queue.empty():
            await send(queue.get_nowait())

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return time.perf_counter() - began


async def find_service(
    settings: Settings, prefix: str
) -> tuple[str, dict, subprocess.Popen | None, str]:
    """The gateway if it answers, else a local `analytics` process; (url, client kwargs, process, how)."""
    gateway = os.environ.get("GATEWAY_URL", "https://localhost:8443") + "/analytics"
    ca = os.environ.get("MERIDIAN_CA")
    try:
        if os.environ.get("BENCH_DIRECT") == "1":
            raise RuntimeError("asked for the service's own port")
        async with httpx.AsyncClient(verify=ca or True, timeout=3) as http:
            if (await http.get(f"{gateway}/healthz")).status_code == 200:
                return gateway, {"verify": ca or True}, None, "through the gateway " + gateway
    except Exception:
        pass
    port = free_port()
    env = {**os.environ, "ANALYTICS_INDEX_PREFIX": prefix, "WS_PORT": str(port)}
    process = subprocess.Popen(  # noqa: ASYNC220
        [
            sys.executable,
            "-c",
            "from analytics.cli import main; main()",
            "--workers",
            os.environ.get("BENCH_WORKERS", "1"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(100):
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    why = (
        "asked with BENCH_DIRECT=1"
        if os.environ.get("BENCH_DIRECT") == "1"
        else "gateway not running"
    )
    return url, {}, process, f"directly on the service's port ({url}, {why})"


async def bench_store(settings: Settings, args) -> dict[str, Any]:
    through_gateway_prefix = ""
    prefix = f"analytics-bench-{RUN}-"
    url, client_kwargs, process, how = await find_service(settings, prefix)
    indices = Indices(through_gateway_prefix if process is None else prefix)
    mine = {"term": {"project.keyword": PROJECT}}
    es_url = settings.elasticsearch_url
    try:
        es = build_client(settings.model_copy(update={"index_prefix": indices.prefix}))
        await migrate(
            settings.model_copy(update={"index_prefix": indices.prefix}),
            DEFAULT_FOLDER,
            f"analytics-bench-{RUN}-migrations",
        )
        batch = args.batch
        rounds = {"service": [], "direct": []}
        async with (
            httpx.AsyncClient(timeout=120, **client_kwargs) as service,
            httpx.AsyncClient(timeout=120) as direct,
        ):
            headers = {"X-Api-Key": settings.apikey, "Content-Type": "application/json"}

            async def via_service(body: bytes) -> None:
                r = await service.post(f"{url}/messages", content=body, headers=headers)
                assert r.status_code == 201, r.text[:300]

            async def via_bulk(body: bytes) -> None:
                r = await direct.post(
                    f"{es_url}/_bulk",
                    content=body,
                    headers={"Content-Type": "application/x-ndjson"},
                )
                assert r.status_code == 200 and not r.json()["errors"], r.text[:300]

            for round_no in range(args.rounds):
                for kind in ("direct", "service"):
                    start = datetime(2001, 1 + 2 * round_no + (kind == "service"), 1, tzinfo=UTC)
                    docs = messages(
                        args.store, start, 5000, seed=round_no * 10 + (kind == "service")
                    )
                    chunks = [docs[i : i + batch] for i in range(0, len(docs), batch)]
                    if kind == "service":
                        bodies = [orjson.dumps(c) for c in chunks]
                        seconds = await run_batches(via_service, bodies, args.concurrency)
                    else:
                        bodies = [ndjson(c, indices) for c in chunks]
                        seconds = await run_batches(via_bulk, bodies, args.concurrency)
                    rounds[kind].append(len(docs) / seconds)
                    print(
                        f"  round {round_no + 1} {kind:8s} {len(docs) / seconds:10.0f} messages/s",
                        flush=True,
                    )
        await es.indices.refresh(index=indices.messages)
        stored = (await es.count(index=indices.messages, query=mine))["count"]
        expected = args.store * args.rounds * 2
        assert stored == expected, f"stored {stored} documents, expected {expected}"
        best = {k: max(v) for k, v in rounds.items()}
        return {
            "how": how,
            "service": best["service"],
            "direct": best["direct"],
            "ratio": best["service"] / best["direct"],
        }
    finally:
        # One index per kind: the bench's messages go by query, not by index.
        await delete_matching(es, indices.messages, mine)
        await es.indices.delete(
            index=f"analytics-bench-{RUN}-*", ignore_unavailable=True, allow_no_indices=True
        )
        for name in ("message", "analytic", "logging"):
            if indices.prefix:
                await es.options(ignore_status=404).indices.delete_index_template(
                    name=f"{indices.prefix}memex-{name}"
                )
        await es.close()
        if process is not None:
            process.terminate()
            process.wait(timeout=20)


async def bench_compute(settings: Settings, args) -> dict[str, Any]:
    prefix = f"analytics-bench-{RUN}-c-"
    local = settings.model_copy(update={"index_prefix": prefix})
    indices = Indices(prefix)
    es = build_client(local)
    try:
        await migrate(local, DEFAULT_FOLDER, f"{prefix}migrations")
        start = datetime(2001, 3, 1, tzinfo=UTC)
        began = time.perf_counter()
        # Loading only: no refresh while bulk-loading (the template's mappings still apply);
        # the normal interval is put back before measuring.
        loading = {"refresh_interval": "-1"}
        await es.indices.create(index=indices.message(), settings=loading)
        async with httpx.AsyncClient(timeout=300) as direct:

            async def load(body: bytes) -> None:
                # The shared node may be restarted by other tests: wait and send the same batch
                # again (same ids, so nothing is duplicated).
                for _ in range(300):
                    try:
                        r = await direct.post(
                            f"{settings.elasticsearch_url}/_bulk",
                            content=body,
                            headers={"Content-Type": "application/x-ndjson"},
                        )
                    except httpx.TransportError:
                        await asyncio.sleep(2)
                        continue
                    if r.status_code in (429, 502, 503) or (
                        r.status_code == 200 and r.json()["errors"]
                    ):
                        await asyncio.sleep(2)
                        continue
                    assert r.status_code == 200, r.text[:300]
                    return
                raise RuntimeError("Elasticsearch did not take a batch in 10 minutes")

            chunk = 100_000
            for offset in range(0, args.messages, chunk):
                docs = messages(
                    min(chunk, args.messages - offset), start, args.users, seed=1000 + offset
                )
                for d in docs:
                    d["messageId"] = f"{offset}-{d['messageId']}"
                bodies = [ndjson(docs[i : i + 5000], indices) for i in range(0, len(docs), 5000)]
                await run_batches(load, bodies, 2)
                print(f"  loaded {offset + len(docs):>9,} messages", flush=True)
        await es.indices.put_settings(
            index=f"{prefix}message-*",
            settings={"refresh_interval": "1s"},
        )
        await es.indices.refresh(index=f"{prefix}message-*")
        await es.indices.forcemerge(
            index=f"{prefix}message-*", max_num_segments=1, wait_for_completion=True
        )
        count = (await es.count(index=f"{prefix}message-*"))["count"]
        assert count == args.messages, count
        load_seconds = time.perf_counter() - began
        timespan = {
            "type": "fixed",
            "start": "2001-03-01T00:00:00+00:00",
            "end": "2001-04-01T00:00:00+00:00",
        }
        descriptor = parse_descriptor(
            {
                "type": "count",
                "dimension": "user",
                "metric": "total",
                "project": PROJECT,
                "timespan": timespan,
            }
        )
        ctx = Context(es, indices, local.cardinality_precision_threshold)
        query = {
            "bool": {
                "filter": [
                    {"term": {"project.keyword": PROJECT}},
                    {"range": {"timestamp": {"gte": timespan["start"], "lte": timespan["end"]}}},
                ]
            }
        }
        aggs = {
            "users": {
                "cardinality": {
                    "field": "userId.keyword",
                    "precision_threshold": local.cardinality_precision_threshold,
                }
            }
        }

        async def raw() -> int:
            r = await es.search(
                index=f"{prefix}message-*", query=query, aggs=aggs, size=0, request_cache=False
            )
            return r["aggregations"]["users"]["value"]

        async def ours() -> int:
            return (await compute(ctx, descriptor))["count"]

        # The request cache would answer repeats from memory: clear it before every timing.
        timings: dict[str, list[float]] = {"raw": [], "ours": []}
        answers = {}
        for _ in range(args.repeat):
            for name, fn in (("raw", raw), ("ours", ours)):
                await es.indices.clear_cache(index=f"{prefix}message-*", request=True)
                t = time.perf_counter()
                answers[name] = await fn()
                timings[name].append(time.perf_counter() - t)
        assert answers["raw"] == answers["ours"], answers
        raw_s, ours_s = statistics.median(timings["raw"]), statistics.median(timings["ours"])
        return {
            "messages": count,
            "users": answers["ours"],
            "load_s": load_seconds,
            "raw": raw_s,
            "ours": ours_s,
            "ratio": ours_s / raw_s,
        }
    finally:
        if not args.keep:
            await es.indices.delete(
                index=f"{prefix}*", ignore_unavailable=True, allow_no_indices=True
            )
            for name in ("message", "analytic", "logging"):
                await es.options(ignore_status=404).indices.delete_index_template(
                    name=f"{prefix}memex-{name}"
                )
        await es.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=int, default=60_000, help="messages per store round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500, help="messages per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--messages", type=int, default=1_000_000, help="messages for the compute part"
    )
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-store", action="store_true")
    parser.add_argument("--skip-compute", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the 1M-message indices")
    args = parser.parse_args()
    settings = Settings()  # type: ignore[call-arg]
    print(
        f"analytics bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Elasticsearch {settings.elasticsearch_url}"
    )
    if not args.skip_store:
        s = await bench_store(settings, args)
        print(
            f"store ({s['how']}): service {s['service']:.0f} msg/s, direct _bulk {s['direct']:.0f} msg/s, "
            f"ratio {s['ratio']:.2f}x (goal >= 0.8x)"
        )
    if not args.skip_compute:
        c = await bench_compute(settings, args)
        print(
            f"compute user/total over {c['messages']:,} messages ({c['users']:,} users; loaded in {c['load_s']:.0f}s): "
            f"analytic {c['ours'] * 1000:.1f} ms, single ES query {c['raw'] * 1000:.1f} ms, ratio {c['ratio']:.2f}x (goal <= 1.2x)"
        )


if __name__ == "__main__":
    asyncio.run(main())
