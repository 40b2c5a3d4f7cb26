"""Frames into documents, without any engine."""

from __future__ import annotations

from typing import Any

from ingest.intake.documents import documents, instant, number
from ingest.intake.stream import Entry

NOW = 1_700_000_000_000


def entry(frames: list) -> Entry:
    return Entry(
        id="1700000000000-0",
        bucket="abc",
        bucket_name="b",
        server="m1",
        received_ms=NOW,
        frames=frames,
    )


def test_numbers_and_instants_are_parsed_defensively() -> None:
    assert number("10.23") == 10.23
    assert number(7) == 7.0
    assert number("1.5 MiB") is None
    assert number(True) is None
    assert number(float("nan")) is None
    assert instant(NOW - 5000, NOW) == NOW - 5000
    assert instant((NOW - 5000) / 1000, NOW) == NOW - 5000
    assert instant("2023-11-14T22:13:15Z", NOW) == 1_699_999_995_000
    assert instant(12, NOW) == NOW  # implausible: the receipt time is used
    assert instant("yesterday", NOW) == NOW


STATUS_FRAME = (
    "status",
    {
        "data": {
            "process": [
                {
                    "name": "api",
                    "pm_id": 0,
                    "cpu": 3,
                    "memory": 10,
                    "axm_monitor": {
                        "Heap Size": {"value": "10.5", "unit": "MiB"},
                        "label": {"value": "abc"},
                    },
                    "axm_actions": [{"action_name": "hello"}],
                },
                {"name": "worker", "pm_id": 1, "cpu": "x"},
            ]
        }
    },
)


def one_frame_per_channel_family() -> list[tuple[str, Any]]:
    """A status of two processes, then a log, an exception, a span, a profile, an unknown channel."""
    return [
        STATUS_FRAME,
        (
            "logs",
            {
                "data": "hello\n",
                "log_type": "err",
                "at": NOW - 10,
                "process": {"name": "api", "pm_id": 0},
            },
        ),
        (
            "process:exception",
            {
                "data": {"message": "boom", "stack": "Error: boom\n at x"},
                "process": {"name": "api"},
            },
        ),
        ("trace-span", {"traceId": "t", "id": "s", "name": "GET /", "duration": 12}),
        ("profilings", {"data": {"type": "cpuprofile", "uuid": "u", "success": True}}),
        ("my:custom", [1, 2, 3]),
    ]


def test_each_channel_family_has_its_kind_and_ids_are_deterministic() -> None:
    frames = one_frame_per_channel_family()
    docs = documents(entry(frames))
    assert [d.kind for d in docs] == [
        "status",
        "status",
        "logs",
        "exceptions",
        "traces",
        "profilings",
        "events",
    ]
    assert [d.id for d in docs][:3] == [
        "1700000000000-0.0.0",
        "1700000000000-0.0.1",
        "1700000000000-0.1.0",
    ]
    assert [d.id for d in documents(entry(frames))] == [d.id for d in docs]
    api = docs[0].source
    assert api["metrics"] == [
        {"name": "Heap Size", "value": 10.5, "text": "10.5", "unit": "MiB"},
        {"name": "label", "value": None, "text": "abc"},
    ]
    assert api["actions"] == ["hello"]
    assert "cpu" not in docs[1].source  # "x" is not a number
    assert docs[2].source["stream"] == "err" and docs[2].source["@timestamp"] == NOW - 10
    assert docs[3].source["fingerprint"] == documents(entry(frames))[3].source["fingerprint"]
    assert docs[6].source["channel"] == "my:custom"
    assert docs[6].source["data"] == {"payload": [1, 2, 3]}


def test_fields_an_index_maps_never_get_a_value_its_mapping_refuses() -> None:
    """An object where a keyword goes, or an integer past a long, would make Elasticsearch refuse
    the whole document (it would end in the dead-letter stream)."""
    deep: dict = {"a": [{"b": {"c": 1}}]}
    proc = {
        "name": "api",
        "pm_id": 0,
        "pid": 2**64,
        "status": deep,
        "memory": 1e300,
        "cpu": 3,
        "restart_time": -(2**70),
        "pm_uptime": 10**17,
        "exec_mode": ["cluster"],
        "node_env": 5,
        "unique_id": None,
    }
    span = {"traceId": deep, "id": "s1", "name": ["x"], "duration": 2**64}
    docs = documents(
        entry(
            [
                ("status", {"data": {"process": [proc]}}),
                ("trace-span", span),
                ("logs", {"data": "line", "log_type": {"x": 1}}),
                ("profiling", {"data": {"type": deep, "uuid": 7}}),
            ]
        )
    )
    status, trace, log, profile = (d.source for d in docs)
    for key in ("pid", "status", "memory", "restart_time", "pm_uptime", "exec_mode", "unique_id"):
        assert key not in status, key
    assert status["node_env"] == "5"
    assert status["cpu"] == 3.0
    assert "trace_id" not in trace and "span_name" not in trace and "duration" not in trace
    assert trace["span_id"] == "s1"
    assert log["stream"] == "out"
    assert "type" not in profile and profile["uuid"] == "7"
