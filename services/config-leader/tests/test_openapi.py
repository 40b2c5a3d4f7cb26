"""Every route of config-leader declares the JSON shape of its success answer in OpenAPI."""

from __future__ import annotations

from pathlib import Path

from config_leader.app import create_app
from config_leader.settings import Settings


def test_every_route_declares_its_success_body(tmp_path: Path) -> None:
    settings = Settings.model_validate({"CONFIG_LEADER_CONFIG": tmp_path / "unused.json"})
    spec = create_app(settings).openapi()
    undeclared = [
        f"{method.upper()} {path} {code}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for code, answer in operation["responses"].items()
        if code.startswith("2")
        and "schema" not in answer.get("content", {}).get("application/json", {})
    ]
    assert spec["paths"], "no route in the OpenAPI"
    assert undeclared == []
