"""The collector tuning serve() applies before uvicorn starts."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from meridian_kit.server import DEFAULT_GC_GEN0_THRESHOLD, tune_gc


@pytest.fixture(autouse=True)
def keep_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_raises_the_first_threshold_and_keeps_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GC_GEN0_THRESHOLD", raising=False)
    gc.set_threshold(700, 10, 10)
    tune_gc()
    assert gc.get_threshold() == (DEFAULT_GC_GEN0_THRESHOLD, 10, 10)


def test_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GC_GEN0_THRESHOLD", "12345")
    tune_gc()
    assert gc.get_threshold()[0] == 12345


def test_zero_keeps_pythons_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GC_GEN0_THRESHOLD", "0")
    gc.set_threshold(700, 10, 10)
    tune_gc()
    assert gc.get_threshold() == (700, 10, 10)


def test_serve_runs_uvicorn_with_the_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    from meridian_kit.http_timeouts import TimeoutHttpToolsProtocol
    from meridian_kit.server import server_options

    monkeypatch.setenv("HTTP_KEEPALIVE_TIMEOUT", "7")
    options = server_options()
    assert options["http"] is TimeoutHttpToolsProtocol
    assert options["timeout_keep_alive"] == 7
    assert options["access_log"] is False
