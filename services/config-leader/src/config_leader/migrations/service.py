"""Listing and applying settings migrations against the settings store (no HTTP here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config_leader.migrations.plan import (
    MigrationStep,
    load_template,
    migrated,
    pending,
)
from config_leader.settings_store.service import Edit, SettingsStore


def template_path(extra: dict[str, Any] | None, config_file: Path) -> Path | None:
    """`platformSettings.platformTemplate` (the original's key) or `platformTemplate`,
    relative to config-leader.json's folder; None when neither is set."""
    extra = extra or {}
    nested = extra.get("platformSettings")
    value = nested.get("platformTemplate") if isinstance(nested, dict) else None
    value = value or extra.get("platformTemplate")
    return (config_file.parent / value).resolve() if isinstance(value, str) and value else None


def groups_of(store: SettingsStore) -> dict[str, str]:
    """The group each grouped variable of platform.yml is in."""
    grouped = store.snapshot().groups or {}
    return {
        str(name): str(group)
        for group, entry in grouped.items()
        if isinstance(entry, dict) and isinstance(entry.get("settings"), dict)
        for name in entry["settings"]
    }


def list_migrations(store: SettingsStore, template_file: Path | None) -> dict[str, Any]:
    """The migrations apply would run now, with the platform's and the template's versions."""
    template = load_template(template_file)
    platform = store.snapshot().settings
    steps = pending(platform, template)
    return {
        "migrations": [step.summary() for step in steps],
        "platformVersion": str(platform.get("TEMPLATE_VERSION")),
        "targetVersion": template.version,
    }


def apply_migrations(store: SettingsStore, template_file: Path | None) -> dict[str, Any]:
    """Runs the pending migrations as one revision (nothing when none is pending)."""
    template = load_template(template_file)
    applied: list[MigrationStep] = []

    def plan(platform: dict[str, Any]) -> Edit:
        # planned under the store's lock, so two concurrent applies run the steps once
        applied[:] = pending(platform, template)
        changes, removals, groups = migrated(platform, template, applied, groups_of(store))
        path = " -> ".join(step.version_to for step in applied)
        return Edit(changes, removals, groups, action=f"migration to {template.version} ({path})")

    revision, snapshot = store.apply_edit(plan)
    return {
        "migrations": [step.summary() for step in applied],
        "revision": revision.revision if revision else None,
        "version": str(snapshot.settings.get("TEMPLATE_VERSION")),
    }
