"""The `config-follower` console script."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from config_follower.follower_config import ConfigError, load_config
from config_follower.settings import Settings


def main() -> None:
    """Starts the configuration follower under uvicorn (http.ip/port of the config as defaults)."""
    parser = server_arguments(
        "config-follower", "Platform configuration follower.", default_port=8106
    )
    parser.add_argument(
        "--config", help="path of config-follower.json (env CONFIG_FOLLOWER_CONFIG)"
    )
    parser.set_defaults(host=None, port=None)
    args = parser.parse_args()
    if args.config:
        os.environ["CONFIG_FOLLOWER_CONFIG"] = os.path.abspath(args.config)
    settings = load_settings("config-follower", Settings)
    try:
        config = load_config(Path(settings.config))
    except ConfigError as exc:
        print(f"config-follower: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    args.host = args.host or os.environ.get("HOST") or config.http.ip or "127.0.0.1"
    args.port = args.port or int(os.environ.get("PORT") or config.http.port or 8106)
    serve("config_follower.app:create_app", "config-follower", args)
