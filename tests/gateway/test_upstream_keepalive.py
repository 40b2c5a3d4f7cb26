"""The gateway keeps one connection to a service for many requests (issue 17 §6)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.gateway.raw_upstream import RawUpstream

# nginx's default keepalive_requests in an upstream block is 1000: past it nginx reconnects.
REQUESTS = 1100


@pytest.fixture
def raw_upstream() -> Iterator[RawUpstream]:
    """A raw upstream that counts the connections nginx opens to it."""
    server = RawUpstream().start()
    yield server
    server.stop()


def test_one_upstream_connection_serves_more_than_nginx_default(
    gateway_factory, ca_context, raw_upstream
) -> None:
    gw = gateway_factory(
        "--upstream", f"metrics-api=127.0.0.1:{raw_upstream.port}", "--worker-processes", "1"
    )
    with httpx.Client(verify=ca_context, timeout=10) as http:
        statuses = {http.get(f"{gw.https}/metrics/api/v1/x").status_code for _ in range(REQUESTS)}
    assert statuses == {200}
    assert len(raw_upstream.seen) == REQUESTS
    assert raw_upstream.connections == 1, f"{raw_upstream.connections} connections"
