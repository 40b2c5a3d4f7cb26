"""Loading a service's settings: one clear line naming everything missing or invalid."""

from __future__ import annotations

import sys
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

S = TypeVar("S", bound=BaseSettings)


def describe_errors(service: str, error: ValidationError, cls: type[BaseSettings]) -> str:
    """Turns a settings validation error into one line naming every missing or bad variable."""
    prefix = cls.model_config.get("env_prefix", "") or ""
    missing: list[str] = []
    invalid: list[str] = []
    for err in error.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info is not None else None
        name = alias if isinstance(alias, str) else (prefix + field).upper()
        if err["type"] == "missing":
            missing.append(name)
        else:
            invalid.append(f"{name} ({err['msg']})")
    parts = []
    if missing:
        parts.append("missing required settings: " + ", ".join(missing))
    if invalid:
        parts.append("invalid settings: " + "; ".join(invalid))
    return f"{service}: " + "; ".join(parts)


def load_settings(service: str, cls: type[S], **values: Any) -> S:
    """Builds the settings or stops the process with one line naming every problem."""
    try:
        return cls(**values)
    except ValidationError as error:
        print(describe_errors(service, error, cls), file=sys.stderr)
        raise SystemExit(2) from None
