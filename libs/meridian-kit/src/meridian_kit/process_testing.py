"""For tests that start real service processes: a free port, and polling until a condition holds.
Imported by tests only (httpx and pytest are development dependencies); never by a service."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

DEADLINE = 60.0  # seconds: a process started on a loaded 2-core machine


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    """Polls until `condition()` is truthy and returns it; fails the test naming `what` (and the
    last answer or error) otherwise."""
    import httpx  # development dependencies: only tests come here
    import pytest

    end, last = time.monotonic() + deadline, None
    while time.monotonic() < end:
        try:
            last = condition()
            if last:
                return last
        except (httpx.HTTPError, OSError, ValueError) as exc:
            last = exc
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}; last: {last!r}")
