"""RFC 6902 patches on a kept status: every operation, what must not apply, and agreement with the
jsonpatch library on patches it computes between statuses as an agent's would change."""

from __future__ import annotations

import copy
import random
from typing import Any

import jsonpatch
import pytest
from ingest.agent.status_patch import PatchError, apply_patch


def doc() -> dict[str, Any]:
    return {"a": {"b": [1, 2, 3], "c/d": "slash", "e~f": "tilde"}, "n": None}


def test_each_operation() -> None:
    ops = [
        {"op": "add", "path": "/a/b/1", "value": 9},
        {"op": "add", "path": "/a/b/-", "value": 4},
        {"op": "remove", "path": "/a/b/0"},
        {"op": "replace", "path": "/a/c~1d", "value": "replaced"},
        {"op": "copy", "from": "/a/b", "path": "/copied"},
        {"op": "move", "from": "/a/e~0f", "path": "/moved"},
        {"op": "test", "path": "/n", "value": None},
        {"op": "add", "path": "/copied/0", "value": 0},
    ]
    result = apply_patch(doc(), ops)
    assert result == {
        "a": {"b": [9, 2, 3, 4], "c/d": "replaced"},
        "n": None,
        "copied": [0, 9, 2, 3, 4],  # a copy: adding to it left /a/b alone
        "moved": "tilde",
    }
    assert apply_patch(doc(), [{"op": "replace", "path": "", "value": {"x": 1}}]) == {"x": 1}


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/missing", "value": 1},
        {"op": "remove", "path": "/a/b/3"},
        {"op": "add", "path": "/a/b/4", "value": 1},
        {"op": "add", "path": "/a/b/01", "value": 1},
        {"op": "add", "path": "/n/x", "value": 1},
        {"op": "add", "path": "a", "value": 1},
        {"op": "add", "path": "/a/x~2", "value": 1},
        {"op": "add", "path": "/a/x"},
        {"op": "test", "path": "/a/b/0", "value": 2},
        {"op": "move", "from": "/a", "path": "/a/b/inside"},
        {"op": "copy", "path": "/x"},
        {"op": "remove", "path": ""},
        {"op": "frobnicate", "path": "/a"},
        ["not", "an", "object"],
    ],
)
def test_what_does_not_apply(op: Any) -> None:
    with pytest.raises(PatchError):
        apply_patch(doc(), [op])


def agent_status(rng: random.Random) -> dict[str, Any]:
    procs = [
        {
            "name": f"app-{i}",
            "pm_id": i,
            "cpu": rng.randint(0, 100),
            "memory": rng.randint(1, 10**9),
            "axm_monitor": {
                name: {"value": rng.random(), "unit": "ms"}
                for name in rng.sample(
                    ["Heap Size", "HTTP", "p95", "a/b", "t~x"], rng.randint(0, 5)
                )
            },
        }
        for i in range(rng.randint(0, 4))
    ]
    return {"data": {"process": procs, "server": {"uptime": rng.randint(0, 10**6)}}}


def test_agrees_with_jsonpatch_on_generated_patches() -> None:
    rng = random.Random(17)
    current = agent_status(rng)
    for _ in range(300):
        following = agent_status(rng)
        operations = jsonpatch.make_patch(current, following).patch
        expected = jsonpatch.apply_patch(current, operations, in_place=False)
        assert apply_patch(copy.deepcopy(current), operations) == expected == following
        current = following
