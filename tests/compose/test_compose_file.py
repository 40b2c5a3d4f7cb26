"""deploy/docker-compose.yml: validated by the real `docker compose config`, services and env names."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "deploy" / "docker-compose.yml"
MAKE_ENV = REPO_ROOT / "deploy" / "docker" / "make_env.sh"
COMPOSE_PLUGIN = REPO_ROOT / "deploy" / "docker" / "compose_plugin.sh"

# `make test` builds the compose plugin before pytest (suite.sh test-deps); run alone on a fresh
# machine, the first test builds it here, which takes minutes on two cores.
pytestmark = pytest.mark.timeout(1800)

# ARCHITECTURE.md's environment names, per service.
SERVICE_ENV = {
    "ingest": [
        "KM_ELASTICSEARCH_URL",
        "KM_MONGO_URL",
        "KM_REDIS_URL",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_SENDER",
        "SMTP_HOST",
    ],
    "analytics": [
        "EL_HOST",
        "EL_PORT",
        "WS_HOST",
        "WS_PORT",
        "APIKEY",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CARDINALITY_PRECISION_THRESHOLD",
    ],
    "kmdb-import": [
        "DATABASE_URL",
        "KMDB_REDIS_URL",
        "AWS_BUCKET",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "KMDB_API_TOKEN",
    ],
    "metrics-api": ["METRICS_SERVER_CASSANDRA", "METRICS_SERVER_HOST", "METRICS_SERVER_PORT"],
    "config-leader": ["CONFIG_LEADER_CONFIG"],
    "config-follower": ["CONFIG_FOLLOWER_CONFIG"],
}
SERVICE_PORTS = {
    "ingest": 8101,
    "analytics": 8102,
    "kmdb-import": 8103,
    "metrics-api": 8104,
    "config-leader": 8105,
    "config-follower": 8106,
}
ENGINE_IMAGES = {
    "elasticsearch": r"elasticsearch:8\.\d+\.\d+",
    "cassandra": r"cassandra:5\.0",
    "mongo": r"mongo:7",
    "mariadb": r"mariadb:11",
    "redis": r"redis:7",
    "minio": r"minio/minio(:.+)?",
    "mailpit": r"axllent/mailpit(:.+)?",
}
# Names a service reads besides its settings class: the kit's and uvicorn's.
GENERIC_ENV = {
    "SENTRY_DSN",
    "SENTRY_RELEASE",
    "SENTRY_ENVIRONMENT",
    "ROOT_PATH",
    "WS_HOST",
    "WS_PORT",
}
# Variables compose takes from the shell or --env-file; a clean environment keeps .local/dev.env
# (which the root conftest loads into this process) out of the validation.
COMPOSE_INPUTS = {
    "APIKEY",
    "MYSQL_USER",
    "MYSQL_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_SENDER",
    "INGEST_ADMIN_TOKEN",
    "KMDB_API_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_BUCKET",
    "AWS_REGION",
    "CONFIG_ADMIN_KEY",
    "CONFIG_FOLLOWER_KEY",
    "DOMAIN",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "SENTRY_RELEASE",
    "RESQUE_WORKERS",
}


def settings_aliases(service: str) -> set[str]:
    """Every validation_alias in the service's settings modules (its accepted env names)."""
    names: set[str] = set()
    for path in (REPO_ROOT / "services" / service / "src").rglob("settings.py"):
        names.update(re.findall(r'validation_alias="([A-Z0-9_]+)"', path.read_text()))
    return names


def clean_env() -> dict[str, str]:
    """This process's environment without any variable the compose file interpolates."""
    return {k: v for k, v in os.environ.items() if k not in COMPOSE_INPUTS}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The compose file as YAML, before compose normalises it."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def docker_config() -> str | None:
    """The DOCKER_CONFIG under which `docker compose` works (None: the default one)."""
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI on this machine: `docker compose config` cannot run")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode == 0:
        return None
    if os.environ.get("MERIDIAN_COMPOSE_BUILD") == "0":
        pytest.skip("docker CLI without compose plugin, and MERIDIAN_COMPOSE_BUILD=0")
    built = subprocess.run(
        ["bash", str(COMPOSE_PLUGIN)], capture_output=True, text=True, timeout=1800
    )
    if built.returncode != 0 and "no Go toolchain" in built.stderr:
        pytest.skip("docker CLI without compose plugin, and no Go to build one")
    assert built.returncode == 0, built.stderr
    return built.stdout.strip()


def compose(
    docker_config: str | None, *args: str, env_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `docker compose -f deploy/docker-compose.yml ...` with a clean environment."""
    env = clean_env()
    if docker_config:
        env["DOCKER_CONFIG"] = docker_config
    command = ["docker", "compose", "-f", str(COMPOSE_FILE)]
    if env_file is not None:
        command += ["--env-file", str(env_file)]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd="/")


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Secrets made by deploy/docker/make_env.sh, as an operator would."""
    path = tmp_path_factory.mktemp("compose") / "compose.env"
    subprocess.run(["bash", str(MAKE_ENV), str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def resolved(docker_config: str | None, env_file: Path) -> dict[str, Any]:
    """`docker compose config --format json` of the compose file."""
    result = compose(docker_config, "config", "--format", "json", env_file=env_file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_accepts_the_file(resolved) -> None:
    expected = {*SERVICE_ENV, *ENGINE_IMAGES, "gateway"}
    assert expected <= set(resolved["services"])


def test_each_service_has_its_env_names_and_image(resolved, env_file) -> None:
    secrets = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    for name, env_names in SERVICE_ENV.items():
        service = resolved["services"][name]
        environment = service["environment"]
        missing = [key for key in env_names if key not in environment]
        assert not missing, f"{name} lacks {missing}"
        assert "SENTRY_DSN" in environment
        assert service["build"]["dockerfile"] == "deploy/images/services.Dockerfile"
        assert service["build"]["args"]["SERVICE"] == name
        assert service["build"]["args"]["PORT"] == str(SERVICE_PORTS[name])
        assert Path(service["build"]["context"]) == REPO_ROOT
        assert service["command"] == ["--host", "0.0.0.0", "--port", str(SERVICE_PORTS[name])]
    assert resolved["services"]["analytics"]["environment"]["APIKEY"] == secrets["APIKEY"]
    database_url = resolved["services"]["kmdb-import"]["environment"]["DATABASE_URL"]
    assert database_url == f"mysql://meridian:{secrets['MYSQL_PASSWORD']}@mariadb:3306/kmdb"


def test_service_env_names_are_ones_the_service_reads(raw) -> None:
    for name in SERVICE_ENV:
        accepted = settings_aliases(name) | GENERIC_ENV
        unknown = set(raw["services"][name]["environment"]) - accepted
        assert not unknown, f"{name} is given variables its settings do not read: {unknown}"


def test_engines_use_official_images(resolved) -> None:
    for name, pattern in ENGINE_IMAGES.items():
        assert re.fullmatch(pattern, resolved["services"][name]["image"]), name
    elasticsearch = resolved["services"]["elasticsearch"]["environment"]
    assert elasticsearch["discovery.type"] == "single-node"
    assert elasticsearch["xpack.security.enabled"] == "false"
    assert "-Xmx512m" in elasticsearch["ES_JAVA_OPTS"]


def test_gateway_is_built_from_the_routes_and_published(resolved) -> None:
    gateway = resolved["services"]["gateway"]
    assert gateway["build"]["dockerfile"] == "gateway/Dockerfile"
    published = {(p["target"], str(p["published"])) for p in gateway["ports"]}
    assert published == {(8443, "8443"), (8080, "8080")}
    depends = set(gateway["depends_on"])
    assert depends == {"ingest", "analytics", "kmdb-import", "metrics-api", "config-leader"}


def test_gateway_upstreams_name_the_compose_services() -> None:
    variables = json.loads((REPO_ROOT / "deploy" / "docker" / "gateway.json").read_text())
    for service, port in SERVICE_PORTS.items():
        if service != "config-follower":
            assert variables["upstreams"][service] == [f"{service}:{port}"]


def test_config_files_carry_the_generated_keys(resolved, env_file) -> None:
    secrets = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    leader = json.loads(resolved["configs"]["config-leader.json"]["content"])
    follower = json.loads(resolved["configs"]["config-follower.json"]["content"])
    assert leader["adminKey"] == secrets["CONFIG_ADMIN_KEY"]
    assert leader["followers"][secrets["CONFIG_FOLLOWER_KEY"]]["url"] == (
        "http://config-follower:8106"
    )
    assert follower["leader"] == {
        "url": "http://config-leader:8105",
        "auth": secrets["CONFIG_FOLLOWER_KEY"],
    }


def test_missing_secrets_are_named(docker_config) -> None:
    result = compose(docker_config, "config", "--quiet")
    assert result.returncode != 0
    assert "deploy/docker/make_env.sh" in result.stderr
    assert re.search(r"required variable [A-Z_]+ is missing", result.stderr)


def test_make_env_keeps_existing_secrets(tmp_path) -> None:
    path = tmp_path / "compose.env"
    subprocess.run(["bash", str(MAKE_ENV), str(path)], check=True, capture_output=True)
    first = path.read_text()
    subprocess.run(["bash", str(MAKE_ENV), str(path)], check=True, capture_output=True)
    assert path.read_text() == first
    assert path.stat().st_mode & 0o077 == 0
    keys = [line.split("=", 1)[0] for line in first.splitlines()]
    assert len(keys) == len(set(keys))
    assert {"APIKEY", "MYSQL_PASSWORD", "CONFIG_FOLLOWER_KEY"} <= set(keys)
