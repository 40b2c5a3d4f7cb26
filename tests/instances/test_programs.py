"""deploy/local/suite.sh's supervisor config for instance counts: N programs on distinct ports.

`suite.sh programs` prints what `make up` would write; nothing is started or written here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from tests.instances.private_processes import REPO_ROOT, render

SUITE = REPO_ROOT / "deploy" / "local" / "suite.sh"
ROUTES = tomllib.loads((REPO_ROOT / "gateway" / "routes.toml").read_text())
PORTS = {row["service"]: row["port"] for row in ROUTES["routes"]}
STEP = ROUTES["instance_port_step"]
COUNT_VARIABLES = re.compile(r"[A-Z_]+_INSTANCES")


def programs(**counts: str) -> subprocess.CompletedProcess[str]:
    """`suite.sh programs` with these <NAME>_INSTANCES variables (and no others)."""
    env = {k: v for k, v in os.environ.items() if not COUNT_VARIABLES.fullmatch(k)}
    return subprocess.run(
        ["bash", str(SUITE), "programs"],
        capture_output=True,
        text=True,
        env={**env, **counts},
        timeout=60,
    )


def commands(config: str) -> dict[str, str]:
    """program name -> its command line."""
    return dict(re.findall(r"^\[program:([^\]]+)\]\ncommand=(.*)$", config, re.M))


def ports(config: str) -> dict[str, int]:
    """program name -> the --port it is started with."""
    found = {}
    for name, command in commands(config).items():
        match = re.search(r" --port (\d+)$", command)
        if match:
            found[name] = int(match.group(1))
    return found


def test_one_program_per_service_by_default() -> None:
    result = programs()
    assert result.returncode == 0, result.stderr
    assert ports(result.stdout) == {**PORTS, "config-follower": 8106}


def test_two_instances_of_every_service() -> None:
    result = programs(**{s.upper().replace("-", "_") + "_INSTANCES": "2" for s in PORTS})
    assert result.returncode == 0, result.stderr
    found = ports(result.stdout)
    for service, port in PORTS.items():
        assert found[service] == port
        assert found[f"{service}-2"] == port + STEP
    assert len(set(found.values())) == len(found)
    group = re.search(r"^\[group:services\]\nprograms=(.*)$", result.stdout, re.M)
    assert group and "ingest-2" in group.group(1).split(",")
    # Every instance is reached by the gateway: the upstream blocks name the same ports.
    flags = [f"--instances={service}=2" for service in PORTS]
    conf = render(REPO_ROOT / ".local" / "unused", "--render-only", "--out", "-", *flags)
    for service in PORTS:
        for name in (service, f"{service}-2"):
            assert f"server 127.0.0.1:{found[name]} " in conf.stdout


def test_workers_follow_their_service_and_the_scheduler_stays_one() -> None:
    result = programs(ANALYTICS_INSTANCES="2", KMDB_IMPORT_INSTANCES="3")
    assert result.returncode == 0, result.stderr
    names = set(commands(result.stdout))
    assert {"kmdb-work", "kmdb-work-2", "kmdb-work-3"} <= names and "kmdb-work-4" not in names
    assert {"analytics-worker", "analytics-worker-2"} <= names
    assert "analytics-scheduler" in names and "analytics-scheduler-2" not in names


def test_a_worker_count_of_its_own() -> None:
    result = programs(KMDB_IMPORT_INSTANCES="2", KMDB_WORK_INSTANCES="1")
    assert result.returncode == 0, result.stderr
    names = set(commands(result.stdout))
    assert "kmdb-import-2" in names and "kmdb-work-2" not in names


@pytest.mark.parametrize(
    ("counts", "named"),
    [
        ({"INGEST_INSTANCES": "0"}, "INGEST_INSTANCES='0'"),
        ({"METRICS_API_INSTANCES": "many"}, "METRICS_API_INSTANCES='many'"),
        ({"CONFIG_FOLLOWER_INSTANCES": "2"}, "config-follower runs once per machine"),
        ({"ANALYTICS_SCHEDULER_INSTANCES": "2"}, "analytics-scheduler runs once per machine"),
    ],
)
def test_bad_counts_stop_with_the_variable_named(counts: dict[str, str], named: str) -> None:
    result = programs(**counts)
    assert result.returncode != 0
    assert named in result.stderr


def test_the_leaders_gateway_template_has_every_instance(tmp_path, monkeypatch) -> None:
    """deploy/local/dev_config.py renders the leader's gateway template with make up's counts."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "deploy" / "local"))
    monkeypatch.setenv("METRICS_API_INSTANCES", "2")
    import dev_config

    target = tmp_path / "nginx.conf"
    dev_config.render_gateway_template(target, {"DOMAIN", "GATEWAY_HTTPS_PORT"})
    conf = target.read_text()
    metrics = PORTS["metrics-api"]
    for port in (metrics, metrics + STEP):
        assert f"server 127.0.0.1:{port} " in conf
    assert f"server 127.0.0.1:{PORTS['ingest'] + STEP} " not in conf
    assert "server_name DOMAIN;" in conf  # the leader's placeholders stay


def test_the_urls_of_every_instance_of_a_service() -> None:
    """What an operator gives ingest's forwarder to reach every metrics-api instance."""
    env = {k: v for k, v in os.environ.items() if not COUNT_VARIABLES.fullmatch(k)}
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "deploy" / "local" / "instances.py"),
            "urls",
            "metrics-api",
        ],
        capture_output=True,
        text=True,
        env={**env, "METRICS_API_INSTANCES": "2"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    port = PORTS["metrics-api"]
    assert result.stdout.split() == [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + STEP}"]


def environments(config: str) -> dict[str, str]:
    """program name -> its supervisord environment= line."""
    found = {}
    for name, section in re.findall(r"^\[program:([^\]]+)\]\n(.*?)(?=^\[|\Z)", config, re.M | re.S):
        match = re.search(r"^environment=(.*)$", section, re.M)
        found[name] = match.group(1) if match else ""
    return found


def test_every_ingest_forwards_to_every_metrics_api_instance() -> None:
    result = programs(INGEST_INSTANCES="2", METRICS_API_INSTANCES="3")
    assert result.returncode == 0, result.stderr
    port = PORTS["metrics-api"]
    urls = " ".join(f"http://127.0.0.1:{port + k * STEP}" for k in range(3))
    envs = environments(result.stdout)
    for name in ("ingest", "ingest-2"):
        assert f'INGEST_METRICS_API_URL="{urls}"' in envs[name], envs[name]
        assert 'MERIDIAN_DERIVED="INGEST_METRICS_API_URL"' in envs[name]
    assert "INGEST_METRICS_API_URL" not in envs["metrics-api"]


def test_the_derived_settings_win_over_dev_env(tmp_path) -> None:
    """with-env.sh: dev.env's single URL, then the follower's env file, then what suite.sh derived."""
    root = tmp_path / "root"
    (root / "deploy" / "local").mkdir(parents=True)
    (root / ".local").mkdir()
    script = root / "deploy" / "local" / "with-env.sh"
    script.write_text((REPO_ROOT / "deploy" / "local" / "with-env.sh").read_text())
    (root / ".local" / "dev.env").write_text(
        "INGEST_METRICS_API_URL=http://127.0.0.1:8104\nOTHER=from-dev-env\n"
    )
    base = {"PATH": os.environ["PATH"], "MERIDIAN_SERVICE": "ingest", "OTHER": "from-supervisor"}
    show = ["printenv", "INGEST_METRICS_API_URL", "OTHER"]
    derived = {
        "INGEST_METRICS_API_URL": "http://127.0.0.1:8104 http://127.0.0.1:8204",
        "MERIDIAN_DERIVED": "INGEST_METRICS_API_URL",
    }
    done = subprocess.run(
        ["bash", str(script), *show], capture_output=True, text=True, env={**base, **derived}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [derived["INGEST_METRICS_API_URL"], "from-dev-env"]
    plain = subprocess.run(["bash", str(script), *show], capture_output=True, text=True, env=base)
    assert plain.stdout.split("\n")[:2] == ["http://127.0.0.1:8104", "from-dev-env"]
