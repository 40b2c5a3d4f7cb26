"""The `config-leader` console script."""

from __future__ import annotations

import os

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from config_leader.settings import Settings


def main() -> None:
    """Starts the configuration leader under uvicorn."""
    parser = server_arguments("config-leader", "Platform configuration leader.", default_port=8105)
    parser.add_argument("--config", help="path of config-leader.json (env CONFIG_LEADER_CONFIG)")
    args = parser.parse_args()
    if args.config:
        os.environ["CONFIG_LEADER_CONFIG"] = os.path.abspath(args.config)
    load_settings("config-leader", Settings)
    serve("config_leader.app:create_app", "config-leader", args)
