"""Which process an action names and what the agent is sent (agent/actions.py), without HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from ingest.agent.actions import action_payload, check_declared, find_process
from ingest.agent.schemas import ActionRequest
from meridian_kit.errors import NotFound

PROCS: list[dict[str, Any]] = [
    {"name": "api", "pm_id": 0, "axm_actions": [{"action_name": "hello"}, "not-a-dict"]},
    {"name": "worker", "pm_id": 1, "axm_actions": []},
]


def test_a_process_is_found_by_pm_id_or_by_name() -> None:
    assert find_process(PROCS, ActionRequest(action_name="x", process_id=1)) is PROCS[1]
    assert find_process(PROCS, ActionRequest(action_name="x", process_id="0")) is PROCS[0]
    assert find_process(PROCS, ActionRequest(action_name="x", process="worker")) is PROCS[1]
    assert find_process(PROCS, ActionRequest(action_name="x", process="nope")) is None


def test_an_undeclared_action_is_a_404_listing_the_declared_ones() -> None:
    check_declared(PROCS[0], "hello")
    with pytest.raises(NotFound) as refused:
        check_declared(PROCS[0], "bye")
    assert refused.value.detail == {"declared": ["hello"]}


def test_the_agent_gets_the_process_it_reported_and_a_uuid_when_scoped() -> None:
    body = ActionRequest(action_name="hello", process="api", opts={"n": 1})
    assert action_payload(PROCS[0], body) == (
        "trigger:action",
        {"action_name": "hello", "process_id": 0, "app_name": "api", "opts": {"n": 1}},
    )
    channel, payload = action_payload(
        None, ActionRequest(action_name="a", process_id=7, scoped=True)
    )
    assert channel == "trigger:scoped_action"
    assert payload["process_id"] == 7 and len(payload["uuid"]) == 32 and "app_name" not in payload
