"""Benchmark: POST /admin/notify until every follower applied a changed variable.

For 1, 10 and 50 follower processes (one uvicorn worker each) behind one leader, each round
changes a variable (PUT /admin/settings, not timed), then times one POST /admin/notify: the
leader calls every follower's /notify concurrently and answers once each has fetched and
written its files, so the answer marks "every follower applied". The round is checked (every
follower reported the changed file and has the new value on disk) before it counts.

The baseline, measured in the same run and interleaved round by round, is the seed's way: a
loop that awaits each follower's POST /notify in turn (pryv's leader `for … await
request.post(...)`). Reported: p50 and p99 per size and method, and the ratio.

    uv run python bench/config_notify.py                # sizes 1,10,50; 30 rounds each
    uv run python bench/config_notify.py --sizes 1,10 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from meridian_kit.process_testing import free_port

BIN = Path(sys.executable).parent
TEMPLATES = {
    "conf/app.json": '{"greeting": "GREETING", "domain": "DOMAIN", "port": PORT}\n',
    "nginx/site.conf": "server { listen PORT; server_name DOMAIN; }\n",
    "env/api.env": "API_URL=https://DOMAIN:PORT/\nTOKEN=TOKEN_VALUE\n",
    "env/worker.env": "QUEUE=redis://DOMAIN:6379/0\n",
}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Node:
    url: str
    folder: Path
    key: str
    popen: subprocess.Popen[bytes]


def start(script: str, config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / script), "--config", str(config), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "WEB_CONCURRENCY": "1"},
        )


async def wait_ready(client: httpx.AsyncClient, url: str, path: str = "/healthz") -> None:
    for _ in range(1800):
        try:
            if (await client.get(f"{url}{path}")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url}{path} never answered 200")


class Cluster:
    """A leader and `size` followers of one role, each a separate process."""

    def __init__(self, root: Path, size: int):
        self.root = root
        self.admin_key = secrets.token_hex(16)
        self.leader_port = free_port()
        self.leader_url = f"http://127.0.0.1:{self.leader_port}"
        self.followers: list[Node] = []
        self.leader: subprocess.Popen[bytes] | None = None
        self.size = size

    def write(self) -> list[tuple[Path, int]]:
        leader = self.root / "leader"
        for relative, text in TEMPLATES.items():
            path = leader / "data" / "bench" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (leader / "platform.yml").write_text(
            "vars:\n  GREETING: hello-0\n  DOMAIN: example.com\n  PORT: 8443\n"
        )
        planned, followers = [], {}
        for index in range(self.size):
            folder, port, key = self.root / f"f{index}", free_port(), secrets.token_hex(16)
            (folder / "data").mkdir(parents=True)
            (folder / "config-follower.json").write_text(
                json.dumps(
                    {
                        "leader": {"url": self.leader_url, "auth": key},
                        "paths": {"dataFolder": "data"},
                        "retry": {"initialSeconds": 0.2, "maxSeconds": 2},
                    }
                )
            )
            followers[key] = {"url": f"http://127.0.0.1:{port}", "role": "bench"}
            planned.append((folder, port))
            self.followers.append(Node(f"http://127.0.0.1:{port}", folder, key, None))  # type: ignore[arg-type]
        (leader / "config-leader.json").write_text(
            json.dumps(
                {
                    "dataFolder": "data",
                    "internals": {"TOKEN_VALUE": "SECRET"},
                    "adminKey": self.admin_key,
                    "followers": followers,
                    "notify": {"timeoutSeconds": 30},
                }
            )
        )
        return planned

    async def start(self, client: httpx.AsyncClient) -> None:
        planned = self.write()
        leader = self.root / "leader"
        self.leader = start(
            "config-leader", leader / "config-leader.json", self.leader_port, leader / "log"
        )
        for node, (folder, port) in zip(self.followers, planned, strict=True):
            node.popen = start(
                "config-follower", folder / "config-follower.json", port, folder / "log"
            )
        await wait_ready(client, self.leader_url)
        for node in self.followers:
            await wait_ready(client, node.url, "/readyz")  # ready = synced with the leader

    def stop(self) -> None:
        processes = [node.popen for node in self.followers if node.popen] + [self.leader]
        for process in processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            if process is not None:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def check_applied(self, value: str) -> None:
        for node in self.followers:
            text = (node.folder / "data" / "conf" / "app.json").read_text()
            if json.loads(text)["greeting"] != value:
                raise RuntimeError(f"{node.url} did not apply {value}")


async def change(client: httpx.AsyncClient, cluster: Cluster, value: str) -> None:
    response = await client.put(
        f"{cluster.leader_url}/admin/settings",
        json={"GREETING": value},
        headers={"Authorization": cluster.admin_key},
    )
    response.raise_for_status()


async def concurrent_round(client: httpx.AsyncClient, cluster: Cluster) -> float:
    """One POST /admin/notify; seconds until it answered with every follower applied."""
    started = time.perf_counter()
    response = await client.post(
        f"{cluster.leader_url}/admin/notify", headers={"Authorization": cluster.admin_key}
    )
    elapsed = time.perf_counter() - started
    body = response.json()
    if body["failures"] or len(body["successes"]) != cluster.size:
        raise RuntimeError(f"notify failed: {body['failures'][:3]}")
    if any(s["files"] != ["/conf/app.json"] for s in body["successes"]):
        raise RuntimeError("a follower did not write the changed file")
    return elapsed


async def sequential_round(client: httpx.AsyncClient, cluster: Cluster) -> float:
    """The seed's loop: each follower's /notify awaited in turn."""
    started = time.perf_counter()
    for node in cluster.followers:
        response = await client.post(f"{node.url}/notify", headers={"Authorization": node.key})
        if response.status_code != 200 or response.json()["files"] != ["/conf/app.json"]:
            raise RuntimeError(f"{node.url}: {response.status_code} {response.text[:200]}")
    return time.perf_counter() - started


async def measure(size: int, rounds: int, root: Path) -> dict[str, object]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        cluster = Cluster(root / f"size-{size}", size)
        try:
            began = time.perf_counter()
            await cluster.start(client)
            startup = time.perf_counter() - began
            times: dict[str, list[float]] = {"concurrent": [], "sequential": []}
            for warmup in range(2):
                await change(client, cluster, f"warm-{warmup}")
                await concurrent_round(client, cluster)
            load_before = os.getloadavg()[0]
            for index in range(rounds):
                for method, run in (
                    ("concurrent", concurrent_round),
                    ("sequential", sequential_round),
                ):
                    value = f"{method}-{index}"
                    await change(client, cluster, value)
                    times[method].append(await run(client, cluster))
                    cluster.check_applied(value)
            load_after = os.getloadavg()[0]
        finally:
            cluster.stop()
    result: dict[str, object] = {
        "followers": size,
        "rounds": rounds,
        "startup_s": round(startup, 1),
        "load_avg_1m": f"{load_before:.1f}->{load_after:.1f}",
    }
    for method, values in times.items():
        result[method] = {
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1,10,50", help="follower counts (default 1,10,50)")
    parser.add_argument("--rounds", type=int, default=30, help="timed notifies per method and size")
    parser.add_argument("--out", default="bench/out/config_notify.json", help="JSON results file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="config-notify-") as root:
        for size in sizes:
            print(f"-- {size} followers: starting {size + 1} processes", flush=True)
            result = asyncio.run(measure(size, args.rounds, Path(root)))
            results.append(result)
            print(json.dumps(result), flush=True)
    print()
    print(f"config notify, {args.rounds} rounds per cell, {os.cpu_count()} CPUs, {dt.date.today()}")
    print(
        "| followers | concurrent p50 | concurrent p99 | sequential p50 | sequential p99 "
        "| p50 ratio | load avg 1 min (before->after) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        c, s = r["concurrent"], r["sequential"]
        assert isinstance(c, dict) and isinstance(s, dict)
        print(
            f"| {r['followers']} | {c['p50_ms']} ms | {c['p99_ms']} ms | {s['p50_ms']} ms "
            f"| {s['p99_ms']} ms | {s['p50_ms'] / c['p50_ms']:.1f}x | {r['load_avg_1m']} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"date": dt.datetime.now(dt.UTC).isoformat(), "python": platform.python_version()}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
