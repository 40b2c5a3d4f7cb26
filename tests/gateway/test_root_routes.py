"""The root routes on real nginx: /api/v1/ at the site root reaches metrics-api with its path as sent
(the original metrics_server frontend's paths), and the optional root_routes_token is given only to
requests without credentials of their own, on the root routes that say adds_token."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.timeout(120)

TOKEN = "root-route-token-0123456789abcdef"


def client(ca_context: ssl.SSLContext) -> httpx.Client:
    """An HTTPS client that trusts only the dev CA."""
    return httpx.Client(verify=ca_context, timeout=10)


def reached(response: httpx.Response) -> dict[str, Any]:
    """What the echo upstream says reached it."""
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def test_api_v1_at_the_root_reaches_metrics_api_unstripped(gateway, ca_context) -> None:
    with client(ca_context) as http:
        listing = reached(http.get(f"{gateway.https}/api/v1/metrics?tables=all"))
        data = reached(
            http.get(
                f"{gateway.https}/api/v1/metrics/raw_timer_with_interval/e/a%2Fb/m",
                params={"columns": "p95", "size": "856"},
                headers={"Authorization": "Bearer mine"},
            )
        )
        prefixed = reached(http.get(f"{gateway.https}/metrics/api/v1/metrics"))
    # metrics-api's upstream (A), the path as the client sent it: nothing stripped, nothing re-encoded;
    # /api/v1/metrics is the metric listing, not a Prometheus endpoint closed at the gateway.
    assert listing["name"] == "A" and listing["raw_path"] == "/api/v1/metrics"
    assert listing["query_string"] == "tables=all"
    assert data["raw_path"] == "/api/v1/metrics/raw_timer_with_interval/e/a%2Fb/m"
    assert data["query_string"] == "columns=p95&size=856"
    # The client's credentials pass as sent; without a root_routes_token none is added.
    assert data["headers"]["authorization"] == "Bearer mine"
    assert "authorization" not in listing["headers"]
    # The service sees the same request either way, without a prefix for the root route.
    assert "x-forwarded-prefix" not in listing["headers"]
    assert prefixed["raw_path"] == listing["raw_path"]
    assert prefixed["headers"]["x-forwarded-prefix"] == "/metrics"


def test_other_root_paths_stay_the_dashboards(gateway, ca_context) -> None:
    with client(ca_context) as http:
        for path in ("/api/v2/metrics", "/api/metrics", "/apiv1/metrics"):
            response = http.get(f"{gateway.https}{path}")
            assert response.status_code == 200
            assert "charts" in response.text, f"{path} reached a service"


def test_root_routes_token_is_given_only_to_requests_without_credentials(
    gateway_factory, upstreams, ca_context, tmp_path: Path, dashboard: Path
) -> None:
    variables = tmp_path / "gateway.env"
    variables.write_text(f"GATEWAY_ROOT_ROUTES_TOKEN={TOKEN}\n")
    a = upstreams["A"].address
    gateway = gateway_factory(
        "--vars-file",
        str(variables),
        "--upstream",
        f"metrics-api={a}",
        "--upstream",
        f"ingest={a}",
        "--upstream",
        f"analytics={a}",
        "--dashboard-root",
        str(dashboard),
    )
    # The rendered file holds the token: its owner alone reads it.
    assert gateway.conf.stat().st_mode & 0o777 == 0o600
    with client(ca_context) as http:
        bare = reached(http.get(f"{gateway.https}/api/v1/metrics"))
        own = reached(
            http.get(f"{gateway.https}/api/v1/metrics", headers={"Authorization": "Bearer own"})
        )
        prefixed = reached(http.get(f"{gateway.https}/metrics/api/v1/metrics"))
        other = reached(http.get(f"{gateway.https}/ingest/api/v1/metrics"))
        other_root = reached(http.get(f"{gateway.https}/logger/v1/messages"))
        # One connection, one nginx worker: once this last line is written, all of them are.
        http.get(f"{gateway.https}/api/v1/metrics", headers={"X-Request-ID": "root-token-last"})
    assert bare["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert own["headers"]["authorization"] == "Bearer own"
    # The prefixed routes never get it, nor a root route of another service (no adds_token).
    assert "authorization" not in prefixed["headers"]
    assert "authorization" not in other["headers"]
    assert other_root["raw_path"] == "/logger/v1/messages"
    assert "authorization" not in other_root["headers"]
    # Nor does the access log.
    assert gateway.logged("root-token-last")
    assert TOKEN not in gateway.access_log.read_text()


@pytest.mark.parametrize("token", ["short", "has space in it 0123456789", "semi;colon0123456789ab"])
def test_render_refuses_a_token_nginx_would_misread(render_cli, tmp_path: Path, token) -> None:
    variables = tmp_path / "gateway.env"
    variables.write_text(f"GATEWAY_ROOT_ROUTES_TOKEN='{token}'\n")
    result = render_cli(
        Path("-"), "--render-only", "--vars-file", str(variables), "--prefix-dir", str(tmp_path)
    )
    assert result.returncode == 2
    assert "root_routes_token" in result.stderr
    assert token not in result.stderr, "the refusal repeats the credential"


def test_only_root_routes_with_adds_token_get_it(render_cli, tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(
        '[[routes]]\nprefix = "/metrics/"\nservice = "metrics-api"\nport = 8104\n\n'
        '[[root_routes]]\nprefix = "/api/v1/"\nservice = "metrics-api"\nadds_token = true\n\n'
        '[[root_routes]]\nprefix = "/other/"\nservice = "metrics-api"\n'
    )
    variables = tmp_path / "gateway.env"
    variables.write_text(f"GATEWAY_ROOT_ROUTES_TOKEN={TOKEN}\n")
    result = render_cli(
        Path("-"),
        "--render-only",
        "--routes-file",
        str(routes),
        "--vars-file",
        str(variables),
        "--prefix-dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    api = result.stdout.split("location /api/v1/ {")[1].split("\n        }")[0]
    other = result.stdout.split("location /other/ {")[1].split("\n        }")[0]
    assert "proxy_set_header Authorization $meridian_root_authorization;" in api
    assert "Authorization" not in other
    routes.write_text(routes.read_text().replace("adds_token = true", 'adds_token = "yes"'))
    refused = render_cli(
        Path("-"), "--render-only", "--routes-file", str(routes), "--prefix-dir", str(tmp_path)
    )
    assert refused.returncode == 2 and "adds_token" in refused.stderr


def test_a_root_route_must_name_a_routed_service(render_cli, tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(
        '[[routes]]\nprefix = "/metrics/"\nservice = "metrics-api"\nport = 8104\n\n'
        '[[root_routes]]\nprefix = "/api/v1/"\nservice = "nothing"\n'
    )
    result = render_cli(
        Path("-"), "--render-only", "--routes-file", str(routes), "--prefix-dir", str(tmp_path)
    )
    assert result.returncode == 2
    assert "'nothing'" in result.stderr
