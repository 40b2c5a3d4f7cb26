"""Flags shared by the console scripts; each defaults to its KMDB environment variable."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from meridian_kit.logs import configure_logging
from meridian_kit.settings import load_settings

from kmdb.settings import Settings

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="mysql:// or mysql2:// URL.",
        show_default=False,
    ),
]
RedisUrl = Annotated[
    str | None,
    typer.Option(
        "--redis-url", envvar="KMDB_REDIS_URL", help="Redis of the job queue.", show_default=False
    ),
]
Queue = Annotated[
    str, typer.Option("--queue", envvar="KMDB_QUEUE", help="Name of the job queue on Redis.")
]

Bucket = Annotated[str | None, typer.Option("--bucket", envvar="AWS_BUCKET", show_default=False)]


def settings_from(**values: Any) -> Settings:
    """Settings from the environment, overridden by the flags that were given."""
    given = {k: v for k, v in values.items() if v is not None}
    return load_settings("kmdb-import", Settings, **given)


def setup_logging(command: str, verbose: bool = False) -> None:
    """JSON log lines on stderr, as every other process of the suite writes (the kit's format),
    named after the command."""
    configure_logging(command, debug=verbose)


def fail(message: str, code: int = 2) -> None:
    """Stops with one clear line on stderr."""
    typer.echo(message, err=True)
    raise typer.Exit(code)
