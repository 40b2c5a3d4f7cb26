"""Waits until the local configuration follower has applied its role's files from the leader.

`python deploy/local/wait_applied.py [--wait SECONDS]`: exit 0 once its /status reports a successful
fetch with the gateway's variables among the files, 1 naming what it last saw.
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx

STATUS = "http://127.0.0.1:8106/status"
EXPECTED = "/gateway/gateway.json"


def main() -> int:
    """Polls the follower's /status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    deadline = time.monotonic() + args.wait
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status = httpx.get(STATUS, timeout=3).json()
            fetched = (status.get("lastFetch") or {}).get("ok")
            if fetched and EXPECTED in status.get("files", []):
                return 0
            last = f"lastFetch={status.get('lastFetch')} files={status.get('files')}"
        except (httpx.HTTPError, ValueError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    print(f"config-follower has not applied {EXPECTED}: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
