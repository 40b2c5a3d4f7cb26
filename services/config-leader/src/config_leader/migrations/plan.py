"""Which migrations take platform.yml to the template's version, and what they change.

The platform's version is its `TEMPLATE_VERSION` variable (flat or in any group); the target is
the same variable in the platform template (`platformSettings.platformTemplate` of
config-leader.json, as in the original). The template also lists the steps:

```yaml
vars: {...}                 # this release's variables with their defaults (flat or grouped)
migrations:
  - versionsFrom: [1.0.0, 1.0.1]
    versionTo: 1.1.0
    rename: {OLD_NAME: NEW_NAME}   # the value moves to the new name
    remove: [UNUSED]
    set: {SOME_VAR: value}         # added or overwritten
```

Steps are chained in their order from the platform's version; each sets TEMPLATE_VERSION to its
`versionTo`. Reaching the target adds every template variable platform.yml lacks, with the
template's value, in the template's group; a renamed variable keeps its group. Once applied the platform is at the target, so a
second apply finds nothing to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from meridian_kit.errors import Conflict
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config_leader.settings_store.platform_file import is_group

VERSION_VARIABLE = "TEMPLATE_VERSION"
_VERSION = re.compile(r"^\d+(\.\d+)*$")


class MigrationStep(BaseModel):
    """One step of the template's `migrations` list."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    versions_from: list[str] = Field(alias="versionsFrom", min_length=1)
    version_to: str = Field(alias="versionTo")
    rename: dict[str, str] = {}
    remove: list[str] = []
    set: dict[str, Any] = {}

    def summary(self) -> dict[str, Any]:
        """The original's answer for a migration: `{versionsFrom, versionTo}`."""
        return {"versionsFrom": self.versions_from, "versionTo": self.version_to}


class TemplateFile(BaseModel):
    """The platform template: its variables and its migration steps."""

    model_config = ConfigDict(extra="allow")

    vars: dict[str, Any]
    migrations: list[MigrationStep] = []


class MigrationsUnavailable(Conflict):
    """Migrations cannot be planned (no template, no version, no path to the target)."""


def version_key(version: str) -> tuple[int, ...]:
    """A dotted version as numbers, for ordering (`1.10.0` after `1.9.0`)."""
    if not _VERSION.match(version):
        raise MigrationsUnavailable(f"not a dotted version: {version!r}")
    return tuple(int(part) for part in version.split("."))


@dataclass
class Template:
    """The template's variables (flat, with their groups) and steps."""

    values: dict[str, Any]
    groups: dict[str, str]
    steps: list[MigrationStep] = field(default_factory=list)

    @property
    def version(self) -> str:
        """The version this template brings the platform to."""
        version = self.values.get(VERSION_VARIABLE)
        if version is None:
            raise MigrationsUnavailable(f"the platform template has no {VERSION_VARIABLE}")
        return str(version)


def load_template(path: Path | None) -> Template:
    """Reads the platform template; 409 naming the setting when there is none."""
    if path is None:
        raise MigrationsUnavailable(
            "migrations need a platform template: set platformSettings.platformTemplate "
            "in config-leader.json"
        )
    try:
        parsed = TemplateFile.model_validate(yaml.safe_load(path.read_text()) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise MigrationsUnavailable(f"platform template {path}: {exc}") from None
    values, groups = _flat(parsed.vars)
    return Template(values, groups, parsed.migrations)


def _flat(variables: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template's variables by name (a setting's `value`), and the group of each grouped one."""
    values: dict[str, Any] = {}
    groups: dict[str, str] = {}
    for key, entry in variables.items():
        if not is_group(entry):
            values[str(key)] = entry
            continue
        for name, setting in entry["settings"].items():
            has_value = isinstance(setting, dict) and "value" in setting
            values[str(name)] = setting["value"] if has_value else setting
            groups[str(name)] = str(key)
    return values, groups


def pending(platform: Mapping[str, Any], template: Template) -> list[MigrationStep]:
    """The steps from the platform's version to the template's, in order ([] when there)."""
    current = platform.get(VERSION_VARIABLE)
    if current is None:
        raise MigrationsUnavailable(f"platform.yml has no {VERSION_VARIABLE}")
    current, target = str(current), template.version
    if version_key(current) >= version_key(target):
        return []
    chain: list[MigrationStep] = []
    for step in template.steps:
        if version_key(step.version_to) > version_key(target):
            break
        if current in step.versions_from:
            chain.append(step)
            current = step.version_to
    if current != target:
        raise MigrationsUnavailable(
            f"no migration path from {platform.get(VERSION_VARIABLE)} to {target} "
            f"(stopped at {current})"
        )
    return chain


def migrated(
    platform: Mapping[str, Any],
    template: Template,
    steps: list[MigrationStep],
    platform_groups: Mapping[str, str],
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The variables after the steps: values to set, names to remove, groups of new names (a
    renamed variable stays in its group; a template variable goes to the template's)."""
    values = dict(platform)
    groups = dict(template.groups)
    for step in steps:
        for old, new in step.rename.items():
            if old in values:
                values[new] = values.pop(old)
                if old in platform_groups:
                    groups[new] = platform_groups[old]
        for name in step.remove:
            values.pop(name, None)
        values.update(step.set)
        values[VERSION_VARIABLE] = step.version_to
    if steps:
        for name, value in template.values.items():
            values.setdefault(name, value)
    changes = {k: v for k, v in values.items() if k not in platform or platform[k] != v}
    removed = [name for name in platform if name not in values]
    new_groups = {name: groups[name] for name in changes if name not in platform and name in groups}
    return changes, removed, new_groups
