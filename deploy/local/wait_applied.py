"""Has the local configuration follower sync now and waits until it applied its role's files.

`python deploy/local/wait_applied.py [--wait SECONDS]`: asks the follower (its POST /notify, with
CONFIG_FOLLOWER_KEY from .local/dev.env) to fetch the leader's files, so templates written since it
started are applied too, then exit 0 once its /status lists the gateway's nginx config; 1 naming what
it last saw.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from devenv import read_env  # beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "gateway"))
from render import local_ports  # gateway/ is not a package

FOLLOWER = f"http://127.0.0.1:{local_ports()['config-follower']}"
EXPECTED = "/gateway/nginx.conf"
DEV_ENV = Path(__file__).resolve().parents[2] / ".local" / "dev.env"
# The sync runs the follower's hooks (a gateway reload, service restarts): give them time.
NOTIFY_TIMEOUT = 150


def synced(client: httpx.Client, key: str) -> str | None:
    """None once a sync succeeded and lists EXPECTED; otherwise what went wrong."""
    answer = client.post(f"{FOLLOWER}/notify", headers={"Authorization": key})
    if answer.status_code != 200:
        return f"/notify answered {answer.status_code}: {answer.text[:300]}"
    files = client.get(f"{FOLLOWER}/status").json().get("files", [])
    return None if EXPECTED in files else f"applied {files}, without {EXPECTED}"


def main() -> int:
    """Notifies the follower until a sync succeeds, then checks its /status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    key = read_env(DEV_ENV)["CONFIG_FOLLOWER_KEY"]
    deadline = time.monotonic() + args.wait
    last = "no answer"
    with httpx.Client(timeout=NOTIFY_TIMEOUT) as client:
        while time.monotonic() < deadline:
            try:
                problem = synced(client, key)
                if problem is None:
                    return 0
                last = problem
            except (httpx.HTTPError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5)
    print(f"config-follower has not applied {EXPECTED}: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
