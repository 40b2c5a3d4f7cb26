"""Rendering roles: variables resolved once per version, each role's files cached by stamp."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meridian_kit.errors import NotFound, ServiceError

from config_leader.rendering.substitution import resolve_variables
from config_leader.rendering.templates import (
    LinkOutside,
    RenderedFile,
    list_templates,
    render_templates,
)


class RenderFailed(ServiceError):
    """Templates that do not render with the current variables (cycles, unparsable files)."""

    status_code = 500


def role_not_found(role: str) -> NotFound:
    """The seed's message for a role without a folder."""
    return NotFound(f"Configuration folder not found for '{role}'", detail={"role": role})


def list_roles(data_folder: Path) -> list[str]:
    """The role folders under dataFolder."""
    if not data_folder.is_dir():
        return []
    return sorted(
        p.name for p in data_folder.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def variables_key(variables: Mapping[str, Any]) -> str:
    """A digest identifying one set of variables."""
    encoded = json.dumps(variables, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def check_all_roles(*, data_folder: Path, variables: Mapping[str, Any]) -> list[str]:
    """Renders every role with these variables; returns every error (cycles, files, links)."""
    resolved, errors = resolve_variables(variables)
    for role in list_roles(data_folder):
        errors.extend(render_templates(data_folder, role, resolved)[1])
    return errors


@dataclass
class RoleRenderer:
    """Renders a role for GET /conf, reusing the last result while nothing changed."""

    data_folder: Path
    _resolved: tuple[str, dict[str, Any], list[str]] | None = None
    _cache: dict[str, tuple[tuple[object, ...], list[RenderedFile]]] = field(default_factory=dict)
    _bodies: dict[str, tuple[int, int, bytes]] = field(default_factory=dict)

    def _resolve(self, variables: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
        key = variables_key(variables)
        if self._resolved is None or self._resolved[0] != key:
            resolved, errors = resolve_variables(variables)
            self._resolved = (key, resolved, errors)
        return self._resolved

    def render(self, role: str, variables: Mapping[str, Any]) -> list[RenderedFile]:
        """The role's rendered files; raises NotFound without a folder, RenderFailed on errors."""
        if not (self.data_folder / role).is_dir():
            raise role_not_found(role)
        key, resolved, cycle_errors = self._resolve(variables)
        if cycle_errors:
            raise RenderFailed(f"rendering failed for role '{role}'", detail=cycle_errors)
        try:
            stamps = tuple((t.path, t.stamp) for t in list_templates(self.data_folder, role))
        except LinkOutside as exc:
            raise RenderFailed(f"rendering failed for role '{role}'", detail=[str(exc)]) from None
        cache_key = (key, stamps)
        cached = self._cache.get(role)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        files, errors = render_templates(self.data_folder, role, resolved)
        if errors:
            raise RenderFailed(f"rendering failed for role '{role}'", detail=errors)
        self._cache[role] = (cache_key, files)
        return files

    def conf_body(self, role: str, variables: Mapping[str, Any], revision: int) -> bytes:
        """The GET /conf answer as JSON bytes, encoded once per rendering and revision."""
        files = self.render(role, variables)
        cached = self._bodies.get(role)
        if cached is not None and cached[0] == id(files) and cached[1] == revision:
            return cached[2]
        body = {"files": [f.as_json() for f in files], "role": role, "revision": revision}
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._bodies[role] = (id(files), revision, encoded)
        return encoded
