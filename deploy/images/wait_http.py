"""Waits until each URL answers 200 (the containers' /readyz), or says which did not and why;
or checks that nothing listens yet on the ports the containers are about to take.

Usage: python3 wait_http.py SECONDS URL...   exit 0 when all answered 200 within SECONDS
       python3 wait_http.py --free PORT...   exit 0 when no port accepts a connection on 127.0.0.1
"""

from __future__ import annotations

import socket
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


def taken(ports: list[int]) -> list[int]:
    """The ports something on 127.0.0.1 accepts connections on."""
    busy = []
    for port in ports:
        with socket.socket() as sock:
            sock.settimeout(2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    return busy


if __name__ == "__main__":
    if sys.argv[1] == "--free":
        busy = taken([int(port) for port in sys.argv[2:]])
        if busy:
            print(" ".join(map(str, busy)))
        raise SystemExit(1 if busy else 0)
    failed = wait(float(sys.argv[1]), sys.argv[2:])
    for url, said in failed.items():
        print(f"{url}: {said}", file=sys.stderr)
    raise SystemExit(1 if failed else 0)
