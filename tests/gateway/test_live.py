"""The rendered gateway, run by real nginx in front of real upstream processes."""

from __future__ import annotations

import gzip
import json
import re
import ssl
from typing import Any

import httpx
import pytest
import websockets

pytestmark = pytest.mark.timeout(120)


def client(ca_context: ssl.SSLContext, **kwargs: Any) -> httpx.Client:
    """An HTTPS client that trusts only the dev CA."""
    return httpx.Client(verify=ca_context, timeout=10, **kwargs)


def test_tls_is_verified_against_the_dev_ca(gateway, ca_context) -> None:
    with client(ca_context) as http:
        for host in ("localhost", "127.0.0.1"):
            response = http.get(f"https://{host}:{gateway.https_port}/healthz")
            assert response.status_code == 200
            assert response.json() == {"status": "ok", "service": "gateway"}
    # Without the dev CA the certificate is not trusted: TLS is real, not skipped.
    with httpx.Client(timeout=10) as untrusting, pytest.raises(httpx.ConnectError):
        untrusting.get(f"{gateway.https}/healthz")


def test_prefix_is_stripped_and_forwarded_headers_are_set(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/analytics/v2/messages?limit=5&q=a%20b")
    assert response.status_code == 200
    seen = response.json()
    assert seen["name"] == "A"
    assert seen["raw_path"] == "/v2/messages"
    assert seen["query_string"] == "limit=5&q=a%20b"
    headers = seen["headers"]
    assert headers["x-forwarded-prefix"] == "/analytics"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-port"] == str(gateway.https_port)
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["host"] == f"localhost:{gateway.https_port}"


def test_encoded_path_reaches_the_service_unchanged(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/metrics/api/v1/series/a%2Fb%20c")
    assert response.json()["raw_path"] == "/api/v1/series/a%2Fb%20c"


def test_each_route_reaches_its_own_upstream(gateway, ca_context) -> None:
    with client(ca_context) as http:
        assert http.get(f"{gateway.https}/config/conf").json()["name"] == "B"
        assert http.get(f"{gateway.https}/metrics/api/v1/x").json()["name"] == "A"


def test_several_instances_share_one_route(gateway, ca_context) -> None:
    with client(ca_context) as http:
        names = {
            http.get(f"{gateway.https}/ingest/api/node/verifyPM2").json()["name"] for _ in range(6)
        }
    assert names == {"A", "B"}


def test_request_id_is_generated_and_passed_to_the_upstream(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/analytics/healthz")
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.json()["headers"]["x-request-id"] == request_id
    # The upstream's own X-Request-ID header is replaced, not duplicated.
    assert response.headers.get_list("x-request-id") == [request_id]


def test_request_id_from_the_client_is_kept(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(
            f"{gateway.https}/analytics/healthz", headers={"X-Request-ID": "trace-42.a:b"}
        )
    assert response.headers["x-request-id"] == "trace-42.a:b"
    assert response.json()["headers"]["x-request-id"] == "trace-42.a:b"


def test_unsafe_request_id_is_replaced(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(
            f"{gateway.https}/analytics/healthz", headers={"X-Request-ID": "x" * 200}
        )
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_http_redirects_to_https(gateway) -> None:
    with httpx.Client(timeout=10) as http:
        response = http.get(f"http://localhost:{gateway.http_port}/ingest/api/x?y=1")
    assert response.status_code == 301
    assert response.headers["location"] == (
        f"https://localhost:{gateway.https_port}/ingest/api/x?y=1"
    )


def test_prefix_without_slash_redirects_to_the_route(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/ingest")
    assert response.status_code == 301
    assert response.headers["location"].endswith("/ingest/")


def test_body_within_the_limit_is_proxied(gateway, ca_context) -> None:
    body = b"x" * 500_000
    with client(ca_context) as http:
        response = http.post(f"{gateway.https}/ingest/api/node/push", content=body)
    assert response.status_code == 200
    assert response.json()["body_length"] == len(body)
    assert response.json()["method"] == "POST"


def test_body_over_the_limit_is_refused_with_413_json(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.post(f"{gateway.https}/ingest/api/node/push", content=b"x" * 2_000_000)
    assert response.status_code == 413
    assert response.json() == {"error": "request body too large", "detail": {"limit": "1m"}}


def test_unreachable_service_answers_502_json_naming_it(gateway, ca_context) -> None:
    with client(ca_context) as http:
        response = http.get(f"{gateway.https}/kmdb/readyz")
    assert response.status_code == 502
    assert response.json() == {"error": "service unavailable", "detail": {"service": "kmdb-import"}}
    assert response.headers["x-request-id"]


async def test_websocket_upgrade_reaches_the_service(gateway, ca_context) -> None:
    url = f"wss://localhost:{gateway.https_port}/ingest/interaction"
    async with websockets.connect(url, ssl=ca_context) as ws:
        for text in ("hello", "again"):
            await ws.send(text)
            reply = json.loads(await ws.recv())
            assert reply["path"] == "/interaction"
            assert reply["text"] == text
            assert reply["name"] in {"A", "B"}


def test_dashboard_is_served_with_spa_fallback_and_gzip(gateway, ca_context, dashboard) -> None:
    with client(ca_context) as http:
        index = http.get(f"{gateway.https}/")
        deep = http.get(f"{gateway.https}/charts/cpu")
        script = http.get(f"{gateway.https}/app.js", headers={"Accept-Encoding": "gzip"})
        raw = http.send(
            http.build_request(
                "GET", f"{gateway.https}/app.js", headers={"Accept-Encoding": "gzip"}
            ),
            stream=True,
        )
        compressed = b"".join(raw.iter_raw())
        raw.close()
    assert index.status_code == 200 and "charts" in index.text
    assert index.headers["content-type"].startswith("text/html")
    assert deep.status_code == 200 and deep.text == index.text
    assert script.headers["content-encoding"] == "gzip"
    expected = (dashboard / "app.js").read_bytes()
    assert script.content == expected
    assert gzip.decompress(compressed) == expected
    assert len(compressed) < len(expected) // 10


def test_access_log_lines_are_json(gateway, ca_context) -> None:
    with client(ca_context) as http:
        http.get(f"{gateway.https}/analytics/logged?x=1", headers={"X-Request-ID": "log-check-1"})
    mine = gateway.logged("log-check-1")
    assert len(mine) == 1
    entry = mine[0]
    assert entry["status"] == 200
    assert entry["method"] == "GET"
    assert entry["uri"] == "/analytics/logged?x=1"
    assert entry["service"] == "analytics"
    assert entry["upstream_addr"].startswith("127.0.0.1:")
    assert isinstance(entry["request_time"], float | int)


def test_rate_limit_answers_429_json(gateway_factory, ca_context) -> None:
    limited = gateway_factory("--rate", "1r/m", "--burst", "0")
    with client(ca_context) as http:
        first = http.get(f"{limited.https}/")
        second = http.get(f"{limited.https}/")
        health = http.get(f"{limited.https}/healthz")
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == {"error": "too many requests", "detail": {"rate": "1r/m"}}
    # The gateway's own health check is answered before the limit, for load balancers.
    assert health.status_code == 200


def test_rate_limit_exempt_addresses_are_not_limited(gateway_factory, ca_context) -> None:
    exempt = gateway_factory("--rate", "1r/m", "--burst", "0", "--rate-limit-exempt", "127.0.0.0/8")
    with client(ca_context) as http:
        statuses = {http.get(f"{exempt.https}/").status_code for _ in range(5)}
    assert statuses == {200}
