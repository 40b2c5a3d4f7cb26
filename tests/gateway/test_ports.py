"""One source for each port: gateway/routes.toml. Programs read it (render.py's local_ports());
where a literal must stay (docs, compose files, a service's own default, shell tables), every
literal of a service's port must be that service's port in routes.toml."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "gateway"))
from render import local_ports  # noqa: E402  (gateway/ is not a package)

# How files name a service near its port: its name, a short name, its gateway prefix, its port variable.
ALIASES = {
    "config-follower": ["config-follower", "follower"],
    "config-leader": ["config-leader", "leader", "/config"],
    "kmdb-import": ["kmdb"],
    "metrics-api": ["metrics", "METRICS_SERVER_PORT"],
    "analytics": ["analytics", "WS_PORT"],
    "ingest": ["ingest"],
}
# Ports in the services' range that stand for no service, on purpose.
NOT_A_SERVICE = {
    ("services/metrics-api/tests/schema/test_schema_and_settings.py", 8111),  # a port a test sets
    ("tests/containers/test_entrypoint.py", 8100),  # an image's port in an entrypoint test
}
WINDOW = 20  # lines above a port where its service is named (a compose service's block)
PORT = re.compile(r"(?<![\d.])81\d\d(?![\d])")
RANGE = re.compile(r"(?<![\d.])(81\d\d)\s*(?:\u2013|-|\u2026|\.\.\.?)\s*(81\d\d)(?!\d)")
NAME = re.compile("|".join(re.escape(a) for names in ALIASES.values() for a in names), re.I)
OWNER = {alias.lower(): service for service, names in ALIASES.items() for alias in names}


def service_of_port() -> dict[int, str]:
    """Each service's port (its first instance's) -> the service, from routes.toml."""
    return {port: service for service, port in local_ports().items()}


def tracked_text_files() -> list[Path]:
    """The repository's files (no lock files, no vendored code)."""
    names = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        REPO_ROOT / name
        for name in names
        if not name.endswith(("lock", "lock.json", ".png", ".ico"))
        and "node_modules" not in name
        and name != "tests/gateway/test_ports.py"  # its own examples
    ]


def misplaced_in(where: str, lines: list[str], owners: dict[int, str]) -> list[str]:
    """Each port in the services' range (81xx) in `lines` that is no service's, or that is not its
    service's: the nearest name before it on its line, else a name in the WINDOW lines above."""
    wrong = []
    for number, line in enumerate(lines):
        # a range of the services' ports (8101-8106, with an en dash or an ellipsis too) names them all
        ranges = [
            m.span() for m in RANGE.finditer(line) if {int(p) for p in m.groups()} <= set(owners)
        ]
        for match in PORT.finditer(line):
            if any(start <= match.start() < end for start, end in ranges):
                continue
            port = int(match.group())
            if port not in owners:
                if (where, port) not in NOT_A_SERVICE:
                    wrong.append(f"{where}:{number + 1}: {port} is no service's port")
                continue
            before = NAME.findall(line[: match.start()])
            if before:  # the nearest name before it on its line
                named = {OWNER[before[-1].lower()]}
            else:
                near = [*lines[max(0, number - WINDOW) : number], line]
                named = {OWNER[n.lower()] for text in near for n in NAME.findall(text)}
            if owners[port] not in named:
                wrong.append(f"{where}:{number + 1}: {port} is {owners[port]}'s: {line.strip()}")
    return wrong


def misplaced_ports() -> list[str]:
    """misplaced_in() over every tracked text file."""
    owners, wrong = service_of_port(), []
    for path in tracked_text_files():
        try:
            lines = path.read_text().splitlines()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        wrong += misplaced_in(path.relative_to(REPO_ROOT).as_posix(), lines, owners)
    return wrong


def test_every_literal_port_is_its_services_port_in_routes_toml() -> None:
    assert misplaced_ports() == []


def test_the_services_default_ports_are_routes_toml_ports() -> None:
    """Each service's own default (it runs without the repository: no routes.toml to read)."""
    ports = local_ports()
    defaults = {
        "ingest": "services/ingest/src/ingest/cli.py",
        "analytics": "services/analytics/src/analytics/cli.py",
        "kmdb-import": "services/kmdb-import/src/kmdb/cli/api.py",
        "metrics-api": "services/metrics-api/src/metrics_api/cli.py",
        "config-leader": "services/config-leader/src/config_leader/cli.py",
        "config-follower": "services/config-follower/src/config_follower/cli.py",
    }
    for service, path in defaults.items():
        found = re.findall(r"default_port=(\d+)", (REPO_ROOT / path).read_text())
        assert found == [str(ports[service])], f"{path}: default_port {found}"


def test_a_port_out_of_place_is_caught() -> None:
    """The scan can fail: a port in another service's place, or a port no service has."""
    owners = service_of_port()
    ingest, metrics = local_ports()["ingest"], local_ports()["metrics-api"]
    lines = [
        "ingest:",
        f"  INGEST_METRICS_API_URL: http://metrics-api:{metrics}",  # right
        f'  command: ["--port", "{ingest}"]',  # right: ingest named above
        f"  METRICS_SERVER_PORT={ingest}",  # wrong service on its line
        "  PORT=8199",  # no service's
        f"  kmdb and the others: {ingest}\u2013{metrics}",  # a range names them all
    ]
    assert misplaced_in("x.yml", lines, owners) == [
        f"x.yml:4: {ingest} is ingest's: METRICS_SERVER_PORT={ingest}",
        "x.yml:5: 8199 is no service's port",
    ]
