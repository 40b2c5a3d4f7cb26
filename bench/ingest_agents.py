"""ingest with many PM2 agents: N simulated agents held for a set time through the gateway.

Each agent does what PM2's agent does: verifyPM2, a websocket to the `ws` endpoint it answers, a full
`status` (3 processes) and then an RFC 6902 `status:patch` every second, a `logs` frame now and then.
Agents are spread over the second (real ones are not in step). Reported: every status stored (one
status document per process in Elasticsearch), connections dropped, accept latency (the time the
agent stamped into the status, as a custom metric of process 0, to the time ingest put the frame in
its intake stream, `received_at`; p50/p99 over a random sample of 10,000 frames), ingest's memory
(RSS) when all are connected and at the end, ingest's CPU per 1,000 status frames, load average.

    uv run python bench/ingest_agents.py [--agents 1000] [--hold 120]
        [--baseline-agents 100] [--baseline-hold 30] [--record]

The same-run baseline: first `--baseline-agents` (the load held before, 100) for
`--baseline-hold` seconds, then the run; CPU per 1,000 status frames and accept p99 are set side by
side. RSS is sampled every 5 s: flat means the hold's second half peaks no higher than its first.

Needs `make up`. Bounded: at most 2,000 agents, 600 s held, 300 s to wait for indexing. The last
line is `RESULT ingest_agents_held <agents> agents (goal >= 1000)` when every status was stored, no
connection dropped and accept p99 < 1 s, else the number of agents held is reported as 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_push import (
    agent_status,
    cpu_seconds,
    load_env,
    percentile,
    start_instances,
    stop_instances,
    supervised_pid,
    tree,
)
from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
SENT = "bench sent ms"  # the custom metric carrying the agent's send time
LOG_EVERY = 10  # seconds between an agent's log lines
MAX_AGENTS, MAX_HOLD = 2_000, 600.0
BACKLOG_MAX = int(os.environ.get("INGEST_BACKLOG_MAX", "100000"))
LONGER_HOLD = 3600.0  # a bounded backlog would still be under BACKLOG_MAX after this much more
# Where the machine's CPU goes during the hold: each suite program's process tree.
CPU_GROUPS = {
    "elasticsearch": "stack:elasticsearch",
    "nginx": "gateway",
    "redis": "stack:redis",
    "metrics-api": "services:metrics-api",
    "cassandra": "stack:cassandra",
    "mongodb": "stack:mongodb",
}


def ingest_pids() -> list[int]:
    """The pids of every running ingest instance (services:ingest, services:ingest-2, ...)."""
    ctl = [
        str(ROOT / ".venv/bin/supervisorctl"),
        "-c",
        str(ROOT / ".local/supervisor/supervisord.conf"),
    ]
    status = subprocess.run([*ctl, "status"], capture_output=True, text=True).stdout
    names = [
        line.split()[0]
        for line in status.splitlines()
        if re.fullmatch(r"services:ingest(-\d+)?", line.split()[0] if line.split() else "")
        and "RUNNING" in line
    ]
    pids = [
        int(subprocess.run([*ctl, "pid", name], capture_output=True, text=True).stdout)
        for name in names
    ]
    if not pids:
        raise SystemExit("no running ingest under the suite's supervisor: run `make up`")
    return pids


def rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # gone
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_queue_wait_s(pid: int) -> float:
    """Seconds a process (all its threads) spent runnable but waiting for a CPU (schedstat)."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def group_pids() -> dict[str, list[int]]:
    """The process tree of each suite program in CPU_GROUPS (those not running: none)."""
    out = {}
    for name, program in CPU_GROUPS.items():
        root = supervised_pid(program)
        out[name] = tree(root) if root else []
    return out


def growth_per_s(samples: list[int], every: float = 5.0) -> float:
    """The least-squares slope (entries/s) of backlog samples taken every `every` seconds."""
    if len(samples) < 2:
        return 0.0
    xs = [i * every for i in range(len(samples))]
    mean_x, mean_y = sum(xs) / len(xs), sum(samples) / len(samples)
    var = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, samples, strict=True)) / var


def first_status(machine: str, sent_ms: int) -> dict[str, Any]:
    status = agent_status(machine, 0)
    status["data"]["process"][0]["axm_monitor"][SENT] = {"value": sent_ms}
    return status


def patch(tick: int, sent_ms: int) -> list[dict[str, Any]]:
    """What PM2's agent would send for the next second of agent_status (values that change)."""
    ops: list[dict[str, Any]] = [
        {"op": "replace", "path": "/data/server/uptime", "value": 1000 + tick}
    ]
    for pm_id in range(3):
        base = f"/data/process/{pm_id}"
        ops += [
            {"op": "replace", "path": f"{base}/cpu", "value": (tick + pm_id) % 100},
            {"op": "replace", "path": f"{base}/memory", "value": 50_000_000 + tick * 1000},
            {
                "op": "replace",
                "path": f"{base}/axm_monitor/Heap Size/value",
                "value": f"{20 + tick % 5}.5",
            },
            {"op": "replace", "path": f"{base}/axm_monitor/HTTP/value", "value": tick % 50},
        ]
    ops.append(
        {"op": "replace", "path": f"/data/process/0/axm_monitor/{SENT}/value", "value": sent_ms}
    )
    return ops


class Run:
    """Counters shared by the agents."""

    def __init__(self, count: int):
        self.count = count
        self.connected = 0
        self.sent = 0
        self.logs = 0
        self.dropped = 0
        self.refused = 0
        self.errors: list[str] = []
        self.all_up = asyncio.Event()
        self.start = 0.0
        self.end = 0.0


async def agent(
    n: int,
    run: Run,
    base: str,
    ctx: ssl.SSLContext,
    bucket: dict[str, Any],
    gate: asyncio.Semaphore,
) -> None:
    machine = f"bench-agents-{n:04d}"
    try:
        async with gate:
            endpoint = await verify_pm2(base, ctx, bucket, machine)
            headers = {
                "X-KM-PUBLIC": bucket["public_key"],
                "X-KM-SECRET": bucket["secret_key"],
                "X-KM-SERVER": machine,
                "X-PM2-VERSION": "6.0.14",
                "X-PROTOCOL-VERSION": "1",
            }
            ws = await connect(
                endpoint,
                additional_headers=headers,
                ssl=ctx,
                open_timeout=60,
                close_timeout=60,  # frames still on their way are taken before the close frame
                max_size=None,
                compression=None,  # as PM2's agent: perMessageDeflate off unless WS_GZIP is set
            )
    except Exception as exc:
        run.refused += 1
        run.errors.append(f"connect {machine}: {exc!r}")
        if run.connected + run.refused == run.count:
            run.all_up.set()
        return
    reader = asyncio.create_task(drain(ws))
    try:
        run.connected += 1
        if run.connected + run.refused == run.count:
            run.all_up.set()
        await run.all_up.wait()
        phase = random.random()  # this agent's place in the second
        await asyncio.sleep(phase)
        tick = 0
        while True:
            now = time.time()
            if now >= run.end:
                break
            sent_ms = int(now * 1000)
            if tick == 0:
                frame = {"channel": "status", "payload": first_status(machine, sent_ms)}
            else:
                frame = {"channel": "status:patch", "payload": patch(tick, sent_ms)}
            await ws.send(orjson.dumps(frame).decode())
            run.sent += 1
            if tick % LOG_EVERY == n % LOG_EVERY:
                line = {
                    "data": f"GET /items/{tick} 200 {tick % 40}ms",
                    "log_type": "out",
                    "at": sent_ms,
                }
                await ws.send(
                    orjson.dumps(
                        {
                            "channel": "logs",
                            "payload": {**line, "process": {"name": "app-0", "pm_id": 0}},
                        }
                    ).decode()
                )
                run.logs += 1
            tick += 1
            await asyncio.sleep(max(0.0, run.start + phase + tick - time.time()))
        if reader.done():  # the server closed the connection during the hold
            raise ConnectionError(f"closed by the server: {reader.result()}")
    except Exception as exc:
        run.dropped += 1
        run.errors.append(f"{machine}: {exc!r}")
    finally:
        reader.cancel()
        await ws.close()


async def verify_pm2(base: str, ctx: ssl.SSLContext, bucket: dict[str, Any], machine: str) -> str:
    """The websocket endpoint verifyPM2 answers; retried on a 503, as PM2's agent does."""
    body = {
        "public_id": bucket["public_key"],
        "private_id": bucket["secret_key"],
        "data": {"MACHINE_NAME": machine, "PM2_VERSION": "6.0.14", "HOSTNAME": machine},
    }
    async with httpx.AsyncClient(verify=ctx, timeout=60) as client:
        for attempt in range(10):
            answer = await client.post(f"{base}/api/node/verifyPM2", json=body)
            if answer.status_code != 503:
                return str(answer.json()["endpoints"]["ws"])
            await asyncio.sleep(1 + attempt)
    raise RuntimeError(f"verifyPM2 answered 503 ten times: {answer.text[:200]}")


async def drain(ws: Any) -> str:
    """Reads what the server sends (startLogging, errors, resend requests) until it closes."""
    resends = 0
    try:
        async for message in ws:
            if "status:resend" in str(message):
                resends += 1
    except Exception as exc:
        return f"{exc!r} after {resends} resends"
    return f"closed after {resends} resends"


async def count_status(es: AsyncElasticsearch, index: str, expected: int, within: float) -> int:
    deadline = time.monotonic() + within
    count = 0
    while time.monotonic() < deadline:
        await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
        count = (await es.count(index=index, ignore_unavailable=True, allow_no_indices=True))[
            "count"
        ]
        if count >= expected:
            break
        await asyncio.sleep(1)
    return count


async def accept_latencies(es: AsyncElasticsearch, index: str) -> list[float]:
    """ms from the agent's send to ingest's intake, for a random sample of status frames."""
    query = {
        "function_score": {
            "query": {"term": {"process.name": "app-0"}},  # the process carrying SENT
            "random_score": {"seed": 17, "field": "_seq_no"},
        }
    }
    found = await es.search(
        index=index, query=query, size=10_000, source=["received_at", "metrics"]
    )
    out = []
    for hit in found["hits"]["hits"]:
        doc = hit["_source"]
        sent = next((m.get("value") for m in doc.get("metrics", []) if m.get("name") == SENT), None)
        if sent is not None:
            out.append(doc["received_at"] - sent)
    return out


class Phase:
    """What one set of agents measured."""

    def __init__(self, agents: int, hold: float):
        self.agents, self.hold = agents, hold
        self.run = Run(agents)
        self.stored = 0
        self.latencies: list[float] = []
        self.rss: list[tuple[float, float]] = []  # (seconds into the hold, MB) every 5 s
        self.backlog: list[int] = []  # intake stream entries not yet indexed, every 5 s
        self.cpu = 0.0
        self.waited = 0.0  # ingest's seconds runnable but not running (another process had the CPU)
        self.connect_s = 0.0
        self.load: tuple[float, ...] = ()
        self.client_lag: list[float] = []  # ms the agents' own event loop woke late, every 100 ms
        self.groups: dict[str, float] = {}  # CPU seconds of each suite program over the hold
        self.forward: list[int] = []  # metric-point entries queued for metrics-api, every 5 s
        self.processes: list[float] = []  # CPU seconds of each ingest process (children after)

    @property
    def backlog_growth(self) -> float:
        """Entries/s the backlog grew by over the hold's second half (negative: it shrank)."""
        return growth_per_s(self.backlog[len(self.backlog) // 2 :])

    @property
    def backlog_bounded(self) -> bool:
        """The backlog is flat: at its second-half growth it would stay under INGEST_BACKLOG_MAX
        for another LONGER_HOLD seconds (so a longer hold would be held too)."""
        last = self.backlog[-1] if self.backlog else 0
        return last + max(0.0, self.backlog_growth) * LONGER_HOLD < BACKLOG_MAX

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99) if self.latencies else float("nan")

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50) if self.latencies else float("nan")

    @property
    def cpu_per_k(self) -> float:
        return self.cpu / max(1, self.run.sent) * 1000

    @property
    def held(self) -> bool:
        run = self.run
        return (
            self.stored == run.sent * 3
            and not run.dropped
            and not run.refused
            and self.p99 < 1000
            and self.backlog_bounded
        )

    def lines(self) -> list[str]:
        run = self.run
        rss = [mb for _, mb in self.rss]
        lag = (
            (percentile(self.client_lag, 50), percentile(self.client_lag, 99))
            if self.client_lag
            else (float("nan"), float("nan"))
        )
        # flat: the second half of the hold against the first (after the first 10 s)
        settled = [mb for t, mb in self.rss if t >= 10] or rss
        half = len(settled) // 2
        first = max(settled[: max(1, half)]) if settled else 0.0
        second = max(settled[half:]) if settled else 0.0
        return [
            f"agents {self.agents} (connected {run.connected} in {self.connect_s:.0f} s, "
            f"refused {run.refused}), held {self.hold:g} s, load average at the end "
            f"{self.load[0]:.2f} / {self.load[1]:.2f} (1 / 5 min)",
            f"status frames sent {run.sent} ({run.sent / self.hold:.0f}/s), log frames {run.logs}",
            f"status documents stored {self.stored} of {run.sent * 3} expected",
            f"connections dropped {run.dropped}",
            f"accept latency p50 {self.p50:.0f} ms, p99 {self.p99:.0f} ms "
            f"({len(self.latencies)} sampled frames)",
            f"ingest RSS {rss[0] if rss else 0:.0f} MB when connected, {rss[-1] if rss else 0:.0f}"
            f" MB at the end; highest in the hold's first half {first:.0f} MB, second half "
            f"{second:.0f} MB (samples every 5 s: {' '.join(f'{mb:.0f}' for mb in rss)})",
            f"intake backlog (entries accepted, not yet in Elasticsearch; refused past "
            f"INGEST_BACKLOG_MAX) every 5 s: {' '.join(str(n) for n in self.backlog)}",
            f"intake backlog growth over the hold's second half {self.backlog_growth:+.1f} "
            f"entries/s: {'bounded' if self.backlog_bounded else 'NOT bounded'} (another "
            f"{LONGER_HOLD:g} s at this growth would {'stay under' if self.backlog_bounded else 'reach'}"
            f" INGEST_BACKLOG_MAX {BACKLOG_MAX})",
            f"ingest CPU {self.cpu:.1f} s over the hold = {self.cpu_per_k:.2f} s per 1,000 status "
            f"frames ({self.cpu / self.hold * 100:.0f}% of one core: "
            f"{' + '.join(f'{c / self.hold * 100:.0f}' for c in self.processes)} by process, "
            "children after their instance); runnable but waiting for a "
            f"CPU {self.waited:.1f} s more ({self.waited / self.hold * 100:.0f}% of the hold: the "
            "machine's other processes had the cores)",
            "metrics-api forward queue (entries not yet taken by metrics-api, each the points "
            f"of up to 100 statuses) every 5 s: {' '.join(str(n) for n in self.forward)}",
            "CPU over the hold, % of one core: "
            + ", ".join(
                f"{name} {spent / self.hold * 100:.0f}" for name, spent in self.groups.items()
            ),
            f"the agents' own event loop woke late by p50 {lag[0]:.0f} ms, p99 {lag[1]:.0f} ms "
            "(part of every accept latency above: the agents run on this machine too)",
        ]


async def watch_lag(lags: list[float], until: float) -> None:
    """How late this process's event loop wakes from a 100 ms sleep, until `until`."""
    while time.time() < until:
        began = time.monotonic()
        await asyncio.sleep(0.1)
        lags.append((time.monotonic() - began - 0.1) * 1000)


async def phase(
    agents: int,
    hold: float,
    api: httpx.AsyncClient,
    es: AsyncElasticsearch,
    ctx: ssl.SSLContext,
    base: str,
    pids: list[int],
    buckets: list[str],
) -> Phase:
    """N agents in a bucket of their own held for `hold` seconds (the bucket is deleted by the
    caller, after the figures are printed: 1,000 servers take a while to delete on FerretDB)."""
    admin = {"Authorization": f"Bearer {os.environ['INGEST_ADMIN_TOKEN']}"}
    name = f"bench-agents-{uuid.uuid4().hex[:6]}"
    bucket = (await api.post("/api/admin/buckets", headers=admin, json={"name": name})).json()
    index = f"{os.environ.get('KM_INDEX_PREFIX', 'km')}-status-{bucket['id']}-*"
    buckets.append(bucket["id"])
    result = Phase(agents, hold)
    run = result.run
    gate = asyncio.Semaphore(20)
    began = time.monotonic()
    tasks = [asyncio.create_task(agent(n, run, base, ctx, bucket, gate)) for n in range(agents)]
    await run.all_up.wait()
    result.connect_s = time.monotonic() - began
    run.start = time.time()
    run.end = run.start + hold
    # each ingest instance with its children (INGEST_WORKER_PROCESSES: the stream consumers)
    pids = [pid for root in pids for pid in tree(root)]
    cpu_each = {pid: cpu_seconds([pid]) for pid in pids}
    cpu_start = sum(cpu_each.values())
    groups = group_pids()
    groups_start = {name: cpu_seconds(group) for name, group in groups.items()}
    client_start = resource.getrusage(resource.RUSAGE_SELF)
    wait_start = sum(run_queue_wait_s(pid) for pid in pids)
    result.rss.append((0.0, sum(rss_mb(pid) for pid in pids)))
    intake = f"{os.environ.get('INGEST_REDIS_PREFIX', 'ingest')}:intake"
    forward = f"{os.environ.get('INGEST_REDIS_PREFIX', 'ingest')}:forward"
    redis = Redis.from_url(os.environ["KM_REDIS_URL"])
    lag_task = asyncio.create_task(watch_lag(result.client_lag, run.end))
    while time.time() < run.end:
        await asyncio.sleep(min(5.0, max(0.0, run.end - time.time())))
        result.rss.append((time.time() - run.start, sum(rss_mb(pid) for pid in pids)))
        result.backlog.append(await redis.xlen(intake))
        result.forward.append(await redis.xlen(forward))
    await redis.aclose()
    await asyncio.gather(*tasks, lag_task)
    result.cpu = cpu_seconds(pids) - cpu_start
    result.processes = [cpu_seconds([pid]) - cpu_each[pid] for pid in pids]
    result.waited = sum(run_queue_wait_s(pid) for pid in pids) - wait_start
    result.groups = {"ingest": result.cpu}
    result.groups |= {name: cpu_seconds(g) - groups_start[name] for name, g in groups.items()}
    client_end = resource.getrusage(resource.RUSAGE_SELF)
    result.groups["agents (this client)"] = (client_end.ru_utime + client_end.ru_stime) - (
        client_start.ru_utime + client_start.ru_stime
    )
    result.load = os.getloadavg()
    result.stored = await count_status(es, index, run.sent * 3, within=300)
    result.latencies = await accept_latencies(es, index)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=120)
    parser.add_argument(
        "--baseline-agents",
        type=int,
        default=100,
        help="agents of the same-run baseline held first (0: none)",
    )
    parser.add_argument("--baseline-hold", type=float, default=30)
    parser.add_argument(
        "--extra-instances",
        type=int,
        default=0,
        choices=[0, 1, 2],
        help="private ingest processes sharing the suite's streams (writers, observers), not "
        "behind the gateway: the agents stay on the suite's instance",
    )
    parser.add_argument("--record", action="store_true", help="write bench/RESULTS.md's section")
    args = parser.parse_args()
    if not 1 <= args.agents <= MAX_AGENTS or not 1 <= args.hold <= MAX_HOLD:
        parser.error(f"--agents 1-{MAX_AGENTS}, --hold 1-{MAX_HOLD:g}")
    if not 0 <= args.baseline_agents <= MAX_AGENTS or not 1 <= args.baseline_hold <= MAX_HOLD:
        parser.error(f"--baseline-agents 0-{MAX_AGENTS}, --baseline-hold 1-{MAX_HOLD:g}")
    load_env()
    base = os.environ.get("GATEWAY_URL", "https://localhost:8443") + "/ingest"
    ctx = ssl.create_default_context(cafile=os.environ["MERIDIAN_CA"])
    es = AsyncElasticsearch(
        [f"http://{h}" for h in os.environ["KM_ELASTICSEARCH_URL"].split()], request_timeout=120
    )
    extra = start_instances(args.extra_instances)
    pids = ingest_pids() + [process.pid for process in extra]
    load_before = os.getloadavg()
    phases: list[tuple[str, Phase]] = []
    buckets: list[str] = []
    admin = {"Authorization": f"Bearer {os.environ['INGEST_ADMIN_TOKEN']}"}
    async with httpx.AsyncClient(base_url=base, verify=ctx, timeout=60) as api:
        try:
            if args.baseline_agents:
                done = await phase(
                    args.baseline_agents, args.baseline_hold, api, es, ctx, base, pids, buckets
                )
                phases.append(("baseline", done))
                print(*[f"baseline: {line}" for line in done.lines()], sep="\n", flush=True)
            done = await phase(args.agents, args.hold, api, es, ctx, base, pids, buckets)
            phases.append(("run", done))
            report(args, pids, load_before, phases)
        finally:
            stop_instances(extra)
            await es.close()
            for bucket_id in buckets:  # 1,000 servers take a while to delete (FerretDB)
                try:
                    await api.delete(f"/api/admin/buckets/{bucket_id}", headers=admin, timeout=600)
                except httpx.HTTPError as exc:
                    print(f"bucket {bucket_id} not deleted: {exc!r}", file=sys.stderr)


def report(
    args: argparse.Namespace,
    pids: list[int],
    load_before: tuple[float, ...],
    phases: list[tuple[str, Phase]],
) -> None:
    """Prints the phases' figures (and records them with --record); the RESULT lines last."""
    main_phase = phases[-1][1]
    client_cpu = resource.getrusage(resource.RUSAGE_SELF)
    lines = [
        f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} (1 / 5 min), {os.cpu_count()} cores, "
        f"{len(pids)} ingest instance(s) (CPU and RSS below are their sums)",
    ]
    for label, done in phases:
        lines += [f"{label}: {line}" for line in done.lines()]
    if len(phases) == 2:
        baseline = phases[0][1]
        lines.append(
            f"against the baseline: CPU per 1,000 status frames "
            f"{main_phase.cpu_per_k / max(1e-9, baseline.cpu_per_k):.2f}x, accept p99 "
            f"{main_phase.p99:.0f} vs {baseline.p99:.0f} ms"
        )
    lines.append(f"the agents' own process: {client_cpu.ru_utime + client_cpu.ru_stime:.0f} s CPU")
    if not set(ingest_pids()) <= set(pids):
        lines.append(
            "WARNING: the suite's ingest was restarted during the run (by another session)"
        )
    for line in lines:
        print(line)
    for error in main_phase.run.errors[:5]:
        print("error:", error)
    held = args.agents if main_phase.held else 0
    result = [
        f"RESULT ingest_agents_accept_p99 {main_phase.p99:.0f} ms (goal < 1000)",
        f"RESULT ingest_agents_cpu_per_1000_status {main_phase.cpu_per_k:.2f} s (goal report)",
        f"RESULT ingest_agents_held {held} agents (goal >= 1000)",
    ]
    if args.record:
        write_section(
            "ingest-agents",
            [
                "## ingest: PM2 agents held through the gateway (bench/ingest_agents.py, issue 17 §2)",
                "",
                f"`uv run python bench/ingest_agents.py --agents {args.agents} --hold {args.hold:g}"
                f" --baseline-agents {args.baseline_agents} --baseline-hold "
                f"{args.baseline_hold:g}"
                + (f" --extra-instances {args.extra_instances}" if args.extra_instances else "")
                + " --record`",
                "",
                *[f"- {line}" for line in lines],
                "",
                "```",
                *result,
                "```",
            ],
        )
    print("\n".join(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
