"""ingest push benchmark: documents/s from clients through the gateway into Elasticsearch, indexed and
searchable, against a direct `_bulk` of the same documents in the same run; optionally N simulated
PM2 agents (websocket through the gateway, a status every second) held for a bounded time.

    uv run python bench/ingest_push.py [--runs 5] [--docs 100000] [--batch 500] [--clients 8]
        [--extra-instances 0] [--agents 0] [--hold 60]

Each run: the direct `_bulk` (baseline), the push through the gateway, the direct `_bulk` again;
the run's ratio divides the gateway's docs/s by the mean of its two baselines. Both start with no
index (the direct run creates its index inside its clock, as ingest creates the daily index on its
first bulk) and end when every document is searchable. CPU seconds of each process group
(Elasticsearch, nginx, ingest, Redis, this client) are taken around every phase. Needs `make up`.
`--extra-instances 1` starts a private second ingest process (the suite's settings, a free port,
not behind the gateway) for the measured runs and stops it after: its bulk writers join the
suite's consumer group, so two processes index what the gateway's one accepts.
A run during which the suite's ingest was restarted (by another session) is run again, at most
as many times as runs were asked. Bounded: at most 10 runs of 500,000 documents. Prints a JSON summary, then as its last line
`RESULT ingest_push_ratio <median> x (goal >= 0.95)`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import ssl
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from elasticsearch import AsyncElasticsearch
from ingest.intake.documents import documents
from ingest.intake.stream import Entry
from ingest.storage.templates import template_body
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]


def load_env() -> None:
    env = ROOT / ".local" / "dev.env"
    for line in env.read_text().splitlines() if env.exists() else []:
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


SUPERVISOR = ["supervisorctl", "-c", str(ROOT / ".local/supervisor/supervisord.conf")]
GROUPS = {  # supervisor programs whose process trees are counted, by the name reported
    "elasticsearch": ["stack:elasticsearch"],
    "nginx": ["gateway"],
    "ingest": ["services:ingest"],
    "redis": ["stack:redis"],
}


def supervised_pid(program: str) -> int | None:
    ctl = [str(ROOT / ".venv/bin" / SUPERVISOR[0]), *SUPERVISOR[1:]]
    out = subprocess.run([*ctl, "pid", program], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() and out != "0" else None


def tree(root: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes so far (those gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of each process group (and this client) between two points."""

    def __init__(self, extra_ingest: list[int]) -> None:
        self.pids: dict[str, list[int]] = {}
        for name, programs in GROUPS.items():
            roots = [pid for pid in map(supervised_pid, programs) if pid]
            self.pids[name] = [pid for root in roots for pid in tree(root)]
        self.pids["ingest"] += extra_ingest

    def sample(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        out = {name: cpu_seconds(pids) for name, pids in self.pids.items()}
        out["client"] = usage.ru_utime + usage.ru_stime
        return out

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: round(after[name] - before[name], 2) for name in before}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_instances(count: int) -> list[subprocess.Popen[bytes]]:
    """Private ingest processes sharing the suite's engines and streams (as `make up
    INGEST_INSTANCES=2` would run them), each ready before this returns."""
    started = []
    for _ in range(count):
        port = free_port()
        log = (ROOT / ".local/logs" / f"bench-ingest-{port}.log").open("ab")
        process = subprocess.Popen(
            [
                str(ROOT / "deploy/local/with-env.sh"),
                str(ROOT / ".venv/bin/ingest"),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "MERIDIAN_SERVICE": "ingest", "ROOT_PATH": "/ingest"},
        )
        started.append(process)
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_instances(started)
                raise SystemExit(f"private ingest on {port} did not start: see {log.name}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    return started


def stop_instances(processes: list[subprocess.Popen[bytes]]) -> None:
    """A graceful stop (SIGTERM): what they read is acknowledged or left to be claimed."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def frames(total: int, batch: int) -> list[list[dict[str, Any]]]:
    """Log frames as an app under PM2 would produce them, in push batches."""
    now = int(time.time() * 1000)
    out = []
    for start in range(0, total, batch):
        out.append(
            [
                {
                    "channel": "logs",
                    "payload": {
                        "data": f"GET /api/items/{i} 200 {i % 97}ms user=u{i % 1000} trace={uuid.uuid4().hex}",
                        "log_type": "out" if i % 10 else "err",
                        "at": now + i,
                        "process": {"name": f"api-{i % 4}", "pm_id": i % 4},
                    },
                }
                for i in range(start, min(total, start + batch))
            ]
        )
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def wait_count(es: AsyncElasticsearch, index: str, expected: int, within: float = 900) -> int:
    """Refreshes and counts until `expected` documents are searchable."""
    deadline = time.monotonic() + within
    count = 0
    while time.monotonic() < deadline:
        await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
        count = (await es.count(index=index, ignore_unavailable=True, allow_no_indices=True))[
            "count"
        ]
        if count >= expected:
            return count
        await asyncio.sleep(0.2)
    return count


async def direct_bulk(
    es: AsyncElasticsearch, batches: list[list[dict[str, Any]]], clients: int
) -> dict[str, Any]:
    """The baseline: the same documents ingest would write, straight to `_bulk`, same batches and
    concurrency, into a new index created inside the clock (as ingest creates its daily index)."""
    index = f"kmbench-direct-{uuid.uuid4().hex[:8]}"
    body = template_body("kmbench", "logs", 0)["template"]
    received = int(time.time() * 1000)
    bulks = []
    for n, batch in enumerate(batches):
        entry = Entry(
            id=f"{received}-{n}",
            bucket="bench",
            bucket_name="bench",
            server="bench",
            received_ms=received,
            frames=[(f["channel"], f["payload"]) for f in batch],
        )
        ops: list[Any] = []
        for doc in documents(entry):
            ops += [{"create": {"_index": index, "_id": doc.id}}, doc.source]
        bulks.append(ops)
    queue: asyncio.Queue[list[Any]] = asyncio.Queue()
    for ops in bulks:
        queue.put_nowait(ops)

    async def worker() -> None:
        while not queue.empty():
            ops = queue.get_nowait()
            response = await es.bulk(operations=ops)
            assert not response["errors"], "direct bulk had errors"

    total = sum(len(b) for b in batches)
    started = time.monotonic()
    await es.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
    created = time.monotonic() - started
    await asyncio.gather(*(worker() for _ in range(clients)))
    count = await wait_count(es, index, total)
    elapsed = time.monotonic() - started
    await es.indices.delete(index=index)
    return {
        "docs": count,
        "seconds": round(elapsed, 2),
        "index_created_in_s": round(created, 2),
        "docs_per_s": round(count / elapsed),
    }


async def through_gateway(
    api: httpx.AsyncClient,
    es: AsyncElasticsearch,
    bucket: dict[str, Any],
    batches: list[list[dict[str, Any]]],
    clients: int,
) -> dict[str, Any]:
    """Pushes through the gateway; done when every accepted document is searchable."""
    headers = {
        "X-KM-PUBLIC": bucket["public_key"],
        "X-KM-SECRET": bucket["secret_key"],
        "X-KM-SERVER": "bench",
    }
    bodies = [orjson.dumps(b) for b in batches]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    refused = 0

    async def worker() -> None:
        nonlocal refused
        while not queue.empty():
            body = queue.get_nowait()
            while True:
                started = time.monotonic()
                response = await api.post(
                    "/api/push",
                    content=body,
                    headers={**headers, "Content-Type": "application/json"},
                )
                if response.status_code == 202:
                    latencies.append(time.monotonic() - started)
                    break
                refused += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))

    total = sum(len(b) for b in batches)
    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    accepted_in = time.monotonic() - started
    count = await wait_count(es, f"km-logs-{bucket['id']}-*", total)
    elapsed = time.monotonic() - started
    return {
        "docs": count,
        "seconds": round(elapsed, 2),
        "docs_per_s": round(count / elapsed),
        "accepted_docs_per_s": round(total / accepted_in),
        "accept_latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1),
            "p99": round(percentile(latencies, 99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
        "refused_503": refused,
    }


def agent_status(machine: str, tick: int) -> dict[str, Any]:
    procs = []
    for pm_id in range(3):
        procs.append(
            {
                "pid": 1000 + pm_id,
                "name": f"app-{pm_id}",
                "pm_id": pm_id,
                "status": "online",
                "restart_time": 0,
                "cpu": (tick + pm_id) % 100,
                "memory": 50_000_000 + tick * 1000,
                "pm_uptime": 1_700_000_000_000,
                "exec_mode": "fork_mode",
                "node_env": "production",
                "axm_actions": [
                    {"action_name": "km:heapdump", "action_type": "internal", "arity": 2}
                ],
                "axm_monitor": {
                    "Heap Size": {
                        "value": f"{20 + tick % 5}.5",
                        "unit": "MiB",
                        "type": "internal/v8/heap/total",
                        "historic": True,
                    },
                    "Event Loop Latency p95": {"value": "1.2", "unit": "ms", "historic": True},
                    "HTTP": {"value": tick % 50, "unit": "req/min", "historic": True},
                },
            }
        )
    return {
        "server_name": machine,
        "internal_ip": "10.0.0.1",
        "data": {
            "process": procs,
            "server": {
                "username": "app",
                "hostname": machine,
                "uptime": 1000 + tick,
                "platform": "linux",
                "pm2_version": "6.0.14",
                "pm2_agent_version": "2.1.1",
                "node_version": "v20.20.2",
            },
        },
    }


async def agents(
    base: str,
    ssl_context: ssl.SSLContext,
    bucket: dict[str, Any],
    es: AsyncElasticsearch,
    count: int,
    hold: float,
) -> dict[str, Any]:
    """`count` agents, each: verifyPM2, websocket, a full status then one patch a second (as PM2 does)."""
    import jsonpatch

    sent = 0
    closed_early = 0
    connected = 0
    all_up = asyncio.Event()

    async def agent(n: int) -> None:
        nonlocal sent, closed_early, connected
        machine = f"bench-agent-{n:03d}"
        async with httpx.AsyncClient(verify=ssl_context, timeout=60) as client:
            verify = await client.post(
                f"{base}/api/node/verifyPM2",
                json={
                    "public_id": bucket["public_key"],
                    "private_id": bucket["secret_key"],
                    "data": {
                        "MACHINE_NAME": machine,
                        "PUBLIC_KEY": bucket["public_key"],
                        "PM2_VERSION": "6.0.14",
                        "HOSTNAME": machine,
                    },
                },
            )
            endpoint = verify.json()["endpoints"]["ws"]
        headers = {
            "X-KM-PUBLIC": bucket["public_key"],
            "X-KM-SECRET": bucket["secret_key"],
            "X-KM-SERVER": machine,
            "X-PM2-VERSION": "6.0.14",
            "X-PROTOCOL-VERSION": "1",
        }
        async with connect(
            endpoint, additional_headers=headers, ssl=ssl_context, open_timeout=60, max_size=None
        ) as ws:
            connected += 1
            if connected == count:
                all_up.set()
            await all_up.wait()
            previous = None
            begun = time.monotonic()
            deadline = begun + hold
            tick = 0
            try:
                while time.monotonic() < deadline:
                    status = agent_status(machine, tick)
                    if previous is None:
                        frame = {"channel": "status", "payload": status}
                    else:
                        frame = {
                            "channel": "status:patch",
                            "payload": jsonpatch.make_patch(previous, status).patch,
                        }
                    await ws.send(json.dumps(frame))
                    previous = status
                    sent += 1
                    tick += 1
                    await asyncio.sleep(max(0.0, begun + tick - time.monotonic()))  # one a second
            except Exception:
                closed_early += 1
                raise

    started = time.monotonic()
    results = await asyncio.gather(*(agent(n) for n in range(count)), return_exceptions=True)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    expected_docs = sent * 3
    indexed = await wait_count(es, f"km-status-{bucket['id']}-*", expected_docs, within=300)
    return {
        "agents": count,
        "hold_s": hold,
        "status_frames": sent,
        "frames_per_s": round(sent / hold, 1),
        "status_docs_indexed": indexed,
        "status_docs_expected": expected_docs,
        "closed_early": closed_early,
        "errors": errors[:3],
        "seconds": round(time.monotonic() - started, 1),
    }


async def one_run(
    api: httpx.AsyncClient,
    es: AsyncElasticsearch,
    batches: list[list[dict[str, Any]]],
    clients: int,
    meter: CpuMeter,
) -> dict[str, Any]:
    """Direct, through the gateway, direct again; CPU of every process group in each phase.
    A bucket of its own per run, so ingest creates its daily index in every run."""
    admin = {"Authorization": f"Bearer {os.environ['INGEST_ADMIN_TOKEN']}"}
    name = f"bench-push-{uuid.uuid4().hex[:6]}"
    bucket = (await api.post("/api/admin/buckets", headers=admin, json={"name": name})).json()
    try:
        return await measured_run(api, es, bucket, batches, clients, meter)
    finally:
        await api.delete(f"/api/admin/buckets/{bucket['id']}", headers=admin)


async def measured_run(
    api: httpx.AsyncClient,
    es: AsyncElasticsearch,
    bucket: dict[str, Any],
    batches: list[list[dict[str, Any]]],
    clients: int,
    meter: CpuMeter,
) -> dict[str, Any]:
    phases: dict[str, Any] = {}
    cpu: dict[str, Any] = {}
    for name, measure in (
        ("direct_before", lambda: direct_bulk(es, batches, clients)),
        ("gateway", lambda: through_gateway(api, es, bucket, batches, clients)),
        ("direct_after", lambda: direct_bulk(es, batches, clients)),
    ):
        before = meter.sample()
        phases[name] = await measure()
        cpu[name] = meter.spent(before, meter.sample())
    baseline = (phases["direct_before"]["docs_per_s"] + phases["direct_after"]["docs_per_s"]) / 2
    return {
        **phases,
        "ratio": round(phases["gateway"]["docs_per_s"] / baseline, 3),
        "cpu_s": cpu,
        "load_1m": round(os.getloadavg()[0], 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--extra-instances", type=int, default=0, choices=[0, 1, 2])
    parser.add_argument("--agents", type=int, default=0)
    parser.add_argument("--hold", type=float, default=60)
    args = parser.parse_args()
    if not 1 <= args.runs <= 10 or not 1 <= args.docs <= 500_000:
        parser.error("--runs 1-10, --docs 1-500000")
    load_env()
    base = os.environ.get("GATEWAY_URL", "https://localhost:8443") + "/ingest"
    ssl_context = ssl.create_default_context(cafile=os.environ["MERIDIAN_CA"])
    es = AsyncElasticsearch(
        [f"http://{h}" for h in os.environ["KM_ELASTICSEARCH_URL"].split()], request_timeout=120
    )
    admin_headers = {"Authorization": f"Bearer {os.environ['INGEST_ADMIN_TOKEN']}"}
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    extra = start_instances(args.extra_instances)
    meter = CpuMeter([pid for process in extra for pid in tree(process.pid)])
    load_before = os.getloadavg()
    runs: list[dict[str, Any]] = []
    disturbed: list[dict[str, Any]] = []  # runs during which the suite's ingest was restarted
    async with httpx.AsyncClient(
        base_url=base, verify=ssl_context, timeout=120, limits=limits
    ) as api:
        bucket = (
            await api.post("/api/admin/buckets", headers=admin_headers, json={"name": "bench-push"})
        ).json()
        try:
            batches = frames(args.docs, args.batch)
            attempts = 0
            while len(runs) < args.runs and attempts < 2 * args.runs:
                attempts += 1
                pid = supervised_pid("services:ingest")
                run = await one_run(api, es, batches, args.clients, meter)
                if supervised_pid("services:ingest") != pid:  # restarted by someone meanwhile
                    disturbed.append(run)
                    print(f"attempt {attempts}: ingest was restarted during it, run again")
                    meter = CpuMeter([pid for process in extra for pid in tree(process.pid)])
                    continue
                runs.append(run)
                print(f"run {len(runs)}: ratio {run['ratio']}", flush=True)
            held = (
                await agents(base, ssl_context, bucket, es, args.agents, args.hold)
                if args.agents
                else None
            )
        finally:
            stop_instances(extra)
            await api.delete(f"/api/admin/buckets/{bucket['id']}", headers=admin_headers)
            await es.close()
    ratios = [r["ratio"] for r in runs]
    median = statistics.median(ratios)
    per_100k = 100_000 / args.docs
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": [round(x, 1) for x in load_before[:2]],
        "load_after": [round(x, 1) for x in os.getloadavg()[:2]],
        "docs": args.docs,
        "batch": args.batch,
        "clients": args.clients,
        "ingest_instances": 1 + args.extra_instances,
        "runs": runs,
        "ratios": ratios,
        "repeated_runs": len(disturbed),
        "median_ratio": median,
        "cpu_s_per_100k_docs_median": {
            phase: {
                name: round(statistics.median(r["cpu_s"][phase][name] for r in runs) * per_100k, 2)
                for name in runs[0]["cpu_s"][phase]
            }
            for phase in ("direct_before", "gateway", "direct_after")
        },
        "agents": held,
    }
    print(json.dumps(summary, indent=2))
    print(f"RESULT ingest_push_ratio {median:.2f} x (goal >= 0.95)")


if __name__ == "__main__":
    asyncio.run(main())
