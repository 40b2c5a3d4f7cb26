"""The `metrics-api` console script."""

from __future__ import annotations

import os

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from metrics_api.settings import CONFIG_ENV, Settings, settings_values


def main() -> None:
    """Starts metrics-api under uvicorn; --config names a metrics_server JSON config file."""
    parser = server_arguments("metrics-api", "Metric time series API.", default_port=8104)
    parser.add_argument("--config", help="metrics_server JSON config file")
    parser.set_defaults(host=None, port=None)
    args = parser.parse_args()
    if args.config:
        os.environ[CONFIG_ENV] = os.path.abspath(args.config)
    settings = load_settings("metrics-api", Settings, **settings_values())
    args.host = args.host or settings.host
    args.port = args.port or settings.port
    serve("metrics_api.app:create_app", "metrics-api", args, debug=settings.debug)
