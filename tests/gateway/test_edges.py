"""The gateway's edges, on real nginx: redirects never follow the Host header, security headers on
every answer, no secret in the access log, services' Prometheus endpoints closed to the outside,
and a POST never sent twice while idempotent requests survive a kept-alive connection the service
closed."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway.raw_upstream import RawUpstream

pytestmark = pytest.mark.timeout(120)

STRICT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def client(ca_context: ssl.SSLContext, **kwargs: Any) -> httpx.Client:
    """An HTTPS client that trusts only the dev CA."""
    return httpx.Client(verify=ca_context, timeout=10, **kwargs)


def csp(response: httpx.Response) -> dict[str, str]:
    """The Content-Security-Policy header as directive -> sources."""
    policy = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, _, sources = part.strip().partition(" ")
        policy[name] = sources
    return policy


def log_entries(gateway, request_id: str) -> list[dict[str, Any]]:
    """The access log's lines for one request id (nginx writes the line after answering)."""
    for _ in range(50):
        lines = gateway.access_log.read_text().splitlines()
        entries = [json.loads(line) for line in lines]
        mine = [e for e in entries if e["request_id"] == request_id]
        if mine:
            return mine
        time.sleep(0.1)
    return []


def test_trailing_slash_redirect_ignores_the_host_header(gateway, ca_context) -> None:
    """curl -H 'Host: evil.example' https://localhost:8443/metrics once answered
    Location: https://evil.example/metrics/ (the port dropped too)."""
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/metrics", headers={"Host": "evil.example"})
    assert response.status_code == 301
    assert response.headers["location"] == "/metrics/"


def test_services_see_the_configured_host_never_the_clients(gateway, ca_context) -> None:
    """The services build redirects from Host: curl -H 'Host: evil.example' .../ingest/healthz/
    once answered 307 Location: https://evil.example/ingest/healthz."""
    with client(ca_context) as http:
        seen = http.get(f"{gateway.https}/analytics/x", headers={"Host": "evil.example"}).json()
    assert seen["headers"]["host"] == f"localhost:{gateway.https_port}"
    assert seen["headers"]["x-forwarded-host"] == f"localhost:{gateway.https_port}"


def test_http_redirect_goes_to_the_configured_name_and_port(gateway) -> None:
    with httpx.Client(timeout=10) as http:
        response = http.get(
            f"http://127.0.0.1:{gateway.http_port}/ingest/x?y=1", headers={"Host": "evil.example"}
        )
    assert response.status_code == 301
    assert response.headers["location"] == f"https://localhost:{gateway.https_port}/ingest/x?y=1"


@pytest.mark.parametrize(
    "path",
    ["/", "/charts/cpu", "/app.js", "/analytics/v2/x", "/kmdb/readyz", "/healthz", "/ingest"],
)
def test_security_headers_on_every_answer(gateway, ca_context, path) -> None:
    """The dashboard, a service's answer, nginx's own 502 / redirect and the health check."""
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}{path}")
    headers = response.headers
    max_age = int(headers["strict-transport-security"].removeprefix("max-age="))
    assert max_age >= 180 * 86400
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    policy = csp(response)
    for directive, sources in STRICT_CSP.items():
        assert policy[directive] == sources, (directive, policy)
    assert "unsafe" not in headers["content-security-policy"]
    assert headers["x-request-id"], "the request id header is still there"


def test_api_pages_may_load_their_viewer(gateway, ca_context) -> None:
    """FastAPI's /docs loads swagger-ui from jsDelivr with an inline start-up script."""
    with client(ca_context) as http:
        docs = http.get(f"{gateway.https}/ingest/docs")
        api = http.get(f"{gateway.https}/ingest/api/docs")  # not the docs page: strict
    assert "https://cdn.jsdelivr.net" in csp(docs)["script-src"]
    assert csp(docs)["frame-ancestors"] == "'none'"
    assert csp(api)["script-src"] == "'self'"


@pytest.mark.parametrize(
    "path",
    [
        "/ingest/metrics",
        "/ingest/metrics/",
        "/analytics/metrics?x=1",
        "/metrics/metrics",
        "/kmdb/metrics",
        "/config/metrics",
        "/ingest/%6detrics",
        "/ingest//metrics",
        "/ingest/x/../metrics",
    ],
)
def test_services_prometheus_endpoints_are_closed_at_the_gateway(gateway, ca_context, path) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}{path}")
    assert response.status_code == 404
    assert response.json() == {"error": "not found", "detail": None}
    assert "name" not in response.json(), "the upstream answered"


def test_paths_that_only_start_with_metrics_still_reach_the_service(gateway, ca_context) -> None:
    with client(ca_context) as http:
        api = http.get(f"{gateway.https}/metrics/api/v1/metrics")
        other = http.get(f"{gateway.https}/ingest/metricsx")
    assert api.status_code == 200 and api.json()["raw_path"] == "/api/v1/metrics"
    assert other.status_code == 200 and other.json()["raw_path"] == "/metricsx"


def test_access_log_masks_credentials_in_the_query(gateway, ca_context) -> None:
    query = "auth=pryv-key-1&x=1&api_key=key-2&Access_Token=key-3&other=visible&password=key-4"
    with client(ca_context) as http:
        response = http.get(
            f"{gateway.https}/analytics/events?{query}",
            headers={"X-Request-ID": "mask-check-1", "Referer": "https://x.example/p?auth=key-5"},
        )
    # The service still gets the query as sent.
    assert response.json()["query_string"] == query
    (entry,) = log_entries(gateway, "mask-check-1")
    logged = json.dumps(entry)
    for n in range(1, 6):
        assert f"key-{n}" not in logged, (n, entry)
    assert entry["uri"] == (
        "/analytics/events?auth=***&x=1&api_key=***&Access_Token=***&other=visible&password=***"
    )
    assert entry["referer"] == "https://x.example/p?auth=***"


def test_access_log_withholds_a_query_with_many_credentials(gateway, ca_context) -> None:
    query = "&".join(f"token{n}=key-{n}" for n in range(1, 9)) + "&x=1"
    with client(ca_context) as http:
        http.get(f"{gateway.https}/ingest/q?{query}", headers={"X-Request-ID": "mask-check-3"})
    (entry,) = log_entries(gateway, "mask-check-3")
    assert entry["uri"] == "/ingest/q?***"


def test_access_log_keeps_uris_without_credentials(gateway, ca_context) -> None:
    with client(ca_context) as http:
        http.get(f"{gateway.https}/analytics/a?x=1&y=two", headers={"X-Request-ID": "mask-check-2"})
    (entry,) = log_entries(gateway, "mask-check-2")
    assert entry["uri"] == "/analytics/a?x=1&y=two"


@pytest.fixture
def raw_upstream(request) -> Iterator[RawUpstream]:
    """A raw upstream; parametrize indirectly with drop_reused."""
    server = RawUpstream(drop_reused=bool(getattr(request, "param", False))).start()
    yield server
    server.stop()


def test_upstream_connections_are_kept_alive(gateway_factory, ca_context, raw_upstream) -> None:
    gw = gateway_factory("--upstream", f"metrics-api=127.0.0.1:{raw_upstream.port}")
    with client(ca_context) as http:
        statuses = [http.get(f"{gw.https}/metrics/api/v1/x").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert len(raw_upstream.seen) == 5
    assert raw_upstream.connections == 1, "nginx opened a connection per request"
    assert "keepalive_timeout 4s;" in gw.conf.read_text()


@pytest.mark.parametrize("raw_upstream", [True], indirect=True)
def test_idempotent_requests_survive_a_closed_kept_alive_connection(
    gateway_factory, ca_context, raw_upstream
) -> None:
    """The service closes each kept-alive connection as the gateway reuses it: a GET is sent again
    on a fresh connection, so the client never sees it."""
    gw = gateway_factory("--upstream", f"metrics-api=127.0.0.1:{raw_upstream.port}")
    with client(ca_context) as http:
        statuses = [http.get(f"{gw.https}/metrics/api/v1/x").status_code for _ in range(4)]
    assert statuses == [200] * 4
    assert any(not seen.answered for seen in raw_upstream.seen), "no connection was reused"


@pytest.mark.parametrize("raw_upstream", [True], indirect=True)
def test_a_post_is_never_sent_twice(gateway_factory, ca_context, raw_upstream) -> None:
    """Whether the service acted on a POST whose connection closed is unknown: nginx must answer
    502, not repeat it on another connection or instance."""
    gw = gateway_factory("--upstream", f"metrics-api=127.0.0.1:{raw_upstream.port}")
    with client(ca_context) as http:
        answers = [
            http.post(f"{gw.https}/metrics/api/v1/points", content=f"point-{i}".encode())
            for i in range(4)
        ]
    retries = [
        line.strip() for line in gw.conf.read_text().splitlines() if "next_upstream " in line
    ]
    assert retries == ["proxy_next_upstream error timeout;"], retries
    bodies = [seen.body for seen in raw_upstream.seen if seen.method == "POST"]
    assert len(bodies) == len(set(bodies)) == 4, f"a POST reached the upstream twice: {bodies}"
    dropped = [seen.body for seen in raw_upstream.seen if not seen.answered]
    assert dropped, "no POST went down a reused connection: the test proved nothing"
    for answer in answers:
        sent = answer.request.content
        assert answer.status_code == (502 if sent in dropped else 200)
