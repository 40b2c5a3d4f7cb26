"""Gateway benchmark (issue 17 §6): requests/s through nginx + TLS against the same service called
directly, for a small GET and a 100 kB POST, in the same run with the same client.

No service of the suite has a POST route that only reads and drops a body, and the live gateway
rate-limits one client to 1000 r/s, so the benchmark brings its own: two cheap private services
(bench/gateway_upstream.py, `GET /healthz` and `POST /discard`): `kit`, built as our services are
(meridian_kit's app, middlewares and uvicorn options), and `bare`, a bare ASGI app that shows
nginx's cost alone; and a private nginx rendered by gateway/render.py from gateway/nginx.conf.j2
(its own ports, prefix and dev certificate; the ingest route to `bare`, the analytics route to
`kit`; 127.0.0.1 exempt from the rate limit). The same service is called at
http://127.0.0.1:<port>/healthz and at https://localhost:<port>/<route>/healthz. The CPU time of
nginx's workers and of the service per request is read from /proc around each run.

The client is wrk (Debian's, packages.tsv: installed on demand through deploy/local/lib.sh): kept-
alive connections, one thread, the same connection count on both sides. Each round measures the
four (GET, POST) x (direct, gateway) for --seconds each, the order of the two sides swapped every
round; the figure per request is the median over the rounds of gateway/direct. Bounded: about
8 x rounds x (seconds + 1) s; only this machine.

    uv run python bench/gateway_overhead.py                 # 3 rounds of 5 s, 16 connections
    uv run python bench/gateway_overhead.py --rounds 1 --seconds 3 --no-record

A/B in the same run: `--baseline-ref REF` also renders gateway/nginx.conf.j2 as it was at git REF
(with this tree's render.py and routes) into a second private nginx, and `--baseline-render-arg`
passes it extra render.py flags (e.g. `--baseline-render-arg=--worker-processes=1` with
`--baseline-ref HEAD`); every round then also measures that gateway, in alternating order, and
the table gets its ratios and its ratio to the first gateway.

    uv run python bench/gateway_overhead.py --rounds 5 --baseline-ref HEAD~1

`--pin` gives the service a core of its own (CPU 1) and puts wrk and nginx on the other (CPU 0),
on both sides alike, as a deployment gives the gateway cores of its own: otherwise, on 2 cores,
nginx's and the client's TLS work take CPU from the service itself. Two figures from the CPU time
read in the same runs move less with the machine's load than the rates do: the service-core ratio (the service's
CPU per request called directly / through the gateway: the rate when the service's core is the
limit) and the whole-box ratio ((service + client) / (service + nginx + client) CPU per request:
the rate when one machine runs all three flat out).

Writes its section of bench/RESULTS.md unless --no-record; the last line is the RESULT line: the
lower of the kit service's two medians (the services as they are built).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from meridian_kit.process_testing import free_port
from results_file import write_section

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
GOAL = 0.85
POST_BYTES = 100 * 1024
NGINX = "/usr/sbin/nginx"


def ensure_wrk() -> str:
    """wrk's path, installed from packages.tsv's row by lib.sh's `need` when missing."""
    if not shutil.which("wrk"):
        subprocess.run(["bash", "-c", f"source {ROOT}/deploy/local/lib.sh && need wrk"], check=True)
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed (deploy/local/packages.tsv)")
    return path


def wait_answering(url: str, process: subprocess.Popen[bytes], what: str, ca: Path | None) -> None:
    """Until url answers 200; fails at once if the process died."""
    verify: bool | str = str(ca) if ca else True
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer {url}")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stops one process this benchmark started, by its pid."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def render_gateway(
    folder: Path,
    upstreams: dict[str, int],
    render: Path = ROOT / "gateway" / "render.py",
    extra: list[str] | None = None,
    tls: Path | None = None,
) -> tuple[Path, Path, int]:
    """A private nginx config from our template (or from the template next to `render`, with a
    development certificate made in `folder` unless `tls` names one): (config, prefix dir, port)."""
    prefix, conf = folder / "gateway", folder / "nginx.conf"
    https_port = free_port()
    command = [sys.executable, str(render), "--out", str(conf), "--prefix-dir", str(prefix)]
    command += ["--routes-file", str(ROOT / "gateway" / "routes.toml")]
    command += ["--tls-dir", str(tls)] if tls else ["--tls-dir", str(folder / "tls"), "--dev-tls"]
    command += ["--listen-host", "127.0.0.1", "--https-port", str(https_port)]
    command += ["--http-port", str(free_port()), "--dashboard-root", str(folder / "dashboard")]
    for service, port in upstreams.items():
        command += ["--upstream", f"{service}=127.0.0.1:{port}"]
    command += ["--rate-limit-exempt", "127.0.0.1", *(extra or [])]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"render.py failed: {result.stderr.strip()}")
    return conf, prefix, https_port


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """nginx's worker processes."""
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@dataclass
class Run:
    """One wrk run: requests/s and CPU µs per request of nginx's workers, the service and wrk."""

    rate: float
    nginx_us: float
    service_us: float
    client_us: float


# --pin: the service on one core, wrk and nginx on the other.
SERVICE_CPU, CLIENT_CPU = {1}, {0}


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that pins the child to these CPUs (None: no pinning)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def children_cpu_seconds() -> float:
    """User + system CPU time of this process's finished children (wrk runs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    wrk: str, url: str, args: argparse.Namespace, script: Path | None, nginx: int, service: int
) -> Run:
    """One wrk run; any error or non-2xx answer fails the benchmark."""
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    workers = children(nginx)
    before = cpu_seconds(workers), cpu_seconds([service]), children_cpu_seconds()
    result = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        timeout=args.seconds + 30,
        check=True,
        preexec_fn=pinned(CLIENT_CPU if args.pin else None),
    )
    after = cpu_seconds(workers), cpu_seconds([service]), children_cpu_seconds()
    out = result.stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    rate, count = re.search(r"Requests/sec:\s+([\d.]+)", out), re.search(r"(\d+) requests in", out)
    if not rate or not count or not int(count.group(1)):
        raise SystemExit(f"no requests counted in wrk's output:\n{out}")
    per_request = 1e6 / int(count.group(1))
    return Run(
        float(rate.group(1)),
        (after[0] - before[0]) * per_request,
        (after[1] - before[1]) * per_request,
        (after[2] - before[2]) * per_request,
    )


KINDS = {"kit": "analytics", "bare": "ingest"}  # service kind -> the route it stands behind
REQUESTS = ("GET", "POST 100 kB")


def baseline_renderer(folder: Path, ref: str) -> Path:
    """This tree's render.py next to gateway/nginx.conf.j2 as it was at git `ref`."""
    gateway = folder / "baseline-render"
    gateway.mkdir()
    template = subprocess.run(
        ["git", "show", f"{ref}:gateway/nginx.conf.j2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (gateway / "nginx.conf.j2").write_text(template)
    for name in ("render.py", "dev_tls.sh"):
        shutil.copy2(ROOT / "gateway" / name, gateway / name)
    return gateway / "render.py"


def start_nginx(conf: Path, prefix: Path, cpus: set[int] | None) -> subprocess.Popen[bytes]:
    """A private nginx in the foreground (its workers on `cpus` when given)."""
    error_log = prefix / "logs" / "error.log"
    command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(error_log)]
    return subprocess.Popen(
        [*command, "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
        preexec_fn=pinned(cpus),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--connections", type=int, default=16, help="kept-alive, both sides")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument("--baseline-ref", help="also measure the template of this git ref (A/B)")
    parser.add_argument(
        "--baseline-render-arg",
        action="append",
        default=[],
        help="a render.py flag for the baseline gateway only (repeatable)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the service on CPU 1, wrk and nginx on CPU 0 (both sides alike)",
    )
    args = parser.parse_args()
    if args.baseline_render_arg and not args.baseline_ref:
        raise SystemExit("--baseline-render-arg needs --baseline-ref (HEAD for this template)")
    if not 1 <= args.rounds <= 20 or not 1 <= args.seconds <= 60:
        raise SystemExit("--rounds 1..20 and --seconds 1..60 keep the run bounded")
    if args.pin and not os.sched_getaffinity(0) >= SERVICE_CPU | CLIENT_CPU:
        raise SystemExit("--pin needs CPUs 0 and 1")
    wrk = ensure_wrk()
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()[0]
    runs: dict[tuple[str, str, str], list[Run]] = {}
    processes: list[tuple[subprocess.Popen[bytes], int]] = []
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
        folder = Path(tmp)
        post_script = folder / "post.lua"
        post_script.write_text(
            'wrk.method = "POST"\n'
            f'wrk.body = string.rep("m", {POST_BYTES})\n'
            'wrk.headers["Content-Type"] = "application/octet-stream"\n'
        )
        try:
            services: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
            ports = {}
            for kind, route in KINDS.items():
                port = free_port()
                command = [sys.executable, str(BENCH / "gateway_upstream.py")]
                process = subprocess.Popen(
                    [*command, "--port", str(port), "--kind", kind],
                    stderr=subprocess.DEVNULL,
                    preexec_fn=pinned(SERVICE_CPU if args.pin else None),
                )
                processes.append((process, signal.SIGTERM))
                services[kind] = process, f"http://127.0.0.1:{port}"
                wait_answering(f"{services[kind][1]}/healthz", process, f"the {kind} service", None)
                ports[route] = port
            conf, prefix, https_port = render_gateway(folder, ports)
            gateways = {"gateway": (conf, prefix, https_port)}
            if args.baseline_ref:
                render = baseline_renderer(folder, args.baseline_ref)
                gateways["baseline"] = render_gateway(
                    folder / "baseline", ports, render, args.baseline_render_arg, folder / "tls"
                )
            ca = folder / "tls" / "ca.crt"
            nginxes: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
            for side, (conf, prefix, https_port) in gateways.items():
                nginx = start_nginx(conf, prefix, CLIENT_CPU if args.pin else None)
                processes.append((nginx, signal.SIGQUIT))
                nginxes[side] = nginx, f"https://localhost:{https_port}"
                for route in KINDS.values():
                    url = f"{nginxes[side][1]}/{route}/healthz"
                    wait_answering(url, nginx, f"the private nginx ({side})", ca)
            paths = {"GET": ("/healthz", None), "POST 100 kB": ("/discard", post_script)}
            for number in range(args.rounds):
                for kind, route in KINDS.items():
                    service, direct = services[kind]
                    sides = [("direct", direct, nginxes["gateway"][0].pid)]
                    sides += [(s, f"{url}/{route}", n.pid) for s, (n, url) in nginxes.items()]
                    if number % 2:
                        sides.reverse()
                    for name in REQUESTS:
                        path, script = paths[name]
                        for side, base, nginx_pid in sides:
                            run = run_wrk(wrk, base + path, args, script, nginx_pid, service.pid)
                            runs.setdefault((kind, name, side), []).append(run)
                            print(
                                f"round {number + 1} {kind:4} {name:12} {side:8} "
                                f"{run.rate:9.0f} req/s  nginx {run.nginx_us:6.1f} us/req  "
                                f"service {run.service_us:6.1f} us/req  "
                                f"wrk {run.client_us:6.1f} us/req",
                                flush=True,
                            )
        finally:
            for process, sig in reversed(processes):
                stop(process, sig)
    report(args, runs, started, load_before, os.getloadavg()[0])


def report(
    args: argparse.Namespace,
    runs: dict[tuple[str, str, str], list[Run]],
    started: dt.datetime,
    load_before: float,
    load_after: float,
) -> None:
    """Prints the table, writes the RESULTS.md section, ends with the RESULT line."""
    rows, medians, ab, cpu = [], {}, [], {}
    sides = ["gateway", *(["baseline"] if args.baseline_ref else [])]

    def median(values: list[Run], field: str) -> float:
        return statistics.median(getattr(run, field) for run in values)

    for kind in KINDS:
        for name in REQUESTS:
            direct = runs[(kind, name, "direct")]
            for side in sides:
                gateway = runs[(kind, name, side)]
                ratios = [g.rate / d.rate for g, d in zip(gateway, direct, strict=True)]
                medians[(kind, name, side)] = statistics.median(ratios)
                label = kind if side == "gateway" else f"{kind}, baseline"
                service_d, service_g = median(direct, "service_us"), median(gateway, "service_us")
                client_d, client_g = median(direct, "client_us"), median(gateway, "client_us")
                nginx_g = median(gateway, "nginx_us")
                cpu[(kind, name, side)] = (
                    service_d / service_g,
                    (service_d + client_d) / (service_g + nginx_g + client_g),
                )
                rows.append(
                    f"| {label} | {name} | {median(direct, 'rate'):,.0f} "
                    f"| {median(gateway, 'rate'):,.0f} "
                    f"| {service_d:.0f} / {service_g:.0f} "
                    f"| {nginx_g:.0f} | {client_d:.0f} / {client_g:.0f} "
                    f"| {cpu[(kind, name, side)][0]:.2f} / {cpu[(kind, name, side)][1]:.2f} "
                    f"| {min(ratios):.2f} to {max(ratios):.2f} "
                    f"| **{medians[(kind, name, side)]:.2f}** |"
                )
            if args.baseline_ref:
                ours, theirs = runs[(kind, name, "gateway")], runs[(kind, name, "baseline")]
                per_round = [a.rate / b.rate for a, b in zip(ours, theirs, strict=True)]
                ab.append(
                    f"{kind} {name}: this template / baseline per round "
                    + ", ".join(f"{r:.2f}" for r in per_round)
                    + f" (median {statistics.median(per_round):.2f}); nginx µs/req "
                    f"{median(ours, 'nginx_us'):.0f} against {median(theirs, 'nginx_us'):.0f}"
                )
    baseline = ""
    if args.baseline_ref:
        flags = " ".join(f"--baseline-render-arg={a}" for a in args.baseline_render_arg)
        baseline = f" --baseline-ref {args.baseline_ref}" + (f" {flags}" if flags else "")
    lines = [
        "## gateway: requests/s through nginx + TLS against the service directly "
        "(bench/gateway_overhead.py)",
        "",
        f"`uv run python bench/gateway_overhead.py --rounds {args.rounds} --seconds {args.seconds} "
        f"--connections {args.connections}{' --pin' if args.pin else ''}{baseline}`, "
        f"{started:%Y-%m-%d %H:%M} UTC, this 2-core machine "
        f"with the suite running (load average {load_before:.1f} before, {load_after:.1f} after).",
        "",
        "Private services (bench/gateway_upstream.py: `kit` built as our services are, `bare` a "
        "bare ASGI app) called directly over HTTP and through a private nginx rendered from "
        "gateway/nginx.conf.j2 (TLS 1.3), with the same wrk client (1 thread, "
        f"{args.connections} kept-alive connections); per round gateway / direct, the figure is "
        "the median. "
        + (
            "Pinned (`--pin`): the service on CPU 1, wrk and nginx's workers on CPU 0, both sides "
            "alike. "
            if args.pin
            else "Not pinned: wrk, nginx and the service share both cores. "
        )
        + "CPU µs per request from /proc and getrusage (the service's and wrk's direct / through "
        "the gateway; nginx's two workers), and the two ratios they give, which the load moves "
        "less than the rates: service core (the service's µs direct / through the gateway) and whole box "
        "((service + wrk) / (service + nginx + wrk)).",
        "",
        "| service | request | direct req/s | gateway req/s | service µs/req | nginx µs/req "
        "| wrk µs/req | CPU ratio: service core / whole box | ratio range | **ratio** |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        *(
            [
                "",
                "A/B in the same rounds (the baseline rows: the template at "
                f"{args.baseline_ref}{' with ' + ' '.join(args.baseline_render_arg) if args.baseline_render_arg else ''}):",
                "",
                *(f"- {line}" for line in ab),
            ]
            if ab
            else []
        ),
    ]
    print("\n".join(lines))
    if not args.no_record:
        write_section("gateway-overhead", lines)
    for (kind, name, side), value in medians.items():
        label = "get" if name == "GET" else "post_100k"
        tag = "" if side == "gateway" else "_baseline"
        print(f"RESULT gateway_{kind}_{label}_ratio{tag} {value:.2f} x (goal >= {GOAL})")
        core, box = cpu[(kind, name, side)]
        print(f"RESULT gateway_{kind}_{label}_cpu_service_core{tag} {core:.2f} x (goal >= {GOAL})")
        print(f"RESULT gateway_{kind}_{label}_cpu_whole_box{tag} {box:.2f} x (goal >= {GOAL})")
    low = min(medians[("kit", name, "gateway")] for name in REQUESTS)
    print(f"RESULT gateway_overhead_ratio {low:.2f} x (goal >= {GOAL})")


if __name__ == "__main__":
    main()
