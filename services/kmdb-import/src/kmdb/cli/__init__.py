"""Console scripts: kmdb-api (HTTP), kmdb-flush, kmdb-partition, kmdb-import, kmdb-work, kmdb-generate."""

from __future__ import annotations

from kmdb.cli.api import main

__all__ = ["main"]
