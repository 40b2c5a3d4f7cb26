"""The `ingest` console script."""

from __future__ import annotations

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from ingest.settings import Settings


def main() -> None:
    """Starts the ingest HTTP and WebSocket server under uvicorn."""
    parser = server_arguments(
        "ingest", "Keymetrics-compatible ingestion for PM2 agents.", default_port=8101
    )
    args = parser.parse_args()
    load_settings("ingest", Settings)
    serve("ingest.app:create_app", "ingest", args)
