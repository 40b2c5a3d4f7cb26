"""The `kmdb-api` console script (KMDB's own `kmdb-import` is the import command)."""

from __future__ import annotations

from meridian_kit.server import serve, server_arguments
from meridian_kit.settings import load_settings

from kmdb.settings import Settings


def main() -> None:
    """Starts kmdb-import's HTTP API under uvicorn."""
    parser = server_arguments("kmdb-api", "KMDB import job control and queries.", default_port=8103)
    parser.epilog = (
        "Callers send `Authorization: Bearer $KMDB_API_TOKEN` (unset: the API answers 403);"
        " file:// imports only inside the folders of KMDB_API_FILE_SOURCES (colon-separated)."
    )
    args = parser.parse_args()
    load_settings("kmdb-import", Settings)
    serve("kmdb.app:create_app", "kmdb-import", args)
