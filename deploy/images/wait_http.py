"""Waits until each URL answers 200 (the containers' /readyz), or says which did not and why.

Usage: python3 wait_http.py SECONDS URL... — exit 0 when all answered 200 within SECONDS.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request


def answer(url: str) -> str:
    """'200' or what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.status)
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read(300).decode(errors='replace')}"
    except OSError as exc:
        return str(exc)


def wait(seconds: float, urls: list[str]) -> dict[str, str]:
    """The URLs still not answering 200 when the time is up (empty: all ready)."""
    deadline = time.monotonic() + seconds
    pending = {url: "not asked yet" for url in urls}
    while pending:
        pending = {url: said for url in pending if (said := answer(url)) != "200"}
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(1)
    return pending


if __name__ == "__main__":
    failed = wait(float(sys.argv[1]), sys.argv[2:])
    for url, said in failed.items():
        print(f"{url}: {said}", file=sys.stderr)
    raise SystemExit(1 if failed else 0)
