"""Every test sees the development settings of the local stack (.local/dev.env), as the services do."""

from __future__ import annotations

import os
from pathlib import Path

DEV_ENV = Path(__file__).parent / ".local" / "dev.env"
# The fixtures `leader` and `leader_token` (a token the running suite's leader signed) for the
# services' operator-token tests.
pytest_plugins = ["meridian_kit.operator_tokens_testing"]


def _load_dev_env() -> None:
    if not DEV_ENV.exists():
        return
    for line in DEV_ENV.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


_load_dev_env()


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line(
        "markers",
        "outage: stops and restarts a shared engine; runs only with MERIDIAN_OUTAGE_TESTS=1 "
        "(make test sets it), so engineers sharing a stack are not disturbed",
    )


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("MERIDIAN_OUTAGE_TESTS") == "1":
        return
    import pytest

    skip = pytest.mark.skip(reason="stops a shared engine: set MERIDIAN_OUTAGE_TESTS=1 to run")
    for item in items:
        if "outage" in item.keywords:
            item.add_marker(skip)
