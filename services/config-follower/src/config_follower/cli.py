"""The `config-follower` console script."""

from __future__ import annotations

import os

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from config_follower.settings import Settings


def main() -> None:
    """Starts the configuration leader under uvicorn."""
    parser = server_arguments(
        "config-follower", "Platform configuration follower.", default_port=8106
    )
    parser.add_argument(
        "--config", help="path of config-follower.json (env CONFIG_FOLLOWER_CONFIG)"
    )
    args = parser.parse_args()
    if args.config:
        os.environ["CONFIG_FOLLOWER_CONFIG"] = os.path.abspath(args.config)
    load_settings("config-follower", Settings)
    serve("config_follower.app:create_app", "config-follower", args)
