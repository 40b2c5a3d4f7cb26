"""How many processes of each service and worker `make up` runs, and on which ports.

Counts come from the environment (`make up INGEST_INSTANCES=2 KMDB_IMPORT_INSTANCES=3`): a service's
`<SERVICE>_INSTANCES` (upper case, `-` as `_`), 1 when unset. Instance k of a routed service listens
on its routes.toml port + (k - 1) x instance_port_step (gateway/render.py's rule, which renders the
same addresses into the gateway's upstream blocks). A worker runs `<WORKER>_INSTANCES` processes,
by default as many as its service has instances. Instance 1 keeps the plain name (`ingest`), the
others are `<name>-<k>` (`ingest-2`).

    instances.py ports SERVICE...                `service program port prefix` lines, one per instance
                                                 (prefix: the gateway's, empty when unrouted)
    instances.py workers WORKER:SERVICE...       `worker program` lines, one per process
    instances.py counts                          `service count` lines of the routed services
    instances.py urls SERVICE                    the base URLs of a service's instances, space-separated
                                                 (e.g. INGEST_METRICS_API_URL="$(instances.py urls metrics-api)")
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gateway"))
from render import (  # noqa: E402  (gateway/ is not a package)
    MAX_INSTANCES,
    ROUTES_FILE,
    GatewayConfigError,
    Route,
    instance_count,
    load_routes,
    read_routes_table,
)

# Services the gateway does not route, with their port: one per machine (routes.toml's [unrouted_ports]).
UNROUTED_PORTS = read_routes_table(ROUTES_FILE).unrouted_ports
# Processes that must run once: the follower applies this machine's files, Celery beat schedules
# each run once.
SINGLETONS = {"config-follower", "analytics-scheduler"}


def variable(name: str) -> str:
    """The environment variable holding a service's or worker's instance count."""
    return name.upper().replace("-", "_") + "_INSTANCES"


def count_of(name: str, environ: Mapping[str, str], default: int = 1) -> int:
    """The instance count asked for `name`, checked (1..MAX_INSTANCES; singletons only 1)."""
    value = environ.get(variable(name)) or str(default)
    try:
        count = instance_count(name, value)
    except GatewayConfigError:
        raise SystemExit(
            f"{variable(name)}={value!r}: give a whole number from 1 to {MAX_INSTANCES}"
        ) from None
    if name in SINGLETONS and count != 1:
        raise SystemExit(f"{variable(name)}={value}: {name} runs once per machine")
    return count


def program_names(name: str, count: int) -> list[str]:
    """Supervisor program names of `count` instances: `name`, `name-2`, `name-3` ..."""
    return [name if k == 1 else f"{name}-{k}" for k in range(1, count + 1)]


def routes() -> dict[str, Route]:
    """The routed services by name, from gateway/routes.toml."""
    loaded, _ = load_routes(ROUTES_FILE)
    return {route.service: route for route in loaded}


def service_ports(
    service: str, environ: Mapping[str, str], routed: Mapping[str, Route] | None = None
) -> list[tuple[str, int]]:
    """(program name, port) of each instance of a service."""
    route = (routes() if routed is None else routed).get(service)
    if route is None:
        if service not in UNROUTED_PORTS:
            raise SystemExit(f"{service}: neither in gateway/routes.toml nor an unrouted service")
        count_of(service, environ)
        return [(service, UNROUTED_PORTS[service])]
    count = count_of(service, environ)
    return list(zip(program_names(service, count), route.instance_ports(count), strict=True))


def worker_names(worker: str, service: str, environ: Mapping[str, str]) -> list[str]:
    """Program names of a worker's processes (as many as its service's instances by default)."""
    default = 1 if worker in SINGLETONS else count_of(service, environ)
    return program_names(worker, count_of(worker, environ, default))


def service_counts(environ: Mapping[str, str]) -> dict[str, int]:
    """Each routed service's instance count (what render.py's --instances takes)."""
    return {service: count_of(service, environ) for service in routes()}


def main(argv: list[str]) -> int:
    """The command line of the module docstring."""
    routed = routes()
    match argv:
        case ["ports", *services] if services:
            lines = [
                f"{service} {name} {port} {routed[service].prefix_path if service in routed else ''}"
                for service in services
                for name, port in service_ports(service, os.environ, routed)
            ]
        case ["workers", *pairs] if pairs and all(":" in pair for pair in pairs):
            lines = [
                f"{worker} {name}"
                for worker, _, service in (pair.partition(":") for pair in pairs)
                for name in worker_names(worker, service, os.environ)
            ]
        case ["counts"]:
            lines = [f"{name} {count}" for name, count in service_counts(os.environ).items()]
        case ["urls", service]:
            ports = service_ports(service, os.environ, routed)
            lines = [" ".join(f"http://127.0.0.1:{port}" for _, port in ports)]
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
