"""Serving a service under uvicorn from its console script."""

from __future__ import annotations

import argparse
import os

import uvicorn

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


def serve(factory: str, service: str, args: argparse.Namespace, *, debug: bool = False) -> None:
    """Runs the app factory ("package.app:create_app") under uvicorn with JSON logs."""
    configure_logging(service, debug=debug)
    uvicorn.run(
        factory,
        factory=True,
        host=args.host,
        port=args.port,
        root_path=args.root_path,
        workers=args.workers if args.workers > 1 else None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        log_config=None,
        access_log=False,
    )
