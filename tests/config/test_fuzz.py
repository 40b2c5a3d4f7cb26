"""config-leader and config-follower hold their OpenAPI under fuzzing, on a PRIVATE cluster.

The suite configures itself through its leader (nginx and every service's env file), so the leader's
PUT /admin/settings, rollback and notify are fuzzed here against a leader and followers this test
starts on their own ports and folders, never against the suite's. Nothing is excluded. The run is the
one of tests/fuzz (same checks, examples, seed and time limit): loaded from there, not copied.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Cluster

FUZZ_CONFTEST = Path(__file__).resolve().parents[1] / "fuzz" / "conftest.py"


def fuzz_module() -> ModuleType:
    """tests/fuzz/conftest.py as a module (its fuzz_openapi runs schemathesis as `make test` does)."""
    name = "meridian_fuzz_run"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUZZ_CONFTEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def operations(cluster_url: str) -> list[str]:
    """Every "METHOD /path" of a service's OpenAPI."""
    spec = httpx.get(f"{cluster_url}/openapi.json", timeout=30).raise_for_status().json()
    return [f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops]


def test_leader_admin_api_under_fuzzing(cluster: Cluster) -> None:
    """Every route with the admin key: settings, history, rollback, notify (GET /conf answers 401)."""
    run = fuzz_module().fuzz_openapi(
        f"{cluster.leader.url}/openapi.json",
        base_url=cluster.leader.url,
        headers={"Authorization": cluster.admin_key},
        ca=None,
    )
    run.assert_clean()


def test_leader_conf_under_fuzzing_with_a_follower_key(shared_cluster: Cluster) -> None:
    """GET /conf with a follower's key (the admin routes, which answer it 401, left to the test above)."""
    leader = shared_cluster.leader.url
    others = {op: "fuzzed with the admin key" for op in operations(leader) if op != "GET /conf"}
    run = fuzz_module().fuzz_openapi(
        f"{leader}/openapi.json",
        base_url=leader,
        headers={"Authorization": shared_cluster.followers[0].key},
        exclude=others,
        ca=None,
    )
    run.assert_clean()


def test_follower_under_fuzzing(cluster: Cluster) -> None:
    """A private follower, directly (it listens without the gateway), with its leader key."""
    follower = cluster.followers[0]
    run = fuzz_module().fuzz_openapi(
        f"{follower.url}/openapi.json",
        base_url=follower.url,
        headers={"Authorization": follower.key},
        ca=None,
    )
    run.assert_clean()
