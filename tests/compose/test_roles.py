"""deploy/roles: a compose file per machine role, the leader's folder made by leader_files.py.

The real config-leader serves the folder leader_files.py writes from the example machines file, a
real config-follower per machine applies its role's files from it, and the real `docker compose
config` accepts each role's compose file with that machine's env file and the files its follower
applied (the settings of each service are the leader's, substituted)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from meridian_kit.process_testing import free_port

from tests.compose.test_compose_file import clean_env, docker_config  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "deploy" / "roles"
LEADER_FILES = ROLES / "leader_files.py"
MACHINES = ROLES / "machines.example.json"
BIN = Path(sys.executable).parent
# The services each role's compose file runs (beside its follower), and what they publish.
ROLE_SERVICES = {
    "gateway": {"gateway": [8080, 8443]},
    "ingest": {"ingest": [8101]},
    "analytics": {"analytics": [8102], "analytics-worker": []},
    "kmdb": {"kmdb-import": [8103], "kmdb-worker": []},
    "metrics": {"metrics-api": [8104]},
}
pytestmark = pytest.mark.timeout(1800)


def machines() -> list[dict[str, str]]:
    return list(json.loads(MACHINES.read_text())["machines"])


def leader_files(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LEADER_FILES), *extra, str(out)],
        capture_output=True,
        text=True,
    )


def machine_env(out: Path, name: str) -> dict[str, str]:
    lines = (out / "machines" / f"{name}.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def wait_ready(url: str, popen: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            pytest.fail(f"{url}: exited {popen.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered 200: {log.read_text()[-3000:]}")


def start(script: str, config: Path, port: int) -> subprocess.Popen[bytes]:
    log = config.parent / f"{script}.log"
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / script), "--config", str(config), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=config.parent,
        )


def stop(popen: subprocess.Popen[bytes]) -> None:
    if popen.poll() is None:
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The leader's folder for the example machines, a real leader serving it, and per machine a
    real follower that applied its role's files into <machine>/files (its MERIDIAN_CONFIG_DIR)."""
    root = tmp_path_factory.mktemp("roles")
    out = root / "leader"
    tls = root / "tls"
    tls.mkdir()
    (tls / "meridian.example.com-bundle.crt").write_text("certificate\n")
    (tls / "meridian.example.com-key.pem").write_text("key\n")
    made = leader_files(out, str(MACHINES), "--tls", str(tls), "--mount", str(out))
    assert made.returncode == 0, made.stderr
    leader_port = free_port()
    processes = [start("config-leader", out / "config-leader.json", leader_port)]
    try:
        wait_ready(
            f"http://127.0.0.1:{leader_port}/readyz", processes[0], out / "config-leader.log"
        )
        for machine in machines():
            if machine["role"] == "leader" or machine["name"] == "analytics-2":
                continue  # (ingest-2 stands for a role's second machine)
            folder = root / machine["name"]
            folder.mkdir()
            env = machine_env(out, machine["name"])
            config = folder / "config-follower.json"
            config.write_text(
                json.dumps(
                    {
                        "leader": {
                            "url": f"http://127.0.0.1:{leader_port}",
                            "auth": env["CONFIG_FOLLOWER_KEY"],
                        },
                        "paths": {"dataFolder": str(folder / "files")},
                        "hooks": [],
                    }
                )
            )
            port = free_port()
            processes.append(start("config-follower", config, port))
            wait_ready(
                f"http://127.0.0.1:{port}/readyz", processes[-1], folder / "config-follower.log"
            )
        yield {"out": out, "root": root}
    finally:
        for popen in processes:
            stop(popen)


def test_one_follower_per_machine_with_its_role_and_keys_kept(tmp_path: Path) -> None:
    out = tmp_path / "leader"
    assert leader_files(out, str(MACHINES)).returncode == 0
    config = json.loads((out / "config-leader.json").read_text())
    expected = {(m["host"], m["role"]) for m in machines() if m["role"] != "leader"}
    got = {(f["url"].split("//")[1].split(":")[0], f["role"]) for f in config["followers"].values()}
    assert got == expected
    assert len(config["followers"]) == len(expected), "a key per machine"
    assert config["internals"]["SECRET_INGEST_ADMIN"] == "SECRET"
    assert (out / "config-leader.json").stat().st_mode & 0o077 == 0
    # Run again (a machine added, say): keys and the admin key stay what the machines were given.
    assert leader_files(out, str(MACHINES)).returncode == 0
    again = json.loads((out / "config-leader.json").read_text())
    assert again["followers"] == config["followers"]
    assert again["adminKey"] == config["adminKey"]
    assert machine_env(out, "ingest-2")["CONFIG_LEADER_URL"] == "http://10.0.0.5:8105"


def test_a_machines_file_without_a_role_or_with_an_unknown_one_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "machines.json"
    listed = [m for m in machines() if m["role"] != "metrics"]
    bad.write_text(json.dumps({"machines": listed}))
    done = leader_files(tmp_path / "out", str(bad))
    assert done.returncode != 0 and "no machine has the role(s) ['metrics']" in done.stderr
    bad.write_text(
        json.dumps({"machines": [*machines(), {"name": "x", "host": "h", "role": "db"}]})
    )
    done = leader_files(tmp_path / "out", str(bad))
    assert done.returncode != 0 and "role 'db' is none of" in done.stderr


def test_each_machine_applied_its_roles_files_as_the_leader_rendered_them(
    deployment: dict[str, Any],
) -> None:
    root = deployment["root"]
    ingest = (root / "ingest-2" / "files" / "services" / "ingest.env").read_text()
    assert "KM_ELASTICSEARCH_URL=es-1:9200 es-2:9200 es-3:9200\n" in ingest
    assert "INGEST_PUBLIC_URL=https://meridian.example.com:8443/ingest\n" in ingest
    token = dict(line.split("=", 1) for line in ingest.splitlines() if "=" in line)
    assert token["INGEST_ADMIN_TOKEN"] not in ("", "SECRET", "SECRET_INGEST_ADMIN")
    assert sorted(p.name for p in (root / "ingest-1" / "files").rglob("*") if p.is_file()) == [
        "ingest.env"
    ], "a machine gets its own role's files only"
    nginx = (root / "gateway-1" / "files" / "gateway" / "nginx.conf").read_text()
    assert "client_max_body_size 20m;" in nginx
    assert "server 10.0.0.11:8101" in nginx and "server 10.0.0.12:8101" in nginx
    assert "server 10.0.0.5:8105" in nginx
    secret = root / "gateway-1" / "files" / "nginx" / "conf" / "secret"
    assert (
        "/var/lib/meridian-follower/files/nginx/conf/secret/meridian.example.com-bundle.crt"
        in nginx
    )
    assert (secret / "meridian.example.com-key.pem").stat().st_mode & 0o077 == 0
    analytics = (root / "analytics-1" / "files" / "services" / "analytics.env").read_text()
    write = dict(line.split("=", 1) for line in ingest.splitlines() if "=" in line)
    metrics = (root / "metrics-1" / "files" / "services" / "metrics-api.env").read_text()
    assert f"METRICS_API_WRITE_TOKEN={write['METRICS_API_WRITE_TOKEN']}\n" in metrics, (
        "one secret, the same on the machines that share it"
    )
    assert "CELERY_BROKER_URL=redis://redis-1:6379/1\n" in analytics
    kmdb = (root / "kmdb-1" / "files" / "services" / "kmdb-import.env").read_text()
    assert "KMDB_READ_DATABASE_URL=mysql://meridian:change-me@mariadb-replica:3306/kmdb\n" in kmdb
    # Every service checks operators' tokens with the leader's public key, given in its env file.
    keys = set()
    for machine, env_name in (
        ("ingest-1", "ingest"),
        ("analytics-1", "analytics"),
        ("kmdb-1", "kmdb-import"),
        ("metrics-1", "metrics-api"),
    ):
        env_text = (root / machine / "files" / "services" / f"{env_name}.env").read_text()
        values = dict(line.split("=", 1) for line in env_text.splitlines() if "=" in line)
        keys.add(values.get("MERIDIAN_OPERATOR_PUBLIC_KEY"))
    assert len(keys) == 1, keys
    (key,) = keys
    assert key not in (None, "", "OPERATOR_PUBLIC_KEY") and len(key) > 40, key


@pytest.mark.parametrize("role", sorted(ROLE_SERVICES))
def test_the_roles_compose_file_runs_its_services_with_the_followers_files(
    role: str,
    deployment: dict[str, Any],
    docker_config: str | None,  # noqa: F811 (the fixture)
) -> None:
    name = next(m["name"] for m in machines() if m["role"] == role)
    env = clean_env() | {"MERIDIAN_CONFIG_DIR": str(deployment["root"] / name)}
    if docker_config:
        env["DOCKER_CONFIG"] = docker_config
    machine_file = deployment["out"] / "machines" / f"{name}.env"
    command = [
        "docker",
        "compose",
        "-f",
        str(ROLES / f"{role}.yml"),
        "--env-file",
        str(machine_file),
    ]
    done = subprocess.run(
        [*command, "config", "--format", "json"], capture_output=True, text=True, env=env, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)
    services = resolved["services"]
    assert set(services) == {"config-follower", *ROLE_SERVICES[role]}
    follower = json.loads(resolved["configs"]["config-follower.json"]["content"])
    assert follower["leader"] == {
        "url": "http://10.0.0.5:8105",
        "auth": machine_env(deployment["out"], name)["CONFIG_FOLLOWER_KEY"],
    }
    for service, ports in ROLE_SERVICES[role].items():
        published = sorted(int(p["published"]) for p in services[service].get("ports", []))
        assert published == ports, service
    if role == "gateway":
        gateway = services["gateway"]
        assert gateway["entrypoint"] == ["/bin/sh", "/usr/local/bin/meridian-gateway-follow"]
        mounts = {v["target"]: v for v in gateway["volumes"]}
        assert mounts["/var/lib/meridian-follower"]["read_only"] is True
        assert Path(mounts["/usr/local/bin/meridian-gateway-follow"]["source"]) == (
            ROOT / "deploy" / "images" / "gateway_follow.sh"
        )
    else:
        # The settings each service runs with are the ones its machine's follower applied.
        env_file = next((deployment["root"] / name / "files" / "services").glob("*.env"))
        applied = dict(
            line.split("=", 1)
            for line in env_file.read_text().splitlines()
            if line and not line.startswith("#")
        )
        for service in ROLE_SERVICES[role]:
            assert services[service]["environment"] == applied, service


def test_only_one_machine_runs_the_analytics_scheduler() -> None:
    analytics = yaml.safe_load((ROLES / "analytics.yml").read_text())
    assert analytics["services"]["analytics-scheduler"]["profiles"] == ["scheduler"]


def test_the_leader_role_runs_the_leader_on_its_folder() -> None:
    leader = yaml.safe_load((ROLES / "leader.yml").read_text())["services"]["config-leader"]
    assert leader["environment"]["CONFIG_LEADER_CONFIG"] == "/data/config-leader.json"
    assert os.path.basename(LEADER_FILES) in (ROLES / "leader.yml").read_text()
