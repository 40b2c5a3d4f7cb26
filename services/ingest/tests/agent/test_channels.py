"""Frames and status patches, without any engine."""

from __future__ import annotations

import pytest
from ingest.agent.channels import FrameError, apply_status_patch, check_push_frame, parse_frame
from ingest.agent.commands import Watch


def status(cpu: int, heap: str = "10.5") -> dict:
    return {
        "server_name": "m1",
        "data": {
            "process": [
                {
                    "name": "api",
                    "pm_id": 0,
                    "cpu": cpu,
                    "memory": 1000,
                    "axm_monitor": {"Heap Size": {"value": heap, "unit": "MiB"}},
                }
            ],
            "server": {"hostname": "h"},
        },
    }


def test_parse_frame_names_each_problem() -> None:
    assert parse_frame('{"channel": "logs", "payload": {"data": "x"}}') == ("logs", {"data": "x"})
    with pytest.raises(FrameError, match="not JSON"):
        parse_frame("{nope")
    with pytest.raises(FrameError, match="expected an object"):
        parse_frame("[1, 2]")
    with pytest.raises(FrameError, match="`channel` must be a non-empty string"):
        parse_frame('{"payload": {}}')
    with pytest.raises(FrameError, match="longer than"):
        parse_frame('{"channel": "' + "x" * 500 + '"}')


def test_push_frames_refuse_patches_and_bad_status() -> None:
    assert check_push_frame(0, {"channel": "custom", "payload": 3}) == ("custom", 3)
    with pytest.raises(FrameError, match=r"\[2\].channel: status:patch"):
        check_push_frame(2, {"channel": "status:patch", "payload": []})
    with pytest.raises(FrameError, match=r"\[1\].payload"):
        check_push_frame(1, {"channel": "status", "payload": "x"})


def test_status_patch_applies_rfc6902_and_refuses_what_does_not_apply() -> None:
    first = status(5)
    ops = [
        {"op": "replace", "path": "/data/process/0/cpu", "value": 42},
        {"op": "replace", "path": "/data/process/0/axm_monitor/Heap Size/value", "value": "11"},
    ]
    patched = apply_status_patch(first, ops)
    assert patched is not None
    assert patched["data"]["process"][0]["cpu"] == 42
    assert patched["data"]["process"][0]["axm_monitor"]["Heap Size"]["value"] == "11"
    assert patched is first  # applied where the session keeps it, no copy per patch
    assert (
        apply_status_patch(first, [{"op": "replace", "path": "/data/process/7/cpu", "value": 1}])
        is None
    )
    assert (
        apply_status_patch(first, [{"op": "test", "path": "/server_name", "value": "other"}])
        is None
    )
    assert apply_status_patch(None, ops) is None
    assert apply_status_patch(first, {"not": "a list"}) is None


def test_command_answers_are_matched_by_process_and_action() -> None:
    watch = Watch("id", "me", "trigger:action", {"action_name": "hello", "process_id": 3}, 0)
    assert watch.matches("trigger:action:success", {"id": 3, "action_name": "hello"}) is False
    assert watch.matches("trigger:action:success", {"id": 4, "action_name": "hello"}) is None
    reply = {"process": {"pm_id": 3}, "data": {"action_name": "hello", "return": {"ok": 1}}}
    assert watch.matches("axm:reply", reply) is True
    assert watch.matches("trigger:action:failure", {"id": "3", "action_name": "hello"}) is True
    pm2 = Watch(
        "id",
        "me",
        "trigger:pm2:action",
        {"method_name": "restart", "parameters": {"name": "api"}},
        0,
    )
    result = {"ret": {"err": None}, "meta": {"method_name": "restart", "app_name": "api"}}
    assert pm2.matches("trigger:pm2:result", result) is True
    assert (
        pm2.matches("trigger:pm2:result", {"meta": {"method_name": "reload", "app_name": "api"}})
        is None
    )
