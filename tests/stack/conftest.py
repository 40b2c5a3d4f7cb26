"""The local stack's own tests: they assume `make stack-up` (or `make test`, which runs it) brought
the engines up, and name the engine that does not answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stack: needs the local stack up (deploy/local/stack.sh up; `make test` runs it)"
    )


def load_checks() -> ModuleType:
    """deploy/local/checks.py, which is a script rather than a package."""
    spec = importlib.util.spec_from_file_location(
        "meridian_stack_checks", ROOT / "deploy" / "local" / "checks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def checks() -> ModuleType:
    return load_checks()
