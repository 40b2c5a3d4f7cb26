"""deploy/images/services.Dockerfile (the six services' one image recipe): multi-stage, uv-based,
non-root; its install steps really work for each service."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES_DOCKERFILE = REPO_ROOT / "deploy" / "images" / "services.Dockerfile"
IMAGES_SCRIPT = REPO_ROOT / "deploy" / "images" / "images.sh"
# directory -> (uv package, console script, port)
SERVICES = {
    "ingest": ("ingest", "ingest", 8101),
    "analytics": ("analytics", "analytics", 8102),
    "kmdb-import": ("kmdb-import", "kmdb-api", 8103),
    "metrics-api": ("metrics-api", "metrics-api", 8104),
    "config-leader": ("config-leader", "config-leader", 8105),
    "config-follower": ("config-follower", "config-follower", 8106),
}
# What the image's build context leaves out (.dockerignore), when copying the workspace.
CONTEXT_IGNORE = shutil.ignore_patterns(
    ".venv",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "tests",
    "node_modules",
)


def instructions(path: Path) -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments) pairs, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), " ".join(rest.split())))
    return out


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The instructions after the last FROM: what the image runs with."""
    last = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last:]


def uv_sync_commands(steps: list[tuple[str, str]]) -> list[list[str]]:
    """Each `uv sync ...` the Dockerfile runs, as an argument list."""
    commands = []
    for keyword, rest in steps:
        if keyword == "RUN" and "uv sync" in rest:
            words = shlex.split(rest[rest.index("uv sync") :])
            commands.append(words)
    return commands


def test_services_dockerfile_is_multi_stage_uv_and_non_root() -> None:
    steps = instructions(SERVICES_DOCKERFILE)
    assert sum(keyword == "FROM" for keyword, _ in steps) >= 3
    syncs = uv_sync_commands(steps)
    assert len(syncs) == 2, "expected a dependencies-only sync, then the full one"
    for words in syncs:
        assert words[:3] == ["uv", "sync", "--frozen"]
        assert words[words.index("--package") + 1] == "${SERVICE}"
        assert "--no-dev" in words
    runtime = final_stage(steps)
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert ("EXPOSE", "${PORT}") in runtime
    assert ("ENTRYPOINT", '["meridian-service"]') in runtime
    assert not [rest for keyword, rest in runtime if keyword == "CMD"], "the port is the service's"
    # The runtime stage copies the built environment and the entrypoint, never build tools or sources.
    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    assert copies == [
        "--from=build /app/.venv /app/.venv",
        "deploy/images/service_entrypoint.py /usr/local/bin/meridian-service",
    ]
    assert os.access(REPO_ROOT / "deploy" / "images" / "service_entrypoint.py", os.X_OK)


def test_one_dockerfile_for_the_six_services() -> None:
    """No per-service near-copies; images.sh builds each service from the shared one."""
    assert not list(REPO_ROOT.glob("services/*/Dockerfile"))
    rows = re.findall(r'^  "([a-z-]+) ([a-z-]+) (\d+)"$', IMAGES_SCRIPT.read_text(), re.M)
    assert {d: (s, int(p)) for d, s, p in rows} == {
        d: (script, port) for d, (_, script, port) in SERVICES.items()
    }
    for directory, (package, _, _) in SERVICES.items():
        assert directory == package, "SERVICE is both the directory and the uv package"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_console_script_exists_in_the_package(service: str) -> None:
    _, script, _ = SERVICES[service]
    project = tomllib.loads((REPO_ROOT / "services" / service / "pyproject.toml").read_text())
    assert script in project["project"]["scripts"]


def test_gateway_dockerfile_renders_from_the_routes_table() -> None:
    steps = instructions(REPO_ROOT / "gateway" / "Dockerfile")
    runs = " ".join(rest for keyword, rest in steps if keyword == "RUN")
    assert "gateway/render.py --render-only --vars-file gateway.json" in runs
    runtime = final_stage(steps)
    assert ("EXPOSE", "8443 8080") in runtime
    # The console is built by its own build, into the folder the rendered config serves.
    assert ("RUN", "npm run build") in steps
    assert (
        "COPY",
        "--from=dashboard /repo/.local/console/ /usr/share/meridian/dashboard/",
    ) in runtime
    variables = json.loads((REPO_ROOT / "deploy" / "docker" / "gateway.json").read_text())
    assert variables["dashboard_root"] == "/usr/share/meridian/dashboard"


def build_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The instructions of the stage named build."""
    begin = next(
        i for i, step in enumerate(steps) if step[0] == "FROM" and step[1].endswith(" AS build")
    )
    end = next(i for i in range(begin + 1, len(steps)) if steps[i][0] == "FROM")
    return steps[begin + 1 : end]


def copy_manifests(context: Path) -> None:
    """What the manifests stage leaves: the workspace's pyproject.toml files and uv.lock."""
    shutil.copy(REPO_ROOT / "pyproject.toml", context)
    shutil.copy(REPO_ROOT / "uv.lock", context)
    for manifest in [
        *REPO_ROOT.glob("libs/*/pyproject.toml"),
        *REPO_ROOT.glob("services/*/pyproject.toml"),
    ]:
        target = context / manifest.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, target)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_install_steps_build_a_working_environment(
    service: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Replays the build stage's COPY and uv sync steps (without an engine: `make test-containers`
    builds for real) on a copy of the workspace as the build context has it, with the service as
    SERVICE, then starts the console script with --help."""
    _, script, _ = SERVICES[service]
    context = tmp_path_factory.mktemp(f"context-{service}")
    venv = context.parent / f"venv-{service}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    synced = 0
    for keyword, rest in build_stage(instructions(SERVICES_DOCKERFILE)):
        if keyword == "COPY" and rest.startswith("--from=manifests"):
            copy_manifests(context)
        elif keyword == "COPY" and rest in ("libs libs", "services services"):
            name = rest.split()[0]
            shutil.copytree(
                REPO_ROOT / name, context / name, ignore=CONTEXT_IGNORE, dirs_exist_ok=True
            )
        elif keyword == "RUN" and "uv sync" in rest:
            words = shlex.split(rest[rest.index("uv sync") :].replace("${SERVICE}", service))
            result = subprocess.run(
                [shutil.which("uv") or "uv", *words[1:]],
                cwd=context,
                env=env,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, f"{shlex.join(words)}: {result.stderr[-3000:]}"
            synced += 1
    assert synced == 2, "expected a dependencies-only sync, then the full one"
    entry = venv / "bin" / script
    assert entry.is_file()
    help_text = subprocess.run(
        [str(entry), "--help"], capture_output=True, text=True, env=env, cwd=context
    )
    assert help_text.returncode == 0, help_text.stderr
    assert "--host" in help_text.stdout and "--port" in help_text.stdout
