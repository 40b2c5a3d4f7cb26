"""The `config-leader` console script."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from config_leader.leader_config.loading import ConfigError, load_config
from config_leader.operators.config import OperatorsConfigError, operators_config
from config_leader.settings import Settings
from config_leader.settings_store.platform_file import PlatformError, load_document


def main() -> None:
    """Starts the configuration leader under uvicorn (http.ip/port of the config as defaults)."""
    parser = server_arguments("config-leader", "Platform configuration leader.", default_port=8105)
    parser.add_argument("--config", help="path of config-leader.json (env CONFIG_LEADER_CONFIG)")
    parser.set_defaults(host=None, port=None)
    args = parser.parse_args()
    if args.config:
        os.environ["CONFIG_LEADER_CONFIG"] = os.path.abspath(args.config)
    settings = load_settings("config-leader", Settings)
    try:
        config = load_config(Path(settings.config))  # generates pending secrets once, up front
        load_document(config.platform_path)
        operators_config(config.model_extra, Path(settings.config))
    except (ConfigError, PlatformError, OperatorsConfigError) as exc:
        print(f"config-leader: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    args.host = args.host or os.environ.get("HOST") or config.http.ip or "127.0.0.1"
    args.port = args.port or int(os.environ.get("PORT") or config.http.port or 8105)
    serve("config_leader.app:create_app", "config-leader", args)
