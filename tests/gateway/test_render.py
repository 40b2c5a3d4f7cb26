"""gateway/render.py and gateway/dev_tls.sh: rendered configs pass the real `nginx -t`."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUTES = tomllib.loads((REPO_ROOT / "gateway" / "routes.toml").read_text())
DEV_TLS = REPO_ROOT / "gateway" / "dev_tls.sh"


def upstream_block(conf: str, service: str) -> list[str]:
    """The server lines of one service's upstream block."""
    name = "meridian_" + re.sub(r"[^A-Za-z0-9]", "_", service)
    match = re.search(rf"upstream {name} \{{(.*?)\}}", conf, re.S)
    assert match, f"no upstream block for {service}"
    return re.findall(r"server (\S+) ", match.group(1))


@pytest.fixture
def paths(tmp_path: Path, tls_dir: Path) -> list[str]:
    """Flags that keep a render inside the test's temporary folder."""
    return [
        "--prefix-dir",
        str(tmp_path / "prefix"),
        "--tls-dir",
        str(tls_dir),
        "--https-port",
        "18443",
        "--http-port",
        "18080",
    ]


def test_default_render_passes_nginx_t(tmp_path, paths, render_cli, nginx_t) -> None:
    conf = tmp_path / "nginx.conf"
    result = render_cli(conf, *paths)
    assert result.returncode == 0, result.stderr
    check = nginx_t(conf, tmp_path / "prefix")
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr
    for sub in ("logs", "tmp/client_body", "tmp/proxy"):
        assert (tmp_path / "prefix" / sub).is_dir()


def test_routes_table_is_the_single_source(tmp_path, paths, render_cli) -> None:
    conf_path = tmp_path / "nginx.conf"
    assert render_cli(conf_path, *paths).returncode == 0
    conf = conf_path.read_text()
    assert {r["prefix"] for r in ROUTES["routes"]} == {
        "/ingest/",
        "/analytics/",
        "/kmdb/",
        "/metrics/",
        "/config/",
    }
    for route in ROUTES["routes"]:
        assert conf.count(f"location {route['prefix']} {{") == 1
        assert upstream_block(conf, route["service"]) == [f"127.0.0.1:{route['port']}"]
        prefix = route["prefix"].rstrip("/")
        assert f"proxy_set_header X-Forwarded-Prefix {prefix};" in conf
    # Only the route marked websocket gets the upgrade headers.
    websocket_routes = [r for r in ROUTES["routes"] if r.get("websocket")]
    assert [r["service"] for r in websocket_routes] == ["ingest"]
    assert conf.count("proxy_set_header Upgrade $http_upgrade;") == 1
    assert "location / {" in conf  # the dashboard
    assert "listen 0.0.0.0:18443 ssl;" in conf and "listen 0.0.0.0:18080;" in conf


def test_several_instances_per_upstream(tmp_path, paths, render_cli, nginx_t) -> None:
    conf = tmp_path / "nginx.conf"
    upstreams = tmp_path / "upstreams.json"
    upstreams.write_text(json.dumps({"analytics": ["127.0.0.2:9102", "127.0.0.3:9102"]}))
    result = render_cli(
        conf,
        *paths,
        "--upstreams-file",
        str(upstreams),
        "--upstream",
        "ingest=127.0.0.2:9101,127.0.0.3:9101,127.0.0.4:9101",
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert upstream_block(text, "ingest") == ["127.0.0.2:9101", "127.0.0.3:9101", "127.0.0.4:9101"]
    assert upstream_block(text, "analytics") == ["127.0.0.2:9102", "127.0.0.3:9102"]
    assert upstream_block(text, "kmdb-import") == ["127.0.0.1:8103"]
    assert nginx_t(conf, tmp_path / "prefix").returncode == 0


def test_variables_from_a_json_file(tmp_path, paths, render_cli, nginx_t) -> None:
    conf = tmp_path / "nginx.conf"
    variables = tmp_path / "gateway.json"
    variables.write_text(
        json.dumps(
            {
                "body_limit": "5m",
                "rate": "50r/s",
                "burst": 7,
                "https_port": 19443,
                "upstreams": {"metrics-api": ["127.0.0.9:9104"]},
            }
        )
    )
    # Flags win over the file: the https port comes from paths.
    result = render_cli(conf, "--vars-file", str(variables), *paths)
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert "client_max_body_size 5m;" in text
    assert "rate=50r/s;" in text and "burst=7 nodelay;" in text
    assert "listen 0.0.0.0:18443 ssl;" in text
    assert upstream_block(text, "metrics-api") == ["127.0.0.9:9104"]
    assert nginx_t(conf, tmp_path / "prefix").returncode == 0


def test_variables_from_an_env_file(tmp_path, paths, render_cli) -> None:
    conf = tmp_path / "nginx.conf"
    variables = tmp_path / "gateway.env"
    variables.write_text(
        "# gateway settings\n"
        "GATEWAY_DOMAIN=localhost\n"
        "export GATEWAY_BODY_LIMIT=64m\n"
        "GATEWAY_RATE_LIMIT_EXEMPT='10.0.0.0/8 127.0.0.1'\n"
        'GATEWAY_UPSTREAM_KMDB_IMPORT="127.0.0.5:9103,127.0.0.6:9103"\n'
    )
    result = render_cli(conf, "--vars-file", str(variables), *paths)
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert "client_max_body_size 64m;" in text
    assert "10.0.0.0/8 1;" in text and "127.0.0.1 1;" in text
    assert upstream_block(text, "kmdb-import") == ["127.0.0.5:9103", "127.0.0.6:9103"]


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--rate", "fast"], "rate"),
        (["--body-limit", "20 MB"], "body_limit"),
        (["--upstream", "nosuch=127.0.0.1:1"], "nosuch"),
        (["--upstream", "ingest=not a host"], "ingest"),
        (["--upstream", "ingest"], "--upstream"),
        (["--rate-limit-exempt", "everyone"], "rate_limit_exempt"),
        (["--burst", "-1"], "burst"),
        (["--https-port", "port"], "https_port"),
        (["--proxy-timeout", "soon"], "proxy_timeout"),  # every variable has its flag
    ],
)
def test_bad_variables_are_refused_by_name(tmp_path, paths, render_cli, flags, named) -> None:
    result = render_cli(tmp_path / "nginx.conf", *paths, *flags)
    assert result.returncode == 2
    assert named in result.stderr
    assert not (tmp_path / "nginx.conf").exists()


def test_operator_certificate_is_used(tmp_path, render_cli, nginx_t) -> None:
    tls = tmp_path / "tls"
    subprocess.run(["bash", str(DEV_TLS), str(tls), "gw.example.org"], check=True)
    conf = tmp_path / "nginx.conf"
    result = render_cli(
        conf,
        "--domain",
        "gw.example.org",
        "--tls-dir",
        str(tls),
        "--prefix-dir",
        str(tmp_path / "prefix"),
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert f"ssl_certificate {tls}/gw.example.org-bundle.crt;" in text
    assert f"ssl_certificate_key {tls}/gw.example.org-key.pem;" in text
    assert "server_name gw.example.org;" in text
    assert nginx_t(conf, tmp_path / "prefix").returncode == 0


def test_missing_operator_certificate_is_named(tmp_path, render_cli) -> None:
    result = render_cli(
        tmp_path / "nginx.conf",
        "--domain",
        "gw.example.org",
        "--tls-dir",
        str(tmp_path / "empty"),
        "--prefix-dir",
        str(tmp_path / "prefix"),
    )
    assert result.returncode == 2
    assert "gw.example.org-bundle.crt" in result.stderr
    assert "gw.example.org-key.pem" in result.stderr


def test_localhost_gets_a_dev_certificate_on_demand(tmp_path, render_cli, nginx_t) -> None:
    tls = tmp_path / "tls"
    conf = tmp_path / "nginx.conf"
    result = render_cli(conf, "--tls-dir", str(tls), "--prefix-dir", str(tmp_path / "prefix"))
    assert result.returncode == 0, result.stderr
    assert (tls / "ca.crt").is_file()
    assert (tls / "localhost-bundle.crt").is_file()
    assert nginx_t(conf, tmp_path / "prefix").returncode == 0


def test_inline_mime_types_and_missing_dashboard(tmp_path, paths, render_cli, nginx_t) -> None:
    conf = tmp_path / "nginx.conf"
    result = render_cli(
        conf,
        *paths,
        "--mime-types",
        "inline",
        "--dashboard-root",
        str(tmp_path / "nothing"),
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert "include " not in text and "application/javascript js mjs;" in text
    placeholder = REPO_ROOT / "gateway" / "placeholder"
    assert "Meridian" in (placeholder / "index.html").read_text()
    assert f"root {placeholder};" in text
    assert nginx_t(conf, tmp_path / "prefix").returncode == 0


def test_render_only_touches_nothing_but_the_output(tmp_path, render_cli) -> None:
    conf = tmp_path / "out" / "nginx.conf"
    result = render_cli(
        conf,
        "--render-only",
        "--domain",
        "gw.example.org",
        "--tls-dir",
        "/etc/meridian/tls",
        "--prefix-dir",
        str(tmp_path / "elsewhere"),
        "--dashboard-root",
        "/srv/dashboard",
        "--user",
        "nginx",
        "--upstream",
        "ingest=ingest:8101",
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert "ssl_certificate /etc/meridian/tls/gw.example.org-bundle.crt;" in text
    assert "root /srv/dashboard;" in text
    assert "user nginx;" in text
    assert upstream_block(text, "ingest") == ["ingest:8101"]
    assert not (tmp_path / "elsewhere").exists()


def test_dev_tls_is_idempotent_and_covers_loopback(tmp_path) -> None:
    tls = tmp_path / "tls"
    first = subprocess.run(["bash", str(DEV_TLS), str(tls)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    bundle = (tls / "localhost-bundle.crt").read_bytes()
    ca = (tls / "ca.crt").read_bytes()
    second = subprocess.run(["bash", str(DEV_TLS), str(tls)], capture_output=True, text=True)
    assert second.returncode == 0 and second.stdout == ""
    assert (tls / "localhost-bundle.crt").read_bytes() == bundle
    assert (tls / "ca.crt").read_bytes() == ca
    assert (tls / "localhost-key.pem").stat().st_mode & 0o077 == 0
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tls / "ca.crt"), str(tls / "localhost-bundle.crt")],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    san = subprocess.run(
        [
            "openssl",
            "x509",
            "-in",
            str(tls / "localhost-bundle.crt"),
            "-noout",
            "-ext",
            "subjectAltName",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DNS:localhost" in san and "IP Address:127.0.0.1" in san
    assert "IP Address:0:0:0:0:0:0:0:1" in san


def test_render_to_stdout_for_other_tools(tmp_path, render_cli) -> None:
    result = render_cli(
        Path("-"), "--render-only", "--prefix-dir", str(tmp_path / "p"), "--body-limit", "3m"
    )
    assert result.returncode == 0, result.stderr
    assert "client_max_body_size 3m;" in result.stdout
    assert result.stdout.count("upstream meridian_") == len(ROUTES["routes"])
    assert not (tmp_path / "p").exists()


LEADER_VALUES = {
    "DOMAIN": "localhost",
    "GATEWAY_HTTPS_PORT": 18443,
    "GATEWAY_BODY_LIMIT": "5m",
    "GATEWAY_RATE": "50r/s",
    "GATEWAY_BURST": 7,
}
PLACEHOLDERS = [
    "--placeholder=domain=DOMAIN",
    "--placeholder=https_port=GATEWAY_HTTPS_PORT",
    "--placeholder=body_limit=GATEWAY_BODY_LIMIT",
    "--placeholder=rate=GATEWAY_RATE",
    "--placeholder=burst=GATEWAY_BURST",
]


def substitute_like_the_leader(text: str, values: dict[str, object]) -> str:
    """config-leader's rule: whole identifiers; strings as their text, other values JSON-encoded."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(0))
        if found is None:
            return match.group(0)
        return found if isinstance(found, str) else json.dumps(found)

    return re.sub(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*", value, text)


def test_placeholders_make_a_template_for_the_config_leader(
    tmp_path, paths, tls_dir, render_cli, nginx_t
) -> None:
    template = tmp_path / "nginx.conf.template"
    result = render_cli(template, *paths, *PLACEHOLDERS)
    assert result.returncode == 0, result.stderr
    text = template.read_text()
    assert "server_name DOMAIN;" in text
    assert f"ssl_certificate {tls_dir}/DOMAIN-bundle.crt;" in text
    assert "listen 0.0.0.0:GATEWAY_HTTPS_PORT ssl;" in text
    assert "client_max_body_size GATEWAY_BODY_LIMIT;" in text
    assert "rate=GATEWAY_RATE;" in text and "burst=GATEWAY_BURST nodelay;" in text
    conf = tmp_path / "nginx.conf"
    conf.write_text(substitute_like_the_leader(text, LEADER_VALUES))
    check = nginx_t(conf, tmp_path / "prefix")
    assert check.returncode == 0, check.stderr
    served = conf.read_text()
    assert "client_max_body_size 5m;" in served and "listen 0.0.0.0:18443 ssl;" in served
    assert "rate=50r/s;" in served and "burst=7 nodelay;" in served
    assert f"ssl_certificate {tls_dir}/localhost-bundle.crt;" in served
    # the names stand unquoted where nginx wants bare words, and inside the JSON error bodies
    assert """'{"error":"request body too large","detail":{"limit":"5m"}}'""" in served


@pytest.mark.parametrize(
    ("flag", "named"),
    [("--placeholder=user=NAME", "KEY one of"), ("--placeholder=rate=50r/s", "identifier")],
)
def test_bad_placeholders_are_refused(tmp_path, paths, render_cli, flag, named) -> None:
    result = render_cli(tmp_path / "nginx.conf", *paths, flag)
    assert result.returncode == 2
    assert "--placeholder" in result.stderr and named in result.stderr
    assert not (tmp_path / "nginx.conf").exists()


def test_request_id_rule_is_the_kits() -> None:
    """nginx keeps a client's X-Request-ID by the kit's rule, so both logs name a request alike."""
    from meridian_kit.app import SAFE_REQUEST_ID

    template = (REPO_ROOT / "gateway" / "nginx.conf.j2").read_text()
    match = re.search(
        r'map \$http_x_request_id \$\w+ \{.*?"~\^(.*?)\$" \$http_x_request_id;', template, re.S
    )
    assert match, "nginx.conf.j2 keeps a client's X-Request-ID through a map"
    assert match.group(1) == SAFE_REQUEST_ID.pattern
