"""The permission groups the other services check (fleet, analytics, imports, metrics): held in
full by the first operator, shown when granted, stored explicitly, and granted to a row written
before they existed only when it holds every original permission."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from config_leader.operators.permissions import Permissions, every_permission
from config_leader.operators.store import OperatorStore

ORIGINAL_EVERY = {
    "settings": ["notify", "read", "update"],
    "users": ["changePermissions", "create", "delete", "read", "resetPassword"],
    "platformUsers": ["delete", "modify", "read"],
}
OURS_EVERY = {
    "fleet": ["act", "update"],
    "analytics": ["update"],
    "imports": ["update"],
    "metrics": ["update"],
}


def write_row(path: Path, username: str, permissions: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO users(username, password, permissions) VALUES (?, ?, ?)",
            (username, "h", json.dumps(permissions)),
        )


def test_every_permission_holds_the_services_groups() -> None:
    assert every_permission().as_json() == {**ORIGINAL_EVERY, **OURS_EVERY}
    reader = Permissions.model_validate({"settings": ["read"], "imports": []})
    assert reader.as_json() == {"settings": ["read"], "users": [], "platformUsers": []}
    assert reader.beyond(every_permission()) == []
    assert every_permission().beyond(reader)[-2:] == ["imports:update", "metrics:update"]


def test_a_row_from_before_the_groups_keeps_every_permission_or_gets_none(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    write_row(tmp_path / "ops.db", "first", ORIGINAL_EVERY)
    write_row(tmp_path / "ops.db", "reader", {**ORIGINAL_EVERY, "users": ["read"]})
    first, reader = store.get("first"), store.get("reader")
    assert first is not None
    assert first.permissions.as_json() == every_permission().as_json()
    assert reader is not None
    assert not any(
        reader.permissions.allows(g, "update") for g in ("fleet", "analytics", "imports", "metrics")
    )


def test_a_group_taken_away_stays_away(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    no_fleet = Permissions.model_validate({**ORIGINAL_EVERY, **OURS_EVERY, "fleet": []})
    assert store.create("ops", "h", no_fleet)
    found = store.get("ops")
    assert found is not None and found.permissions.as_json() == no_fleet.as_json()
    assert "fleet" not in found.public()["permissions"]  # type: ignore[operator]
    assert store.set_permissions("ops", every_permission())
    again = store.get("ops")
    assert again is not None and again.permissions.allows("fleet", "act")


def test_a_row_from_before_metrics_gets_it_only_with_every_original_permission(
    tmp_path: Path,
) -> None:
    """metrics (metrics-api's writes) came after fleet/analytics/imports: a row the store wrote
    with those three explicitly but no metrics gets metrics:update when it holds every original
    permission (the first operator), not otherwise; the groups it stored are kept as stored."""
    store = OperatorStore(tmp_path / "ops.db")
    before = {"fleet": ["act", "update"], "analytics": ["update"], "imports": ["update"]}
    write_row(tmp_path / "ops.db", "first", {**ORIGINAL_EVERY, **before})
    write_row(tmp_path / "ops.db", "no-fleet", {**ORIGINAL_EVERY, **before, "fleet": []})
    write_row(tmp_path / "ops.db", "reader", {**ORIGINAL_EVERY, **before, "users": ["read"]})
    first, no_fleet, reader = store.get("first"), store.get("no-fleet"), store.get("reader")
    assert first is not None and first.permissions.as_json() == every_permission().as_json()
    assert no_fleet is not None and no_fleet.permissions.allows("metrics", "update")
    assert not no_fleet.permissions.allows("fleet", "update")
    assert reader is not None and not reader.permissions.allows("metrics", "update")
    assert reader.permissions.allows("imports", "update")
    assert "metrics" not in reader.public()["permissions"]  # type: ignore[operator]
    no_metrics = Permissions.model_validate({**ORIGINAL_EVERY, **before, "metrics": []})
    assert store.set_permissions("first", no_metrics)
    again = store.get("first")
    assert again is not None and not again.permissions.allows("metrics", "update")
