"""Where operators are kept and how long their tokens last (config-leader.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# The original leader's SQLite file, inside its `databasePath` folder.
ORIGINAL_DATABASE_NAME = "config-user-management.db"
DEFAULT_TOKEN_TTL_SECONDS = 3600


class OperatorsConfig(BaseModel):
    """`operators: {database, tokenTtlSeconds}` of config-leader.json."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    database: Path | None = Field(
        None, description="SQLite file of operators (default: operators.db beside the config)"
    )
    token_ttl_seconds: int = Field(
        DEFAULT_TOKEN_TTL_SECONDS, ge=1, le=7 * 24 * 3600, alias="tokenTtlSeconds"
    )


class OperatorsConfigError(ValueError):
    """config-leader.json's operators section is not valid."""


def operators_config(extra: dict[str, Any] | None, config_file: Path) -> OperatorsConfig:
    """The operators section, its database path made absolute.

    The original's `databasePath` (a folder holding config-user-management.db) is honoured when
    `operators.database` is absent, so its users keep signing in.
    """
    extra = extra or {}
    try:
        config = OperatorsConfig.model_validate(extra.get("operators") or {})
    except ValidationError as exc:
        problems = "; ".join(
            ".".join(["operators", *(str(p) for p in e["loc"])]) + f": {e['msg']}"
            for e in exc.errors()
        )
        raise OperatorsConfigError(f"config-leader.json: {problems}") from None
    base = config_file.parent
    if config.database is not None:
        database = base / config.database
    elif isinstance(extra.get("databasePath"), str):
        database = base / extra["databasePath"] / ORIGINAL_DATABASE_NAME
    else:
        database = base / "operators.db"
    return config.model_copy(update={"database": database.resolve()})
