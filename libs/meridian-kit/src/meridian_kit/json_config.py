"""Loading a JSON config file into a pydantic model, with errors that name the file and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A config file is missing, unreadable or invalid; the message names the problem."""


def dotted(loc: tuple[int | str, ...]) -> str:
    """A field's dotted path in the config ("config" for the whole document)."""
    return ".".join(str(p) for p in loc) or "config"


def read_json_object(path: Path, error: type[Exception] = ConfigError) -> dict[str, Any]:
    """The JSON object in `path`; raises `error` naming the file when it is missing or not one."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise error(f"{path}: {exc}") from None
    if not isinstance(raw, dict):
        raise error(f"{path}: must hold a JSON object")
    return raw


def validate_config(
    path: Path,
    raw: Any,
    model: type[M],
    *,
    error: type[Exception] = ConfigError,
    where: Callable[[tuple[int | str, ...]], str] = dotted,
) -> M:
    """`raw` validated as `model`; raises `error` listing every problem as `field: message`."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{where(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise error(f"{path}: {problems}") from None


def http_url(url: str) -> str:
    """A pydantic validator body: an http(s) URL, without its trailing slashes."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return url.rstrip("/")
