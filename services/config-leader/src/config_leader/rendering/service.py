"""Rendering roles: variables resolved once per version, each role's files cached by stamp."""

from __future__ import annotations

import hashlib
import json
import logging
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

log = logging.getLogger("config_leader.rendering")


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


@dataclass
class RoleCheck:
    """What rendering every role gave: errors (not served) and warnings (served anyway)."""

    errors: list[str]
    warnings: list[str]

    def as_json(self) -> dict[str, list[str]]:
        """The `validation` part of GET /admin/settings."""
        return {"errors": self.errors, "warnings": self.warnings}


def check_all_roles(*, data_folder: Path, variables: Mapping[str, Any]) -> RoleCheck:
    """Renders every role with these variables: every error (cycles, files, links), warnings."""
    resolved, errors = resolve_variables(variables)
    warnings: list[str] = []
    for role in list_roles(data_folder):
        files, role_errors = render_templates(data_folder, role, resolved)
        errors.extend(role_errors)
        warnings.extend(f.warning for f in files if f.warning)
    return RoleCheck(errors, warnings)


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
        for file in files:
            if file.warning:
                log.warning("template served with a warning", extra={"warning": file.warning})
        self._cache[role] = (cache_key, files)
        return files

    def check(self, variables: Mapping[str, Any]) -> RoleCheck:
        """Every role's errors and warnings with these variables (renderings cached)."""
        check = RoleCheck([], [])
        for role in list_roles(self.data_folder):
            try:
                files = self.render(role, variables)
            except RenderFailed as exc:
                check.errors.extend(exc.detail if isinstance(exc.detail, list) else [exc.message])
                continue
            check.warnings.extend(f.warning for f in files if f.warning)
        return check

    def conf_body(
        self, role: str, variables: Mapping[str, Any], revision: int, *, base64_ok: bool
    ) -> bytes:
        """The GET /conf answer as JSON bytes, encoded once per rendering, revision and client.

        A follower that does not declare it decodes base64 (an original one writes `content`
        as text whatever `encoding` says) does not get the files that are not UTF-8: they are
        left out with a warning in the log, rather than written corrupted.
        """
        files = self.render(role, variables)
        cache_key = f"{role}\0{base64_ok}"
        cached = self._bodies.get(cache_key)
        if cached is not None and cached[0] == id(files) and cached[1] == revision:
            return cached[2]
        served = [f for f in files if base64_ok or f.encoding == "utf-8"]
        if len(served) < len(files):
            log.warning(
                "binary files left out for a follower that does not decode base64",
                extra={"role": role, "left_out": [f.path for f in files if f not in served]},
            )
        body = {"files": [f.as_json() for f in served], "role": role, "revision": revision}
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._bodies[cache_key] = (id(files), revision, encoded)
        return encoded
