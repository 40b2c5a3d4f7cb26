"""Serving a service under uvicorn from its console script."""

from __future__ import annotations

import argparse
import gc
import os
from typing import Any

import uvicorn

from meridian_kit.http_timeouts import TimeoutHttpToolsProtocol, keepalive_timeout
from meridian_kit.logs import configure_logging


def server_arguments(
    service: str, description: str, *, default_port: int, env_prefix: str = ""
) -> argparse.ArgumentParser:
    """The flags every service's console script takes: --host, --port, --root-path, --workers."""
    parser = argparse.ArgumentParser(prog=service, description=description)
    parser.add_argument("--host", default=os.environ.get(f"{env_prefix}HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get(f"{env_prefix}PORT", default_port))
    )
    parser.add_argument(
        "--root-path",
        default=os.environ.get("ROOT_PATH", ""),
        help="the path prefix the gateway mounts this service under (env ROOT_PATH), for OpenAPI links",
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 1)))
    return parser


# CPython's default first-generation threshold (700 allocations) makes a service that parses
# large JSON bodies run the cyclic collector thousands of times a second: a third of ingest's CPU
# under push load went to it. Request data is freed by reference counting anyway; cycles are
# still collected, only less often. GC_GEN0_THRESHOLD overrides it (0 keeps Python's default).
DEFAULT_GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Raises the collector's first threshold (GC_GEN0_THRESHOLD)."""
    threshold = int(os.environ.get("GC_GEN0_THRESHOLD", DEFAULT_GC_GEN0_THRESHOLD))
    if threshold > 0:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(threshold, gen1, gen2)


def server_options() -> dict[str, Any]:
    """The uvicorn options every service runs with: timeouts, proxy headers, no access log."""
    return {
        "http": TimeoutHttpToolsProtocol,
        "timeout_keep_alive": keepalive_timeout(),
        "proxy_headers": True,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "log_config": None,
        "access_log": False,
    }


def serve(factory: str, service: str, args: argparse.Namespace, *, debug: bool = False) -> None:
    """Runs the app factory ("package.app:create_app") under uvicorn with JSON logs."""
    configure_logging(service, debug=debug)
    tune_gc()
    uvicorn.run(
        factory,
        factory=True,
        host=args.host,
        port=args.port,
        root_path=args.root_path,
        workers=args.workers if args.workers > 1 else None,
        **server_options(),
    )
