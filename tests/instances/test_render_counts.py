"""gateway/render.py's instance counts: N servers per upstream block on the routes table's ports."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.instances.private_processes import NGINX, REPO_ROOT, render

ROUTES = tomllib.loads((REPO_ROOT / "gateway" / "routes.toml").read_text())
PORTS = {row["service"]: row["port"] for row in ROUTES["routes"]}
STEP = ROUTES["instance_port_step"]


def upstream_servers(conf: str, service: str) -> list[str]:
    """The server addresses of one service's upstream block."""
    name = "meridian_" + re.sub(r"[^A-Za-z0-9]", "_", service)
    match = re.search(rf"upstream {name} \{{(.*?)\}}", conf, re.S)
    assert match, f"no upstream block for {service}"
    return re.findall(r"server (\S+) ", match.group(1))


def rendered(tmp_path: Path, *flags: str) -> str:
    """The config render.py writes for these flags (render-only: nothing else is touched)."""
    out = tmp_path / "nginx.conf"
    result = render(out, "--render-only", *flags)
    assert result.returncode == 0, result.stderr
    return out.read_text()


def test_one_instance_per_service_by_default(tmp_path: Path) -> None:
    conf = rendered(tmp_path)
    for service, port in PORTS.items():
        assert upstream_servers(conf, service) == [f"127.0.0.1:{port}"]


def test_counts_add_instances_on_stepped_ports(tmp_path: Path) -> None:
    conf = rendered(tmp_path, "--instances", "ingest=3", "--instances", "metrics-api=2")
    ingest, metrics = PORTS["ingest"], PORTS["metrics-api"]
    assert upstream_servers(conf, "ingest") == [
        f"127.0.0.1:{ingest}",
        f"127.0.0.1:{ingest + STEP}",
        f"127.0.0.1:{ingest + 2 * STEP}",
    ]
    assert upstream_servers(conf, "metrics-api") == [
        f"127.0.0.1:{metrics}",
        f"127.0.0.1:{metrics + STEP}",
    ]
    assert upstream_servers(conf, "analytics") == [f"127.0.0.1:{PORTS['analytics']}"]


def test_no_two_instances_of_any_services_share_a_port(tmp_path: Path) -> None:
    flags = [f"--instances={service}=9" for service in PORTS]
    conf = rendered(tmp_path, *flags)
    servers = [server for service in PORTS for server in upstream_servers(conf, service)]
    assert len(servers) == 9 * len(PORTS)
    assert len(set(servers)) == len(servers)


def test_counts_from_a_vars_file(tmp_path: Path) -> None:
    env_file = tmp_path / "gateway.env"
    env_file.write_text("GATEWAY_INSTANCES_KMDB_IMPORT=2\nGATEWAY_DOMAIN=example.org\n")
    conf = rendered(tmp_path, "--vars-file", str(env_file))
    port = PORTS["kmdb-import"]
    assert upstream_servers(conf, "kmdb-import") == [
        f"127.0.0.1:{port}",
        f"127.0.0.1:{port + STEP}",
    ]


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--instances", "ingest=0"], "instances of ingest: '0'"),
        (["--instances", "ingest=10"], "instances of ingest: '10'"),
        (["--instances", "ingest=two"], "instances of ingest: 'two'"),
        (["--instances", "ingest"], "expected SERVICE=N"),
        (["--instances", "billing=2"], "instances for unknown services ['billing']"),
        (
            ["--instances", "ingest=2", "--upstream", "ingest=10.0.0.5:8101"],
            "both upstreams and an instance count for ['ingest']",
        ),
    ],
)
def test_bad_counts_are_refused_by_name(tmp_path: Path, flags: list[str], named: str) -> None:
    result = render(tmp_path / "nginx.conf", "--render-only", *flags)
    assert result.returncode == 2
    assert named in result.stderr
    assert not (tmp_path / "nginx.conf").exists()


def test_a_routes_table_sets_its_own_step(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(
        'instance_port_step = 10\n[[routes]]\nprefix = "/ingest/"\nservice = "ingest"\nport = 9500\n'
    )
    conf = rendered(tmp_path, "--routes-file", str(routes), "--instances", "ingest=2")
    assert upstream_servers(conf, "ingest") == ["127.0.0.1:9500", "127.0.0.1:9510"]
    routes.write_text(routes.read_text().replace("= 10\n", '= "ten"\n', 1))
    result = render(tmp_path / "other.conf", "--render-only", "--routes-file", str(routes))
    assert result.returncode == 2 and "instance_port_step" in result.stderr


def test_two_instances_of_everything_pass_nginx_t(tmp_path: Path, tls_dir: Path) -> None:
    conf, prefix = tmp_path / "nginx.conf", tmp_path / "prefix"
    flags = [f"--instances={service}=2" for service in PORTS]
    result = render(conf, "--prefix-dir", str(prefix), "--tls-dir", str(tls_dir), *flags)
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
