"""The permission groups the other services check (fleet, analytics, imports): held in full by the
first operator, shown when granted, stored explicitly, and granted to a row written before they
existed only when it holds every original permission."""

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
OURS_EVERY = {"fleet": ["act", "update"], "analytics": ["update"], "imports": ["update"]}


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
    assert every_permission().beyond(reader)[-1] == "imports:update"


def test_a_row_from_before_the_groups_keeps_every_permission_or_gets_none(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    write_row(tmp_path / "ops.db", "first", ORIGINAL_EVERY)
    write_row(tmp_path / "ops.db", "reader", {**ORIGINAL_EVERY, "users": ["read"]})
    first, reader = store.get("first"), store.get("reader")
    assert first is not None
    assert first.permissions.as_json() == every_permission().as_json()
    assert reader is not None
    assert not any(
        reader.permissions.allows(g, "update") for g in ("fleet", "analytics", "imports")
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
