"""The `analytics` console script."""

from __future__ import annotations

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from analytics.settings import Settings


def main() -> None:
    """Starts the analytics HTTP server under uvicorn (WS_HOST / WS_PORT, as the original)."""
    parser = server_arguments(
        "analytics", "Message logging and analytics API.", default_port=8102, env_prefix="WS_"
    )
    args = parser.parse_args()
    load_settings("analytics", Settings)
    serve("analytics.app:create_app", "analytics", args)
