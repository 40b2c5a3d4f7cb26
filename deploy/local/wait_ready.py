"""Waits until every service answers /readyz: through the gateway over verified TLS where it is routed.

`python deploy/local/wait_ready.py --ca CA --base https://localhost:8443 [--once] [--wait SECONDS]
[--direct NAME=http://127.0.0.1:PORT ...]` (--direct: also a service instance probed on its own port,
e.g. the second and further instances, which the gateway reaches only at random)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gateway"))
from render import ROUTES_FILE, load_routes, read_routes_table  # noqa: E402  (not a package)

# What the gateway does not route is probed directly, on its port in routes.toml.
UNROUTED = [
    (service, f"http://127.0.0.1:{port}")
    for service, port in read_routes_table(ROUTES_FILE).unrouted_ports.items()
]


def gateway_prefixes() -> dict[str, str]:
    """Each routed service's gateway prefix (without the trailing slash), from gateway/routes.toml."""
    routes, _ = load_routes(ROUTES_FILE)
    return {route.service: route.prefix_path for route in routes}


# name, where its /readyz is: a gateway prefix, or a direct URL
SERVICES = [*gateway_prefixes().items(), *UNROUTED]


def readiness_url(base: str, where: str) -> str:
    """The /readyz URL of a service."""
    return f"{where if where.startswith('http') else base + where}/readyz"


def probe(client: httpx.Client, url: str) -> tuple[bool, str]:
    """One readiness request: (ready, what it said)."""
    try:
        r = client.get(url)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    if r.status_code == 200:
        return True, "ready"
    try:
        body = r.json()
        return False, f"{r.status_code} {body.get('error') or body}"
    except ValueError:
        return False, f"{r.status_code} {r.text[:200]}"


def main() -> int:
    """Polls each service until ready or the time is up; exit 1 naming those that are not."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ca")
    parser.add_argument("--base", default="https://localhost:8443")
    parser.add_argument("--wait", type=float, default=120)
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--direct", action="append", default=[], metavar="NAME=URL")
    parser.add_argument(
        "--print-prefixes", action="store_true", help="print `service prefix` lines and exit"
    )
    args = parser.parse_args()
    if args.print_prefixes:
        print("\n".join(f"{name} {prefix}" for name, prefix in gateway_prefixes().items()))
        return 0
    if not args.ca:
        parser.error("--ca is required")
    deadline = time.monotonic() + (0 if args.once else args.wait)
    services = SERVICES + [tuple(direct.split("=", 1)) for direct in args.direct if "=" in direct]
    pending = dict(services)
    results: dict[str, tuple[bool, str]] = {}
    with httpx.Client(verify=args.ca, timeout=5) as client:
        while True:
            for name, where in list(pending.items()):
                results[name] = probe(client, readiness_url(args.base, where))
                if results[name][0]:
                    del pending[name]
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(1)
    for name, where in services:
        ok, message = results[name]
        print(
            f"  {name:<16} {'ok  ' if ok else 'FAIL'} {readiness_url(args.base, where)}  {message}"
        )
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
