"""Loading config-leader.json; internals set to "SECRET" get a random secret, saved once."""

from __future__ import annotations

import json
import logging
import secrets
import string
from pathlib import Path
from typing import Any

from meridian_kit.files import folder_lock, write_atomically
from meridian_kit.json_config import read_json_object, validate_config

from config_leader.leader_config.model import LeaderConfig

log = logging.getLogger("config_leader.config")

SECRET_PLACEHOLDER = "SECRET"
SECRET_ALPHABET = string.digits + string.ascii_lowercase
SECRET_LENGTH = 32


class ConfigError(Exception):
    """config-leader.json is missing, unreadable or invalid; the message names the problem."""


def new_secret() -> str:
    """A cryptographically random 32-character [0-9a-z] secret."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def _read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path, ConfigError)


def generate_secrets(path: Path) -> list[str]:
    """Replaces every "SECRET" internal by a new secret in the file; returns the names filled."""
    with folder_lock(path.parent):
        raw = _read_json(path)
        internals = raw.get("internals")
        if not isinstance(internals, dict):
            return []
        filled = [name for name, value in internals.items() if value == SECRET_PLACEHOLDER]
        if filled:
            for name in filled:
                internals[name] = new_secret()
            write_atomically(path, (json.dumps(raw, indent=2) + "\n").encode())
            log.info("generated secrets for internals", extra={"internals": filled})
        return filled


def _where(loc: tuple[int | str, ...]) -> str:
    """A field's dotted path, with follower keys (secrets) masked."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] == "followers":
        parts[1] = "<key>"
    return ".".join(parts) or "config"


def load_config(path: Path) -> LeaderConfig:
    """Reads config-leader.json (generating pending secrets first) with absolute paths."""
    generate_secrets(path)
    raw = _read_json(path)
    config = validate_config(path, raw, LeaderConfig, error=ConfigError, where=_where)
    return config.resolve_paths(path)
