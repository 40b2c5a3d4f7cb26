"""Waits until every service answers /readyz: through the gateway over verified TLS where it is routed.

`python deploy/local/wait_ready.py --ca CA --base https://localhost:8443 [--once] [--wait SECONDS]`
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx

# name, where its /readyz is: a gateway prefix, or a direct URL for what the gateway does not route
SERVICES = [
    ("ingest", "/ingest"),
    ("analytics", "/analytics"),
    ("kmdb-import", "/kmdb"),
    ("metrics-api", "/metrics"),
    ("config-leader", "/config"),
    ("config-follower", "http://127.0.0.1:8106"),
]


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
    parser.add_argument("--ca", required=True)
    parser.add_argument("--base", default="https://localhost:8443")
    parser.add_argument("--wait", type=float, default=120)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()
    deadline = time.monotonic() + (0 if args.once else args.wait)
    pending = dict(SERVICES)
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
    for name, where in SERVICES:
        ok, message = results[name]
        print(
            f"  {name:<16} {'ok  ' if ok else 'FAIL'} {readiness_url(args.base, where)}  {message}"
        )
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
