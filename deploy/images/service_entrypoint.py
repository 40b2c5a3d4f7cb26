#!/usr/bin/env python3
"""Entrypoint of the service images (deploy/images/services.Dockerfile): `meridian-service`.

Starts the image's console script (MERIDIAN_COMMAND) with the arguments given. Without any, it
listens on all of the container's interfaces unless the service's own host variable says
otherwise, and never names a port: each service reads its port as the system it replaces does
(analytics WS_HOST/WS_PORT as the memex logger, metrics-api METRICS_SERVER_HOST/PORT as
metrics_server, HOST/PORT for the others), so one image layout serves all six.
`meridian-service --healthcheck` asks the service's /healthz on that same port.
"""

from __future__ import annotations

import os
import sys
import urllib.request

# service -> (host variable, port variable) its console script reads.
LISTEN_VARIABLES = {
    "analytics": ("WS_HOST", "WS_PORT"),
    "metrics-api": ("METRICS_SERVER_HOST", "METRICS_SERVER_PORT"),
}
DEFAULT_VARIABLES = ("HOST", "PORT")


def listen_variables(service: str) -> tuple[str, str]:
    """The host and port variables the service reads."""
    return LISTEN_VARIABLES.get(service, DEFAULT_VARIABLES)


def port(environ: dict[str, str]) -> int:
    """The port the service listens on: its port variable, else the image's default."""
    _, port_variable = listen_variables(environ["MERIDIAN_SERVICE"])
    return int(environ.get(port_variable) or environ["MERIDIAN_PORT"])


def command_line(environ: dict[str, str], arguments: list[str]) -> list[str]:
    """The console script and its arguments."""
    command = environ["MERIDIAN_COMMAND"]
    host_variable, _ = listen_variables(environ["MERIDIAN_SERVICE"])
    if not arguments and not environ.get(host_variable):
        arguments = ["--host", "0.0.0.0"]
    return [command, *arguments]


def healthcheck(environ: dict[str, str]) -> int:
    """0 when the service's /healthz answers 2xx."""
    url = f"http://127.0.0.1:{port(environ)}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return 0 if 200 <= answer.status < 300 else 1
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


def main() -> None:
    environ = dict(os.environ)
    if sys.argv[1:] == ["--healthcheck"]:
        raise SystemExit(healthcheck(environ))
    argv = command_line(environ, sys.argv[1:])
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
